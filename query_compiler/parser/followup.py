"""Typed follow-ups: does a message refine the previous criteria, or start over?

A person types the next message as they would speak: "seulement celles de plus de 60 ans",
"parmi eux, ceux traités par osimertinib", "and in men?", "same but rectum", "sauf les
métastatiques", "instead of pembrolizumab, nivolumab". ``read`` finds the conversational words
(anchors, restrictors, replacement and exclusion cues) and returns the words left to parse;
``decide`` says whether the parsed message is a follow-up.

Decision (``eval/followups/README.md`` has the labelled conventions):

- "parmi eux / among them / of these / same question for" always refine;
- a message with a disease of its own (a site or histology the previous criteria do not have)
  and a population word ("patients", "women", "those with"...) is a new question, as is a
  disease with other criteria and no conversational word; a bare new site replaces the site;
- a message without a disease of its own refines the previous question; nothing understood and
  no conversational word ("merci") is not a cohort question at all.

How the two merge is ``refinement.merge``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from query_compiler.criteria import (
    All,
    AnyOf,
    Not,
    Sequence,
    Tumour,
    parse_criteria,
)
from query_compiler.parser.terminology.text import Normalised
from retrieval.classifications import group_info, histology_groups

DISEASE_FIELDS = ("site", "histology", "histology_group")


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
    r"(?:les )?memes mais",
    r"the same ones but",
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
ALSO = _rx(
    r"aussi", r"also", r"too", r"en plus", r"as well", r"egalement", r"in addition",
    r"r?ajoute[rz]?", r"add",
)
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
    r"pts?",  # as typed in a hurry: "pts avec un GIST"
    r"pats?",
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
    if only_tumour and any(completes(new_nodes[0], t) for t in _tumours(old_nodes)):
        return True  # "les épidermoïdes" after lung cancer, "gastriques" after GIST: the same cancer, closer
    return only_tumour and _same_disease(new_nodes, old_nodes)


def _haematological(t: Tumour) -> bool:
    codes = [str(c) for c in t.histology]
    for g in t.histology_group:
        codes += list(histology_groups().get(g, ()))
    return any(c[:3] >= "959" for c in codes)


def _overlap(a: list[str], b: list[str]) -> bool:
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def _plausible(sites: list[str], t: Tumour) -> bool:
    """Can the histology of ``t`` be a cancer of ``sites``? Not a blood cancer, and not a histology
    that belongs to another organ (a glioblastoma is in the brain, whatever came before)."""
    if _haematological(t):
        return False
    own = [s for g in t.histology_group for s in group_info(g).get("site") or []]
    return not own or _overlap([str(s) for s in sites], [str(s) for s in own])


def completes(new: Tumour, old: Tumour) -> bool:
    """Does ``new`` only name the kind of disease field ``old`` lacks, in a plausible combination?
    A histology for a site-only cancer ("les épidermoïdes" after lung cancer, "à cellules claires"
    after kidney) or a site for a histology-only one ("rétropéritonéal" after sarcoma)."""
    new_site, new_hist = bool(new.site), bool(new.histology or new.histology_group)
    old_site, old_hist = bool(old.site), bool(old.histology or old.histology_group)
    if new_hist and not new_site and old_site and not old_hist:
        return _plausible([str(s) for s in old.site], new)
    if new_site and not new_hist and old_hist and not old_site:
        return _plausible([str(s) for s in new.site], old)
    return False


def _same_disease(new_nodes: list[Any], old_nodes: list[Any]) -> bool:
    return bool(_diseases(new_nodes)) and _diseases(new_nodes) <= _diseases(old_nodes)
