"""`cohort eval parse`: parse accuracy on the labelled FR/EN question set, three configurations side by side.

Fields are the flattened atom attributes (``tumour.site=C50``, ``age.min=70``,
``not.treatment.classes=chemotherapy``, ``seq.then.tumour.histology_group=aml``): lists count one
field per element, and the order of list elements and of all/any children does not matter.
A tumour's histology codes and groups count as ONE field, ``tumour.histology``, whose value is what they
cover (a named group or a set of ICD-O-3 codes), and a tumour without a site gets the organ its histology
always arises in: ``eval/meaning.py`` says how, so "885" and "liposarcoma", or "CHC" with or without C22,
score the same. A question is an exact match when its multiset of fields equals the gold one
(semantic equality after normalisation). Refusals count as one field ``refuse=true``. Relative
dates ("in the last 5 years") are computed from a fixed reference day so gold labels stay valid.

The ``test`` split was written before any tuning and is never used to tune prompts, terminology
or the example bank; tune on ``dev``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from eval.splits import load_splits

QUESTIONS = Path(__file__).parent / "questions"
REFERENCE_DAY = date(2025, 1, 1)
CONFIGS = ("terminology", "llm", "hybrid")
# test: held out, written before any tuning; dev: tuned on; fresh: a second held-out set written
# after tuning had started (never used to tune), to estimate accuracy on unseen phrasing; blind: a
# third held-out set by a different author who never read the parser, terminology, prompts or dev.
# outside / outside_dev: questions on cancers and markers outside the demo pathways, by an independent
# author (eval/questions/OUTSIDE.md); outside is held out, outside_dev is tuned on. outside_dev2: a second
# development batch of the same kind, written in round 2 by a developer who had not read the parser (tuned on
# after its first-sight score, eval/reports/issue14_dev2_first_sight.txt).
SPLITS = ("test", "dev", "fresh", "blind", "outside", "outside_dev", "outside_dev2")


def load(split: str) -> list[dict[str, Any]]:
    return load_splits(QUESTIONS, SPLITS, split)


def as_criteria(gold: Any) -> Any:
    from query_compiler.criteria import parse_criteria

    if gold is None or (isinstance(gold, dict) and gold.get("refuse")):
        return None
    return parse_criteria({"kind": "all", "items": gold} if isinstance(gold, list) else gold)


def _norm(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().casefold()
    return text


def fields(node: Any, prefix: str = "") -> Counter:
    """Flattened (field, value) pairs of a Criteria tree."""
    from eval.meaning import normalise
    from query_compiler.criteria import All, AnyOf, Not, Sequence

    out: Counter = Counter()
    if node is None:
        return out
    if not prefix:
        node = normalise(node)
    if isinstance(node, All):
        for item in node.items:
            out += fields(item, prefix)
    elif isinstance(node, AnyOf):
        for item in node.items:
            out += fields(item, prefix + "any.")
    elif isinstance(node, Not):
        out += fields(node.item, prefix + "not.")
    elif isinstance(node, Sequence):
        out += fields(node.first, prefix + "seq.first.")
        out += fields(node.then, prefix + "seq.then.")
        for name in ("min_months", "max_months"):
            if getattr(node, name) is not None:
                out[(f"{prefix}seq.{name}", _norm(getattr(node, name)))] += 1
    else:
        data = node.model_dump(mode="json", exclude_defaults=True, exclude={"kind"})
        if node.kind == "tumour":
            data = _tumour_meaning(data)
        if not data:
            out[(f"{prefix}{node.kind}", "present")] += 1
        for name, value in data.items():
            for v in value if isinstance(value, list) else [value]:
                out[(f"{prefix}{node.kind}.{name}", _norm(v))] += 1
    return out


def _tumour_meaning(data: dict[str, Any]) -> dict[str, Any]:
    """A tumour's histology as one value (what its codes and groups cover) and its site with the organ
    its histology implies (eval/meaning.py), so equal meanings written differently score the same."""
    from eval.meaning import histology_key, tumour_sites

    codes, groups = data.pop("histology", []), data.pop("histology_group", [])
    sites = tumour_sites(data.pop("site", []), codes, groups)
    out = dict(data)
    if sites:
        out["site"] = sites
    if codes or groups:
        out["histology"] = histology_key(codes, groups)
    return out


def predict(config: str, row: dict[str, Any], model: str | None) -> tuple[Any, bool, float, bool]:
    """(criteria, refused, seconds, llm_called) for one question under one configuration (the hybrid
    waits for the LLM without a deadline: this measures how long it takes)."""
    from query_compiler.parser import parse
    from query_compiler.parser.followup import previous_criteria, read
    from query_compiler.parser.hybrid import llm_only
    from query_compiler.parser.refinement import as_tree, merge

    previous = as_criteria(row["previous"]) if row.get("previous") is not None else None
    started = time.perf_counter()
    if config == "llm":
        criteria, refused, _ = llm_only(row["q"], model=model)
        if previous is not None and criteria is not None and not refused:
            criteria = as_tree(merge(previous_criteria(previous), criteria, read(row["q"])).nodes)
        elif previous is not None and criteria is None and not refused:
            criteria = previous
        return criteria, refused, time.perf_counter() - started, True
    result = parse(
        row["q"], previous=previous, use_llm=(config == "hybrid"), model=model, today=REFERENCE_DAY
    )
    LAST_WORDS[:] = result.llm_words if result.used_llm else []
    LAST_TOKENS[:] = list(result.llm_tokens or ())
    return result.criteria, result.refused, time.perf_counter() - started, result.used_llm


LAST_WORDS: list[str] = []  # what the LLM was asked about for the last question (for the report)
LAST_TOKENS: list[int] = []  # its tokens: evaluated after the cached prefix, written


def llm_effect(row: dict[str, Any], gold: Counter, hybrid: Counter) -> str:
    """What the LLM did to a question: 'same' (nothing changed), else whether what it changed is
    right (every added field is in the gold and nothing right was removed), 'wrong' (nothing it
    added is in the gold) or 'half'."""
    from query_compiler.parser import parse

    previous = as_criteria(row["previous"]) if row.get("previous") is not None else None
    alone = parse(row["q"], previous=previous, use_llm=False, today=REFERENCE_DAY)
    before = Counter({("refuse", "true"): 1}) if alone.refused else fields(alone.criteria)
    if before == hybrid:
        return "same"
    added, removed = hybrid - before, before - hybrid
    good_added = sum((added & (gold - before)).values())
    bad_removed = sum((removed & gold).values())
    if good_added == sum(added.values()) and not bad_removed:
        return "right"
    return "wrong" if good_added == 0 else "half"


def score(
    rows: list[dict[str, Any]], config: str, model: str | None, progress: bool = False
) -> dict[str, Any]:
    tp: Counter = Counter()
    n_pred: Counter = Counter()
    n_gold: Counter = Counter()
    exact, times, covered_times, details = 0, [], [], []
    llm_calls, llm_times, effects, asked = 0, [], Counter(), []
    for i, row in enumerate(rows):
        gold_refuse = isinstance(row["gold"], dict) and bool(row["gold"].get("refuse"))
        gold = Counter({("refuse", "true"): 1}) if gold_refuse else fields(as_criteria(row["gold"]))
        try:
            criteria, refused, seconds, used_llm = predict(config, row, model)
            pred = Counter({("refuse", "true"): 1}) if refused else fields(criteria)
        except Exception as exc:  # a crash is a wrong answer, reported, never hidden
            pred, seconds, used_llm = Counter({("error", type(exc).__name__): 1}), 0.0, False
        llm_calls += int(used_llm)
        times.append(seconds)
        if not used_llm:
            covered_times.append(seconds)
        elif config == "hybrid":
            llm_times.append(seconds)
            effect = llm_effect(row, gold, pred)
            effects[effect] += 1
            asked.append(
                {
                    "id": row["id"],
                    "words": list(LAST_WORDS),
                    "effect": effect,
                    "seconds": seconds,
                    "tokens": list(LAST_TOKENS),
                }
            )
        ok = pred == gold
        exact += int(ok)
        for key in set(gold) | set(pred):
            name = key[0]
            tp[name] += min(gold[key], pred[key])
            n_pred[name] += pred[key]
            n_gold[name] += gold[key]
        if not ok:
            details.append(
                {
                    "id": row["id"],
                    "q": row["q"],
                    "missing": sorted(map(list, (gold - pred).keys())),
                    "extra": sorted(map(list, (pred - gold).keys())),
                }
            )
        if progress:
            hits = sum((gold & pred).values())
            typer.echo(
                f"  [{config}] {i + 1}/{len(rows)} {'ok ' if ok else 'BAD'} {seconds:5.2f}s {row['id']} "
                f"tp={hits} pred={sum(pred.values())} gold={sum(gold.values())}",
                err=True,
            )
    per_field = {}
    for name in sorted(set(n_gold) | set(n_pred)):
        p = tp[name] / n_pred[name] if n_pred[name] else 0.0
        r = tp[name] / n_gold[name] if n_gold[name] else 0.0
        per_field[name] = {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "support": n_gold[name],
        }
    all_tp, all_p, all_g = sum(tp.values()), sum(n_pred.values()), sum(n_gold.values())
    p = all_tp / all_p if all_p else 0.0
    r = all_tp / all_g if all_g else 0.0

    def pct(values: list[float], q: float) -> float:
        return (
            statistics.quantiles(values, n=100)[int(q) - 1]
            if len(values) > 1
            else (values[0] if values else 0.0)
        )

    return {
        "config": config,
        "questions": len(rows),
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "exact_match": exact / len(rows) if rows else 0.0,
        "p50_s": statistics.median(times) if times else 0.0,
        "p95_s": pct(times, 95),
        "p50_covered_s": statistics.median(covered_times) if covered_times else None,
        "llm_calls": llm_calls,
        "llm_p50_s": statistics.median(llm_times) if llm_times else None,
        "llm_p95_s": pct(llm_times, 95) if llm_times else None,
        "llm_changed": sum(v for k, v in effects.items() if k != "same") if config == "hybrid" else None,
        "llm_right": effects["right"] if config == "hybrid" else None,
        "llm_half": effects["half"] if config == "hybrid" else None,
        "llm_wrong": effects["wrong"] if config == "hybrid" else None,
        "llm_asked": asked,
        "llm_new_tokens_p95": pct([a["tokens"][0] for a in asked if a["tokens"]], 95) if asked else None,
        "llm_output_tokens_p95": pct([a["tokens"][1] for a in asked if a["tokens"]], 95) if asked else None,
        "per_field": per_field,
        "errors": details,
    }


def _print(reports: list[dict[str, Any]], split: str, n: int, model: str | None) -> None:
    from rich.table import Table

    from assistant.cli.common import console

    table = Table(title=f"Parse accuracy — split '{split}' ({n} questions), model {model or 'default'}")
    table.add_column("measure")
    for rep in reports:
        table.add_column(f"{rep['config']} ({rep['questions']} q.)", justify="right")
    rows = [
        ("field precision", "precision", "{:.3f}"),
        ("field recall", "recall", "{:.3f}"),
        ("field F1", "f1", "{:.3f}"),
        ("exact match", "exact_match", "{:.3f}"),
        ("latency p50 (s)", "p50_s", "{:.3f}"),
        ("latency p95 (s)", "p95_s", "{:.3f}"),
        ("p50 when terminology covers (s)", "p50_covered_s", "{:.3f}"),
        ("LLM calls", "llm_calls", "{}"),
        ("question → criteria with the LLM, p50 (s)", "llm_p50_s", "{:.2f}"),
        ("question → criteria with the LLM, p95 (s)", "llm_p95_s", "{:.2f}"),
        ("LLM changed the answer", "llm_changed", "{}"),
        ("  rightly", "llm_right", "{}"),
        ("  half right", "llm_half", "{}"),
        ("  wrongly", "llm_wrong", "{}"),
        ("tokens evaluated per LLM call, p95", "llm_new_tokens_p95", "{:.0f}"),
        ("tokens written per LLM call, p95", "llm_output_tokens_p95", "{:.0f}"),
    ]
    for label, key, fmt in rows:
        table.add_row(label, *[fmt.format(r[key]) if r[key] is not None else "-" for r in reports])
    console.print(table)
    fields_table = Table(title="Per-field F1 (support = gold count)")
    fields_table.add_column("field")
    fields_table.add_column("support", justify="right")
    for rep in reports:
        fields_table.add_column(rep["config"], justify="right")
    names = sorted(
        {f for r in reports for f in r["per_field"]},
        key=lambda f: -max(r["per_field"].get(f, {}).get("support", 0) for r in reports),
    )
    for name in names:
        support = max(r["per_field"].get(name, {}).get("support", 0) for r in reports)
        fields_table.add_row(
            name,
            str(support),
            *[f"{r['per_field'][name]['f1']:.2f}" if name in r["per_field"] else "-" for r in reports],
        )
    console.print(fields_table)
    for rep in reports:
        for a in rep.get("llm_asked") or []:
            console.print(
                f"  LLM asked about {a['words']} ({a['id']}, {a['seconds']:.1f} s, tokens {a['tokens']}): "
                f"{a['effect']}",
                markup=False,
                highlight=False,
            )


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse_eval(
        split: Annotated[
            str,
            typer.Option(
                "--split",
                help="test, fresh, blind, outside (held out), dev, outside_dev, outside_dev2, or all.",
            ),
        ] = "test",
        json_out: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
        model: Annotated[str | None, typer.Option("--model", help="Bundled model name or GGUF path.")] = None,
        configs: Annotated[
            str, typer.Option("--configs", help="Comma-separated: terminology,llm,hybrid.")
        ] = ",".join(CONFIGS),
        limit: Annotated[int, typer.Option("--limit", help="Only the first N questions (0 = all).")] = 0,
        errors: Annotated[
            bool, typer.Option("--errors", help="List the questions each configuration got wrong.")
        ] = False,
        progress: Annotated[
            bool, typer.Option("--progress", help="One line per question on stderr.")
        ] = False,
        llm_every: Annotated[
            int, typer.Option("--llm-every", help="LLM-only on every K-th question (slow on a shared CPU).")
        ] = 1,
        llm_offset: Annotated[
            int, typer.Option("--llm-offset", help="First question of the LLM-only subset.")
        ] = 0,
    ) -> None:
        """Field precision/recall/F1, exact match and latency: terminology only, LLM only, hybrid."""
        if split not in (*SPLITS, "all"):
            raise typer.BadParameter(f"--split must be one of {', '.join(SPLITS)} or all")
        rows = load(split)
        if limit:
            rows = rows[:limit]
        chosen = [c.strip() for c in configs.split(",") if c.strip()]
        unknown = [c for c in chosen if c not in CONFIGS]
        if unknown:
            raise typer.BadParameter(f"unknown configuration(s): {', '.join(unknown)}")
        reports = [
            score(rows[llm_offset :: max(1, llm_every)] if c == "llm" else rows, c, model, progress)
            for c in chosen
        ]
        if json_out:
            typer.echo(json.dumps({"split": split, "reports": reports}, ensure_ascii=False, indent=2))
            return
        _print(reports, split, len(rows), model)
        if errors:
            for rep in reports:
                typer.echo(f"\n— {rep['config']}: {len(rep['errors'])} questions not exact")
                for e in rep["errors"]:
                    typer.echo(
                        f"  {e['id']} {e['q']}\n      missing {e['missing']}\n      extra   {e['extra']}"
                    )
