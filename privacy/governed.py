"""The governed engine: the only door from a person to patient data.

Every user-facing read goes through ``GovernedEngine(store, user)`` — cohort queries, exports,
documents, similar patients, a patient's course, the audit trail and the opposition register —
which

- builds the engine scope from the user (own centre, opposed patients out) — the parser and
  the Criteria cannot widen it, whatever centre they name;
- refuses functions the role lacks, with a sentence, and logs the refusal;
- re-checks every row shown (centre and opposition) before it leaves;
- redacts every snippet (typed placeholders on screen, pseudonyms in exports): the whole context
  around an excerpt is redacted first and the excerpt cut from the result, never the reverse;
- replaces store ids with pseudonymous ids;
- writes one audit entry per query, view, export, re-identification.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from privacy.audit import AuditLog, canonical
from privacy.opposition import is_opposed
from privacy.pseudonym import pseudo_id, real_ids
from privacy.redact import Redactor, date_shift_days
from privacy.registers import MIN_PURPOSE, Registers, UnknownPatient
from privacy.release import ReleasedCell, release
from privacy.roles import Permission, permission_label
from privacy.users import AccessDenied, User, UserProblem, require_user, scope_for
from query_compiler.compiler import compile_criteria
from query_compiler.criteria import to_dict
from query_compiler.engine import CohortEngine, Scope
from query_compiler.engine.course import load_course
from query_compiler.engine.facts import excerpt
from retrieval.clinical import coded_records
from retrieval.settings import get_settings
from retrieval.similar import Filters, similar_to_case, similar_to_patient
from retrieval.similar.facts import Facts
from retrieval.store import batches, bind_in


@dataclass
class GovernedPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class SimilarPatient:
    """A neighbour as it may be shown: pseudonymous id, no identifier, no report text."""

    pseudo_id: str
    centre_id: str
    sex: str
    age: int | None
    deceased: bool
    score: float
    structured_score: float | None
    text_score: float | None
    shared: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimilarAnswer:
    source: str  # the query patient's pseudonymous id, or "case"
    facts: tuple[str, ...]  # the query's facts as read, in words
    rows: tuple[SimilarPatient, ...]
    index: dict[str, Any]


@dataclass
class Export:
    rows: list[dict[str, Any]]
    purpose: str
    audit_id: int
    fields: list[str] = field(default_factory=list)


def as_dict(obj: Any) -> dict[str, Any]:
    """Engine rows and facts may be dataclasses, pydantic models or dicts."""
    if isinstance(obj, dict):
        return dict(obj)
    if dataclasses.is_dataclass(obj):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return dict(vars(obj))


class GovernedEngine(Registers):
    """Queries as one user: scope, rights, redaction, pseudonyms and audit applied."""

    def __init__(self, store: Any, user: User | str, *, engine: Any = None, redactor: Redactor | None = None,
                 min_count: int | None = None) -> None:
        if isinstance(user, str):
            user = require_user(store, user)
        if not user.active:
            raise AccessDenied(f"The account {user.username!r} is deactivated.")
        self.store = store
        self.user = user
        self._engine = engine
        self._redactor = redactor
        self.audit = AuditLog(store)
        if min_count is None:
            min_count = get_settings().min_count
        self.min_count = min_count

    # -- plumbing -------------------------------------------------------------------------
    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = CohortEngine(self.store)
        return self._engine

    @property
    def redactor(self) -> Redactor:
        if self._redactor is None:
            self._redactor = Redactor.for_store(self.store)
        return self._redactor

    @property
    def scope(self) -> Any:
        return scope_for(self.user)

    def require(self, permission: Permission, function: str, **details: Any) -> None:
        """Refuse (and log the refusal) when the user's role lacks ``permission``."""
        if not self.user.can(permission):
            self.audit.record(self.user, "denied", details={"function": function,
                                                            "permission": permission.value, **details})
            lang = self.user.language
            what = permission_label(permission, lang)
            if lang == "fr":
                raise AccessDenied(f"Votre profil ({self.user.role.value}) ne permet pas de {what}.")
            raise AccessDenied(f"Your role ({self.user.role.value}) does not allow you to {what}.")

    # -- queries --------------------------------------------------------------------------
    def count(self, criteria: Any) -> int:
        self.require(Permission.COUNT, "count")
        n = int(self.engine.count(criteria, self.scope))
        self.audit.record(self.user, "count", criteria=criteria, result_size=n)
        return n

    def list_patients(self, criteria: Any, *, page: int = 1, page_size: int = 20, sort: str | None = None,
                      lang: str | None = None) -> GovernedPage:
        """A page of matching patients of the user's centre: pseudonymous ids, redacted snippets."""
        self.require(Permission.VIEW_ROWS, "list")
        kwargs: dict[str, Any] = {"page": page, "page_size": page_size}
        if sort:
            kwargs["sort"] = sort
        lang = lang or self.user.language
        result = self.engine.list_patients(criteria, self.scope, lang=lang, **kwargs)
        rows = [as_dict(r) for r in result.rows]
        rows = self._guard_rows(rows)
        shown = self._present(rows, mode="placeholder", lang=lang,
                              snippets=self.user.can(Permission.VIEW_SNIPPETS), shift_dates=False)
        self.audit.record(self.user, "list", criteria=criteria, result_size=int(result.total),
                          details={"page": page, "page_size": page_size, "rows_shown": len(shown),
                                   "snippets": self.user.can(Permission.VIEW_SNIPPETS)})
        return GovernedPage(shown, int(result.total), page, page_size)

    def patient_ids(self, criteria: Any) -> list[int]:
        """Store ids of the whole matching set, for server-side use only (freezing a cohort into
        ``cohort_members``); never show them: show ``pseudo_ids`` instead."""
        self.require(Permission.VIEW_ROWS, "patient_ids")
        ids = [int(i) for i in self.engine.patient_ids(criteria, self.scope)]
        ids = self._guard_ids(ids)
        self.audit.record(self.user, "patient_ids", criteria=criteria, result_size=len(ids))
        return ids

    def pseudo_ids(self, criteria: Any) -> list[str]:
        """Pseudonymous ids of the whole matching set."""
        return [pseudo_id(i) for i in self.patient_ids(criteria)]

    def resolve_pseudo(self, pseudo: str) -> int | None:
        """The store id behind a pseudonym for server-side follow-up (timeline, similar patients),
        only for a patient the user may see (own centre, not opposed); None otherwise. Shows
        nothing to the person, so it is not a re-identification."""
        found = real_ids(self.store, pseudo)
        if len(found) != 1:
            return None
        return found[0] if self._guard_ids(found) else None

    def count_by_centre(self, criteria: Any) -> list[ReleasedCell]:
        """The same criteria counted in every centre; other centres' counts noised and suppressed
        (``privacy.release``: the answer depends on the count and the criteria only)."""
        self.require(Permission.CROSS_CENTRE_COUNTS, "count_by_centre")
        criteria_text = canonical(_criteria_dict(criteria))
        criteria_hash = hashlib.sha256(criteria_text.encode()).hexdigest()
        self._release_budget(criteria, criteria_text)
        cells: list[ReleasedCell] = []
        for row in self.store.query("SELECT id FROM centres ORDER BY id"):
            cid = row["id"]
            n = int(self.engine.count(criteria, Scope(centre_ids=(cid,), exclude_opposed=True)))
            if cid == self.user.centre_id:
                cells.append(ReleasedCell(cid, str(n), n, "exact"))
            else:
                cells.append(release(cid, n, criteria_hash, self.min_count))
        self.audit.record(self.user, "count_by_centre", criteria=criteria,
                          details={"cells": {c.centre_id: c.display for c in cells}})
        return cells

    def _release_budget(self, criteria: Any, criteria_text: str) -> None:
        """At most ``COHORT_RELEASE_BUDGET`` distinct criteria answered across centres per user per 24 h
        (asking the same criteria again is free): the cap on averaging the noise away with many
        rephrasings. The refusal depends on the user's own questions, never on the data."""
        budget = get_settings().release_budget
        since = (datetime.now(UTC) - timedelta(hours=24)).isoformat(timespec="microseconds")
        asked = {r["criteria"] for r in self.store.query(
            "SELECT DISTINCT criteria FROM audit_log WHERE username = :u AND action = 'count_by_centre'"
            " AND ts >= :s", {"u": self.user.username, "s": since})}
        if criteria_text in asked or len(asked) < budget:
            return
        self.audit.record(self.user, "denied", criteria=criteria,
                          details={"function": "count_by_centre", "reason": "release budget",
                                   "budget": budget})
        raise AccessDenied(f"You have had {budget} different questions answered across centres in the last "
                           "24 hours, the most allowed; other centres' counts resume tomorrow (your own "
                           "centre's are not limited).")

    def export(self, criteria: Any, *, purpose: str, shift_dates: bool = True, lang: str | None = None,
               max_rows: int = 100_000, clinical: bool = False) -> Export:
        """A pseudonymised extraction for a stated purpose (names → consistent fake names, dates
        shifted per patient, ids pseudonymous). The purpose and the extracted scope are audited.

        ``clinical`` adds each patient's coded record (``row["clinical"]``: tumours, events,
        treatments, biomarkers, samples; no identity, no text) with every date moved by the patient's
        shift, tumours named by their rank instead of their store id: what a FHIR export carries."""
        self.require(Permission.EXPORT, "export")
        if not purpose or len(purpose.strip()) < MIN_PURPOSE:
            self.audit.record(self.user, "denied", criteria=criteria,
                              details={"function": "export", "reason": "no stated purpose"})
            raise UserProblem("An export needs a stated purpose (a sentence: study, protocol, approval).")
        raw: list[Any] = []
        page, total = 1, 0
        while len(raw) < max_rows:
            result = self.engine.list_patients(criteria, self.scope, page=page, page_size=500,
                                               lang=lang or self.user.language)
            raw.extend(result.rows)
            total = int(result.total)
            if len(result.rows) < 500:
                break
            page += 1
        rows = self._guard_rows([as_dict(r) for r in raw[:max_rows]])
        shown = self._present(rows, mode="pseudonym", lang=lang or self.user.language,
                              snippets=self.user.can(Permission.VIEW_SNIPPETS), shift_dates=shift_dates)
        if clinical:
            records = coded_records(self.store, [int(r["patient_id"]) for r in rows])
            for row, out in zip(rows, shown, strict=True):
                pid = int(row["patient_id"])
                days = date_shift_days(pid) if shift_dates else 0

                def moved(item: dict[str, Any], days: int = days) -> dict[str, Any]:
                    new = {k: v for k, v in item.items() if k not in ("id", "patient_id")}
                    for k, v in new.items():
                        if v and (k.endswith("date") or k == "date"):
                            day = dt.date.fromisoformat(str(v)[:10])
                            new[k] = (day + dt.timedelta(days=days)).isoformat()
                    return new

                rec = records[pid]
                rank = {t["id"]: f"T{t['rank']}" for t in rec["tumours"]}
                out["clinical"] = {"patient": moved(rec.get("patient", {})), **{
                    table: [{**moved(item), **({"tumour": rank.get(item.get("tumour_id", item.get("id")))}
                                               if table == "tumours" or item.get("tumour_id") else {})}
                            for item in rec[table]]
                    for table in ("tumours", "events", "treatments", "biomarkers", "samples")}}
                for table in ("events", "treatments", "biomarkers", "samples"):
                    for item in out["clinical"][table]:
                        item.pop("tumour_id", None)
        fields = sorted({k for r in shown for k in r})
        entry = self.audit.record(
            self.user, "export", criteria=criteria, result_size=len(shown), purpose=purpose.strip(),
            details={"scope": {"centres": [self.user.centre_id], "exclude_opposed": True},
                     "fields": fields, "shift_dates": shift_dates, "total": total, "clinical": clinical})
        return Export(shown, purpose.strip(), entry.id, fields)

    def view_document(self, pseudo: str, document_id: int, *, lang: str | None = None) -> Any:
        """One report of a patient of the user's centre, redacted for display."""
        self.require(Permission.VIEW_SNIPPETS, "view_document", document=document_id)
        patient_id = self._own_patient(pseudo, "view_document")
        rows = self.store.query("SELECT text FROM documents WHERE id = :d AND patient_id = :p",
                                {"d": int(document_id), "p": patient_id})
        if not rows:
            raise UserProblem(f"No document {document_id} for patient {pseudo}.")
        red = self.redactor.redact(rows[0]["text"], patient_id=patient_id, lang=lang or self.user.language)
        self.audit.record(self.user, "view", details={"patient": pseudo_id(patient_id),
                                                      "document": int(document_id)})
        return red

    def reidentify(self, pseudo: str, *, reason: str | None = None) -> dict[str, Any]:
        """The real patient behind a pseudonymous id: for allowed roles, own centre, audited."""
        self.require(Permission.REIDENTIFY, "reidentify", pseudo=pseudo)
        patient_id = self._own_patient(pseudo, "reidentify")
        ident = self.store.query(
            "SELECT ipp, first_name, last_name, birth_name FROM identities WHERE patient_id = :p",
            {"p": patient_id})
        self.audit.record(self.user, "reidentify", result_size=1,
                          details={"pseudo": pseudo, **({"reason": reason} if reason else {})})
        return {"pseudo": pseudo_id(patient_id), "patient_id": patient_id, **(ident[0] if ident else {})}

    def compiled_sql(self, criteria: Any) -> Any:
        """The compiled query as the engine will run it for this user, centre restriction and
        opposition included (referents only)."""
        self.require(Permission.EDIT_CRITERIA, "show_sql")
        if hasattr(self.engine, "scoped_query"):
            compiled = self.engine.scoped_query(criteria, self.scope)
        else:  # an engine without scoped_query: the bare compilation
            compiled = compile_criteria(criteria, self.store.dialect)
        self.audit.record(self.user, "show_sql", criteria=criteria)
        return compiled

    def similar(self, *, pseudo: str | None = None, facts: Facts | None = None, text: str | None = None,
                k: int = 10, vital: str | None = None, lang: str | None = None) -> SimilarAnswer:
        """Patients of the user's centre most like one of its patients (``pseudo``) or like a described
        case (``facts`` compiled from its Criteria, ``text`` as typed); pseudonymised and audited."""
        self.require(Permission.VIEW_ROWS, "similar")
        lang = lang or self.user.language
        filters = Filters(centre_ids=(self.user.centre_id,), exclude_opposed=True,
                          vital_status=vital)  # type: ignore[arg-type]
        if pseudo is not None:
            pid = self._own_patient(pseudo, "similar")
            result = similar_to_patient(self.store, pid, k, filters, lang)
            source = pseudo_id(pid)
        else:
            result = similar_to_case(self.store, facts or {}, text, k, filters, lang)
            source = "case"
        allowed = set(self._guard_ids([n.patient_id for n in result.neighbours]))
        rows = tuple(
            SimilarPatient(pseudo_id(n.patient_id), n.centre_id, n.sex, n.age, n.deceased, n.score,
                           n.structured_score, n.text_score, tuple(n.shared), tuple(n.differences))
            for n in result.neighbours if n.patient_id in allowed)
        self.audit.record(self.user, "similar", result_size=len(rows), details={"from": source, "k": k})
        return SimilarAnswer(source, tuple(result.query.get("facts") or ()), rows, dict(result.index))

    def course(self, pseudo: str) -> dict[str, Any]:
        """The coded course of one patient of the user's centre (diagnoses, treatments, events), for
        the timeline picture: no identifier and no report text; audited as a view."""
        self.require(Permission.VIEW_ROWS, "timeline")
        patient_id = self._own_patient(pseudo, "timeline")
        self.audit.record(self.user, "timeline", result_size=1, details={"patient": pseudo_id(patient_id)})
        return load_course(self.store, patient_id)

    # -- guards ---------------------------------------------------------------------------
    def _own_patient(self, pseudo: str, function: str) -> int:
        """The store id of a patient of the user's centre. A pseudonym of another centre gets the same
        answer as one that does not exist (the audit trail alone says which), so the answer tells
        nothing about other centres' patients."""
        found = real_ids(self.store, pseudo)
        rows = self.store.query("SELECT centre_id FROM patients WHERE id = :p", {"p": found[0]}) \
            if len(found) == 1 else []
        if not rows or rows[0]["centre_id"] != self.user.centre_id:
            reason = "other centre" if rows else "unknown pseudonymous id"
            self.audit.record(self.user, "denied", details={"function": function, "pseudo": pseudo,
                                                            "reason": reason})
            raise UnknownPatient(f"Unknown pseudonymous id {pseudo!r} (in your centre).")
        return found[0]

    def _guard_ids(self, ids: list[int]) -> list[int]:
        if not ids:
            return ids
        allowed = set()
        for chunk in batches(ids):
            marks, params = bind_in(chunk)
            params["c"] = self.user.centre_id
            rows = self.store.query(
                f"SELECT id FROM patients WHERE centre_id = :c AND opposition = 0 AND id IN ({marks})",
                params)
            allowed.update(int(r["id"]) for r in rows)
        return [i for i in ids if i in allowed]

    def _guard_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Defence in depth: whatever the engine returned, nothing from another centre or opposed."""
        ids = [int(r["patient_id"]) for r in rows]
        opposed = is_opposed(self.store, ids)
        return [r for r in rows if r.get("centre_id") == self.user.centre_id
                and int(r["patient_id"]) not in opposed]

    def _present(self, rows: list[dict[str, Any]], *, mode: str, lang: str, snippets: bool,
                 shift_dates: bool) -> list[dict[str, Any]]:
        """Pseudonymise ids and redact every excerpt of a page (one spaCy batch).

        An excerpt is never redacted on its own: its whole context (``Fact.context``, a window of
        the document well wider than the excerpt) is redacted, then the excerpt is cut out of the
        redacted text, so an identifier crossing the excerpt's edge is masked whole instead of
        leaking as a fragment no recogniser can read. The raw context never leaves this method."""
        todo: list[tuple[str, int]] = []
        where: list[tuple[int, int, tuple[tuple[int, int], ...] | None]] = []
        out = []
        for ri, row in enumerate(rows):
            pid = int(row["patient_id"])
            new = {k: v for k, v in row.items() if k not in ("patient_id", "matched")}
            new["pseudo_id"] = pseudo_id(pid)
            facts = []
            for fi, fact in enumerate(row.get("matched") or []):
                f = as_dict(fact)
                text = f.pop("snippet", None)
                context = f.pop("context", None)
                spans = tuple(tuple(x) for x in (f.pop("context_spans", None) or ()))
                f.pop("highlights", None)  # offsets in the raw text: meaningless after redaction
                if snippets and context:
                    todo.append((context, pid))
                    where.append((ri, fi, spans))  # type: ignore[arg-type]
                elif snippets and text:
                    todo.append((text, pid))
                    where.append((ri, fi, None))
                facts.append(f)
            if "matched" in row:
                new["matched"] = facts
            out.append(new)
        if todo:
            redacted = self.redactor.redact_batch(todo, mode=mode, lang=lang,  # type: ignore[arg-type]
                                                  shift_dates=shift_dates)
            for (ri, fi, spans), red in zip(where, redacted, strict=True):
                fact = out[ri]["matched"][fi]
                if spans is None:
                    fact["snippet"] = red.text
                    continue
                shown, marks = excerpt(red.text, [red.map_span(s, e) for s, e in spans])
                fact["snippet"], fact["highlights"] = shown, marks
        return out


def _criteria_dict(criteria: Any) -> Any:
    return to_dict(criteria) if hasattr(criteria, "model_dump") else criteria
