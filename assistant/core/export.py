"""CSV export of the current cohort: pseudonymous, redacted, one column per selection criterion.

An export is the riskiest action (data leaves the screen), so it needs the export right and a
stated purpose, and it is written to the audit trail with the criteria, the number of rows and the
purpose before the file is handed over. Rows carry the pseudonymous id, never the real one; each
criterion column says which facts matched it for that patient (redacted snippets included), so a
reader can check why a patient is in the cohort without opening the record.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from assistant.core.results import PatientRow
from assistant.i18n import t
from query_compiler.criteria import All, AnyOf, Not, Sequence, iter_nodes
from query_compiler.render import render

EXPORT_PAGE = 500
MAX_EXPORT_ROWS = 100_000


def top_criteria(node: Any) -> list[Any]:
    """The criteria a reader would list: the items of a top-level 'all', else the node itself."""
    return list(node.items) if isinstance(node, All) else [node]


def _kinds(node: Any) -> set[str]:
    return {n.kind for n in iter_nodes(node) if not isinstance(n, (All, AnyOf, Not, Sequence))}


def _cell(row: PatientRow, node: Any, lang: str) -> str:
    if isinstance(node, Not):
        return t("export.absent", lang)
    kinds = _kinds(node)
    facts = [f for f in row.facts if f.kind in kinds]
    if not facts:
        if "sex" in kinds:
            return row.sex
        if "age" in kinds:
            return row.age_band
        if "vital_status" in kinds and row.vital_status:
            return t(f"vital.{row.vital_status}", lang)
        return t("export.yes", lang)
    parts = []
    for f in facts:
        text = f.label
        if f.snippet:
            snippet = " ".join(f.snippet.split())  # one line per cell, whatever the report's layout
            text += f" « {snippet} »" if lang == "fr" else f" “{snippet}”"
        parts.append(text)
    return " | ".join(parts)


def to_csv(rows: list[PatientRow], node: Any, lang: str) -> str:
    """CSV text: fixed columns, then one column per top-level criterion (header = its sentence)."""
    crits = top_criteria(node)
    buf = io.StringIO()
    writer = csv.writer(buf)
    header = [
        t("table.pseudo", lang),
        t("table.age_band", lang),
        t("table.sex", lang),
        t("table.vital", lang),
    ]
    header += [render(c, lang) for c in crits]
    writer.writerow(header)
    for r in rows:
        vital = t(f"vital.{r.vital_status}", lang) if r.vital_status else ""
        writer.writerow([r.pseudo_id, r.age_band, r.sex, vital, *(_cell(r, c, lang) for c in crits)])
    return buf.getvalue()
