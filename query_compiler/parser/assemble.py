"""Items → a validated Criteria tree. An item that does not validate is dropped and reported in
words (never silently), so one odd fragment does not sink the whole question."""

from __future__ import annotations

from typing import Any

from query_compiler.criteria import (
    All,
    CriteriaError,
    Not,
    Sequence,
    parse_criteria,
)
from query_compiler.parser.state import Item

ATOM_FIELDS = {
    "tumour": "tumour",
    "treatment": "treatment",
    "event": "event",
    "biomarker": "biomarker",
    "sex": "sex",
    "age": "age",
    "vital_status": "vital_status",
    "survival": "survival",
    "treatment_lines": "treatment_lines",
    "text": "text",
    "biobank": "biobank",
    "stay_diagnosis": "stay_diagnosis",
    "centre": "centre",
}


def atom(item: Item) -> Any:
    """One item → its Criteria node (raises CriteriaError when it does not validate)."""
    if item.node is not None:
        node = item.node
    elif item.kind == "sequence":
        first, then = atom(item.fields["first"]), atom(item.fields["then"])
        node = Sequence(
            first=first,
            then=then,
            relation=item.fields.get("relation", "after"),
            min_months=item.fields.get("min_months"),
            max_months=item.fields.get("max_months"),
        )
    else:
        data = {"kind": ATOM_FIELDS[item.kind], **item.fields}
        node = parse_criteria(data)
    return Not(item=node) if item.neg else node


def assemble(items: list[Item]) -> tuple[Any, list[str]]:
    """(criteria or None, error sentences for the items that were dropped)."""
    nodes, errors = [], []
    for item in sorted(items, key=lambda i: i.pos):
        try:
            node = atom(item)
        except (CriteriaError, ValueError) as exc:
            errors.append(str(exc).replace("Invalid criteria:\n- ", ""))
            continue
        if node not in nodes:
            nodes.append(node)
    if not nodes:
        return None, errors
    if len(nodes) == 1:
        return nodes[0], errors
    return parse_criteria(All(items=nodes)), errors


def flatten(node: Any) -> list[Any]:
    """Top-level items of a tree (an All's children, or the node itself)."""
    if node is None:
        return []
    if isinstance(node, All):
        out = []
        for item in node.items:
            out.extend(flatten(item))
        return out
    return [node]
