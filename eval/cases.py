"""`cohort eval cases`: how well a pasted case narrative is read into facts, against hand-labelled gold.

The sets (``eval/cases/dev.jsonl`` tuned on, ``eval/cases/held.jsonl`` held out) and the author's
conventions are in ``eval/cases/README.md``. A *fact* is one value of one field of one gold atom:
``sex=F``, ``age=58``, ``tumour.site=C50``, ``tumour.histology=8500/3``, ``tumour.t=T2``,
``biomarker.status=ER:positive``, ``biomarker.alteration=KRAS:G12D``, ``biomarker.value=KI67:>=20``,
``treatment.drug=paclitaxel``, ``treatment.class=surgery``, ``event.type=metastasis``,
``event.site=metastasis:brain``, ``vital_status=deceased``. Precision is the share of the reader's
facts that match a gold fact, recall the share of gold facts the reader found, per field and overall.

How values are compared (the same normalisation for every case, never tuned to one):
- a gold list of two codes in ``site`` or ``histology`` is ONE fact satisfied by either code (README);
- sites compare on their ICD-10 category (3 characters), as the gold is written; a tumour without a site
  has the organ its histology always arises in (``eval/meaning.py``: a basal cell carcinoma is C44);
- histologies compare by meaning: each code, prefix or named group becomes the set of ICD-O-3 codes it
  covers in ``retrieval/classifications/icdo3_morphology.tsv``, where the NOS code of an entity means the
  entity (``8890/3`` leiomyosarcoma NOS covers its subtypes 8891/3, 8896/3), exactly as
  ``eval/parse.py`` compares question histologies; a prediction matches when it covers the same set;
- what the gold conventions never encode is not scored: dates, lines, ongoing, the age at diagnosis,
  tumour rank, text criteria. Atoms under ``not`` are not facts of the patient. Facts inside ``any``
  or ``sequence`` count like the others.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer

from eval.splits import load_splits

CASES = Path(__file__).parent / "cases"
SPLITS = ("dev", "held", "dev2")  # dev2: round-2 development cases (eval/cases/README.md)


def load(split: str) -> list[dict[str, Any]]:
    return load_splits(CASES, SPLITS, split)


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def _histology_key(values: list[str], groups: list[str]) -> frozenset[str]:
    from eval.meaning import histology_set

    return histology_set(values, groups)


def _sites(atom: dict[str, Any]) -> list[str]:
    from eval.meaning import tumour_sites

    hist, groups = atom.get("histology") or [], atom.get("histology_group") or []
    return tumour_sites(atom.get("site") or [], hist, groups)


def atom_facts(atom: dict[str, Any]) -> list[tuple[str, Any]]:
    """(field, value) facts of one atom given as a dict; a value is a frozenset of accepted
    alternatives on the gold side (one element on the reader's side)."""
    kind = atom.get("kind")
    out: list[tuple[str, Any]] = []
    if kind == "sex":
        out.append(("sex", atom["value"]))
    elif kind == "age":
        lo, hi = atom.get("min"), atom.get("max")
        out.append(("age", str(lo) if lo == hi else f"{lo}..{hi}"))
    elif kind == "vital_status":
        out.append(("vital_status", atom["value"]))
    elif kind == "tumour":
        sites = _sites(atom)
        if sites:
            out.append(("tumour.site", frozenset(s.upper()[:3] for s in sites)))
        hist, groups = atom.get("histology") or [], atom.get("histology_group") or []
        if hist or groups:
            out.append(("tumour.histology", ("H", hist, groups)))
        for name in ("laterality",):
            if atom.get(name):
                out.append((f"tumour.{name}", atom[name]))
        for g in atom.get("grade") or []:
            out.append(("tumour.grade", str(g)))
        for name in ("stage", "t", "n", "m"):
            for v in atom.get(name) or []:
                out.append((f"tumour.{name}", str(v).upper()))
        if atom.get("metastatic") is not None:
            out.append(("tumour.metastatic", str(atom["metastatic"]).lower()))
        if atom.get("metastatic_at_diagnosis"):
            out.append(("tumour.metastatic", "true"))
    elif kind == "biomarker":
        mk = str(atom["marker"]).upper()
        if atom.get("status"):
            out.append(("biomarker.status", f"{mk}:{atom['status']}"))
        if atom.get("alteration"):
            out.append(("biomarker.alteration", f"{mk}:{str(atom['alteration']).upper()}"))
        if atom.get("op") is not None:
            out.append(("biomarker.value", f"{mk}:{atom['op']}{_num(atom.get('value'))}"))
        if not (atom.get("status") or atom.get("alteration") or atom.get("op")):
            out.append(("biomarker.status", f"{mk}:tested"))
    elif kind == "treatment":
        for d in atom.get("drugs") or []:
            out.append(("treatment.drug", d.lower()))
        for c in atom.get("classes") or []:
            out.append(("treatment.class", c))
    elif kind == "event":
        out.append(("event.type", atom["type"]))
        for s in atom.get("sites") or []:
            out.append(("event.site", s))
    return out


def _atoms(node: Any) -> list[dict[str, Any]]:
    """Affirmed atoms of a Criteria tree, as dicts (``not`` skipped, ``any``/``sequence`` walked)."""
    from query_compiler.criteria import All, AnyOf, Not, Sequence, to_dict

    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, (All, AnyOf)):
        return [a for item in node.items for a in _atoms(item)]
    if isinstance(node, Sequence):
        return _atoms(node.first) + _atoms(node.then)
    return [to_dict(node)]


