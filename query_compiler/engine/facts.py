"""What matched, per patient: the records and report snippets behind a patient's presence in a list.

Only atoms that count *for* the patient are shown (not those under a NOT). Each atom's records are
read with the same compiled Source as the count, restricted to the page's patients, so a fact
shown is exactly a record the query used. Text facts carry the document, its type and date, and a
snippet with the matched words located by ``query_compiler.criteria.terms`` (the same folding as the
index), so highlighting is identical on SQLite and PostgreSQL. Snippets are raw report text: the
privacy layer must redact them before a person sees them.

An excerpt must never be redacted alone: a window cut through an identifier ("N° SS : 2 45 12 51
285…") leaves a piece no recogniser can read, so it would be shown as is. Text facts therefore carry
a wider ``context`` of the document (the excerpt window plus ``CONTEXT_MARGIN`` characters each side,
extended to a line or sentence boundary), and the privacy layer redacts the whole context, then cuts
the excerpt out of the redacted text (``excerpt``). An identifier that touches the excerpt lies
wholly inside the context as long as it is shorter than the margin (identifiers are under 80
characters with their label; the margin is 160). ``snippet`` keeps the raw excerpt for the engine's own tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from query_compiler import criteria as C
from query_compiler.compiler.atoms import Cond, col
from query_compiler.criteria.terms import Matcher
from query_compiler.render import describe
from retrieval.labels import code_with_label
from retrieval.vocab import DOC_TYPES, EVENT_TYPES, METASTASIS_SITES, SAMPLE_TYPES, TREATMENT_CLASSES, label

if TYPE_CHECKING:
    from query_compiler.engine import CohortEngine

MAX_FACTS_PER_ATOM = 3
SNIPPET_WINDOW = 70
CONTEXT_MARGIN = 160  # characters of document redacted beyond the excerpt window, each side
BOUNDARY_SLACK = 100  # how much further a context may reach for a line or sentence end


@dataclass(frozen=True)
class Fact:
    kind: str  # the atom kind that matched (tumour, treatment, text...)
    label: str  # short readable label ("C50.4 (sein)", "pembrolizumab", "compte rendu d'imagerie")
    date: str | None = None
    document_id: int | None = None
    document_type: str | None = None
    snippet: str | None = None
    highlights: tuple[tuple[int, int], ...] = ()  # [start, end) offsets in ``snippet``
    context: str | None = None  # raw document text around the match, to redact before cutting
    context_spans: tuple[tuple[int, int], ...] = ()  # match offsets in ``context``

    def marked(self, open_: str = "**", close: str = "**") -> str:
        """The snippet with matched words wrapped (Markdown bold by default)."""
        if not self.snippet:
            return ""
        out, last = [], 0
        for s, e in self.highlights:
            out += [self.snippet[last:s], open_, self.snippet[s:e], close]
            last = e
        out.append(self.snippet[last:])
        return "".join(out)


def positive_atoms(node: C.Node, negated: bool = False) -> list[C.Node]:
    """Atoms that speak for a patient: not under an odd number of NOTs; both sides of a relation."""
    if isinstance(node, (C.All, C.AnyOf)):
        return [a for i in node.items for a in positive_atoms(i, negated)]
    if isinstance(node, C.Not):
        return positive_atoms(node.item, not negated)
    if negated:
        return []
    if isinstance(node, C.Sequence):
        return [node.first, node.then]
    return [node]


def _label(atom: C.Node, ref: Any, lang: str) -> str:
    if ref is None:
        return describe(atom, lang)
    ref = str(ref)
    if isinstance(atom, (C.Tumour, C.StayDiagnosis)) or (isinstance(atom, C.Age) and atom.at == "diagnosis"):
        return code_with_label(ref, lang)
    if isinstance(atom, C.Event):
        what = label(EVENT_TYPES, atom.type, lang)
        return f"{what} ({label(METASTASIS_SITES, ref, lang)})" if ref in METASTASIS_SITES else what
    if isinstance(atom, C.Treatment):
        return label(TREATMENT_CLASSES, ref, lang) if ref in TREATMENT_CLASSES else ref
    if isinstance(atom, C.Biomarker):
        return f"{atom.marker} {ref}" if ref.upper() != atom.marker else atom.marker
    if isinstance(atom, C.Biobank):
        return label(SAMPLE_TYPES, ref, lang)
    return describe(atom, lang)


def snippet(
    text: str, spans: list[tuple[int, int]], window: int = SNIPPET_WINDOW
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` around the first match, with match offsets relative to the window."""
    if not spans:
        return text[: 2 * window].strip(), ()
    start = max(0, spans[0][0] - window)
    end = min(len(text), spans[0][1] + window)
    if start > 0 and " " in text[start : spans[0][0]]:
        start = text.index(" ", start) + 1
    if end < len(text) and " " in text[spans[0][1] : end]:
        end = text.rindex(" ", spans[0][1], end)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    inside = tuple(
        (s - start + len(prefix), e - start + len(prefix)) for s, e in spans if s >= start and e <= end
    )
    return prefix + text[start:end] + suffix, inside


