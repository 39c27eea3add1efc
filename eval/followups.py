"""`cohort eval followups`: typed follow-ups in a conversation, scored on labelled pairs.

Each pair is (first question with its gold criteria, next message, expected criteria, follow-up or
not); see ``eval/followups/README.md`` for the author's conventions. The next message is parsed the
way a conversation does it:

- ``context`` (the product): the previous criteria are given and the parser decides whether the
  message refines them or starts over;
- ``alone``: the message is parsed on its own, as the chat did before issue 15 when the user typed
  a follow-up without pressing "Refine" (kept to show what the conversation adds).

A pair is right when the criteria have exactly the expected fields (the field multiset of
``eval.parse.fields``: order-free). A message that is not a cohort question ("merci") is right when
no criteria come out. For new questions, "taken as follow-up" counts those the parser merged
into the previous criteria (goal: at most 2 %). The previous criteria are the gold ones, so a
pair measures the follow-up alone, not the first question's parse.

``dev`` and ``dev2`` may be tuned on; ``held`` is held out (score it, never tune on it).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from eval.parse import REFERENCE_DAY, as_criteria, fields

FOLLOWUPS = Path(__file__).parent / "followups"
SPLITS = ("dev", "dev2", "held")
MODES = ("context", "alone")


def load(split: str) -> list[dict[str, Any]]:
    path = FOLLOWUPS / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def taken_as_followup(result: Any, previous: Any) -> bool:
    """Did the parser build on the previous criteria? (its own flag, else: it kept a previous part)."""
    flag = getattr(result, "followup", None)
    if isinstance(flag, bool):
        return flag
    if any(s.source == "previous" for s in result.sources):
        return True
    return (
        previous is not None and result.criteria is not None and fields(result.criteria) == fields(previous)
    )


def run_pair(row: dict[str, Any], mode: str, use_llm: bool, model: str | None) -> dict[str, Any]:
    from query_compiler.parser import parse

    previous = as_criteria(row["previous"])
    started = time.perf_counter()
    try:
        result = parse(
            row["q"],
            previous=previous if mode == "context" else None,
            use_llm=use_llm,
            model=model,
            today=REFERENCE_DAY,
        )
    except Exception as exc:  # noqa: BLE001 - a crash is a wrong answer, reported, never hidden
        return {
            "id": row["id"],
            "lang": row["lang"],
            "followup": row["followup"],
            "ok": False,
            "taken_as_followup": False,
            "seconds": time.perf_counter() - started,
            "used_llm": False,
            "previous_q": row["previous_q"],
            "q": row["q"],
            "missing": [],
            "extra": [["error", repr(exc)[:200]]],
        }
    seconds = time.perf_counter() - started
    if row["gold"] is None:
        gold: Counter = Counter()
        ok = result.criteria is None
    else:
        gold = fields(as_criteria(row["gold"]))
        ok = not result.refused and fields(result.criteria) == gold
    pred = fields(result.criteria) if result.criteria is not None else Counter()
    return {
        "id": row["id"],
        "lang": row["lang"],
        "followup": row["followup"],
        "ok": ok,
        "taken_as_followup": mode == "context" and taken_as_followup(result, previous),
        "seconds": seconds,
        "used_llm": result.used_llm,
        "previous_q": row["previous_q"],
        "q": row["q"],
        "missing": sorted(map(list, (gold - pred).keys())),
        "extra": sorted(map(list, (pred - gold).keys())),
    }


def score(rows: list[dict[str, Any]], mode: str, use_llm: bool, model: str | None) -> dict[str, Any]:
    pairs = [run_pair(r, mode, use_llm, model) for r in rows]
    follow = [p for p in pairs if p["followup"]]
    new = [p for p in pairs if not p["followup"]]
    times = sorted(p["seconds"] for p in pairs)

    def share(items: list[dict[str, Any]], key: str) -> float:
        return sum(bool(p[key]) for p in items) / len(items) if items else 0.0

    return {
        "mode": mode,
        "llm": use_llm,
        "pairs": len(pairs),
        "right": share(pairs, "ok"),
        "followups_right": share(follow, "ok"),
        "new_right": share(new, "ok"),
        "new_taken_as_followup": share(new, "taken_as_followup"),
        "followups_recognised": share(follow, "taken_as_followup"),
        "by_lang": {
            lang: share([p for p in pairs if p["lang"] == lang], "ok")
            for lang in sorted({p["lang"] for p in pairs})
        },
        "p50_s": times[len(times) // 2] if times else 0.0,
        "max_s": times[-1] if times else 0.0,
        "llm_calls": sum(p["used_llm"] for p in pairs),
        "wrong": [p for p in pairs if not p["ok"] or (not p["followup"] and p["taken_as_followup"])],
    }


def _print(reports: list[dict[str, Any]], split: str, errors: bool) -> None:
    from rich.table import Table

    from assistant.cli.common import console

    table = Table(title=f"Follow-ups — split '{split}' ({reports[0]['pairs']} pairs)")
    table.add_column("measure")
    for rep in reports:
        table.add_column(f"{rep['mode']}{' + LLM' if rep['llm'] else ''}", justify="right")
    lines = [
        ("pairs giving the expected criteria", "right", "{:.3f}"),
        ("  follow-ups right", "followups_right", "{:.3f}"),
        ("  new questions right", "new_right", "{:.3f}"),
        ("follow-ups recognised as such", "followups_recognised", "{:.3f}"),
        ("new questions taken as follow-ups", "new_taken_as_followup", "{:.3f}"),
        ("latency p50 (s)", "p50_s", "{:.3f}"),
        ("latency max (s)", "max_s", "{:.3f}"),
        ("LLM calls", "llm_calls", "{}"),
    ]
    for label, key, fmt in lines:
        table.add_row(label, *[fmt.format(r[key]) for r in reports])
    for lang in sorted({k for r in reports for k in r["by_lang"]}):
        table.add_row(f"right, {lang}", *[f"{r['by_lang'].get(lang, 0):.3f}" for r in reports])
    console.print(table)
    if errors:
        for rep in reports:
            typer.echo(f"\n— {rep['mode']}: {len(rep['wrong'])} pairs wrong")
            for p in rep["wrong"]:
                kind = "follow-up" if p["followup"] else "new"
                taken = " TAKEN AS FOLLOW-UP" if not p["followup"] and p["taken_as_followup"] else ""
                typer.echo(
                    f"  {p['id']} [{kind}]{taken} {p['previous_q']!r} → {p['q']!r}\n"
                    f"      missing {p['missing']}\n      extra   {p['extra']}"
                )


def register(app: typer.Typer) -> None:
    @app.command("followups")
    def followups_eval(
        split: Annotated[
            str, typer.Option("--split", help="dev, dev2 (tuned on) or held (held out).")
        ] = "dev",
        modes: Annotated[
            str, typer.Option("--modes", help="Comma-separated: context (the conversation), alone.")
        ] = "context",
        llm: Annotated[bool, typer.Option("--llm/--no-llm", help="Let the LLM complete the parse.")] = False,
        model: Annotated[str | None, typer.Option("--model", help="Bundled model name or GGUF path.")] = None,
        errors: Annotated[bool, typer.Option("--errors", help="List the pairs that went wrong.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    ) -> None:
        """Share of pairs giving the expected criteria, share of new questions taken as follow-ups."""
        if split not in SPLITS:
            raise typer.BadParameter(f"--split must be one of {', '.join(SPLITS)}")
        chosen = [m.strip() for m in modes.split(",") if m.strip()]
        if any(m not in MODES for m in chosen):
            raise typer.BadParameter(f"--modes must be among {', '.join(MODES)}")
        rows = load(split)
        reports = [score(rows, m, llm, model) for m in chosen]
        if json_out:
            typer.echo(json.dumps({"split": split, "reports": reports}, ensure_ascii=False, indent=2))
            return
        _print(reports, split, errors)