def _matches(gold_value: Any, pred_value: Any) -> bool:
    if isinstance(gold_value, tuple) and gold_value[:1] == ("H",):
        if not (isinstance(pred_value, tuple) and pred_value[:1] == ("H",)):
            return False
        _, g_codes, g_groups = gold_value
        _, p_codes, p_groups = pred_value
        if len(g_codes) > 1 and not g_groups:  # alternatives: either code is right
            return any(_histology_key([c], []) == _histology_key(p_codes, p_groups) for c in g_codes)
        return _histology_key(g_codes, g_groups) == _histology_key(p_codes, p_groups)
    if isinstance(gold_value, frozenset):
        pv = pred_value if isinstance(pred_value, frozenset) else frozenset([pred_value])
        return len(pv) == 1 and next(iter(pv)) in gold_value
    return gold_value == pred_value


def _explode(facts: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The reader's side: a site list is one fact per site (a case has one site per tumour)."""
    out = []
    for name, value in facts:
        if isinstance(value, frozenset):
            out.extend((name, frozenset([v])) for v in sorted(value))
        else:
            out.append((name, value))
    return out


def compare(gold: list[tuple[str, Any]], pred: list[tuple[str, Any]]) -> tuple[list, list, list]:
    """(matched pairs, gold facts missed, reader facts wrong), matching greedily field by field."""
    left = list(pred)
    matched, missed = [], []
    for g in gold:
        hit = next((p for p in left if p[0] == g[0] and _matches(g[1], p[1])), None)
        if hit is None:
            missed.append(g)
        else:
            left.remove(hit)
            matched.append((g, hit))
    return matched, missed, left


def read(text: str) -> tuple[Any, list[str]]:
    """The product's case reader: Criteria of the case and the terms it did not use."""
    from query_compiler.parser.case import read_case

    reading = read_case(text)
    return reading.criteria, list(reading.not_used)


def _nodes(node: Any) -> list[Any]:
    from query_compiler.criteria import iter_nodes

    return [] if node is None else list(iter_nodes(node))


def predicted_facts(criteria: Any, text: str) -> list[tuple[str, Any]]:
    facts = [f for atom in _atoms(criteria) for f in atom_facts(atom)]
    return _explode(facts)


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return "|".join(sorted(value))
    if isinstance(value, tuple) and value[:1] == ("H",):
        return "|".join([*value[1], *value[2]])
    return str(value)


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp_pred: Counter = Counter()
    tp_gold: Counter = Counter()
    n_pred: Counter = Counter()
    n_gold: Counter = Counter()
    details = []
    perfect = 0
    for row in rows:
        gold = [f for atom in row["gold"] for f in atom_facts(atom)]
        try:
            criteria, not_used = read(row["text"])
            pred = predicted_facts(criteria, row["text"])
        except Exception as exc:  # a crash is a wrong reading, reported, never hidden
            pred, not_used = [("error", type(exc).__name__)], []
        matched, missed, wrong = compare(gold, pred)
        for g, p in matched:
            tp_gold[g[0]] += 1
            tp_pred[p[0]] += 1
        for g in gold:
            n_gold[g[0]] += 1
        for p in pred:
            n_pred[p[0]] += 1
        perfect += int(not missed and not wrong)
        details.append(
            {
                "id": row["id"],
                "missed": [f"{n}={_show(v)}" for n, v in missed],
                "wrong": [f"{n}={_show(v)}" for n, v in wrong],
                "not_used": not_used,
            }
        )
    per_field: dict[str, dict[str, float]] = defaultdict(dict)
    for name in sorted(set(n_gold) | set(n_pred)):
        p = tp_pred[name] / n_pred[name] if n_pred[name] else 0.0
        r = tp_gold[name] / n_gold[name] if n_gold[name] else 0.0
        per_field[name] = {"precision": p, "recall": r, "gold": n_gold[name], "read": n_pred[name]}
    all_p, all_g = sum(n_pred.values()), sum(n_gold.values())
    precision = sum(tp_pred.values()) / all_p if all_p else 0.0
    recall = sum(tp_gold.values()) / all_g if all_g else 0.0
    return {
        "cases": len(rows),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "without_wrong_fact": sum(1 for d in details if not d["wrong"]),
        "perfect": perfect,
        "per_field": dict(per_field),
        "details": details,
    }


def _print(rep: dict[str, Any], split: str) -> None:
    from rich.table import Table

    from assistant.cli.common import console

    table = Table(title=f"Case reading — split '{split}' ({rep['cases']} cases)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("fact precision", f"{rep['precision']:.3f}")
    table.add_row("fact recall", f"{rep['recall']:.3f}")
    table.add_row("fact F1", f"{rep['f1']:.3f}")
    table.add_row("cases without a wrong fact", f"{rep['without_wrong_fact']}/{rep['cases']}")
    table.add_row("cases read exactly", f"{rep['perfect']}/{rep['cases']}")
    console.print(table)
    fields = Table(title="Per field (gold = facts in the gold, read = facts the reader gave)")
    for col in ("field", "gold", "read", "precision", "recall"):
        fields.add_column(col, justify="left" if col == "field" else "right")
    for name, f in sorted(rep["per_field"].items(), key=lambda kv: -kv[1]["gold"]):
        fields.add_row(name, str(f["gold"]), str(f["read"]), f"{f['precision']:.2f}", f"{f['recall']:.2f}")
    console.print(fields)


def register(app: typer.Typer) -> None:
    @app.command("cases")
    def cases_eval(
        split: Annotated[
            str, typer.Option("--split", help="dev, dev2 (tuned on), held (held out), all.")
        ] = "dev",
        errors: Annotated[bool, typer.Option("--errors", help="Missed and wrong facts per case.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    ) -> None:
        """Fact precision/recall of the case reader (similar patients from a pasted case), per field."""
        if split not in (*SPLITS, "all"):
            raise typer.BadParameter("--split must be dev, dev2, held or all")
        rep = score(load(split))
        if json_out:
            typer.echo(json.dumps({"split": split, **rep}, ensure_ascii=False, indent=2))
            return
        _print(rep, split)
        if errors:
            for d in rep["details"]:
                if d["missed"] or d["wrong"]:
                    typer.echo(f"\n  {d['id']}\n      missed {d['missed']}\n      wrong  {d['wrong']}")
                    if d["not_used"]:
                        typer.echo(f"      not used {d['not_used']}")
