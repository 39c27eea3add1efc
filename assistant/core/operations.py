"""Everything a session does besides asking: saved queries and cohorts, export, similar patients,
timeline, and the ask-a-referent queue. Mixed into ``Session`` (kept apart to keep files short).

Every operation that reveals or moves patient data checks the user's right first and writes an
audit entry through the privacy area; errors are ``AssistantError`` sentences.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core import export as exporting
from assistant.core import requests as referent
from assistant.core import saved
from assistant.core.errors import AssistantError
from assistant.core.results import (
    ExportResult,
    ReferentRequest,
    SavedCohort,
    SavedQuery,
    SimilarResult,
    TurnResult,
    Understanding,
)
from assistant.core.timeline import load_course, render_timeline
from assistant.i18n import t

MIN_PURPOSE = 10  # the privacy area's rule (privacy.governed.MIN_PURPOSE): a sentence, not a word

if TYPE_CHECKING:
    from assistant.core.session import Session


class Operations:
    """Methods of ``Session`` beyond the question/answer turn."""

    # -- saved queries ---------------------------------------------------------------------------
    def save_query(self: Session, name: str, *, shared: bool = False) -> SavedQuery:
        current = self._current()
        node = current.understanding.criteria
        q = saved.save_query(
            self.backend.governed.engine,
            name=name,
            owner=self.user.username,
            centre_id=self.user.centre_id,
            question=current.understanding.question,
            node=node,
            shared=shared,
        )
        self.backend.audit("save_query", criteria=node, details=f"query {q.id}: {q.name}")
        return q

    def list_saved(self: Session) -> list[SavedQuery]:
        return saved.list_queries(self.store, username=self.user.username, centre_id=self.user.centre_id)

    def run_saved(self: Session, ref: Any) -> TurnResult:
        from query_compiler.criteria import parse_criteria

        q = saved.get_query(self.store, ref, username=self.user.username, centre_id=self.user.centre_id)
        result = self.run(
            Understanding(question=q.question or q.name, criteria=parse_criteria(q.criteria_json))
        )
        self.backend.governed.engine.mark_run(q.id)
        return result

    # -- saved cohorts ---------------------------------------------------------------------------
    def save_cohort(self: Session, name: str) -> SavedCohort:
        """Freeze the current criteria's patients (own centre, opposed out) under a name; audited."""
        self.require("list_patients")
        node = self._current().understanding.criteria
        c = saved.save_cohort(
            self.backend.governed.engine,
            name=name,
            node=node,
            owner=self.user.username,
            scope=self.backend.scope(),
        )
        self.backend.audit("save_cohort", criteria=node, size=c.size, details=f"cohort {c.id}: {c.name}")
        return c

    def list_cohorts(self: Session) -> list[SavedCohort]:
        return saved.list_cohorts(self.backend.governed.engine, username=self.user.username)

    def combine(self: Session, a: Any, op: str, b: Any, name: str | None = None) -> SavedCohort:
        """Union / intersection / difference of two of the user's own cohorts, saved as a new one."""
        op = saved.op_of(op)
        engine = self.backend.governed.engine
        ca = saved.get_cohort(engine, a, username=self.user.username)
        cb = saved.get_cohort(engine, b, username=self.user.username)
        label = f"{ca.name} {t('op.' + op, self.lang)} {cb.name}"
        c = saved.combine(engine, ca, op, cb, name=name or label, owner=self.user.username)
        self.backend.audit("combine_cohorts", size=c.size, details=f"{ca.id} {op} {cb.id} -> {c.id}")
        return replace(c, origin=label)  # in the user's words, not the engine's "union of #1 and #2"

    def combine_text(self: Session, text: str) -> SavedCohort:
        a, op, b, name = saved.parse_combination(text)
        return self.combine(a, op, b, name)

    # -- export ----------------------------------------------------------------------------------
    def export_csv(self: Session, purpose: str, path: str | Path | None = None) -> ExportResult:
        """CSV of the current cohort, pseudonymised for export; the governed engine audits the purpose."""
        self.require("export")
        purpose = (purpose or "").strip()
        if len(purpose) < MIN_PURPOSE:
            raise AssistantError("error.purpose_required", n=MIN_PURPOSE)
        node = self._current().understanding.criteria
        rows, audit_id = self.backend.export_rows(node, purpose, self.lang)
        rows = self.backend.redact_rows(rows)
        text = exporting.to_csv(rows, node, self.backend.render, self.lang)
        written = None
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
            written = str(path)
        return ExportResult(path=written, content=text, rows=len(rows), purpose=purpose, audit_id=audit_id)

    # -- one patient -----------------------------------------------------------------------------
    def timeline(self: Session, pseudo: str) -> bytes:
        """PNG of one in-scope patient's course; audited as a view of that patient."""
        pid = self.backend.resolve(pseudo)
        self.backend.audit("timeline", size=1, details=pseudo.strip())
        title = t("timeline.title", self.lang, pseudo=pseudo.strip())
        return render_timeline(load_course(self.store, pid), title=title, lang=self.lang)

    def similar(
        self: Session, pseudo: str | None = None, case: str | None = None, k: int = 10
    ) -> SimilarResult:
        """Nearest patients to a shown patient or to a pasted case (the similar-patient area's search)."""
        if pseudo:
            pid = self.backend.resolve(pseudo)
            result = self.backend.similar(patient_id=pid, source=pseudo.strip(), k=k, lang=self.lang)
        elif case and case.strip():
            result = self.backend.similar(case=case.strip(), source="case", k=k, lang=self.lang)
        else:
            raise AssistantError("error.empty")
        return result

    # -- ask a referent --------------------------------------------------------------------------
    def send_to_referent(self: Session, comment: str) -> ReferentRequest:
        from query_compiler.criteria import to_json

        current = self.state.result
        req = referent.send(
            self.store,
            from_user=self.user.username,
            centre_id=self.user.centre_id,
            question=current.understanding.question if current else None,
            criteria_json=to_json(current.understanding.criteria) if current else None,
            comment=comment or "",
        )
        self.backend.audit("referent_request", details=f"request {req.id}")
        return req

    def pending_requests(self: Session) -> list[ReferentRequest]:
        self.require("answer_requests")
        return referent.pending(self.store, centre_id=self.user.centre_id)

    def my_requests(self: Session) -> list[ReferentRequest]:
        return referent.mine(self.store, username=self.user.username)

    def answer_request(
        self: Session, request_id: Any, criteria_text: str | None, comment: str, name: str | None = None
    ) -> tuple[ReferentRequest, SavedQuery]:
        """Fix the criteria (or keep them), save them as a query the novice can run, close the request."""
        from query_compiler.criteria import parse_criteria

        self.require("answer_requests")
        req = referent.get(self.store, request_id, centre_id=self.user.centre_id)
        if criteria_text and criteria_text.strip():
            node = self.backend.criteria_from_text(criteria_text)
        elif req.criteria_json:
            node = parse_criteria(req.criteria_json)
        else:
            raise AssistantError("error.no_question")
        q = saved.save_query(
            self.backend.governed.engine,
            name=name or f"{t('request.answer_name', self.lang)} {req.id}",
            owner=self.user.username,
            centre_id=self.user.centre_id,
            question=req.question,
            node=node,
        )
        referent.mark_answered(
            self.store, req.id, answered_by=self.user.username, comment=comment or "", saved_query_id=q.id
        )
        self.backend.audit("referent_answer", criteria=node, details=f"request {req.id} -> query {q.id}")
        return referent.get(self.store, req.id, centre_id=self.user.centre_id), q
