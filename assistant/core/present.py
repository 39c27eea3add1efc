"""The assistant's only doorway to the other areas: parser, compiler/engine, privacy, similar patients.

Everything that touches patients goes through the privacy area's ``GovernedEngine`` (scope to the
user's centre inside the SQL, research-opposition exclusion, rights, redaction, pseudonyms, one
audit entry per query); this module only adapts its results to the assistant's plain types and
adds what the governed engine leaves to its caller (highlighting masked snippets, age bands).
Keeping the adapters in one file means an API change elsewhere is one edit here.
"""

from __future__ import annotations

import importlib
import re
import time
import unicodedata
from dataclasses import replace
from functools import cached_property
from typing import Any

from assistant.core.errors import AssistantError, log
from assistant.core.results import CentreCount, Fact, PatientRow, SimilarResult, SimilarRow, Understanding
from assistant.core.users import UserInfo
from assistant.i18n import t


def _need(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise AssistantError("error.unavailable", what=what) from None


def age_band(age: Any, lang: str, width: int = 5) -> str:
    """Completed years → a 5-year band ("50–54 ans"): enough to read a list, not to re-identify."""
    if age is None:
        return "?"
    lo = int(age) // width * width
    return t("age_band", lang, lo=lo, hi=lo + width - 1)


# -- highlighting words of text criteria inside already-masked snippets ------------------------------
def _fold(text: str) -> str:
    """Lower case without accents, one character per character (so offsets stay valid)."""
    return "".join(unicodedata.normalize("NFD", ch)[0].lower() for ch in text)


def _word_pattern(word: str) -> str:
    body = re.escape(_fold(word.rstrip("*")))
    return body + (r"\w*" if word.endswith("*") else r"(?!\w)")


def highlight_words(node: Any) -> list[str]:
    """Regular expressions (on folded text) of every text criterion's terms: what to bold in a
    snippet. A phrase is bolded as a whole, never word by word; the sides of a NEAR separately."""
    from query_compiler.criteria import Text, iter_nodes

    patterns: list[str] = []
    for atom in iter_nodes(node):
        if not isinstance(atom, Text):
            continue
        for term in atom.terms:
            for part in re.split(r"\bNEAR(?:/\d+)?\b", term.replace('"', " ")):
                words = [w for w in re.findall(r"[\w*]+", part) if len(w.strip("*")) >= 2]
                if words:
                    patterns.append(r"(?<![\w<])" + r"\W+".join(_word_pattern(w) for w in words))
    return patterns


def mark(snippet: str, patterns: list[str]) -> str:
    """The snippet with matching terms in **bold**; placeholders such as <PERSON> are never bolded."""
    if not patterns or not snippet:
        return snippet
    folded = _fold(snippet)
    spans = [(m.start(), m.end()) for p in patterns for m in re.finditer(p, folded)]
    if not spans:
        return snippet
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, last = [], 0
    for s, e in merged:
        out += [snippet[last:s], "**", snippet[s:e], "**"]
        last = e
    out.append(snippet[last:])
    return "".join(out)


def _row(r: dict[str, Any], lang: str, words: list[str]) -> PatientRow:
    facts = []
    for f in r.get("matched") or ():
        snippet = f.get("snippet")
        facts.append(
            Fact(
                str(f.get("kind") or ""),
                str(f.get("label") or ""),
                mark(snippet, words) if snippet else None,
                f.get("document_type"),
            )
        )
    age = r.get("age_at_diagnosis") if r.get("age_at_diagnosis") is not None else r.get("age")
    return PatientRow(
        str(r["pseudo_id"]),
        age_band(age, lang),
        str(r.get("sex") or "?"),
        r.get("vital_status"),
        tuple(facts),
    )


class Backend:
    """The other areas, seen from one signed-in user."""

    def __init__(self, store: Any, user: UserInfo) -> None:
        self.store = store
        self.user = user
        self.last_similar_ids: dict[str, int] = {}

    # -- parsing and rendering (query_compiler) -------------------------------------------------
    def understand(self, question: str, previous: Any, *, use_llm: bool, lang: str) -> Understanding:
        parser = _need("query_compiler.parser", "parser")
        started = time.perf_counter()
        res = parser.parse(question, previous=previous, use_llm=use_llm)
        if getattr(res, "refused", False):
            raise AssistantError("error.refused", reason=res.refusal or "")
        sources = tuple((str(s.text or s.field), str(s.source)) for s in res.sources)
        return Understanding(
            question=question,
            criteria=res.criteria,
            assumptions=tuple(res.assumptions),
            not_understood=tuple(res.not_understood),
            clarifications=tuple(res.clarifications),
            sources=sources,
            confidence=res.confidence,
            seconds=time.perf_counter() - started,
        )

    def render(self, node: Any, lang: str) -> str:
        from query_compiler.render import render

        return render(node, lang)

    def compact(self, node: Any) -> str | None:
        try:
            mod = importlib.import_module("query_compiler.compact")
        except ImportError:
            return None
        return str(mod.to_compact(node))

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

    # -- governed access (privacy) --------------------------------------------------------------
    @cached_property
    def governed(self) -> Any:
        mod = _need("privacy.governed", "privacy")
        return mod.GovernedEngine(
            self.store, self.user.raw if self.user.raw is not None else self.user.username
        )

    def count(self, node: Any) -> int:
        return int(self.governed.count(node))

    def other_centres(self, node: Any, lang: str) -> tuple[CentreCount, ...]:
        """Anonymous counts of the other centres (threshold, rounding, differencing guard applied)."""
        if not self.user.can("cross_centre"):
            return ()
        names = {r["id"]: r["name"] for r in self.store.query("SELECT id, name FROM centres")}
        out = []
        try:
            cells = self.governed.count_by_centre(node)
        except AssistantError:
            raise
        except Exception:  # noqa: BLE001 - the other centres' counts must not sink the answer
            log.exception("cross-centre counts failed")
            return (CentreCount("", t("count.other.failed", lang), None, "—"),)
        for cell in cells:
            if cell.centre_id == self.user.centre_id:
                continue
            display = cell.display
            if cell.status in ("small", "withheld") and hasattr(cell, "explain"):
                display = cell.explain(lang, self.governed.min_count)
            out.append(
                CentreCount(cell.centre_id, names.get(cell.centre_id, cell.centre_id), cell.value, display)
            )
        return tuple(out)

    def page(self, node: Any, page: int, page_size: int, lang: str) -> list[PatientRow]:
        """One page of rows as the governed engine shows them (pseudonymous ids, masked snippets)."""
        result = self.governed.list_patients(node, page=page, page_size=page_size, lang=lang)
        words = highlight_words(node)
        return [_row(r, lang, words) for r in result.rows]

    def patient_ids(self, node: Any) -> list[int]:
        """Store ids of the whole matching set, server side only (cohort freezing); audited."""
        return [int(i) for i in self.governed.patient_ids(node)]

    def export_rows(self, node: Any, purpose: str, lang: str) -> tuple[list[PatientRow], int | None]:
        """Every row, pseudonymised for export (names → pseudonyms, dates shifted); audited with purpose."""
        export = self.governed.export(node, purpose=purpose, lang=lang)
        return [_row(r, lang, []) for r in export.rows], export.audit_id  # plain text: no Markdown in a CSV

    def sql(self, node: Any) -> tuple[str, dict[str, Any], str]:
        compiled = self.governed.compiled_sql(node)
        text = compiled.pretty() if hasattr(compiled, "pretty") else compiled.sql
        return str(text), dict(compiled.params or {}), str(compiled.dialect)

    def scope(self) -> Any:
        from privacy.users import scope_for

        return scope_for(self.user.raw)

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

    def resolve(self, pseudo: str) -> int:
        """The patient behind a pseudonym, only within the user's scope (own centre, not opposed)."""
        pid = self.governed.resolve_pseudo(pseudo.strip())
        if pid is None:
            raise AssistantError("error.unknown_patient", pseudo=pseudo.strip())
        return int(pid)

    def redact_rows(self, rows: list[PatientRow] | tuple[PatientRow, ...]) -> list[PatientRow]:
        """The governed engine masked every snippet already; roles without the right to read report
        excerpts get none, whatever came back (defence in depth)."""
        if self.user.can("snippets"):
            return list(rows)
        return [replace(r, facts=tuple(replace(f, snippet=None) for f in r.facts)) for r in rows]

    # -- similar patients (retrieval.similar) ----------------------------------------------------
    def similar(
        self, *, patient_id: int | None = None, case: str | None = None, source: str, k: int, lang: str
    ) -> SimilarResult:
        sim = _need("retrieval.similar", "similar patients")
        filters = sim.Filters.from_scope(self.scope())
        try:
            if patient_id is not None:
                res = sim.similar_to_patient(self.store, patient_id, k=k, filters=filters, lang=lang)
            else:
                from retrieval.similar.case import case_facts

                try:
                    node = self.understand(case or "", None, use_llm=False, lang=lang).criteria
                except AssistantError:
                    node = None
                res = sim.similar_to_case(
                    self.store, case_facts(node, case), case, k=k, filters=filters, lang=lang
                )
        except getattr(importlib.import_module("retrieval.similar.index"), "IndexMissing", LookupError):
            raise AssistantError("error.no_index") from None
        rows, ids = [], {}
        for n in res.neighbours:
            if n.centre_id != self.user.centre_id:  # defence in depth: the filters already say so
                continue
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
