"""Text search terms: one documented grammar, compiled to FTS5 and tsquery, and matched in Python.

A term of a ``text`` criterion is read as follows (everything else is searched literally):

- words are cut and folded exactly like SQLite FTS5 ``unicode61 remove_diacritics 2``: case and
  accents are ignored, and any character that is not a letter or digit separates words
  (``l'ovocyte`` is the two words ``l ovocyte``; ``AND``, ``OR``, ``NOT``, ``^``, ``:``,
  parentheses, quotes and SQL quotes are plain separators or plain words, never operators);
- several words form a phrase: they must follow each other (``ovocytes congelés``);
- ``*`` right after a word makes it a prefix (``cryopréservation ov*``; ``"a b"*`` = ``a b*``);
- ``"..."`` groups words into one phrase, useful around ``NEAR``; an unpaired quote is ignored;
- ``A NEAR B`` (upper case) matches when at most 10 words separate ``A`` and ``B``, in either
  order; ``A NEAR/5 B`` sets the distance; ``A NEAR B NEAR C`` needs all three close together.
  ``NEAR`` with nothing on one side is the plain word "near".

The distance rule is FTS5's: with instances of every group, ``max(start) - min(end) - 1 <= N``
(word positions), instances may overlap. PostgreSQL has no NEAR, so ``to_tsquery_text`` lists every
relative placement that satisfies the rule as a chain of ``<k>`` operators; the same rule is
applied by ``Matcher`` in Python (reference evaluator, highlighting). Search runs per segment.

>>> parse_term("cryopréservation ov*")
Phrase(toks=(Tok(text='cryopreservation', prefix=False), Tok(text='ov', prefix=True)))
>>> to_fts5(parse_term('préservation NEAR/3 "la fertilité"'))
'NEAR("preservation" "la" + "fertilite", 3)'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from retrieval.fts_chars import tokenize

DEFAULT_NEAR = 10
MAX_NEAR = 30
MAX_NEAR_GROUPS = 4
MAX_PHRASE = 16
MAX_PLACEMENTS = 4000


class TermError(ValueError):
    """A text term that cannot be searched, said in words."""


@dataclass(frozen=True)
class Tok:
    text: str
    prefix: bool = False

    def matches(self, word: str) -> bool:
        return word.startswith(self.text) if self.prefix else word == self.text


@dataclass(frozen=True)
class Phrase:
    toks: tuple[Tok, ...]


@dataclass(frozen=True)
class Near:
    phrases: tuple[Phrase, ...]
    distance: int = DEFAULT_NEAR


Term = Phrase | Near


# -- tokenizer -------------------------------------------------------------------------------------
# ``tokenize(text)``: folded words with their ``[start, end)`` offsets, as FTS5 unicode61 cuts them
# (defined in ``retrieval.fts_chars``, shared with the Spark store's table of words).


def words(text: str) -> list[str]:
    return [w for w, _, _ in tokenize(text)]


# -- grammar ---------------------------------------------------------------------------------------
_CHUNK = re.compile(r'"([^"]*)"(\*?)|(\S+)')
_NEAR = re.compile(r"NEAR(?:/(\d+))?")


def _chunk_toks(chunk: str) -> list[Tok]:
    """Words of an unquoted chunk; a word directly followed by ``*`` is a prefix."""
    return [Tok(w, prefix=chunk[e : e + 1] == "*") for w, _, e in tokenize(chunk)]


def parse_term(term: str) -> Term:
    """Read one term (see the module docstring); raises TermError when nothing can be searched."""
    text = term
    if text.count('"') % 2:  # an unpaired quote is a plain separator
        idx = text.rfind('"')
        text = text[:idx] + " " + text[idx + 1 :]
    items: list[list[Tok] | int] = []  # runs of words, and NEAR distances between them
    for m in _CHUNK.finditer(text):
        quoted, star, bare = m.group(1), m.group(2), m.group(3)
        if bare is not None and (near := _NEAR.fullmatch(bare)):
            items.append(int(near.group(1)) if near.group(1) is not None else DEFAULT_NEAR)
            continue
        if quoted is not None:
            toks = [Tok(w) for w in words(quoted)]
            if star and toks:
                toks[-1] = Tok(toks[-1].text, prefix=True)
        else:
            toks = _chunk_toks(bare)
        if items and isinstance(items[-1], list):
            items[-1].extend(toks)
        else:
            items.append(toks)
    groups = [i for i in items if isinstance(i, list)]
    distances = [i for i in items if isinstance(i, int)]
    well_formed = (
        all(isinstance(a, list) != isinstance(b, list) for a, b in itertools.pairwise(items))
        and bool(items)
        and isinstance(items[0], list)
        and isinstance(items[-1], list)
    )
    if distances and (not well_formed or not all(groups)):
        # NEAR without a group on each side is the word "near", searched literally.
        return _phrase(term, [t for i in items for t in (i if isinstance(i, list) else [Tok("near")])])
    if not distances:
        return _phrase(term, [t for g in groups for t in g])
    if len(groups) > MAX_NEAR_GROUPS:
        raise TermError(f"text term {term!r}: at most {MAX_NEAR_GROUPS} groups can be joined by NEAR")
    if len(set(distances)) > 1:
        raise TermError(f"text term {term!r}: use one NEAR distance for the whole term")
    if distances[0] > MAX_NEAR:
        raise TermError(
            f"text term {term!r}: NEAR distance {distances[0]} is above the limit of {MAX_NEAR} words"
        )
    near = Near(tuple(_phrase(term, g) for g in groups), distances[0])
    if len(placements(near)) > MAX_PLACEMENTS:
        raise TermError(
            f"text term {term!r}: this proximity search is too wide; use fewer groups or a "
            "smaller NEAR distance"
        )
    return near


def _phrase(term: str, toks: list[Tok]) -> Phrase:
    if not toks:
        raise TermError(f"text term {term!r} has no letters or digits to search for")
    if len(toks) > MAX_PHRASE:
        raise TermError(f"text term {term!r}: a phrase is limited to {MAX_PHRASE} words")
    return Phrase(tuple(toks))


# -- SQLite FTS5 -----------------------------------------------------------------------------------
def _fts_phrase(p: Phrase) -> str:
    # Tokens hold only letters and digits: the double quotes cannot be broken out of.
    return " + ".join(f'"{t.text}"' + ("*" if t.prefix else "") for t in p.toks)


def to_fts5(term: Term) -> str:
    if isinstance(term, Phrase):
        return _fts_phrase(term)
    return f"NEAR({' '.join(_fts_phrase(p) for p in term.phrases)}, {term.distance})"


def fts5_query(terms: list[Term]) -> str:
    """Any of the terms, as one FTS5 MATCH expression."""
    return " OR ".join(f"({to_fts5(t)})" for t in terms)


# -- PostgreSQL tsquery ----------------------------------------------------------------------------
def _lexeme(t: Tok) -> str:
    return f"'{t.text}'" + (":*" if t.prefix else "")


def _chain(cells: list[tuple[int, Tok]]) -> str:
    """Constraints at increasing positions as ``a <k> b <j> c`` (each distance from the previous)."""
    parts = [_lexeme(cells[0][1])]
    for (p0, _), (p1, tok) in itertools.pairwise(cells):
        parts.append(f"<{p1 - p0}>" if p1 - p0 != 1 else "<->")
        parts.append(_lexeme(tok))
    return " ".join(parts)


def _merge(a: Tok, b: Tok) -> Tok | None:
    """One word satisfying both constraints, or None when no word can."""
    if not a.prefix and not b.prefix:
        return a if a.text == b.text else None
    if a.prefix and b.prefix:
        longer, shorter = (a, b) if len(a.text) >= len(b.text) else (b, a)
        return longer if longer.text.startswith(shorter.text) else None
    exact, pre = (a, b) if b.prefix else (b, a)
    return exact if exact.text.startswith(pre.text) else None


def placements(near: Near) -> list[list[tuple[int, Tok]]]:
    """Every relative placement of the groups that FTS5's NEAR accepts, merged into word cells."""
    first, rest = near.phrases[0], near.phrases[1:]
    span = near.distance + 1 + max(len(p.toks) for p in near.phrases)
    if (2 * span + 1) ** len(rest) > 300_000:
        raise TermError("this proximity search is too wide; use fewer NEAR groups or a smaller distance")
    found: set[tuple[tuple[int, Tok], ...]] = set()
    for offsets in itertools.product(range(-span, span + 1), repeat=len(rest)):
        starts = (0, *offsets)
        ends = [s + len(p.toks) - 1 for s, p in zip(starts, near.phrases, strict=True)]
        if max(starts) - min(ends) - 1 > near.distance:
            continue
        cells: dict[int, Tok] = {}
        ok = True
        for s, p in zip(starts, (first, *rest), strict=True):
            for k, tok in enumerate(p.toks):
                prev = cells.get(s + k)
                merged = tok if prev is None else _merge(prev, tok)
                if merged is None:
                    ok = False
                    break
                cells[s + k] = merged
            if not ok:
                break
        if ok:
            low = min(cells)
            found.add(tuple(sorted((pos - low, tok) for pos, tok in cells.items())))
    return [list(c) for c in sorted(found, key=lambda c: (len(c), [(p, t.text, t.prefix) for p, t in c]))]


