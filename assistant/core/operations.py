"""Everything a session does besides asking: saved queries and cohorts, export, similar patients,
timeline, the ask-a-referent queue, and the administration of accounts, the audit trail and the
opposition register. Mixed into ``Session`` (kept apart to keep files short).

Every operation that reveals or moves patient data checks the user's right first and goes through
the privacy layer (``self.governed``), which writes the audit entry; errors are ``AssistantError``
sentences in the user's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.core import export as exporting
from assistant.core import requests as referent
from assistant.core.errors import AssistantError
from assistant.core.present import age_band, patient_row
from assistant.core.results import (
    ExportResult,
    ReferentRequest,
    SimilarResult,
    SimilarRow,
    TurnResult,
    Understanding,
)
from assistant.core.timeline import render_timeline
from assistant.core.understanding import criteria_from_text
from assistant.i18n import Lang, t
from privacy import users as accounts
from privacy.audit import AuditEntry, VerifyReport
from privacy.governed import MIN_PURPOSE, GovernedEngine, UnknownPatient
from privacy.roles import Permission
from privacy.users import User
from query_compiler.compiler.similar import case_facts
from query_compiler.criteria import parse_criteria, to_json
from query_compiler.engine.saved import SavedCohort, SavedQuery
from query_compiler.parser.case import read_case
from retrieval.similar.index import IndexMissing

OPS = ("union", "intersection", "difference")
EXPORT_FORMATS = ("csv", "fhir")
_OP_WORDS = {
    "union": "union", "∪": "union", "ou": "union", "or": "union", "+": "union",
    "intersection": "intersection", "inter": "intersection", "∩": "intersection", "et": "intersection",
    "and": "intersection", "&": "intersection",
    "difference": "difference", "différence": "difference", "moins": "difference", "minus": "difference",
    "sauf": "difference", "except": "difference", "-": "difference",
}


@contextmanager
def unknown_patient(pseudo: str) -> Iterator[None]:
    """A pseudonym the user may not reach reads as unknown, whether it exists elsewhere or not."""
    try:
        yield
    except UnknownPatient:
        raise AssistantError("error.unknown_patient", pseudo=pseudo.strip()) from None


def parse_combination(text: str) -> tuple[str, str, str, str | None]:
    """'1 union 2 [name]' / 'A intersection B' → (a, op, b, name)."""
    words = text.split()
    for i, w in enumerate(words):
        op = _OP_WORDS.get(w.lower())
        if op and 0 < i < len(words) - 1:
            return " ".join(words[:i]), op, words[i + 1], " ".join(words[i + 2 :]) or None
    raise AssistantError("error.bad_combine")


def op_of(word: str) -> str:
    op = _OP_WORDS.get(word.strip().lower())
    if op is None:
        raise AssistantError("error.bad_combine")
    return op


class Operations:
    """Methods of ``Session`` beyond the question/answer turn (the attributes below are Session's)."""

    store: Any
    user: User
    lang: Lang
    governed: GovernedEngine

    def _current(self) -> TurnResult:  # pragma: no cover - Session's
        raise NotImplementedError

    def require(self, permission: Permission) -> None:  # pragma: no cover - Session's
        raise NotImplementedError

    def run(self, understanding: Understanding, *, page: int = 1) -> TurnResult:  # pragma: no cover
        raise NotImplementedError

    def audit(self, action: str, **kwargs: Any) -> int | None:  # pragma: no cover - Session's
        raise NotImplementedError

    def hide_snippets(self, rows: Any) -> list[Any]:  # pragma: no cover - Session's
        raise NotImplementedError

    def render(self, node: Any) -> str:  # pragma: no cover - Session's
        raise NotImplementedError

    @property
    def _engine(self) -> Any:
        return self.governed.engine

    # -- saved queries ---------------------------------------------------------------------------
    def save_query(self, name: str, *, shared: bool = False) -> SavedQuery:
        current = self._current()
        node = current.understanding.criteria
        question = current.understanding.question
        name = name.strip() or (question or "?")[:80]
        q = self._engine.save_query(
            name, node, self.user.username, question=question, centre_id=self.user.centre_id, shared=shared
        )
        self.audit("save_query", criteria=node, details=f"query {q.id}: {q.name}")
        return q

    def list_saved(self) -> list[SavedQuery]:
        return self._engine.saved_queries(self.user.username, self.user.centre_id)

    def get_saved(self, ref: Any) -> SavedQuery:
        q = self._engine.find_saved_query(ref, self.user.username, self.user.centre_id)
        if q is None:
            raise AssistantError("error.unknown_query", ref=str(ref).strip())
        return q

    def run_saved(self, ref: Any) -> TurnResult:
        q = self.get_saved(ref)
        result = self.run(Understanding(question=q.question or q.name, criteria=q.criteria))
        self._engine.mark_run(q.id)
        return result

    # -- saved cohorts ---------------------------------------------------------------------------
    def save_cohort(self, name: str) -> SavedCohort:
        """Freeze the current criteria's patients (own centre, opposed out) under a name; audited."""
        self.require(Permission.VIEW_ROWS)
        node = self._current().understanding.criteria
        c = self._engine.save_cohort(name.strip() or "cohorte", node, self.user.username, self.governed.scope)
        self.audit("save_cohort", criteria=node, size=c.size, details=f"cohort {c.id}: {c.name}")
        return c

    def list_cohorts(self) -> list[SavedCohort]:
        return self._engine.saved_cohorts(self.user.username)

    def get_cohort(self, ref: Any) -> SavedCohort:
        c = self._engine.find_saved_cohort(ref, self.user.username)
        if c is None:
            raise AssistantError("error.unknown_cohort", ref=str(ref).strip())
        return c

    def combine(self, a: Any, op: str, b: Any, name: str | None = None) -> SavedCohort:
        """Union / intersection / difference of two of the user's own cohorts, saved as a new one."""
        op = op_of(op)
        ca, cb = self.get_cohort(a), self.get_cohort(b)
        label = f"{ca.name} {t('op.' + op, self.lang)} {cb.name}"
        c = self._engine.combine_cohorts(op, ca.id, cb.id, name or label, self.user.username)
        self.audit("combine_cohorts", size=c.size, details=f"{ca.id} {op} {cb.id} -> {c.id}")
        return replace(c, origin=label)  # in the user's words, not the engine's "union of #1 and #2"

    def combine_text(self, text: str) -> SavedCohort:
        a, op, b, name = parse_combination(text)
        return self.combine(a, op, b, name)

    # -- export ----------------------------------------------------------------------------------
    def export_csv(self, purpose: str, path: str | Path | None = None) -> ExportResult:
        """CSV of the current cohort (see ``export``)."""
        return self.export(purpose, path, "csv")

    def export(self, purpose: str, path: str | Path | None = None, fmt: str = "csv") -> ExportResult:
        """The current cohort, pseudonymised for export, as CSV (``fmt="csv"``: one column per criterion,
        redacted snippets) or as a FHIR R4 Bundle (``fmt="fhir"``: each patient's coded record, dates
        shifted, no text); the governed engine checks the right and audits the purpose and the scope."""
        self.require(Permission.EXPORT)
        if fmt not in EXPORT_FORMATS:
            raise AssistantError("error.export_format", fmt=fmt, formats=", ".join(EXPORT_FORMATS))
        purpose = (purpose or "").strip()
        if len(purpose) < MIN_PURPOSE:
            raise AssistantError("error.purpose_required", n=MIN_PURPOSE)
        node = self._current().understanding.criteria
        export = self.governed.export(node, purpose=purpose, lang=self.lang, clinical=fmt == "fhir")
        if fmt == "fhir":
            stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
            text = exporting.to_fhir(export.rows, purpose=purpose, audit_id=export.audit_id, timestamp=stamp)
            rows_n = len(export.rows)
        else:
            # no Markdown in CSV
            rows = self.hide_snippets([patient_row(r, self.lang, []) for r in export.rows])
            text = exporting.to_csv(rows, node, self.lang)
            rows_n = len(rows)
        written = None
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
            written = str(path)
        return ExportResult(path=written, content=text, rows=rows_n, purpose=purpose,
                            audit_id=export.audit_id, format=fmt)

    # -- one patient -----------------------------------------------------------------------------
    def timeline(self, pseudo: str) -> bytes:
        """PNG of one in-scope patient's course; audited as a view of that patient."""
        with unknown_patient(pseudo):
            course = self.governed.course(pseudo.strip())
        title = t("timeline.title", self.lang, pseudo=pseudo.strip())
        return render_timeline(course, title=title, lang=self.lang)

    def similar(
        self, pseudo: str | None = None, case: str | None = None, k: int = 10, vital: str | None = None
    ) -> SimilarResult:
        """Nearest patients of the user's centre to a shown patient or to a pasted case."""
        if pseudo and pseudo.strip():
            kwargs: dict[str, Any] = {"pseudo": pseudo.strip()}
        elif case and case.strip():
            reading = read_case(case.strip())
            kwargs = {"facts": case_facts(reading.criteria, case), "text": case.strip()}
        else:
            raise AssistantError("error.empty")
        try:
            with unknown_patient(pseudo or ""):
                answer = self.governed.similar(k=k, vital=vital, lang=self.lang, **kwargs)
        except IndexMissing:
            raise AssistantError("error.no_index") from None
        rows = tuple(
            SimilarRow(n.pseudo_id, n.score, age_band(n.age, self.lang), n.sex, n.shared, n.differences)
            for n in answer.rows
        )
        return SimilarResult(source=answer.source, rows=rows, facts=answer.facts, index=answer.index)

    # -- ask a referent --------------------------------------------------------------------------
    def send_to_referent(self, comment: str) -> ReferentRequest:
        current = self.state.result  # type: ignore[attr-defined]
        req = referent.send(
            self.store,
            from_user=self.user.username,
            centre_id=self.user.centre_id,
            question=current.understanding.question if current else None,
            criteria_json=to_json(current.understanding.criteria) if current else None,
            comment=comment or "",
        )
        self.audit("referent_request", details=f"request {req.id}")
        return req

    def get_request(self, request_id: Any) -> ReferentRequest:
        """A request of the user's centre, for a referent to answer."""
        self.require(Permission.EDIT_CRITERIA)
        return referent.get(self.store, request_id, centre_id=self.user.centre_id)

    def pending_requests(self) -> list[ReferentRequest]:
        self.require(Permission.EDIT_CRITERIA)
        return referent.pending(self.store, centre_id=self.user.centre_id)

    def my_requests(self) -> list[ReferentRequest]:
        return referent.mine(self.store, username=self.user.username)

    def answer_request(
        self, request_id: Any, criteria_text: str | None, comment: str, name: str | None = None
    ) -> tuple[ReferentRequest, SavedQuery]:
        """Fix the criteria (or keep them), save them as a query the novice can run, close the request."""
        self.require(Permission.EDIT_CRITERIA)
        req = referent.get(self.store, request_id, centre_id=self.user.centre_id)
        if criteria_text and criteria_text.strip():
            node = criteria_from_text(criteria_text)
        elif req.criteria_json:
            node = parse_criteria(req.criteria_json)
        else:
            raise AssistantError("error.no_question")
        q = self._engine.save_query(
            name or f"{t('request.answer_name', self.lang)} {req.id}", node, self.user.username,
            question=req.question, centre_id=self.user.centre_id,
        )
        referent.mark_answered(
            self.store, req.id, answered_by=self.user.username, comment=comment or "", saved_query_id=q.id
        )
        self.audit("referent_answer", criteria=node, details=f"request {req.id} -> query {q.id}")
        return referent.get(self.store, req.id, centre_id=self.user.centre_id), q

    # -- administration: accounts, audit trail, opposition ----------------------------------------
    def add_user(self, username: str, password: str, role: str, centre_id: str, *, language: str = "fr",
                 display_name: str | None = None) -> User:
        return accounts.add_user(self.store, username, password, role, centre_id, language=language,
                                 display_name=display_name, by=self.user)

    def list_users(self) -> list[User]:
        self.require(Permission.MANAGE_USERS)
        return accounts.list_users(self.store)

    def set_role(self, username: str, role: str) -> User:
        return accounts.set_role(self.store, username, role, by=self.user)

    def set_active(self, username: str, active: bool) -> User:
        return accounts.set_active(self.store, username, active, by=self.user)

    def set_password(self, username: str, password: str) -> None:
        accounts.set_password(self.store, username, password, by=self.user)

    def audit_entries(self, **filters: Any) -> list[AuditEntry]:
        return self.governed.audit_entries(**filters)

    def verify_audit(self) -> VerifyReport:
        return self.governed.verify_audit()

    def set_opposition(self, patient: str, opposed: bool = True, note: str | None = None) -> str:
        return self.governed.set_opposition(patient, opposed, note=note)

    def opposed_patients(self, centre_id: str | None = None) -> list[dict[str, Any]]:
        return self.governed.opposed_patients(centre_id)

    def reidentify(self, pseudo: str, reason: str | None = None) -> dict[str, Any]:
        return self.governed.reidentify(pseudo.strip(), reason=reason)
