"""What a turn returns: plain data the chat renders as cards and tables and the CLI prints or dumps.

Nothing in here holds a real patient id or an unredacted text: rows carry the pseudonymous id, an
age band and redacted snippets only. The real ids stay inside ``Session`` (for the timeline and
similar-patient look-ups of rows the user has already been shown) and never reach a view.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from query_compiler.criteria import to_dict
from query_compiler.engine.facts import Fact


@dataclass(frozen=True)
class Understanding:
    """The parser's answer, in the assistant's words: criteria plus what it assumed or missed."""

    question: str
    criteria: Any  # query_compiler.criteria node, or None when nothing was understood
    assumptions: tuple[str, ...] = ()
    not_understood: tuple[str, ...] = ()
    clarifications: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()  # (part, "terminology" | "llm")
    confidence: float | None = None
    seconds: float = 0.0
    # the conversation: the words typed for this turn, the criteria they were read against (None for
    # a new question) and whether they refined them
    message: str = ""
    previous: Any = None
    followup: bool | None = None
    # the LLM: words only it may still place; "" (not needed), "pending", "added", "unchanged",
    # "timeout" or "error"; what it added, in words; how long it took
    llm_words: tuple[str, ...] = ()
    llm: str = ""
    llm_added: tuple[str, ...] = ()
    llm_seconds: float = 0.0


@dataclass(frozen=True)
class PatientRow:
    pseudo_id: str
    age_band: str  # at the diagnosis of the tumour the criteria matched (else the first one)
    sex: str
    vital_status: str | None
    facts: tuple[Fact, ...] = ()
    site: str = ""  # that tumour's site ("C50.4 (sein)")


@dataclass(frozen=True)
class CentreCount:
    centre_id: str
    centre_name: str
    count: int | None  # None when suppressed
    display: str  # "23" or "< 10"


@dataclass(frozen=True)
class TurnResult:
    """One answered question: the criteria card, the counts, the first page of rows."""

    understanding: Understanding
    criteria_text: str  # readable sentences in the user's language
    compact: str | None  # the compact form a referent can edit
    count: int
    centre_id: str
    centre_name: str
    other_centres: tuple[CentreCount, ...] = ()
    rows: tuple[PatientRow, ...] = ()
    page: int = 1
    page_size: int = 20
    lang: str = "fr"
    min_count: int = 10  # other centres' counts below this are masked

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.count

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (``cohort ask --json``); criteria as the canonical dict."""
        data = asdict(self)
        data["understanding"]["criteria"] = (
            to_dict(self.understanding.criteria) if self.understanding.criteria is not None else None
        )
        data["understanding"]["previous"] = (
            to_dict(self.understanding.previous) if self.understanding.previous is not None else None
        )
        return data


@dataclass(frozen=True)
class ExportResult:
    path: str | None
    content: str
    rows: int
    purpose: str
    audit_id: int | None
    format: str = "csv"  # csv | fhir


@dataclass(frozen=True)
class SimilarRow:
    pseudo_id: str
    score: float
    age_band: str
    sex: str
    shared: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimilarResult:
    source: str  # a pseudonymous id, or "case"
    rows: tuple[SimilarRow, ...]
    facts: tuple[str, ...] = ()  # what was compared, in words
    index: dict[str, Any] = field(default_factory=dict)  # kind, size, text model, structured weight


@dataclass(frozen=True)
class ReferentRequest:
    id: int
    from_user: str
    question: str | None
    criteria_json: str | None
    comment: str | None
    status: str
    answered_by: str | None
    answer_comment: str | None
    saved_query_id: int | None
    created_at: str
