"""parse(question) → ParseResult: terminology first, the local LLM only for what is left.

The terminology understands most clinical questions on its own in a few milliseconds; when every
content word is covered, the LLM is not called. When words remain, the LLM reads the whole
question and may ADD what the terminology missed, each value checked against the words that were
not understood (so a few-shot example copied by the model does not slip in). The result is always
validated Criteria; the parser never produces anything else.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

from query_compiler.criteria import parse_criteria, to_dict
from query_compiler.parser import followup as followup_rules
from query_compiler.parser import refinement
from query_compiler.parser.assemble import assemble, flatten
from query_compiler.parser.build import build
from query_compiler.parser.hybrid import complete_with_llm, content_only, llm_words
from query_compiler.parser.result import ParseResult, PartSource
from query_compiler.parser.safety import refusal
from query_compiler.parser.state import State
from query_compiler.parser.terminology import get_terminology
from query_compiler.parser.terminology.matcher import annotate
from query_compiler.parser.terminology.text import Normalised


def detect_language(question: str) -> str:
    term = get_terminology()
    toks = [t.text for t in Normalised.of(question).tokens]
    fr = sum(t in term.grammar["lang_fr"] for t in toks) + 2 * sum(
        ch in "éèàùâêîôûç" for ch in question.lower()
    )
    en = sum(t in term.grammar["lang_en"] for t in toks)
    return "en" if en > fr else "fr"


def _not_understood(st: State) -> list[str]:
    out = []
    toks = st.ann.norm.tokens
    for a, b in st.ann.uncovered:
        keep = [k for k in range(a, b) if k not in st.covered]
        if not keep:
            continue
        # contiguous runs of what is left
        run = [keep[0]]
        for k in keep[1:] + [None]:  # type: ignore[list-item]
            if k is not None and k == run[-1] + 1:
                run.append(k)
                continue
            out.append(st.ann.norm.original_span(toks[run[0]].start, toks[run[-1]].end))
            if k is not None:
                run = [k]
    return out


def _clarify(st: State, result: ParseResult) -> None:
    fr = st.fr()
    for m in st.ann.mentions:
        if m.kind in ("age_dx", "age_at") and m.groups.get("op", "").strip() in ("a", "at"):
            result.clarifications.append(
                f"« à {m.groups['n']} ans » : âge au diagnostic (choisi) ou âge actuel ?"
                if fr
                else f"'at {m.groups['n']}': age at diagnosis (chosen) or current age?"
            )
    for fragment in [f for f in result.not_understood if f not in st.unsupported]:
        result.clarifications.append(
            f"Que voulez-vous dire par « {fragment} » ?" if fr else f"What do you mean by '{fragment}'?"
        )
    if result.criteria is None and not result.refused:
        result.clarifications.append(
            "Je n'ai reconnu aucun critère : précisez le cancer, le traitement, l'âge..."
            if fr
            else "I found no criterion: name a cancer, a treatment, an age..."
        )


def parse(
    question: str,
    previous: Any = None,
    *,
    use_llm: bool = True,
    lang: str | None = None,
    model: str | None = None,
    today: date | None = None,
    followup: bool | None = None,
    deadline: float | None = None,
    cancel: threading.Event | None = None,
) -> ParseResult:
    """Parse a French or English question (optionally refining ``previous``) into Criteria.

    With ``previous``, the message may refine it or start over: ``followup`` True/False forces the
    reading (a "Refine" button), None lets the parser decide. ``deadline`` (a ``time.monotonic()``
    instant) bounds the LLM's work and ``cancel`` stops it; then the terminology's answer stands."""
    started = time.perf_counter()
    question = (question or "").strip()
    term = get_terminology()
    lang = lang or detect_language(question)
    result = ParseResult(question=question, language=lang)
    reason = refusal(question, lang)
    if reason:
        result.refused, result.refusal, result.confidence = True, reason, 1.0
        result.seconds = time.perf_counter() - started
        return result
    prev = followup_rules.previous_criteria(previous)
    cues = followup_rules.read(question) if prev is not None else None
    text = cues.body if cues is not None else question
    st = State(annotate(text, term), term, today or date.today(), lang)
    build(st)
    criteria, errors = assemble(st.items)
    result.sources = [
        PartSource(field=p.field, value=p.value, source="terminology", text=p.text) for p in st.parts
    ]
    result.assumptions = list(dict.fromkeys(st.assumptions))
    result.not_understood = content_only(_not_understood(st)) + errors
    result.llm_words = llm_words([f for f in result.not_understood if f not in errors])
    if use_llm and result.llm_words:
        criteria = complete_with_llm(
            text, criteria, st, result, model=model, deadline=deadline, cancel=cancel,
            question_lang=detect_language(text),
        )
    for words in st.unsupported:  # understood, but no criterion can express them: said, not guessed
        result.not_understood.append(words)
        result.assumptions.append(
            st.say(
                f"« {words} » ne peut pas être exprimé par un critère et a été ignoré.",
                f"'{words}' cannot be expressed as a criterion and was left out.",
            )
        )
    if prev is not None and cues is not None:
        criteria = _with_previous(prev, criteria, st, result, cues, followup)
    result.criteria = parse_criteria(criteria) if criteria is not None else None
    content = max(1, sum(1 for t in st.ann.norm.tokens if any(c.isalnum() for c in t.text)))
    missing = sum(len(Normalised.of(f).tokens) for f in result.not_understood)
    result.confidence = round(max(0.0, 1 - missing / content) * (0.85 if result.used_llm else 1.0), 2)
    if result.criteria is None:
        result.confidence = 0.0
    _clarify(st, result)
    result.seconds = time.perf_counter() - started
    return result


def _with_previous(
    prev: Any, criteria: Any, st: State, result: ParseResult, cues: Any, force: bool | None
) -> Any:
    """Refine the previous criteria, or start over, as the message says (see ``followup``)."""
    new_nodes = flatten(criteria)
    for m in st.ann.mentions:  # report types and qualifiers said alone refine the previous text search
        if m.kind == "doc_type":
            cues.doc_types.append(m.value("doc_type"))
        elif m.kind == "text_include":
            cues.include.extend(m.value("text_include") or [])
    result.followup = followup_rules.decide(new_nodes, flatten(prev), cues, force)
    if not result.followup:
        if new_nodes:
            result.assumptions.append(
                st.say(
                    "Lu comme une nouvelle question (pas un affinement).",
                    "Read as a new question, not a refinement.",
                )
            )
        return criteria
    if not new_nodes and not cues.opposed:
        result.clarifications.append(
            st.say(
                "Comment voulez-vous affiner la cohorte précédente ?",
                "How should the previous cohort be refined?",
            )
        )
    old_words = []
    if cues.old:
        old_st = State(annotate(cues.old, st.term), st.term, st.today, st.lang)
        build(old_st)
        old_words = flatten(assemble(old_st.items)[0])
    sequence_cue = any(d == "forward" for _, d in st.seq_cues) or cues.it
    merged = refinement.merge(prev, criteria, cues, old_words=old_words, sequence_cue=sequence_cue)
    for node in merged.kept:
        result.sources.append(PartSource(field=node.kind, value=to_dict(node), source="previous"))
    if refinement.AGE_TODAY in merged.notes:  # the "age at diagnosis" reading no longer holds
        ages = [m.text for m in st.ann.mentions if m.kind == "age"]
        result.assumptions = [a for a in result.assumptions if not any(w in a for w in ages)]
    result.assumptions += [st.say(fr, en) for fr, en in merged.notes]
    result.assumptions.append(
        st.say(
            "Lu comme un affinement de la question précédente.",
            "Read as a refinement of the previous question.",
        )
    )
    return refinement.as_tree(merged.nodes)