def to_tsquery_text(term: Term) -> str:
    if isinstance(term, Phrase):
        return _chain(list(enumerate(term.toks)))
    return " | ".join(f"({_chain(c)})" for c in placements(term))


def tsquery(terms: list[Term]) -> str:
    """Any of the terms, as tsquery input text (cast with ``CAST(... AS tsquery)``, no parser)."""
    return " | ".join(f"({to_tsquery_text(t)})" for t in terms)


# -- Python matching (reference evaluator, highlighting) -------------------------------------------
def _phrase_hits(p: Phrase, ws: list[str]) -> Iterator[tuple[int, int]]:
    n = len(p.toks)
    for i in range(len(ws) - n + 1):
        if all(t.matches(ws[i + k]) for k, t in enumerate(p.toks)):
            yield i, i + n - 1


def hits(term: Term, ws: list[str]) -> list[tuple[int, int]]:
    """Word ranges ``(first, last)`` of ``term`` in the folded words ``ws`` (empty: no match)."""
    if isinstance(term, Phrase):
        return list(_phrase_hits(term, ws))
    per_group = [list(_phrase_hits(p, ws)) for p in term.phrases]
    if not all(per_group):
        return []
    out: set[tuple[int, int]] = set()
    for combo in itertools.product(*per_group):
        if max(s for s, _ in combo) - min(e for _, e in combo) - 1 <= term.distance:
            out.update(combo)
    return sorted(out)


class Matcher:
    """Any-of-terms matcher over raw text, folding and cutting words as FTS5 does."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = [parse_term(t) for t in terms]

    def matches(self, text: str) -> bool:
        ws = words(text)
        return any(hits(t, ws) for t in self.terms)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the matched words (for highlighting)."""
        toks = tokenize(text)
        ws = [w for w, _, _ in toks]
        out = set()
        for term in self.terms:
            for first, last in hits(term, ws):
                out.add((toks[first][1], toks[last][2]))
        return sorted(out)
