"""Find terminology mentions in a question: patterns first, then the longest dictionary match, then
typo-tolerant matching for what is left.

Order matters and is deliberate: quoted text and "mentioning ..." lists are literal search terms
(nothing inside them may become a criterion); numeric/time patterns come before words so that
"plus de 2 lignes" is a number of lines and not an age; fuzzy matching only sees what exact
matching left, and never short tokens (an abbreviation like "LAM" or "RE" must match exactly;
a 4-letter word may only differ by two swapped letters: "sien" → "sein").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from query_compiler.parser.terminology import GRAMMAR_CATEGORIES, Entry, Terminology, get_terminology
from query_compiler.parser.terminology.text import Normalised, key_of

PATTERN_ORDER = (
    "marker_value",
    "survival",
    "date_range",
    "date_either",
    "date_last",
    "date_from",
    "date_to",
    "date_in",
    "lines_number",
    "lines_count",
    "unsupported",
    "age_dx",
    "sex_letter",
    "age_range",
    "age_at",
    "age",
    "grade",
    "stage",
    "tnm",
    "icd10",
    "morphology",
)
_TEXT_STOP = re.compile(
    r"\s*(?:[;.?]|\b(?:et |and )?(?:qui |who |traitee?s? |treated |ayant |having |dont |whose |chez |among |"
    r"in patients |sous |under |pour |for |avec |with )|$"
    # a date closes the list: "inclusion dans un essai depuis 2023" searches "inclusion dans un essai"
    r"|,?\s*\b(?:depuis|since|apres|after|avant|before|entre|between|en|in|from|des|jusqu en|jusqu a|until|"
    r"durant|during|a partir de)\s+(?:le\s+|the\s+|l annee\s+|the year\s+)?(?:\d{1,2}[/.])*(?:19|20)\d{2}\b"
    r"|,?\s*\b(?:au cours des|dans les|in the|over the|within the|during the|ces)\s+"
    r"(?:derniers?\s+|dernieres?\s+|last\s+|past\s+)?\d*\s*(?:derniers?\s+|dernieres?\s+)?"
    r"(?:ans|annees|years?|mois|months?)\b"
    # "including suspected cases" qualifies the search, it is not a term
    r"|,?\s*\b(?:y compris|including|incluant|meme)\s+(?:les\s+)?(?:cas\s+)?"
    r"(?:suspect|suspicion|hypoth|possible|probable))"
)
_ARTICLE = re.compile(r"^(?:une?|des|la|le|les|l'|l’|d'|d’|du|de|a|an|the)\s+", re.I)


@dataclass
class Mention:
    kind: str  # a lexicon category ("site", "drug"...) or a pattern kind ("age", "date_from"...)
    start: int  # token indices, end exclusive
    end: int
    text: str  # original characters
    entries: list[Entry] = field(default_factory=list)
    groups: dict[str, Any] = field(default_factory=dict)
    fuzzy: bool = False

    @property
    def categories(self) -> set[str]:
        return {e.category for e in self.entries} if self.entries else {self.kind}

    def value(self, category: str) -> Any:
        for e in self.entries:
            if e.category == category:
                return e.value
        return None


@dataclass
class Annotation:
    norm: Normalised
    mentions: list[Mention]
    uncovered: list[tuple[int, int]]  # token ranges not understood (content words)

    def uncovered_text(self) -> list[str]:
        out = []
        for a, b in self.uncovered:
            toks = self.norm.tokens
            out.append(self.norm.original_span(toks[a].start, toks[b - 1].end))
        return out


def _overlaps(used: list[bool], r: range) -> bool:
    return any(used[i] for i in r)


def _mark(used: list[bool], r: range) -> None:
    for i in r:
        used[i] = True


def _text_mentions(norm: Normalised, term: Terminology, used: list[bool]) -> list[Mention]:
    """Quoted strings, then a list after a cue ("mentionnant a, b ou c"): literal search terms."""
    found: list[Mention] = []
    for rx in term.patterns["text_quoted"]:
        for m in rx.finditer(norm.text):
            r = norm.token_range(m.start(), m.end())
            if not r or _overlaps(used, r):
                continue
            literal = norm.original_span(m.start("t"), m.end("t")).strip()
            found.append(Mention("text_terms", r.start, r.stop, literal, groups={"terms": [literal]}))
            _mark(used, r)
    if found:
        return found
    toks = norm.tokens
    for i in range(len(toks)):
        for n in range(min(6, len(toks) - i), 0, -1):
            if _overlaps(used, range(i, i + n)):
                continue
            key = key_of([t.text for t in toks[i : i + n]])
            if any(e.category == "text_cue" for e in term.lexicon.get(key, [])):
                start = toks[i + n - 1].end
                stop = _TEXT_STOP.search(norm.text, start + 1)
                end = stop.start() if stop else len(norm.text)
                if end <= start:
                    continue
                literal = norm.original_span(start, end)
                parts = re.split(r"\s*,\s*|\s+(?:ou|or|et|and)\s+", literal.strip(" :"))
                terms = [_ARTICLE.sub("", p.strip(" '\"«»“”").strip()) for p in parts]
                terms = [t for t in terms if t]
                if not terms:
                    continue
                r = norm.token_range(toks[i].start, end)
                found.append(Mention("text_terms", r.start, r.stop, literal, groups={"terms": terms}))
                _mark(used, r)
                return found
    return found


def _pattern_mentions(norm: Normalised, term: Terminology, used: list[bool]) -> list[Mention]:
    found = []
    for kind in PATTERN_ORDER:
        for rx in term.patterns.get(kind, []):
            for m in rx.finditer(norm.text):
                if m.end() == m.start() or not m.group().strip():
                    continue
                r = norm.token_range(m.start(), m.end())
                if not r or _overlaps(used, r):
                    continue
                groups = {k: v for k, v in m.groupdict().items() if v is not None}
                # remember the comparison words used (the op group may be implicit in the prefix)
                groups["_match"] = m.group()
                text = norm.original_span(m.start(), m.end()).strip()
                found.append(Mention(kind, r.start, r.stop, text, groups=groups))
                _mark(used, r)
    return found


def _lexicon_mentions(norm: Normalised, term: Terminology, used: list[bool]) -> list[Mention]:
    toks = norm.tokens
    found = []
    i = 0
    while i < len(toks):
        if used[i]:
            i += 1
            continue
        hit = None
        acronym = term.acronyms.get(norm.original_span(toks[i].start, toks[i].end))
        if acronym:  # "ALL" written in capitals is the leukaemia, not the word "all"
            hit = (1, acronym)
        for n in range(min(term.max_tokens, len(toks) - i), 0, -1) if hit is None else ():
            if _overlaps(used, range(i, i + n)):
                continue
            entries = term.lexicon.get(key_of([t.text for t in toks[i : i + n]]))
            if entries:
                hit = (n, entries)
                break
        if hit is None:
            i += 1
            continue
        n, entries = hit
        text = norm.original_span(toks[i].start, toks[i + n - 1].end)
        found.append(Mention(entries[0].category, i, i + n, text, entries=list(entries)))
        _mark(used, range(i, i + n))
        i += n
    return found


def _transposed(a: str, b: str) -> bool:
    if len(a) != len(b) or sorted(a) != sorted(b):
        return False
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    return len(diff) == 2 and diff[1] == diff[0] + 1


def _fuzzy_mentions(norm: Normalised, term: Terminology, used: list[bool]) -> list[Mention]:
    toks = norm.tokens
    found = []
    for i, tok in enumerate(toks):
        if used[i] or not tok.text.isalpha() or len(tok.text) < 4:
            continue
        text = tok.text
        if len(text) == 4:
            keys = [
                k
                for k in term.short_keys
                if k[0] == text[0]
                and (_transposed(text, k) or (len(k) == 5 and Levenshtein.distance(text, k) == 1))
            ]
            best = (keys[0], 100.0, 0) if len(keys) == 1 else None
        else:
            cutoff = 90 if len(text) <= 6 else 85
            best = process.extractOne(text, term.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=cutoff)
        if not best:
            continue
        entries = [
            e for e in term.lexicon[best[0]] if e.category not in GRAMMAR_CATEGORIES or e.category == "filler"
        ]
        if not entries:
            continue
        found.append(
            Mention(
                entries[0].category,
                i,
                i + 1,
                norm.original_span(tok.start, tok.end),
                entries=entries,
                fuzzy=True,
            )
        )
        used[i] = True
    return found


def annotate(question: str, term: Terminology | None = None) -> Annotation:
    """Every mention the terminology recognises in a question, and the content it did not."""
    term = term or get_terminology()
    norm = Normalised.of(question)
    used = [False] * len(norm.tokens)
    mentions = _text_mentions(norm, term, used)
    mentions += _pattern_mentions(norm, term, used)
    mentions += _lexicon_mentions(norm, term, used)
    mentions += _fuzzy_mentions(norm, term, used)
    mentions.sort(key=lambda m: m.start)
    uncovered: list[tuple[int, int]] = []
    covered = [False] * len(norm.tokens)
    for m in mentions:
        for k in range(m.start, m.end):
            covered[k] = True
    start = None
    for k, tok in enumerate(norm.tokens):
        content = not covered[k] and any(ch.isalnum() for ch in tok.text)
        if content and start is None:
            start = k
        elif not content and start is not None:
            uncovered.append((start, k))
            start = None
    if start is not None:
        uncovered.append((start, len(norm.tokens)))
    return Annotation(norm, mentions, uncovered)
