"""Follow-up questions refine the previous criteria instead of starting over.

"seulement celles de plus de 60 ans" replaces the age; "and still alive" adds a vital status;
"sans les métastatiques" sets metastatic=false on the previous tumour; "same but lung cancer"
swaps the tumour site and keeps everything else. Single-valued criteria (sex, age, vital status,
survival, number of lines, biobank) are replaced; a tumour is updated field by field; other
criteria are added, or replaced when the user says "same but"/"même chose mais".
"""

from __future__ import annotations

from typing import Any

from query_compiler.criteria import Not, Treatment, Tumour, parse_criteria
from query_compiler.parser.assemble import flatten

SINGLE = {"sex", "age", "vital_status", "survival", "treatment_lines", "biobank", "centre"}


def previous_criteria(previous: Any) -> Any:
    """Accept a ParseResult, a Criteria node, a dict or JSON text."""
    if previous is None:
        return None
    criteria = getattr(previous, "criteria", previous)
    if criteria is None:
        return None
    return parse_criteria(criteria)


def is_new_question(new_nodes: list[Any], cues: set[str]) -> bool:
    """A full question typed after another one is not a refinement of it."""
    if cues:
        return False
    kinds = {n.kind for n in new_nodes}
    return "tumour" in kinds and len(new_nodes) >= 2


def merge(prev: Any, new: Any, replace: bool) -> tuple[list[Any], list[Any]]:
    """(merged top-level nodes, nodes kept from the previous criteria)."""
    old_nodes = flatten(prev)
    out = list(old_nodes)
    for node in flatten(new):
        kind = node.kind
        same = [i for i, o in enumerate(out) if o.kind == kind]
        if kind == "tumour" and same:
            i = same[0]
            update = node.model_dump(exclude_defaults=True, exclude={"kind"})
            out[i] = Tumour(**{**out[i].model_dump(exclude={"kind"}), **update})
        elif kind in SINGLE and same:
            out[same[0]] = node
        elif replace and same and kind != "not":
            out[same[0]] = node
            for i in reversed(same[1:]):
                if kind == "treatment" and isinstance(out[i], Treatment):
                    del out[i]
        elif node not in out:
            out.append(node)
        if isinstance(node, Not) and node.item in out:
            out.remove(node.item)
    kept = [o for o in out if any(o is k for k in old_nodes)]
    return out, kept
