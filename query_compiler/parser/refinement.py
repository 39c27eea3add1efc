"""Merging a follow-up into the previous criteria (the decision that it IS one is ``followup``).

Single-valued criteria are replaced; the tumour is updated field by field (dates and ages as a
pair); a qualifier without an object ("in first line", "still on it") updates the previous
treatment; the same biomarker is replaced; "instead of X, Y" / "same but" replace the criterion of
the same kind, keeping the other fields of a replaced treatment (its line); "aussi/also" adds a
second tumour; "sauf/except" excludes, repeating the cohort's site; a patient age after an age at
diagnosis is today's age; "then developed" / "on it" relate the new fact to the cohort's tumour or
treatment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from query_compiler.criteria import Age, All, AnyOf, Biomarker, Event, Not, Sequence, Text, Treatment, Tumour
from query_compiler.parser.assemble import flatten
from query_compiler.parser.followup import DISEASE_FIELDS, Cues, completes, own_disease

SINGLE = {"sex", "age", "vital_status", "survival", "treatment_lines", "biobank", "centre"}
PAIRS = (("age_min", "age_max"), ("diagnosed_from", "diagnosed_to"))


def _update_tumour(old: Tumour, new: Tumour) -> Tumour:
    update = new.model_dump(exclude_defaults=True, exclude={"kind"})
    data = old.model_dump(exclude={"kind"})
    if _other_cancer(old, new):  # "et les LAM ?" after breast cancer: AML, not a breast AML
        for name in DISEASE_FIELDS:
            data[name] = []
    for pair in PAIRS:  # a new range replaces the old one as a whole ("plutôt depuis 2020")
        if any(name in update for name in pair):
            for name in pair:
                data[name] = None
    data.update(update)
    return Tumour(**data)


def _other_cancer(old: Tumour, new: Tumour) -> bool:
    """The new disease field is of the kind the old tumour lacks, and the two cannot be one cancer."""
    new_site, new_hist = bool(new.site), bool(new.histology or new.histology_group)
    old_site, old_hist = bool(old.site), bool(old.histology or old.histology_group)
    crossed = (new_hist and not new_site and old_site and not old_hist) or (
        new_site and not new_hist and old_hist and not old_site
    )
    return crossed and not completes(new, old)


def _markers(node: Any) -> set[str]:
    if isinstance(node, Biomarker):
        return {node.marker}
    if isinstance(node, (AnyOf, All)):
        return {m for i in node.items for m in _markers(i)}
    return set()


def _only_qualifiers(node: Treatment) -> bool:
    return not node.classes and not node.drugs and not node.atc


def _treatment_to_replace(out: list[Any], node: Treatment, old_words: list[Any]) -> int | None:
    """Index of the previous treatment a replacement means: the one named after "instead of", the
    one of the same class, the only one, else the last one."""
    idx = [i for i, o in enumerate(out) if isinstance(o, Treatment)]
    if not idx:
        return None
    for old in old_words:
        if isinstance(old, Treatment):
            for i in idx:
                if set(old.drugs) & set(out[i].drugs) or set(old.classes) & set(out[i].classes):
                    return i
    same_class = [i for i in idx if set(out[i].classes) & set(node.classes)]
    return (same_class or idx)[-1] if len(idx) > 1 else idx[0]


def _replaced_treatment(old: Treatment, new: Treatment) -> Treatment:
    """The new drug or class with the other fields of the atom it replaces (its line, its dates)."""
    data = old.model_dump(exclude={"kind"})
    data.update({"drugs": [], "classes": [], "atc": []})
    data.update(new.model_dump(exclude_defaults=True, exclude={"kind"}))
    return Treatment(**data)


@dataclass
class Merge:
    """The merged top-level nodes and what the chat says about them."""

    nodes: list[Any]
    kept: list[Any] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (French, English)


def merge(
    prev: Any,
    new: Any,
    cues: Cues | None = None,
    *,
    old_words: list[Any] | None = None,
    sequence_cue: bool = False,
) -> Merge:
    """Apply the message's criteria to the previous ones (see the module docstring)."""
    cues = cues or Cues(body="")
    old_nodes = flatten(prev)
    out = list(old_nodes)
    notes: list[tuple[str, str]] = []
    old_words = old_words or []
    for node in old_words:  # "instead of X": X leaves (a treatment is replaced in place, keeping its line)
        for i, o in enumerate(out):
            if not isinstance(o, Treatment) and (o == node or _markers(node) & _markers(o)):
                del out[i]
                break
    for node in flatten(new):
        if cues.exclude and not isinstance(node, Not):
            node = _excluded(node, out)
        _apply(out, node, cues, old_words, sequence_cue, notes)
    texts = [i for i, o in enumerate(out) if isinstance(o, Text)]
    if (cues.doc_types or cues.include) and texts and not any(isinstance(n, Text) for n in flatten(new)):
        text = out[texts[-1]]
        out[texts[-1]] = text.model_copy(
            update={
                "doc_types": list(dict.fromkeys([*text.doc_types, *cues.doc_types])),
                "include": list(dict.fromkeys([*text.include, *cues.include])),
            }
        )
    said = flatten(new)
    kept = [o for o in out if o not in said]  # carried over from the previous criteria, or built on them
    if cues.opposed and not flatten(new):
        notes.append(
            (
                "Les patients opposés à l'usage de leurs données sont toujours exclus : rien à changer.",
                "Patients who opposed research use are always excluded: nothing to change.",
            )
        )
    return Merge(out, kept, notes)


