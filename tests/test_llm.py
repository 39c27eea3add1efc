"""The real local LLM (Qwen2.5-Coder 0.5B for speed): assembly, constrained output, hybrid merge.

These tests assert properties of real outputs (valid criteria, expected fields, nothing that is
not grounded in the question), never timings.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date

import pytest

from query_compiler.criteria import iter_nodes, parse_criteria
from query_compiler.parser.compact import Compact
from query_compiler.parser.llm import BUNDLED, ModelError, assemble, resolve_model
from query_compiler.parser.terminology.text import normalise

MODEL = "qwen2.5-coder-0.5b"
TODAY = date(2025, 1, 1)


@pytest.fixture(autouse=True)
def _small_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COHORT_LLM_MODEL", MODEL)


def test_assembly_is_verified_and_cached() -> None:
    path = resolve_model(MODEL)
    assert path.stat().st_size == BUNDLED[MODEL].size
    assert path.with_suffix(".sha256").read_text().strip() == BUNDLED[MODEL].sha256
    assert resolve_model(MODEL) == path  # second call: no re-assembly


def test_hash_mismatch_is_a_clear_error(tmp_path) -> None:  # noqa: ANN001
    wrong = dataclasses.replace(BUNDLED[MODEL], sha256="0" * 64)
    with pytest.raises(ModelError, match="sha256"):
        assemble(wrong, tmp_path)
    assert not list(tmp_path.iterdir()), "no partial or wrong file may be left behind"


def test_unknown_model_path_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="GGUF"):
        resolve_model("/nonexistent/model.gguf")


def test_the_fixed_examples_share_no_question_with_any_evaluation_set() -> None:
    """The examples sit in the cached part of the prompt; a labelled question among them would make
    the LLM's evaluation figures a memory test."""
    import json
    from pathlib import Path

    from query_compiler.parser.chain import examples

    root = Path(__file__).resolve().parents[1] / "eval"
    asked = set()
    for path in [*root.glob("questions/*.jsonl"), *root.glob("followups/*.jsonl")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                asked |= {normalise(row.get("q", "")), normalise(row.get("previous_q", "") or "")}
    chosen = examples()
    assert len(chosen) >= 8 and all(ex["words"] for ex in chosen)
    assert not {normalise(ex["q"]) for ex in chosen} & asked
    for ex in chosen:  # each example answers about its words only: what it names is in them
        text = normalise(" ".join(ex["words"]))
        for marker in ex["json"].get("markers", []):
            assert normalise(marker["marker"]) in text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "words", "check"),
    [
        ("women seen last week with breast cancer", ["seen last week"], lambda c: c == Compact()),
        ("squamous lung cancer with FGFR1 amplification", ["FGFR1"],
         lambda c: [m.marker for m in c.markers] == ["FGFR1"] and c.tumour is None),
    ],
)
def test_constrained_output_is_valid_compact_json(question: str, words: list[str], check) -> None:  # noqa: ANN001
    from query_compiler.parser.chain import ask

    out = ask(question, words, model=MODEL)
    compact = out["compact"]
    assert "select" not in out["raw"].lower() or compact.text  # never SQL outside a literal term
    assert check(compact), out["raw"]


@pytest.mark.slow
def test_llm_only_reading_is_valid_criteria() -> None:
    from query_compiler.parser.hybrid import llm_only

    criteria, refused, _ = llm_only("men with prostate cancer treated with radiotherapy", model=MODEL)
    assert not refused and criteria is not None
    parse_criteria(criteria)
    kinds = {n.kind for n in iter_nodes(criteria)}
    assert "treatment" in kinds or "tumour" in kinds


@pytest.mark.slow
def test_hybrid_keeps_only_grounded_llm_values() -> None:
    """The terminology knows sorafenib but not 'glomique'; whatever the LLM adds must be in the question."""
    from query_compiler.parser import parse

    question = "patients avec une tumeur glomique traitée par sorafenib"
    result = parse(question, today=TODAY, model=MODEL)
    assert result.used_llm, result.llm_error
    assert result.criteria is not None
    drugs = [d for n in iter_nodes(result.criteria) if n.kind == "treatment" for d in n.drugs]
    assert drugs == ["sorafenib"]
    q = normalise(question)
    for part in result.sources:
        if part.source == "llm":
            assert normalise(part.text) in q, part
    sites = [s for n in iter_nodes(result.criteria) if n.kind == "tumour" for s in n.site]
    assert not sites, "no cancer site is named in the question"


@pytest.mark.slow
def test_model_is_loaded_once_per_process() -> None:
    from query_compiler.parser.llm import get_llm

    assert get_llm(MODEL) is get_llm(MODEL)
    assert os.environ["COHORT_LLM_MODEL"] == MODEL


@pytest.mark.parametrize(
    ("question", "llm_items"),
    [
        # the LLM repeats a code's label and its words as text terms: the code already says it
        (
            "séjours codés D61 (aplasie médullaire) en 2022, myélome sous daratumumab, atteinte phyllode",
            [("text", {"terms": ["d61", "aplasie", "médullaire"]})],
        ),
        # a histology the question never names, "grounded" only by a short unknown piece ("carc")
        ("HER2+ lung carc in women", [("tumour", {"histology_group": ["ductal_carcinoma"]})]),
        # a text term made of words the terminology read as criteria
        ("myélome sous daratumumab avec une atteinte phyllode", [("text", {"terms": ["daratumumab"]})]),
    ],
)
def test_merge_adds_nothing_the_terminology_already_covered(question: str, llm_items) -> None:  # noqa: ANN001
    """No model here: the merge rules themselves, fed what a small model was seen to answer."""
    from query_compiler.parser.build import build
    from query_compiler.parser.core import _not_understood
    from query_compiler.parser.hybrid import merge_llm
    from query_compiler.parser.state import Item, State
    from query_compiler.parser.terminology import get_terminology
    from query_compiler.parser.terminology.matcher import annotate

    term = get_terminology()
    st = State(annotate(question, term), term, TODAY, "fr")
    build(st)
    before = [(i.kind, dict(i.fields)) for i in st.items]
    fragments = _not_understood(st)
    assert fragments, "the LLM is only asked when words are left"
    added, _ = merge_llm(st, [Item(k, fields=f) for k, f in llm_items], fragments, question)
    assert added == []
    assert [(i.kind, dict(i.fields)) for i in st.items] == before
