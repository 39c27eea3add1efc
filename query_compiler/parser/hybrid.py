"""Merge the LLM's reading into the terminology's, keeping only what the LLM adds and can justify.

The terminology's items win for everything they cover. The LLM may add a criterion, or fill an
empty tumour field, only when one of the value's known surface forms (or the value itself) appears
in the words the terminology did not understand: a small model that copies a few-shot example
("prostate" for a breast question) is thereby filtered out; a fragment shorter than a form must be
that whole form (typos allowed), so "ca" does not ground "carcinome canalaire". Text terms must be
literally in the words not understood: a term the terminology already read (a code's label, a drug)
would duplicate a criterion. Whatever stays unexplained is reported as not understood.
"""

from __future__ import annotations

import re
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from query_compiler.parser.assemble import assemble
from query_compiler.parser.compact import to_items
from query_compiler.parser.result import ParseResult, PartSource
from query_compiler.parser.state import Item, State
from query_compiler.parser.terminology import Terminology
from query_compiler.parser.terminology.text import Normalised, normalise

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
SINGLE = {"sex", "age", "vital_status", "survival", "treatment_lines", "biobank"}


def _forms(term: Terminology, category: str, match: Any) -> list[str]:
    """Surface forms of every lexicon entry of a category whose value satisfies ``match``."""
    out = []
    for key, entries in term.lexicon.items():
        if any(e.category == category and match(e.value) for e in entries):
            out.append(key)
    return out


def _grounded(forms: list[str], fragments: list[str]) -> int | None:
    """Index of the fragment where one of the forms appears (typos tolerated), or None."""
    for idx, frag in enumerate(fragments):
        tokens = frag.split()
        for form in forms:
            form = form.strip()
            if not form:
                continue
            if len(form) <= 4:
                if form in tokens or form in frag.split(" "):
                    return idx
            # the form inside a fragment at least as long; a shorter fragment must be the whole form
            # (typo allowed), never a piece of it ("ca" is not "carcinome canalaire")
            elif len(frag) >= len(form) - 1 and fuzz.partial_ratio(form, frag) >= 88:
                return idx
            elif len(frag) < len(form) - 1 and len(frag) >= 4 and fuzz.ratio(form, frag) >= 88:
                return idx
    return None


