"""`cohort annotate`: the explain for referents and the JSON Lines batch for outside tools, in-process."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli.common import UserError

TEXT = (
    "Carcinome bronchique non à petites cellules, EGFR non muté. Pas de métastase hépatique.\n"
    "Mère traitée pour un cancer du sein. Suspicion de récidive locale."
)


@pytest.fixture
def cli():
    from assistant.cli import app

    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)


def test_annotate_shows_concepts_flags_and_the_cue_of_each(cli, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(TEXT, encoding="utf-8")
    out = cli("annotate", str(path))
    assert out.exit_code == 0, out.output
    for expected in (
        "lung_cancer",
        "affirmé",
        "métastase",
        "«Pas de»",
        "«Mère»",
        "«Suspicion de»",
        "«non muté»",
    ):
        assert expected in out.output


def test_annotate_json_gives_offsets_of_the_input_and_the_cues(cli):
    out = cli("annotate", "-", "--json", input=TEXT)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    mentions = {m["concept"]: m for m in data["mentions"]}
    assert mentions["lung_cancer"]["negated"] is False
    meta = mentions["metastasis"]
    assert TEXT[meta["start"] : meta["end"]] == "métastase" and meta["negated"]
    assert (
        meta["why"][0]["cue"] == "Pas de"
        and TEXT[meta["why"][0]["start"] : meta["why"][0]["end"]] == "Pas de"
    )
    assert mentions["breast_cancer"]["family"] and mentions["local_recurrence"]["hypothetical"]
    covered = "".join("".join(TEXT[s["start"] : s["end"]].split()) for s in data["segments"])
    assert covered == "".join(TEXT.split())  # every non-space character once, in order


def test_annotate_jsonl_keeps_the_input_order_and_offsets(cli, tmp_path):
    docs = [
        {"id": "b", "text": "Suspicion de récidive locale."},
        {"id": 7, "text": "Pas de métastase."},
        {"id": "a", "text": "Patiente suivie pour un cancer du sein."},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")
    out = cli("annotate", "--jsonl", str(path))
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["id"] for r in rows] == ["b", 7, "a"]
    neg = next(s for s in rows[1]["segments"] if s["negated"])
    assert docs[1]["text"][neg["start"] : neg["end"]] == "métastase."
    assert set(neg) == {"start", "end", "negated", "hypothetical", "family", "history"}
    assert rows[0]["mentions"][0]["hypothetical"] and not rows[2]["mentions"][0]["hypothetical"]


def test_annotate_rejects_a_bad_line_with_its_number(cli):
    out = cli("annotate", "--jsonl", "-", input='{"id": 1, "text": "Pas de fièvre."}\n{"text": 3}\n')
    assert isinstance(out.exception, UserError)
    assert "line 2" in str(out.exception)
    missing = cli("annotate")
    assert isinstance(missing.exception, UserError)