def excerpt(
    text: str, spans: list[tuple[int, int]] | tuple[tuple[int, int], ...], window: int = SNIPPET_WINDOW
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The excerpt shown to a person, cut from an already-redacted context (same rule as ``snippet``)."""
    return snippet(text, list(spans), window)


def _boundary_before(text: str, at: int) -> int:
    """A start at or before ``at``: the nearest line start, else sentence start, else word start."""
    if at <= 0:
        return 0
    lo = max(0, at - BOUNDARY_SLACK)
    for sep in ("\n", ". ", " "):
        k = text.rfind(sep, lo, at)
        if k != -1:
            return k + len(sep)
    return lo


def _boundary_after(text: str, at: int) -> int:
    if at >= len(text):
        return len(text)
    hi = min(len(text), at + BOUNDARY_SLACK)
    for sep in ("\n", ". ", " "):
        k = text.find(sep, at, hi)
        if k != -1:
            return k + (1 if sep == ". " else 0)
    return hi


def context_window(
    text: str, spans: list[tuple[int, int]], window: int = SNIPPET_WINDOW, margin: int = CONTEXT_MARGIN
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The part of a document to redact for one excerpt, and the spans' offsets inside it."""
    first = spans[0] if spans else (0, 0)
    start = _boundary_before(text, first[0] - window - margin)
    end = _boundary_after(text, max(first[1], 2 * window if not spans else 0) + window + margin)
    inside = tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)
    return text[start:end], inside


def matched_facts(
    engine: CohortEngine, tree: C.Node, ids: list[int], lang: str = "fr"
) -> dict[int, list[Fact]]:
    """Facts per patient id for the given page of patients."""
    out: dict[int, list[Fact]] = defaultdict(list)
    store = engine.store
    for atom in positive_atoms(tree):
        comp = engine.compiler()
        src = comp.source(atom)
        if isinstance(src, Cond):
            q = (
                exp.select(
                    exp.alias_(col("id", "p"), "patient_id", copy=False),
                    exp.alias_(exp.Null(), "d", copy=False),
                    exp.alias_(exp.Null(), "ref", copy=False),
                )
                .from_(exp.to_table("patients").as_("p"), copy=False)
                .where(
                    exp.and_(
                        src.expr, col("id", "p").isin(*[comp.param(i) for i in ids], copy=False), copy=False
                    ),
                    copy=False,
                )
            )
        else:
            inner = src.for_patients([comp.param(i) for i in ids]).instances()
            q = exp.select("x.patient_id", "x.d", "x.ref").from_(inner.subquery("x"), copy=False)
            q = q.order_by(
                col("patient_id", "x"),
                exp.Ordered(this=col("d", "x"), desc=True),
                col("ref", "x"),
                copy=False,
            )
        sql = comp.render(q)
        per: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in store.query(sql.sql, sql.params):
            if len(per[r["patient_id"]]) < MAX_FACTS_PER_ATOM:
                per[r["patient_id"]].append(r)
        if isinstance(atom, C.Text):
            _text_facts(engine, atom, per, out, lang)
            continue
        for pid, rows in per.items():
            seen = set()
            for r in rows:
                fact = Fact(atom.kind, _label(atom, r["ref"], lang), r["d"])
                if fact not in seen:
                    seen.add(fact)
                    out[pid].append(fact)
    return dict(out)


def _text_facts(
    engine: CohortEngine,
    atom: C.Text,
    per: dict[int, list[dict[str, Any]]],
    out: dict[int, list[Fact]],
    lang: str,
) -> None:
    seg_ids = [int(r["ref"]) for rows in per.values() for r in rows]
    if not seg_ids:
        return
    marks = ", ".join(f":s{k}" for k in range(len(seg_ids)))
    segs = {
        r["id"]: r
        for r in engine.store.query(
            "SELECT s.id, s.document_id, s.text, s.start_char, d.type, d.date, d.text AS doc_text"
            " FROM segments s JOIN documents d"
            f" ON d.id = s.document_id WHERE s.id IN ({marks})",
            {f"s{k}": v for k, v in enumerate(seg_ids)},
        )
    }
    matcher = Matcher(atom.terms)
    for pid, rows in per.items():
        for r in rows:
            seg = segs[int(r["ref"])]
            spans = matcher.spans(seg["text"])
            text, marks_ = snippet(seg["text"], spans)
            context, context_spans = _document_context(seg, spans)
            out[pid].append(
                Fact(
                    "text",
                    label(DOC_TYPES, seg["type"], lang),
                    seg["date"],
                    seg["document_id"],
                    seg["type"],
                    text,
                    marks_,
                    context,
                    context_spans,
                )
            )


def _document_context(
    seg: dict[str, Any], spans: list[tuple[int, int]]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The segment's match placed in its document, and the document context around it."""
    doc = seg.get("doc_text") or ""
    offset = int(seg.get("start_char") or 0)
    if not doc or doc[offset : offset + len(seg["text"])] != seg["text"]:
        doc, offset = seg["text"], 0  # a segment whose document text moved: its own text only
    return context_window(doc, [(s + offset, e + offset) for s, e in spans])