def _forms_for(term: Terminology, item: Item, field: str, value: Any) -> list[str]:
    k = item.kind
    if k == "tumour" and field == "site":
        return _forms(term, "site", lambda v: value in v) + [normalise(value)]
    if k == "tumour" and field == "histology_group":
        return _forms(term, "histology", lambda v: v.get("group") == value)
    if k == "tumour" and field in ("metastatic", "metastatic_at_diagnosis"):
        return _forms(term, "metastatic", lambda v: v == {"field": field, "value": value}) + (
            _forms(term, "metastasis_noun", lambda v: True) if value else []
        )
    if field in ("min", "max", "age_min", "age_max", "min_months", "max_months", "line_min", "grade"):
        n = int(value) if isinstance(value, (int, float)) else value
        words = [w for w, v in term.numbers.items() if v in (n, n + 1, n // 12 if n else -1)]
        return [str(n), str(n + 1), str(n // 12)] + words
    if k == "treatment" and field == "drugs":
        return _forms(term, "drug", lambda v: v == value) + [normalise(value)]
    if k == "treatment" and field == "classes":
        return _forms(term, "treatment_class", lambda v: v == value or (isinstance(v, list) and value in v))
    if k == "biomarker" and field == "marker":
        return _forms(term, "marker", lambda v: v == value) + [normalise(value)]
    if k == "event" and field == "type":
        return _forms(term, "event", lambda v: v == value) + (
            _forms(term, "metastasis_noun", lambda v: True) if value == "metastasis" else []
        )
    if k in ("sex", "vital_status") and field == "value":
        return _forms(term, k, lambda v: v == value)
    if k == "biobank":
        return _forms(term, "biobank", lambda v: True)
    return [normalise(str(value))]


def _key_fields(item: Item) -> list[str]:
    return {
        "treatment": ["drugs", "classes"],
        "biomarker": ["marker"],
        "event": ["type"],
        "sex": ["value"],
        "vital_status": ["value"],
        "age": ["min", "max"],
        "survival": ["min_months", "max_months"],
        "treatment_lines": ["min"],
        "biobank": [],
    }.get(item.kind, [])


def _accept(st: State, item: Item, fragments: list[str], question: str) -> int | None:
    """Where this LLM item is grounded (fragment index), or None to drop it."""
    if item.kind == "text":
        # every term must be in the words the terminology did NOT understand: a term made of words
        # it already read (a code's label, a drug, a site) would duplicate a criterion as a text search
        terms = [normalise(t).rstrip("*").strip('"') for t in item.fields.get("terms", [])]
        where = [next((i for i, f in enumerate(fragments) if t and t in f), None) for t in terms]
        return where[0] if where and all(w is not None for w in where) else None
    if item.kind == "biobank":
        return _grounded(_forms_for(st.term, item, "", None), fragments)
    if item.kind == "biomarker" and not _plausible_marker(st, item, question):
        return None
    if item.kind == "treatment" and not _plausible_drug(st, item, question):
        return None
    for field in _key_fields(item):
        values = item.fields.get(field)
        if values is None:
            continue
        for v in values if isinstance(values, list) else [values]:
            where = _grounded(_forms_for(st.term, item, field, v), fragments)
            if where is not None:
                if item.kind == "biomarker":
                    _unglue(st, item)
                return where
    return None


GENE_CONTEXT = frozenset(
    """
    exon exons mutation mutations mute mutee mutes mutees mutated mutant amplification amplifie
    amplifiee amplified fusion rearrangement rearrange rearranged deletion deleted delete perte loss
    expression surexpression overexpression positif positive negatif negative sauvage wild variant
    variants altere altered
    """.split()
)
STATUS_WORDS = {  # what a model writes as an "alteration" that is really a status
    word: status
    for status, words in {
        "mutated": "mutated mutation mutant mute mutee",
        "amplified": "amplified amplification amplifie",
        "rearranged": "rearranged rearrangement fusion",
        "positive": "positive positif",
        "negative": "negative negatif",
        "wild_type": "wild_type wild-type sauvage",
    }.items()
    for word in words.split()
}
_ALTERATION = re.compile(r"[A-Z].*\d|\d.*[A-Z]|^(?:ITD|TKD)$|^[A-Z0-9]+-[A-Z0-9]+")
_GLUED = re.compile(r"(?P<gene>[A-Z][A-Z0-9]*?)(?P<variant>[A-Z]\d{2,4}[A-Z*])")  # H3K27M, not CDKN2A


def _plausible_marker(st: State, item: Item, question: str) -> bool:
    """A marker the model names must be one the terminology knows, or a gene written as one in the
    question (capitals or digits: "FGFR1", "NF2") or next to a word about genes ("kit exon 9"):
    "asbestos exposure" is no gene. A gene glued to its variant ("H3K27M") is split. An alteration
    must be in the question and look like one ("V600E", "exon 9", "ITD"), a level needs its number
    in the question; otherwise they are dropped and the marker kept."""
    marker = str(item.fields.get("marker") or "")
    known = any(e.category == "marker" for e in st.term.lookup(marker))
    if not known:
        tokens = re.findall(r"[\w-]+", question)
        at = [i for i, t in enumerate(tokens) if t.upper() == marker.upper()]
        if not at:
            return False
        written = any(tokens[i] == marker.upper() or any(c.isdigit() for c in tokens[i]) for i in at)
        near = {normalise(t) for i in at for t in tokens[max(0, i - 2) : i + 3]}
        if not written and not near & GENE_CONTEXT:
            return False
    value = item.fields.get("value")
    if value is not None and not re.search(rf"(?<![\d.]){float(value):g}(?![\d])", question):
        item.fields.pop("value", None)
        item.fields.pop("op", None)
    alteration = item.fields.get("alteration")
    status = STATUS_WORDS.get(normalise(str(alteration or "")).replace(" ", "_"))
    if status:  # "alteration": "mutated" is a status
        item.fields.setdefault("status", status)
        del item.fields["alteration"]
        return True
    if alteration and not (
        _ALTERATION.search(str(alteration).upper()) and normalise(str(alteration)) in normalise(question)
    ):
        del item.fields["alteration"]
    return True


def _unglue(st: State, item: Item) -> None:
    """"H3K27M" written as one word is the gene H3 with the variant K27M (once it is grounded)."""
    marker = str(item.fields.get("marker") or "").upper()
    glued = _GLUED.fullmatch(marker)
    known = [e.value for e in st.term.lookup(marker) if e.category == "marker"]
    if glued and not item.fields.get("alteration") and (not known or known[0].upper() != marker):
        # unknown as a whole, or known as the gene alone (the terminology reads "H3K27M" as H3)
        item.fields["marker"] = known[0] if known else glued.group("gene")
        item.fields["alteration"] = glued.group("variant")
        item.fields.pop("status", None)


def _plausible_drug(st: State, item: Item, question: str) -> bool:
    """A drug the model names must be known, or written in the question as a drug name is: an
    acronym in capitals ("EDP", a regimen) is not an international non-proprietary name."""
    for drug in item.fields.get("drugs") or []:
        if drug in st.term.drugs:
            continue
        written = re.findall(rf"(?<![\w-]){re.escape(drug)}(?![\w-])", question, flags=re.IGNORECASE)
        if not written or any(w.isupper() for w in written) or len(drug) < 5:
            return False
    return True


def merge_llm(
    st: State, llm_items: list[Item], fragments: list[str], question: str
) -> tuple[list[PartSource], set[int]]:
    """Add grounded LLM items/fields into ``st.items``; returns the parts added and fragments explained."""
    added: list[PartSource] = []
    explained: set[int] = set()
    norm_frags = [normalise(f) for f in fragments]
    for item in llm_items:
        if item.kind == "sequence":
            continue  # time relations come from the terminology's cues only
        if item.kind == "tumour":
            mine = next((i for i in st.items if i.kind == "tumour" and not i.neg), None)
            target = mine or Item("tumour", pos=len(st.items) + 100)
            for field, value in item.fields.items():
                if target.fields.get(field) not in (None, []):
                    continue
                vals = value if isinstance(value, list) else [value]
                where = next(
                    (
                        w
                        for w in (_grounded(_forms_for(st.term, item, field, v), norm_frags) for v in vals)
                        if w is not None
                    ),
                    None,
                )
                if where is None:
                    continue
                target.fields[field] = value
                explained.add(where)
                added.append(
                    PartSource(field=f"tumour.{field}", value=value, source="llm", text=fragments[where])
                )
            if mine is None and target.fields:
                st.items.append(target)
            continue
        same = [i for i in st.items if i.kind == item.kind]
        if item.kind in SINGLE and same:
            continue
        if any(i.fields == item.fields and i.neg == item.neg for i in same):
            continue
        if item.kind == "text":  # "documented asbestos exposure": the words that say something
            item.fields["terms"] = [t for t in map(_trim_fillers, item.fields.get("terms", [])) if t]
        where = _accept(st, item, norm_frags, question)
        if where is None:
            continue
        item.pos = len(st.items) + 100
        st.items.append(item)
        explained.add(where)
        added.append(
            PartSource(
                field=item.kind,
                value=item.fields,
                source="llm",
                text=fragments[min(where, len(fragments) - 1)],
            )
        )
    return added, explained


def complete_with_llm(
    question: str,
    criteria: Any,
    st: State,
    result: ParseResult,
    model: str | None = None,
    deadline: float | None = None,
    cancel: threading.Event | None = None,
    question_lang: str = "fr",
) -> Any:
    """Ask the LLM what the words the terminology could not place add; merge what it can justify.

    Past the deadline (or when cancelled) the terminology's criteria stand, and the result says so.
    A text search proposed for an English question is left out: the reports are French, a search
    for "asbestos" would quietly find nobody."""
    from query_compiler.parser.chain import LLMParseError, ask
    from query_compiler.parser.llm import LLMTimeout

    fragments = list(result.llm_words)
    started = time.perf_counter()
    result.used_llm = True  # called, whatever comes of it (latency is paid either way)
    try:
        out = ask(question, fragments, model=model, deadline=deadline, cancel=cancel)
    except LLMTimeout as exc:
        result.llm_timed_out = True
        result.llm_error = str(exc)
        return criteria
    except (LLMParseError, OSError, RuntimeError, ValueError) as exc:
        result.llm_error = str(exc)
        return criteria
    finally:
        result.llm_seconds = time.perf_counter() - started
    result.llm_tokens = (out["new_tokens"], out["output_tokens"])
    compact = out["compact"]
    if compact.refuse and not st.items:
        result.refused = True
        result.refusal = st.say(
            "La demande n'a pas été comprise comme une question de cohorte.",
            "The request was not understood as a cohort question.",
        )
        return None
    llm_items = to_items(compact, set(st.term.histology_groups), set(st.term.drugs))
    if question_lang != "fr":
        llm_items = [i for i in llm_items if i.kind != "text"]
    added, explained = merge_llm(st, llm_items, fragments, question)
    result.sources.extend(added)
    result.not_understood = [f for i, f in enumerate(fragments) if i not in explained] + [
        f for f in result.not_understood if f not in fragments
    ]
    new_criteria, errors = assemble(st.items)
    result.not_understood += [e for e in errors if e not in result.not_understood]
    return new_criteria


def llm_only(question: str, model: str | None = None) -> tuple[Any, bool, str | None]:
    """The LLM's reading alone (the 'LLM only' configuration of the evaluation): the same prompt,
    with the whole question as the words to read."""
    from query_compiler.parser.chain import LLMParseError, ask
    from query_compiler.parser.terminology import get_terminology

    term = get_terminology()
    try:
        out = ask(question, [question], model=model)
    except (LLMParseError, OSError, RuntimeError, ValueError) as exc:
        return None, False, str(exc)
    compact = out["compact"]
    if compact.refuse:
        return None, True, None
    items = to_items(compact, set(term.histology_groups), set(term.drugs))
    criteria, errors = assemble(items)
    return criteria, False, "; ".join(errors) or None


# -- which words are worth asking about ------------------------------------------------------------
@lru_cache(maxsize=1)
def fillers() -> frozenset[str]:
    """Words that never carry a criterion on their own (``prompts/fillers.txt``)."""
    words: set[str] = set()
    for line in (PROMPTS / "fillers.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        words.update(t.text for t in Normalised.of(line).tokens if t.text.isalnum())
    return frozenset(words)


def _content_tokens(fragment: str) -> list[str]:
    return [t.text for t in Normalised.of(fragment).tokens if t.text.isalnum() and t.text not in fillers()]


def _trim_fillers(term: str) -> str:
    """A text term without the filler words at its ends ("documented asbestos exposure")."""
    words = term.split()
    while words and not _content_tokens(words[0]):
        words.pop(0)
    while words and not _content_tokens(words[-1]):
        words.pop()
    return " ".join(words)


def content_only(fragments: list[str]) -> list[str]:
    """The not-understood fragments that hold a word of content ("carrying", "documented" do not)."""
    return [f for f in fragments if _content_tokens(f)]


def llm_words(fragments: list[str]) -> list[str]:
    """The fragments worth an LLM call: a content word that is not a bare number or a single letter
    (a dose, a stray "w": nothing the model could turn into a criterion)."""
    return [f for f in fragments if any(len(t) > 1 and not t.isdigit() for t in _content_tokens(f))]
