"""The assistant's only doorway to the other areas: parser, compiler/engine, privacy, similar patients.

Everything the chat or the CLI shows goes through here, and everything here that touches patients
goes through the privacy area's governed engine (scope to the user's centre, research-opposition
exclusion, audit, redaction, pseudonyms). Keeping the adapters in one file means an API change in
another area is one edit here, not a hunt through the chat and the CLI.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import replace
from functools import cached_property
from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.results import CentreCount, Fact, PatientRow, SimilarResult, SimilarRow, Understanding
from assistant.core.users import UserInfo
from assistant.i18n import t


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _need(name: str, what: str) -> Any:
    mod = _module(name)
    if mod is None:
        raise AssistantError("error.unavailable", what=what)
    return mod


def text_of(item: Any, lang: str) -> str:
    """A parser or engine message as text: plain strings, {'fr':..,'en':..} dicts, or objects."""
    if item is None:
        return ""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        if lang in item:
            return str(item[lang])
        for key in ("text", "message", "fragment", "question"):
            if key in item:
                return str(item[key])
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    for attr in (lang, "text", "message", "fragment", "question"):
        value = getattr(item, attr, None)
        if isinstance(value, str) and value:
            return value
        if callable(value):
            try:
                return str(value(lang))
            except TypeError:
                continue
    return str(item)


def age_band(age: Any, lang: str, width: int = 5) -> str:
    """Completed years → a 5-year band ("50–54 ans"): enough to read a list, not to re-identify."""
    if age is None:
        return "?"
    lo = int(age) // width * width
    return t("age_band", lang, lo=lo, hi=lo + width - 1)


class Backend:
    """The other areas, seen from one signed-in user."""

    def __init__(self, store: Any, user: UserInfo) -> None:
        self.store = store
        self.user = user

    # -- parsing and rendering (query_compiler) -------------------------------------------------
    def understand(self, question: str, previous: Any, *, use_llm: bool, lang: str) -> Understanding:
        qc = _need("query_compiler", "parser")
        parse = getattr(qc, "parse", None)
        if parse is None:
            parse = _need("query_compiler.parse", "parser").parse
        started = time.perf_counter()
        res = parse(question, previous=previous, use_llm=use_llm)
        seconds = time.perf_counter() - started
        sources = getattr(res, "sources", None) or {}
        if isinstance(sources, dict):
            pairs = tuple((str(k), str(v)) for k, v in sources.items())
        else:
            pairs = tuple((text_of(s, lang), str(getattr(s, "source", ""))) for s in sources)
        return Understanding(
            question=question,
            criteria=getattr(res, "criteria", None),
            assumptions=tuple(text_of(a, lang) for a in getattr(res, "assumptions", None) or ()),
            not_understood=tuple(text_of(a, lang) for a in getattr(res, "not_understood", None) or ()),
            clarifications=tuple(text_of(a, lang) for a in getattr(res, "clarifications", None) or ()),
            sources=pairs,
            confidence=getattr(res, "confidence", None),
            seconds=seconds,
        )

    def render(self, node: Any, lang: str) -> str:
        mod = _module("query_compiler.render")
        if mod is None:
            from query_compiler.criteria import to_json

            return to_json(node, indent=2)
        return str(mod.render(node, lang=lang))

    def compact(self, node: Any) -> str | None:
        mod = _module("query_compiler.compact")
        return str(mod.to_compact(node)) if mod is not None else None

    def criteria_from_text(self, text: str) -> Any:
        """A referent's edit: JSON (starts with '{') or the compact form; validated either way."""
        from query_compiler.criteria import parse_criteria

        text = text.strip().strip("`").strip()
        if text.startswith("json"):
            text = text[4:].strip()
        if text.startswith("{"):
            return parse_criteria(text)
        mod = _need("query_compiler.compact", "compact criteria form")
        return parse_criteria(mod.from_compact(text))

    def sql(self, node: Any) -> tuple[str, dict[str, Any], str]:
        mod = _need("query_compiler.compiler", "compiler")
        compiled = mod.compile_criteria(node, self.store.dialect)
        return str(compiled.sql), dict(getattr(compiled, "params", {}) or {}), str(compiled.dialect)

    # -- governed access (privacy) --------------------------------------------------------------
    @cached_property
    def governed(self) -> Any:
        for name in ("privacy.governed", "privacy.engine", "privacy"):
            mod = _module(name)
            cls = getattr(mod, "GovernedEngine", None) if mod else None
            if cls is not None:
                return cls(self.store, self.user.raw if self.user.raw is not None else self.user.username)
        raise AssistantError("error.unavailable", what="privacy")

    def count(self, node: Any) -> int:
        return int(self.governed.count(node))

    def other_centres(self, node: Any, lang: str) -> tuple[CentreCount, ...]:
        if not self.user.can("cross_centre"):
            return ()
        fn = getattr(self.governed, "cross_centre_counts", None) or self.governed.count_by_centre
        counts = fn(node)
        names = {r["id"]: r["name"] for r in self.store.query("SELECT id, name FROM centres")}
        out = []
        items = (
            counts.items()
            if isinstance(counts, dict)
            else [(getattr(c, "centre_id", None), c) for c in counts]
        )
        for centre_id, value in items:
            if centre_id == self.user.centre_id:
                continue
            number = getattr(value, "count", value)
            display = getattr(value, "display", None) or (str(number) if number is not None else "")
            if number is None and not display:
                display = t("count.suppressed", lang, min=self._min_count())
            out.append(
                CentreCount(str(centre_id), names.get(centre_id, str(centre_id)), number, str(display))
            )
        return tuple(sorted(out, key=lambda c: c.centre_id))

    def _min_count(self) -> int:
        from retrieval.settings import get_settings

        return get_settings().min_count

    def page(
        self, node: Any, page: int, page_size: int, lang: str
    ) -> tuple[list[PatientRow], dict[str, int]]:
        """One page of anonymised rows, and the pseudonym → patient id map kept inside the session."""
        result = self.governed.list_patients(node, page=page, page_size=page_size)
        rows = getattr(result, "rows", result)
        out, ids = [], {}
        for r in rows:
            get = r.get if isinstance(r, dict) else (lambda k, _r=r: getattr(_r, k, None))
            pseudo = str(get("pseudo_id") or get("pseudonym"))
            facts = []
            for f in get("matched") or ():
                fg = f.get if isinstance(f, dict) else (lambda k, _f=f: getattr(_f, k, None))
                facts.append(
                    Fact(
                        str(fg("kind") or ""),
                        str(fg("label") or ""),
                        fg("snippet"),
                        str(fg("document_type") or fg("document_id") or "") or None,
                    )
                )
            out.append(
                PatientRow(
                    pseudo,
                    age_band(get("age"), lang),
                    str(get("sex") or "?"),
                    get("vital_status"),
                    tuple(facts),
                )
            )
            if get("patient_id") is not None:
                ids[pseudo] = int(get("patient_id"))
        return out, ids

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
        mod = _need("privacy.audit", "audit trail")
        who = self.user.raw if self.user.raw is not None else self.user.username
        entry = mod.AuditLog(self.store).record(
            who,
            action,
            centre_id=self.user.centre_id,
            criteria=criteria,
            result_size=size,
            purpose=purpose,
            details={"note": details, "via": "assistant"} if details else {"via": "assistant"},
        )
        return getattr(entry, "id", None)

    def pseudo_id(self, patient_id: int) -> str:
        mod = _need("privacy.pseudonym", "pseudonyms")
        return str(mod.pseudo_id(patient_id))

    def resolve(self, pseudo: str, known: dict[str, int]) -> int:
        """The patient behind a pseudonym, only within the user's scope (own centre, not opposed)."""
        pseudo = pseudo.strip()
        if pseudo in known:
            return known[pseudo]
        fn = getattr(self.governed, "resolve_pseudo", None)
        if fn is not None:
            pid = fn(pseudo)
            if pid is not None:
                return int(pid)
            raise AssistantError("error.unknown_patient", pseudo=pseudo)
        rows = self.store.query(
            "SELECT id FROM patients WHERE centre_id = :c AND opposition = 0", {"c": self.user.centre_id}
        )
        for r in rows:
            if self.pseudo_id(int(r["id"])) == pseudo:
                return int(r["id"])
        raise AssistantError("error.unknown_patient", pseudo=pseudo)

    def patient_ids(self, node: Any) -> list[int]:
        """All in-scope patient ids of a criteria tree (to freeze a cohort); audited by the caller."""
        return [int(p) for p in self.governed.patient_ids(node)]

    def in_scope(self, ids: set[int]) -> list[int]:
        """The subset of ids the user may still see: own centre, not opposed (opposition is live)."""
        if not ids:
            return []
        allowed = self.store.query(
            "SELECT id FROM patients WHERE centre_id = :c AND opposition = 0", {"c": self.user.centre_id}
        )
        keep = {int(r["id"]) for r in allowed}
        return sorted(i for i in ids if i in keep)

    def all_rows(self, node: Any, lang: str, *, limit: int) -> list[PatientRow]:
        """Every row of a cohort, page by page (exports)."""
        out: list[PatientRow] = []
        page = 1
        while len(out) < limit:
            rows, _ids = self.page(node, page, 500, lang)
            out.extend(rows)
            if len(rows) < 500:
                break
            page += 1
        return out[:limit]

    @cached_property
    def _redactor(self) -> Any:
        mod = _need("privacy.redact", "redaction")
        return mod.Redactor.for_store(self.store)

    def redact_rows(self, rows: list[PatientRow] | tuple[PatientRow, ...]) -> list[PatientRow]:
        """Mask identifiers in every snippet of a page (one spaCy batch), whatever the engine did;
        drop snippets altogether for roles that may not read report excerpts."""
        if not self.user.can("snippets"):
            return [replace(r, facts=tuple(replace(f, snippet=None) for f in r.facts)) for r in rows]
        texts = [f.snippet for r in rows for f in r.facts if f.snippet]
        if not texts:
            return list(rows)
        masked = iter(m.text for m in self._redactor.redact_batch(texts, mode="placeholder"))
        out = []
        for r in rows:
            facts = tuple(replace(f, snippet=next(masked)) if f.snippet else f for f in r.facts)
            out.append(replace(r, facts=facts))
        return out

    # -- similar patients (retrieval.similar) ----------------------------------------------------
    last_similar_ids: dict[str, int] = {}

    def similar(
        self, *, patient_id: int | None = None, case: str | None = None, source: str, k: int, lang: str
    ) -> SimilarResult:
        sim = _need("retrieval.similar", "similar patients")
        filters = sim.Filters(centre_ids=(self.user.centre_id,), exclude_opposed=True)
        if patient_id is not None:
            res = sim.similar_to_patient(self.store, patient_id, k=k, filters=filters, lang=lang)
        else:
            from retrieval.similar.case import case_facts

            try:
                node = self.understand(case or "", None, use_llm=False, lang=lang).criteria
            except AssistantError:
                node = None
            res = sim.similar_to_case(self.store, case_facts(node), case, k=k, filters=filters, lang=lang)
        rows, ids = [], {}
        for n in res.neighbours:
            rows.append(
                SimilarRow(
                    n.pseudo_id,
                    float(n.score),
                    age_band(n.age, lang),
                    n.sex,
                    tuple(n.shared),
                    tuple(n.differences),
                )
            )
            ids[n.pseudo_id] = int(n.patient_id)
        self.last_similar_ids = ids
        self.audit("similar", size=len(rows), details=f"from {source}")
        return SimilarResult(source=source, rows=tuple(rows))
