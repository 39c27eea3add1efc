"""Typed follow-ups: does a message refine the previous criteria, and how do the two merge?

A person types the next message as they would speak: "seulement celles de plus de 60 ans",
"parmi eux, ceux traités par osimertinib", "and in men?", "same but rectum", "sauf les
métastatiques", "instead of pembrolizumab, nivolumab". ``read`` finds the conversational words
(anchors, restrictors, replacement and exclusion cues) and returns the words left to parse;
``decide`` says whether the parsed message is a follow-up; ``merge`` applies it.

Decision (``eval/followups/README.md`` has the labelled conventions):

- "parmi eux / among them / of these / same question for" always refine;
- a message with a disease of its own (a site or histology the previous criteria do not have)
  and a population word ("patients", "women", "those with"...) is a new question, as is a
  disease with other criteria and no conversational word; a bare new site replaces the site;
- a message without a disease of its own refines the previous question; nothing understood and
  no conversational word ("merci") is not a cohort question at all.

Merge: single-valued criteria are replaced; the tumour is updated field by field (dates and ages
as a pair); a qualifier without an object ("in first line", "still on it") updates the previous
treatment; the same biomarker is replaced; "instead of X, Y" / "same but" replace the criterion
of the same kind; "aussi/also" adds; "sauf/except" excludes; a patient age after an age at
diagnosis is today's age; "then developed" relates the new fact to the cohort's tumour.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from query_compiler.criteria import (
    Age,
    All,
    AnyOf,
    Biomarker,
    Event,
    Not,
    Sequence,
    Text,
    Treatment,
    Tumour,
    parse_criteria,
)
from query_compiler.parser.assemble import flatten
from query_compiler.parser.terminology.text import Normalised

SINGLE = {"sex", "age", "vital_status", "survival", "treatment_lines", "biobank", "centre"}
DISEASE_FIELDS = ("site", "histology", "histology_group")
PAIRS = (("age_min", "age_max"), ("diagnosed_from", "diagnosed_to"))


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?:^|\b)(?:" + "|".join(alternatives) + r")(?:\b|$)")


# Patterns run on ``plain`` text: lower case, no accents, one space between tokens.
ANCHOR = _rx(
    r"parmi (?:eux|elles|ceux ci|celles ci|ces patients|ces patientes|ceux la|celles la|cette cohorte)",
    r"among (?:them|those|these|this cohort)",
    r"of (?:these|those|them)",
    r"dans (?:ce groupe|cette cohorte)",
    r"same (?:question|query|search|thing) (?:for|in|with)",
    r"meme (?:question|requete|recherche) (?:pour|chez|avec)",
)
REPLACE = _rx(
    r"(?:la )?meme chose mais",
    r"pareil mais",
    r"idem mais",
    r"meme question mais",
    r"(?:the )?same (?:thing |question |query )?but",
    r"same (?:thing |question |query )?(?:for|with)",
    r"plutot",
    r"instead",
    r"au lieu",
    r"a la place",
    r"what about",
    r"how about",
    r"et pour",
    r"and for",
    r"mais pour",
    r"but for",
    r"mais avec",
    r"but with",
)
EXCLUDE_START = re.compile(
    r"^(?:et |and |mais |but )?(?:sauf|hors|excepte|exceptee?s?|a l exception (?:de|des|du)|en dehors de|"
    r"except(?: for)?|excluding|exclude|minus|but not|not|sans|without)\s+"
    r"(?=(?:ceux|celles|les|those|the|ones|patients|patientes|them|la|le|l|des|un|une)\b)"
    r"|^(?:et |and |mais |but )?(?:sauf|hors|excepte|a l exception de|excluding|except(?: for)?)\s+"
)
ALSO = _rx(r"aussi", r"also", r"too", r"en plus", r"as well", r"egalement", r"in addition")
RESTRICT = _rx(
    r"seulement",
    r"uniquement",
    r"only",
    r"just",
    r"celles?",
    r"ceux",
    r"those",
    r"the ones",
    r"ones",
    r"now",
    r"maintenant",
    r"alors",
    r"then",
    r"restreindre",
    r"restrict",
    r"limit",
    r"garder",
    r"keep",
)
START = re.compile(
    r"^(?:et|and|mais|but|ou|or|avec|with|sans|without|chez|in|dont|whose|who|qui|ayant|having|"
    r"traite|traites|traitee|traitees|treated|still|toujours|encore|decedes?|decedees?|vivants?|vivantes?|"
    r"alive|dead|deceased|operes?|operees?)\b"
)
POPULATION = _rx(
    r"patients?",
    r"patientes?",
    r"malades?",
    r"hommes?",
    r"femmes?",
    r"women",
    r"woman",
    r"men",
    r"man",
    r"enfants?",
    r"children",
    r"people",
    r"personnes?",
    r"adultes?",
    r"adults?",
    r"(?:ceux|celles|those) (?:avec|with|qui|who|ayant|having|atteints?|atteintes?|dont|whose|presentant|"
    r"ayant eu|souffrant)",
)
INSTEAD = re.compile(
    r"\b(?:instead of|rather than|au lieu (?:de|du|des|d)|a la place (?:de|du|des|d)"
    r"|plutot que(?: de| du| des| d)?)"
    r"\s+(?P<old>[^,;?.!]+?)(?=\s*(?:[,;?.!]|$|\s(?:et|and|mais|but)\s))"
)
IT = _rx(
    r"on it",
    r"on that",
    r"under it",
    r"sous celui ci",
    r"sous celle ci",
    r"sous ce traitement",
    r"sous ce medicament",
    r"sous lui",
    r"sous elle",
)
HISTORY = _rx(
    r"y compris (?:en |les |dans les |aussi les )?antecedents?",
    r"including (?:past |the |a )?history",
    r"including past (?:mentions|cases)",
    r"meme en antecedents?",
)
OPPOSED = _rx(r"oppose?e?s?", r"opposition", r"opted out", r"refus\w*")


@dataclass
class Cues:
    """What the conversational words of a message say, and the words left to parse."""

    body: str
    anchor: bool = False
    replace: bool = False
    exclude: bool = False
    also: bool = False
    restrict: bool = False
    population: bool = False
    it: bool = False
    opposed: bool = False
    old: str | None = None  # "instead of X": the words of X
    doc_types: list[str] = field(default_factory=list)  # "CR d'imagerie": the report types to search
    include: list[str] = field(default_factory=list)  # "y compris en antécédent": mentions to keep

    @property
    def any(self) -> bool:
        return (
            self.anchor or self.replace or self.exclude or self.also or self.restrict or self.old is not None
        )


def read(message: str) -> Cues:
    """The conversational cues of a message and its text without the exclusion/instead clauses.

    >>> c = read("sauf ceux qui ont été opérés")
    >>> c.exclude, c.body
    (True, 'ceux qui ont été opérés')
    >>> c = read("instead of pembrolizumab, nivolumab")
    >>> c.old, c.body
    ('pembrolizumab', 'nivolumab')
    """
    text = message.strip()
    norm = plain(text)
    cues = Cues(body=text)
    cues.anchor = bool(ANCHOR.search(norm))
    cues.replace = bool(REPLACE.search(norm))
    cues.also = bool(ALSO.search(norm))
    cues.restrict = bool(RESTRICT.search(norm) or START.search(norm))
    cues.population = bool(POPULATION.search(norm))
    cues.it = bool(IT.search(norm))
    cues.opposed = bool(OPPOSED.search(norm))
    if HISTORY.search(norm):
        cues.include.append("history")
    excl = EXCLUDE_START.match(norm)
    if excl:
        cues.exclude = True
        cues.body = _cut(text, 0, len(_alnum(excl.group(0))))
    instead = INSTEAD.search(plain(cues.body))
    if instead:
        cues.old = instead.group("old").strip()
        cues.replace = True
        before = _alnum(plain(cues.body)[: instead.start()])
        cues.body = _cut(cues.body, len(before), len(_alnum(instead.group(0))))
    return cues


def plain(text: str) -> str:
    """Lower case, no accents, one space between tokens; sentence punctuation kept as tokens."""
    toks = [t.text for t in Normalised.of(text).tokens]
    return " ".join(t for t in toks if t.isalnum() or t in ",;?.!")


def _alnum(text: str) -> list[str]:
    return [t for t in text.split() if t.isalnum()]


def _cut(text: str, start: int, n: int) -> str:
    """``text`` without the words that carry the word tokens [start, start + n), as typed otherwise."""
    kept, pos = [], 0
    for word in text.split():
        size = len(_alnum(plain(word)))
        if not (size and start <= pos and pos + size <= start + n):
            kept.append(word)
        pos += size
    return " ".join(kept).strip(" ,;")


def previous_criteria(previous: Any) -> Any:
    """Accept a ParseResult, a Criteria node, a dict or JSON text."""
    if previous is None:
        return None
    criteria = getattr(previous, "criteria", previous)
    if criteria is None:
        return None
    return parse_criteria(criteria)


def _tumours(nodes: list[Any]) -> list[Tumour]:
    return [n for n in nodes if isinstance(n, Tumour)]


def _diseases(nodes: list[Any]) -> set[str]:
    """Sites, morphologies and histology groups named anywhere in the nodes (sequences included)."""
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, Tumour):
            for name in DISEASE_FIELDS:
                out.update(str(v) for v in getattr(node, name))
        elif isinstance(node, Sequence):
            out |= _diseases([node.first, node.then])
        elif isinstance(node, (All, AnyOf)):
            out |= _diseases(node.items)
        elif isinstance(node, Not):
            out |= _diseases([node.item])
    return out


def own_disease(new_nodes: list[Any], old_nodes: list[Any]) -> bool:
    """Does the message name a disease the previous criteria do not have ("le cancer" does not)?"""
    new = _diseases(new_nodes)
    return bool(new) and not new <= _diseases(old_nodes)


def decide(new_nodes: list[Any], old_nodes: list[Any], cues: Cues, force: bool | None = None) -> bool:
    """True when the message refines the previous criteria, False when it starts over."""
    if force is not None:
        return force
    if not old_nodes:
        return False
    if cues.anchor:
        return True
    if not new_nodes:  # "merci", "and the weather?": no cohort question; "hors opposés": nothing to add
        return cues.anchor or cues.replace or cues.exclude or bool(cues.doc_types or cues.include)
    if not _diseases(new_nodes):
        return True  # no disease of its own: "décédés ?", "with a BRCA mutation", "BRAF V600E ?"
    if own_disease(new_nodes, old_nodes) and cues.population and not (cues.replace or cues.also):
        return False  # "Et les patients avec un cancer du pancréas opérés ?"
    if cues.any:
        return True  # "same but rectum", "et pour le pancréas ?", "seulement les tumeurs du rein gauche"
    # no conversational word at all: a disease alone refines the cohort's own tumour ("cancer du rein
    # gauche"); a disease with other criteria is a question of its own, even about the same cancer
    only_tumour = len(new_nodes) == 1 and isinstance(new_nodes[0], Tumour)
    return only_tumour and _same_disease(new_nodes, old_nodes)


def _same_disease(new_nodes: list[Any], old_nodes: list[Any]) -> bool:
    return bool(_diseases(new_nodes)) and _diseases(new_nodes) <= _diseases(old_nodes)


# -- merging -----------------------------------------------------------------------------------------
def _update_tumour(old: Tumour, new: Tumour) -> Tumour:
    update = new.model_dump(exclude_defaults=True, exclude={"kind"})
    data = old.model_dump(exclude={"kind"})
    for pair in PAIRS:  # a new range replaces the old one as a whole ("plutôt depuis 2020")
        if any(name in update for name in pair):
            for name in pair:
                data[name] = None
    data.update(update)
    return Tumour(**data)


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


def parse_words(words: str, parse_fn: Callable[[str], Any]) -> list[Any]:
    """The nodes of a few words (the X of "instead of X"), read by the terminology only."""
    return flatten(parse_fn(words)) if words else []


__all__ = [
    "Cues",
    "Merge",
    "as_tree",
    "decide",
    "merge",
    "own_disease",
    "parse_words",
    "previous_criteria",
    "read",
]
