"""`cohort eval realtext` on a small file in E3C's format, and the evaluations' refusal of a store that
holds another corpus (the cause of the seed-7 "search false positives" of issue 13)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli.common import UserError
from eval import realtext
from eval.annotation_score import foreign_documents


def _case(text: str, events: list[tuple[str, bool, bool]]) -> dict:
    out, pos = [], 0
    for span, neg, hedged in events:
        begin = text.index(span, pos)
        out.append({"begin": begin, "end": begin + len(span), "span": span, "negated": neg, "hedged": hedged})
        pos = begin + len(span)
    return {"doc": f"D{len(text)}", "text": text, "events": out}


@pytest.fixture
def real_file(tmp_path):
    cases = [
        _case(
            "Carcinome bronchique non à petites cellules, sans métastase cérébrale.",
            [("Carcinome", False, False), ("métastase", True, False)],
        ),
        _case(
            "La sérologie VIH était négative. Le tableau évoque une grossesse extra-utérine.",
            [("sérologie", False, False), ("évoque", False, True)],
        ),
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", encoding="utf-8")
    return path


def test_ours_and_stock_edsnlp_are_scored_by_the_first_character_convention(real_file):
    ours, stock = realtext.evaluate(real_file)
    assert (ours.quals["negation"].tp, ours.quals["negation"].fp, ours.quals["negation"].fn) == (1, 0, 0)
    assert (ours.quals["hedged"].tp, ours.quals["hedged"].fp) == (1, 0)
    # stock edsnlp reads "non" as negating what precedes it, and the result as negating the test
    wrong = {e["span"] for e in stock.errors if e["kind"] == "negation" and e["error"] == "FP"}
    assert {"Carcinome", "sérologie"} <= wrong


def test_cli_prints_both_annotators_and_the_errors_with_context(real_file):
    from assistant.cli import app

    out = CliRunner().invoke(app, ["eval", "realtext", "--file", str(real_file), "--errors"])
    assert out.exit_code == 0, out.output
    assert "ours" in out.output and "stock edsnlp" in out.output and "negation P" in out.output


def test_evaluations_refuse_a_store_that_holds_another_corpus(corpus_dir, store_copy):
    assert foreign_documents(store_copy, corpus_dir) is None
    doc = store_copy.query("SELECT id FROM documents WHERE origin = 'native' ORDER BY id LIMIT 1")[0]["id"]
    store_copy.execute("UPDATE documents SET text = 'Réponse complète.' WHERE id = :id", {"id": doc})
    problem = foreign_documents(store_copy, corpus_dir)
    assert problem and "1 have another text" in problem
    from assistant.cli import app

    out = CliRunner().invoke(
        app, ["eval", "search", "--db", str(store_copy.path), "--corpus", str(corpus_dir)]
    )
    assert isinstance(out.exception, UserError)
    no_corpus = CliRunner().invoke(app, ["eval", "annotation", "--db", str(store_copy.path)])
    assert isinstance(no_corpus.exception, UserError) and "--corpus" in str(no_corpus.exception)
