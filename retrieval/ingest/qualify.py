"""Token-level scopes of edsnlp's rule-based qualifiers, computed in one pass per document.

edsnlp's qualifiers (``eds.negation``, ``eds.hypothesis``, ``eds.family``, ``eds.history``) can flag
every token when built with ``on_ents_only=False``, but that path builds one result object and sets
one spaCy extension per token and per qualifier, which costs about three times the cue matching
itself. Segments only need *ranges* of flagged tokens, so this module reuses each component's own
cue matchers, terminations and proposition boundaries (``get_cues``, ``_boundaries``) and applies
the same scope rules as the components' ``process`` methods, with integers instead of objects:

- negation / hypothesis: inside a proposition, a token is flagged when a *preceding* cue ends at or
  before it, or a *following* cue starts after it; an entity is flagged when a preceding cue ends
  at or before its start, or a following cue starts at or after its end (``within_ents=False``);
- family / history: a proposition holding a cue is flagged entirely, with its entities.

An entity overlapping several propositions is flagged if any of them flags it, as in edsnlp.
``tests/test_annotation.py`` checks that these results equal edsnlp's own token and entity
attributes on a set of sentences, so the speed-up does not change the semantics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Our qualifier names (the store's columns) → edsnlp component kind.
KINDS: dict[str, str] = {
    "negated": "negation",
    "hypothetical": "hypothesis",
    "family": "family",
    "history": "history",
}
DIRECTIONAL = {"negation", "hypothesis"}
BIT = {"negated": 1, "hypothetical": 2, "family": 4, "history": 8}


def sentence_starts(doc: Any) -> list[int]:
    """Token index of each sentence start (computed once per document, shared by the qualifiers)."""
    return [sent.start for sent in doc.sents]


def scope(
    component: Any,
    kind: str,
    doc: Any,
    ents: Sequence[tuple[int, int]],
    *,
    colon_lists: bool = False,
    sents: Sequence[int] | None = None,
    ent_cues: dict[int, list[tuple[int, int]]] | None = None,
) -> tuple[list[tuple[int, int]], list[bool]]:
    """Flagged token ranges ``[start, end)`` of one qualifier over ``doc``, and one flag per entity.

    ``ents`` are ``(start_token, end_token)`` pairs sorted by start. With ``colon_lists`` (our one
    extension to edsnlp's rules), a family or history cue followed by a colon heads a list
    ("Antécédents : diabète, HTA.") and flags everything up to the end of its sentence, where
    edsnlp would stop at the first comma; so does a cue of several words followed by a comma
    ("Dans ses antécédents, on note ..."). ``sents`` (from ``sentence_starts``) saves each qualifier
    from walking the document's sentences again. ``ent_cues``, when given, receives for each
    flagged entity (by index) the token spans of the cues that flagged it.
    """
    from edsnlp.utils.filter import filter_spans

    matches = component.get_cues(doc)
    terminations = [m for m in matches if m.label_ == "termination"]
    # = component._boundaries(doc, terminations): propositions run between sentence starts and
    # termination cues ("mais", ",", "et"...)
    starts = sorted(
        {*(sentence_starts(doc) if sents is None else sents), *(t.start for t in terminations), len(doc)}
    )
    boundaries = list(zip(starts[:-1], starts[1:], strict=True))
    cues = [(m.start, m.end, m.label_) for m in filter_spans(matches, label_to_remove="pseudo")]
    cues.sort()
    ranges: list[tuple[int, int]] = []
    ent_flags = [False] * len(ents)
    ci = 0
    ei = 0
    for start, end in boundaries:
        # cues are attributed to the proposition holding their first token
        sub = []
        while ci < len(cues) and cues[ci][0] < end:
            if cues[ci][0] >= start:
                sub.append(cues[ci])
            ci += 1
        # entities overlapping this proposition (they may overlap the next one too)
        while ei < len(ents) and ents[ei][1] <= start:
            ei += 1
        overlapping = []
        j = ei
        while j < len(ents) and ents[j][0] < end:
            if ents[j][1] > start:
                overlapping.append(j)
            j += 1
        if not sub:
            continue
        if kind in DIRECTIONAL:
            pre_ends = [e for s, e, lab in sub if lab in ("preceding", "verbs_preceding")]
            fol_starts = [s for s, e, lab in sub if lab in ("following", "verbs_following")]
            if pre_ends:
                first = max(start, min(pre_ends))
                if first < end:
                    ranges.append((first, end))
            if fol_starts:
                last = max(fol_starts)
                if last > start:
                    ranges.append((start, min(last, end)))
            for j in overlapping:
                es, ee = ents[j]
                hits = [
                    (s, e)
                    for s, e, lab in sub
                    if (lab in ("preceding", "verbs_preceding") and e <= es)
                    or (lab in ("following", "verbs_following") and s >= ee)
                ]
                if hits:
                    ent_flags[j] = True
                    if ent_cues is not None:
                        ent_cues.setdefault(j, []).extend(hits)
        else:
            hits = [(s, e) for s, e, lab in sub if lab == kind]
            if hits:
                ranges.append((start, end))
                for j in overlapping:
                    ent_flags[j] = True
                    if ent_cues is not None:
                        ent_cues.setdefault(j, []).extend(hits)
    if colon_lists and kind not in DIRECTIONAL:
        for s, e, lab in cues:
            if lab == kind and e < len(doc) and (doc[e].text == ":" or (doc[e].text == "," and e - s > 1)):
                end = doc[s].sent.end
                ranges.append((s, end))
                for j, (es, ee) in enumerate(ents):
                    if es < end and ee > s:
                        ent_flags[j] = True
                        if ent_cues is not None:
                            ent_cues.setdefault(j, []).append((s, e))
    return ranges, ent_flags
