"""One person's conversation with the records: the engine behind both the chat and the CLI.

A turn has three stages that front ends show as steps: ``understand`` (parser, maybe a slow LLM),
``search`` (governed count, other centres' anonymous counts, one page of rows) and ``anonymise``
(rows → pseudonymous, redacted view). The stages never touch the session's state; ``commit``
stores a finished turn in one assignment. A chat that cancels a slow parse therefore leaves the
previous question, criteria and rows exactly as they were — there is no half-updated state to
repair. ``ask`` / ``refine`` / ``edit_criteria`` chain the stages for the CLI and tests.

Every read of patient data goes through ``self.governed`` (``privacy.governed.GovernedEngine``):
scope, rights, redaction, pseudonyms and audit are the privacy layer's, written once there.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from assistant.core.errors import AssistantError, log
from assistant.core.limits import check_question
from assistant.core.operations import Operations
from assistant.core.present import highlight_words, patient_row
from assistant.core.results import CentreCount, PatientRow, TurnResult, Understanding
from assistant.core.understanding import criteria_from_text, describe_change, understand
from assistant.i18n import Lang, normalise_lang, t
from privacy.governed import GovernedEngine
from privacy.roles import Permission, permission_label, role_label
from privacy.users import User
from query_compiler.criteria import parse_criteria
from query_compiler.criteria.compact import to_compact
from query_compiler.engine import CohortEngine
from query_compiler.render import render
from retrieval.settings import get_settings

DEFAULT_PAGE_SIZE = 10


@dataclass(frozen=True)
class Found:
    """The output of ``search``: counts and raw (not yet shown) rows for one criteria tree."""

    understanding: Understanding
    count: int
    others: tuple[CentreCount, ...]
    rows: tuple[PatientRow, ...]
    page: int


@dataclass
class State:
    """What the conversation remembers; replaced as a whole by ``commit``."""

    result: TurnResult | None = None
    history: tuple[str, ...] = ()
    before: TurnResult | None = None  # the turn before the current one (to read a message again)

    @property
    def criteria(self) -> Any:
        return self.result.understanding.criteria if self.result else None

    @property
    def question(self) -> str | None:
        return self.result.understanding.question if self.result else None


class Session(Operations):
    """A signed-in user's session. Thread-safe enough for one chat: stages are pure, commit is atomic."""

    def __init__(
        self,
        store: Any,
        user: User,
        *,
        lang: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        use_llm: bool = True,
        today: date | None = None,
    ) -> None:
        self.store = store
        self.user = user
        self.lang: Lang = normalise_lang(lang or user.language)
        self.page_size = page_size
        self.sort: str | None = None  # patient order of the pages (``query_compiler.engine.SORTS``)
        self.use_llm = use_llm
        self.governed = GovernedEngine(store, user, engine=CohortEngine(store, today))
        self.state = State()
        self._llm_lock = threading.Lock()
        self._llm_cancel: threading.Event | None = None

    # -- small helpers ---------------------------------------------------------------------------
    def set_language(self, lang: str) -> Lang:
        self.lang = normalise_lang(lang)
        return self.lang

    def can(self, permission: Permission) -> bool:
        return self.user.can(permission)

    def require(self, permission: Permission) -> None:
        """Refuse, in the user's language, what the role does not allow (before any work)."""
        if not self.user.can(permission):
            raise AssistantError(
                "error.forbidden",
                role=role_label(self.user.role, self.lang),
                what=permission_label(permission, self.lang),
            )

    @property
    def min_count(self) -> int:
        return get_settings().min_count

    @property
    def centre_name(self) -> str:
        name = self.store.scalar("SELECT name FROM centres WHERE id = :c", {"c": self.user.centre_id})
        return str(name or self.user.centre_id)

    @property
    def criteria(self) -> Any:
        return self.state.criteria

    def _current(self) -> TurnResult:
        if self.state.result is None:
            raise AssistantError("error.no_question")
        return self.state.result

    def render(self, node: Any) -> str:
        return render(node, self.lang)

    # -- the three stages ------------------------------------------------------------------------
    def understand(self, text: str, *, refine: bool | None = None) -> Understanding:
        """A message → Understanding, at once (terminology only); changes nothing.

        The message is read against the current criteria: the parser decides whether it refines
        them ("seulement celles de plus de 60 ans") or starts over. ``refine=True`` (a "Refine"
        button) forces a refinement, ``refine=False`` a new question. Words only the LLM may place
        are in ``llm_words``: ``with_llm`` reads them afterwards, under a deadline."""
        return self._read(text, self.state.result, refine)

    def reread(self, *, refine: bool) -> Understanding:
        """The current turn's message read again, as a refinement of the turn before it or as a new
        question (when the parser's guess was wrong); run it with ``same_turn=True``."""
        current = self._current().understanding
        if not current.message:
            raise AssistantError("error.no_question")
        return self._read(current.message, self.state.before, refine)

    def _read(self, text: str, base: TurnResult | None, refine: bool | None) -> Understanding:
        text = (text or "").strip()
        if not text:
            raise AssistantError("error.empty")
        check_question(text)
        previous = None if refine is False or base is None else base.understanding.criteria
        if refine and previous is None:
            raise AssistantError("error.no_question")
        self.cancel_llm()  # a new message makes an unfinished refinement of the last one pointless
        started = time.perf_counter()
        res = understand(text, previous, use_llm=False, lang=self.lang, followup=refine)
        u = self._understanding(text, previous, res, time.perf_counter() - started)
        if u.followup is None and base is not None:  # read as a new question although one came before
            u = replace(u, followup=False)
        if u.followup and base is not None and base.understanding.question:
            u = replace(u, question=f"{base.understanding.question} → {text}")
        if u.llm_words and self.use_llm:
            u = replace(u, llm="pending")
        return u

    def with_llm(self, u: Understanding, *, wait: bool = False) -> Understanding:
        """The same message read again with the LLM asked about ``u.llm_words``, under the deadline
        (``COHORT_LLM_DEADLINE``; no deadline when ``wait``). Changes nothing; ``llm`` says what came
        of it, and ``llm_added`` what the LLM added (only when the criteria changed)."""
        if not u.llm_words or not self.use_llm:
            return u
        cancel = threading.Event()
        with self._llm_lock:
            self._llm_cancel = cancel
        deadline = None if wait else time.monotonic() + get_settings().llm_deadline
        res = understand(
            u.message,
            u.previous,
            use_llm=True,
            lang=self.lang,
            followup=u.followup,
            deadline=deadline,
            cancel=cancel,
        )
        status = "unchanged"
        if res.llm_timed_out:
            status = "cancelled" if res.llm_error == "cancelled" else "timeout"
        elif res.llm_error:
            status = "error"
        if res.refused or res.criteria is None or status != "unchanged" or res.criteria == u.criteria:
            return replace(u, llm=status, llm_seconds=res.llm_seconds)
        added = tuple(describe_change(u.criteria, res.criteria, self.lang))
        new = self._understanding(u.message, u.previous, res, u.seconds + res.llm_seconds)
        return replace(
            new,
            question=u.question,
            llm="added",
            llm_added=added,
            llm_words=u.llm_words,
            llm_seconds=res.llm_seconds,
        )

    def cancel_llm(self) -> None:
        """Stop the LLM reading of an earlier message, if one is still running."""
        with self._llm_lock:
            if self._llm_cancel is not None:
                self._llm_cancel.set()
                self._llm_cancel = None

    def _understanding(self, text: str, previous: Any, res: Any, seconds: float) -> Understanding:
        if res.refused:
            raise AssistantError("error.refused", reason=res.refusal or "")
        if res.criteria is None:
            raise AssistantError(
                "error.not_understood", question=text, example=t("welcome.example", self.lang)
            )
        followup = bool(res.followup)
        return Understanding(
            question=text,
            criteria=res.criteria,
            assumptions=tuple(res.assumptions),
            not_understood=tuple(res.not_understood),
            clarifications=tuple(res.clarifications),
            sources=tuple((str(s.text or s.field), str(s.source)) for s in res.sources),
            confidence=res.confidence,
            seconds=seconds,
            message=text,
            previous=previous if followup else None,
            followup=res.followup,
            llm_words=tuple(res.llm_words) if not res.used_llm else (),
        )

    def search(self, understanding: Understanding, *, page: int = 1) -> Found:
        """Governed count, anonymous counts elsewhere, and one page of rows (scoped, audited)."""
        self.require(Permission.COUNT)
        node = understanding.criteria
        count = int(self.governed.count(node))
        others = self.other_centres(node)
        rows: list[PatientRow] = []
        if self.user.can(Permission.VIEW_ROWS) and count:
            result = self.governed.list_patients(
                node, page=page, page_size=self.page_size, sort=self.sort, lang=self.lang
            )
            words = highlight_words(node)
            rows = [patient_row(r, self.lang, words) for r in result.rows]
        return Found(understanding, count, others, tuple(rows), page)

    def other_centres(self, node: Any) -> tuple[CentreCount, ...]:
        """Anonymous counts of the other centres (threshold, rounding, differencing guard applied)."""
        if not self.user.can(Permission.CROSS_CENTRE_COUNTS):
            return ()
        names = {r["id"]: r["name"] for r in self.store.query("SELECT id, name FROM centres")}
        try:
            cells = self.governed.count_by_centre(node)
        except AssistantError:
            raise
        except Exception:  # noqa: BLE001 - the other centres' counts must not sink the answer
            log.exception("cross-centre counts failed")
            return (CentreCount("", t("count.other.failed", self.lang), None, "—"),)
        out = []
        for cell in cells:
            if cell.centre_id == self.user.centre_id:
                continue
            display = cell.display
            if cell.status in ("small", "withheld"):
                display = cell.explain(self.lang, self.governed.min_count)
            out.append(
                CentreCount(cell.centre_id, names.get(cell.centre_id, cell.centre_id), cell.value, display)
            )
        return tuple(out)

    def anonymise(self, found: Found) -> TurnResult:
        """The view a person may see: pseudonymous rows, masked snippets, readable criteria."""
        rows = tuple(self.hide_snippets(found.rows))
        u = found.understanding
        return TurnResult(
            understanding=u,
            criteria_text=render(u.criteria, self.lang),
            compact=to_compact(u.criteria),
            count=found.count,
            centre_id=self.user.centre_id,
            centre_name=self.centre_name,
            other_centres=found.others,
            rows=rows,
            page=found.page,
            page_size=self.page_size,
            lang=self.lang,
            min_count=self.min_count,
        )

    def hide_snippets(self, rows: tuple[PatientRow, ...] | list[PatientRow]) -> list[PatientRow]:
        """The governed engine masked every snippet already; roles without the right to read report
        excerpts get none, whatever came back (defence in depth)."""
        if self.user.can(Permission.VIEW_SNIPPETS):
            return list(rows)
        return [replace(r, facts=tuple(replace(f, snippet=None) for f in r.facts)) for r in rows]

    def commit(
        self, result: TurnResult, found: Found | None = None, *, same_turn: bool = False
    ) -> TurnResult:
        """Make a finished turn the current one (a single assignment: nothing half-done survives).

        ``same_turn``: the result replaces the current turn (another page, the LLM's refinement, the
        message read again) instead of following it."""
        history = self.state.history
        if not history or history[-1] != result.understanding.question:
            history = (*history, result.understanding.question)
        before = self.state.before if same_turn else self.state.result
        self.state = State(result=result, history=history[-50:], before=before)
        return result

    def run(self, understanding: Understanding, *, page: int = 1, same_turn: bool = False) -> TurnResult:
        found = self.search(understanding, page=page)
        return self.commit(self.anonymise(found), found, same_turn=same_turn)

    # -- conversation operations -----------------------------------------------------------------
    def ask(self, message: str, *, refine: bool | None = None, wait_llm: bool = False) -> TurnResult:
        """One turn for callers that want the final answer (CLI ``--question``, tests): the first
        answer, then the LLM's refinement within the deadline when it changes the criteria."""
        u = self.understand(message, refine=refine)
        result = self.run(u)
        if u.llm == "pending":
            refined = self.with_llm(u, wait=wait_llm)
            if refined.llm == "added":
                return self.run(refined, same_turn=True)
        return result

    def refine(self, follow_up: str) -> TurnResult:
        return self.ask(follow_up, refine=True)

    def understand_edit(self, text: str) -> Understanding:
        """A referent's corrected criteria (compact form or JSON) → Understanding, validated and audited."""
        self.require(Permission.EDIT_CRITERIA)
        node = criteria_from_text(text)
        question = self.state.question or text
        self.audit("edit_criteria", criteria=node, details=question)
        return Understanding(question=question, criteria=node)

    def edit_criteria(self, text: str) -> TurnResult:
        return self.run(self.understand_edit(text))

    def run_criteria(self, node: Any, question: str | None = None) -> TurnResult:
        """Hand-written criteria (``cohort query``): a referent's right, like editing them in the chat."""
        self.require(Permission.EDIT_CRITERIA)
        node = parse_criteria(node)
        self.audit("edit_criteria", criteria=node, details=question or "hand-written criteria")
        return self.run(Understanding(question=question or "", criteria=node))

    def next_page(self) -> TurnResult:
        current = self._current()
        page = current.page + 1 if current.has_more else 1
        return self.run(current.understanding, page=page, same_turn=True)

    def show_sql(self) -> tuple[str, dict[str, Any], str]:
        """The compiled query of the current criteria (referents), as the engine runs it."""
        self.require(Permission.EDIT_CRITERIA)
        compiled = self.governed.compiled_sql(self._current().understanding.criteria)
        return compiled.pretty(), dict(compiled.params or {}), str(compiled.dialect)

    def audit(
        self,
        action: str,
        *,
        criteria: Any = None,
        size: int | None = None,
        purpose: str | None = None,
        details: str | None = None,
    ) -> int | None:
        """One entry of the privacy area's hash-chained audit trail; returns its number."""
        entry = self.governed.audit.record(
            self.user,
            action,
            centre_id=self.user.centre_id,
            criteria=criteria,
            result_size=size,
            purpose=purpose,
            details={"note": details, "via": "assistant"} if details else {"via": "assistant"},
        )
        return entry.id