def _excluded(node: Any, out: list[Any]) -> Any:
    """ "sauf les métastatiques": the cohort's own tumour with that property, excluded. When the
    cohort's tumour already says that property ("sein métastatique", then "sans les métastatiques"),
    the field is turned over instead: excluding everyone would answer nothing."""
    if isinstance(node, Tumour) and not any(getattr(node, f) for f in DISEASE_FIELDS):
        mine = next((o for o in out if isinstance(o, Tumour)), None)
        if mine is not None:
            said = node.model_dump(exclude_defaults=True, exclude={"kind"})
            if said and all(isinstance(v, bool) and getattr(mine, k) is not None for k, v in said.items()):
                return Tumour(**{k: not v for k, v in said.items()})
            fields = {f: getattr(mine, f) for f in DISEASE_FIELDS if getattr(mine, f)}
            node = Tumour(**{**said, **fields})
    return Not(item=node)


AGE_TODAY = (
    "Le cancer ayant un âge au diagnostic, l'âge demandé ensuite est l'âge actuel (ou au décès).",
    "The cancer has an age at diagnosis, so the age asked next is the current age (or at death).",
)


def _apply(
    out: list[Any], node: Any, cues: Cues, old_words: list[Any], sequence_cue: bool, notes: list[Any]
) -> None:
    kind = node.kind
    same = [i for i, o in enumerate(out) if o.kind == kind]
    tumours = [i for i, o in enumerate(out) if isinstance(o, Tumour)]
    if sequence_cue and isinstance(node, (Tumour, Event)) and not isinstance(node, Sequence):
        first = _sequence_first(out, node, cues)
        if first is not None:
            out.append(Sequence(first=first, then=node))
            return
    if isinstance(node, Tumour):
        if tumours and not (cues.also and own_disease([node], out)):
            out[tumours[0]] = _update_tumour(out[tumours[0]], node)
        elif node not in out:
            out.append(node)
    elif isinstance(node, Age) and node.at == "diagnosis" and _tumour_age(out):
        today = Age(at="today", min=node.min, max=node.max)
        notes.append(AGE_TODAY)
        ages = [i for i, o in enumerate(out) if isinstance(o, Age) and o.at == "today"]
        if ages:
            out[ages[0]] = today
        else:
            out.append(today)
    elif kind in SINGLE and same:
        out[same[0]] = node
    elif isinstance(node, Treatment):
        _apply_treatment(out, node, cues, old_words)
    elif isinstance(node, (Biomarker, AnyOf)) and _markers(node):
        hit = [i for i, o in enumerate(out) if _markers(o) & _markers(node)]
        if not hit and cues.replace:
            hit = [i for i, o in enumerate(out) if _markers(o)]
            hit = hit if len(hit) == 1 else []
        if hit:
            out[hit[0]] = node
        elif node not in out:
            out.append(node)
    elif cues.replace and same and kind not in ("not", "all"):
        out[same[0]] = node
    elif node not in out:
        out.append(node)
    if isinstance(node, Not) and node.item in out:
        out.remove(node.item)


def _apply_treatment(out: list[Any], node: Treatment, cues: Cues, old_words: list[Any]) -> None:
    idx = [i for i, o in enumerate(out) if isinstance(o, Treatment)]
    if _only_qualifiers(node):  # "in first line", "still on it": the previous treatment
        if idx:
            i = idx[-1]
            data = out[i].model_dump(exclude={"kind"})
            data.update(node.model_dump(exclude_defaults=True, exclude={"kind"}))
            out[i] = Treatment(**data)
        return
    if cues.replace and idx:
        i = _treatment_to_replace(out, node, old_words)
        if i is not None:
            out[i] = _replaced_treatment(out[i], node)
            return
    if node not in out:
        out.append(node)


def _tumour_age(out: list[Any]) -> bool:
    """The cohort's tumour carries an age at diagnosis ("à 50 ans") and no patient age says otherwise."""
    tumour = any(isinstance(o, Tumour) and (o.age_min is not None or o.age_max is not None) for o in out)
    return tumour and not any(isinstance(o, Age) and o.at == "diagnosis" for o in out)


def _sequence_first(out: list[Any], node: Any, cues: Cues) -> Any:
    """What "ensuite / later / on it" relates the new fact to: the treatment for "on it", else the tumour."""
    if cues.it:
        treatments = [o for o in out if isinstance(o, Treatment)]
        if treatments:
            return treatments[-1]
    tumours = [o for o in out if isinstance(o, Tumour)]
    if tumours and tumours[0] != node:
        return tumours[0]
    return None


def as_tree(nodes: list[Any]) -> Any:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else All(items=nodes)
