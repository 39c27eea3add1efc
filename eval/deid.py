"""`cohort eval deid`: de-identification quality and speed against the generator's identifier truth.

Truth: ``truth/identifiers.jsonl`` (every identifier the generator wrote: PERSON, DATE_OF_BIRTH,
DATE, NIR, IPP, PHONE, EMAIL, ADDRESS, with exact spans in the native document text).

Matching rules (written here because the numbers mean nothing without them):

- Recall, per truth type: a truth span is *caught* when at least 90 % of its characters are
  masked, whatever type the masking span was given (masked is masked for privacy).
- Precision, per predicted type: a predicted span is *correct* when at least 50 % of its
  characters lie inside truth identifier spans (of any type). Stock Presidio types are mapped
  (DATE_TIME → DATE, PHONE_NUMBER → PHONE, EMAIL_ADDRESS → EMAIL, LOCATION → ADDRESS, anything
  else → OTHER); a setup that never predicts a type has no precision for it ("—").
- F2 = 5PR / (4P + R): recall weighs four times precision, as a leak costs more than a mask.
- Clinical terms wrongly masked: every occurrence, in the evaluated documents, of a clinical
  term (concepts.json forms, vocabulary labels, the generator's report vocabulary) that does not
  overlap a truth identifier; masked when any predicted span overlaps it. Also each term alone
  in a neutral sentence and capitalised at a sentence start (the hard case for name detectors).
- Latency: a page of 20 excerpts as the product makes them: around a random offset of a document,
  the context ``query_compiler.engine.facts.context_window`` gives (the excerpt window plus 250
  characters each side, to a line end) is redacted with its patient id in one
  ``Redactor.redact_batch``, then each excerpt is cut from the redacted text; median over the pages
  after warm-up, wall clock and CPU time of this process (on a shared machine the second is the
  stable one). The stock analyzer is timed on the same contexts.

"Ours" is ``privacy.redact.Redactor.for_store(store)`` with the document's patient id (as the
product calls it); "ours, no patient id" drops the per-patient registry identifiers; "stock" is
Presidio's predefined recognisers with the same French spaCy model (NER included), nothing ours.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from eval.deid_score import TYPES, Score, _covered, _fmt

GOAL_TYPES = ("PERSON", "DATE_OF_BIRTH", "NIR", "PHONE", "ADDRESS", "IPP")
STOCK_MAP = {"PERSON": "PERSON", "DATE_TIME": "DATE", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL",
             "LOCATION": "ADDRESS"}
HAND_SETS = ("dev", "dev2", "heldout")  # eval/deid_sets/<name>.spans.jsonl; heldout is measured only


# -- corpus ---------------------------------------------------------------------------------------
def load_docs(corpus: Path, n: int, seed: int = 0) -> list[dict[str, Any]]:
    """A deterministic spread of ``n`` native documents (with text) and their truth spans."""
    truth = {}
    with open(corpus / "truth" / "identifiers.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            truth[rec["document_id"]] = rec["spans"]
    docs = []
    for path in sorted((corpus / "documents").glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                if d.get("text"):
                    docs.append({"id": d["id"], "patient_id": d["patient_id"], "text": d["text"],
                                 "spans": truth.get(d["id"], [])})
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(docs)), min(n, len(docs))))
    return [docs[i] for i in picked]


def report_vocabulary() -> list[str]:
    """Phrases of the generator's report vocabulary (exams, drugs, histology...), when present."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if 3 <= len(value) <= 60 and "{" not in value and not re.search(r"\d{2}", value):
                out.add(value.strip())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for v in value:
                walk(v)
        elif hasattr(value, "__dataclass_fields__"):
            for f in value.__dataclass_fields__:
                if f in ("name", "label", "inn", "french", "fr"):
                    walk(getattr(value, f))

    for mod_name in ("synthetic.text.vocab", "synthetic.catalogue"):
        try:
            mod = __import__(mod_name, fromlist=["*"])
        except ImportError:
            continue
        for name, value in vars(mod).items():
            if name.isupper():
                walk(value)
    return sorted(out)


def clinical_false_masks(docs: list[dict[str, Any]], preds: list[list[tuple[int, int, str]]],
                         terms: list[str]) -> dict[str, Any]:
    """Occurrences of clinical terms (outside truth identifiers) that got masked."""
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
                         + r")(?!\w)", re.IGNORECASE)
    total = masked = 0
    offenders: Counter[str] = Counter()
    for doc, pred in zip(docs, preds, strict=True):
        truth = [(t["start"], t["end"]) for t in doc["spans"]]
        spans = [(s, e) for s, e, _ in pred]
        for m in pattern.finditer(doc["text"]):
            if _covered(truth, m.start(), m.end()):
                continue
            total += 1
            if _covered(spans, m.start(), m.end()):
                masked += 1
                offenders[m.group(1).lower()] += 1
    return {"occurrences": total, "masked": masked, "rate": masked / total if total else 0.0,
            "top": offenders.most_common(8)}


def isolated_terms(analyse: Any, terms: list[str]) -> dict[str, Any]:
    """Each term in a neutral sentence, and capitalised at the start of one."""
    hit: list[str] = []
    for term in terms:
        upper = f"{term[:1].upper()}{term[1:]}"
        for sentence in (f"Le compte rendu mentionne {term} ce jour.", f"{upper} confirmé."):
            start = sentence.find(term) if sentence.startswith("Le") else 0
            if any(s < start + len(term) and e > start for s, e, _ in analyse(sentence, None)):
                hit.append(term)
                break
    return {"terms": len(terms), "masked": len(hit), "rate": len(hit) / len(terms) if terms else 0.0,
            "examples": hit[:10]}


# -- setups ---------------------------------------------------------------------------------------
def ours(store: Any, with_patient: bool = True) -> Any:
    from privacy.redact import Redactor

    redactor = Redactor.for_store(store)

    def analyse(text: str, patient_id: int | None) -> list[tuple[int, int, str]]:
        found = redactor.analyze(text, patient_id=patient_id if with_patient else None)
        return [(f.start, f.end, f.entity) for f in found]

    return analyse


def stock() -> Any:
    from privacy.engine import stock_analyzer

    analyzer = stock_analyzer()

    def analyse(text: str, patient_id: int | None) -> list[tuple[int, int, str]]:
        return [(r.start, r.end, STOCK_MAP.get(r.entity_type, "OTHER"))
                for r in analyzer.analyze(text, language="fr")]

    return analyse


def run_setup(analyse: Any, docs: list[dict[str, Any]]) -> tuple[Score, list, float]:
    score, preds = Score(), []
    started = time.perf_counter()
    for doc in docs:
        pred = analyse(doc["text"], doc["patient_id"])
        preds.append(pred)
        score.add(doc["text"], doc["spans"], pred)
    return score, preds, time.perf_counter() - started


def page_latency(store: Any, docs: list[dict[str, Any]], pages: int = 25, seed: int = 1) -> dict[str, float]:
    from privacy.engine import stock_analyzer
    from privacy.redact import Redactor
    from query_compiler.engine.facts import context_window, excerpt

    redactor = Redactor.for_store(store)
    rng = random.Random(seed)
    batches = []
    for _ in range(pages + 2):
        page = []
        for doc in rng.sample(docs, 20):
            at = rng.randrange(max(1, len(doc["text"]) - 10))
            context, spans = context_window(doc["text"], [(at, min(len(doc["text"]), at + 6))])
            page.append((context, doc["patient_id"], spans))
        batches.append(page)
    times, cpu = [], []
    for k, page in enumerate(batches):
        t, c = time.perf_counter(), time.process_time()
        redacted = redactor.redact_batch([(ctx, pid) for ctx, pid, _ in page])
        for red, (_ctx, _pid, spans) in zip(redacted, page, strict=True):
            excerpt(red.text, [red.map_span(s, e) for s, e in spans])
        if k >= 2:
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    analyzer = stock_analyzer()
    stock_times, stock_cpu = [], []
    for page in batches[2:8]:
        t, c = time.perf_counter(), time.process_time()
        for text, _, _ in page:
            analyzer.analyze(text, language="fr")
        stock_times.append(time.perf_counter() - t)
        stock_cpu.append(time.process_time() - c)
    return {"median_ms": 1000 * statistics.median(times), "cpu_median_ms": 1000 * statistics.median(cpu),
            "p90_ms": 1000 * sorted(times)[int(0.9 * len(times))],
            "stock_median_ms": 1000 * statistics.median(stock_times),
            "stock_cpu_median_ms": 1000 * statistics.median(stock_cpu)}


# -- report ---------------------------------------------------------------------------------------

def evaluate(store: Any, corpus: Path, n_docs: int, with_stock: bool = True) -> dict[str, Any]:
    from privacy.clinical_words import clinical_terms

    docs = load_docs(corpus, n_docs)
    setups = {"ours": ours(store), "ours, no patient id": ours(store, with_patient=False)}
    if with_stock:
        setups["stock"] = stock()
    terms = sorted({*clinical_terms(), *report_vocabulary()}, key=str.lower)
    out: dict[str, Any] = {"documents": len(docs), "truth_spans": sum(len(d["spans"]) for d in docs),
                           "setups": {}, "terms": len(terms)}
    for name, analyse in setups.items():
        score, preds, seconds = run_setup(analyse, docs)
        out["setups"][name] = {
            "types": {t: score.row(t) for t in (*TYPES, "OTHER")},
            "all": score.row(None),
            "seconds": seconds,
            "clinical": clinical_false_masks(docs, preds, terms),
            "isolated": isolated_terms(analyse, terms) if name != "ours, no patient id" else None,
            "misses": score.misses[:40],
        }
    out["latency"] = page_latency(store, docs)
    return out


def print_report(res: dict[str, Any], console: Any, show_misses: int = 0) -> None:
    from rich.console import Console
    from rich.table import Table

    wide = Console(width=max(150, console.width), file=console.file)  # tables must not be truncated
    names = list(res["setups"])
    table = Table(title=f"De-identification on {res['documents']} documents, "
                        f"{res['truth_spans']} identifiers (P / R / F2)")
    table.add_column("type")
    table.add_column("n", justify="right")
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for kind in (*TYPES, "OTHER", None):
        rows = [res["setups"][n]["all" if kind is None else "types"] for n in names]
        rows = [r if kind is None else r[kind] for r in rows]
        if kind == "OTHER" and not any(r["predicted"] for r in rows):
            continue
        cells = [f"{_fmt(r['precision'])} / {_fmt(r['recall'])} / {_fmt(r['f2'])}" for r in rows]
        table.add_row(kind or "all", str(rows[0]["n"]), *cells)
    wide.print(table)
    for name in names:
        s = res["setups"][name]
        c, i = s["clinical"], s["isolated"] or {"masked": 0, "terms": 0, "rate": 0.0}
        bad = [t for t in GOAL_TYPES if (s["types"][t]["recall"] or 0) < 0.99 and s["types"][t]["n"]]
        alone = f"; terms alone {i['masked']}/{i['terms']} = {100 * i['rate']:.2f} %" if i["terms"] else ""
        wide.print(
            f"[bold]{name}[/bold]: {res['documents'] / s['seconds']:.0f} docs/s; clinical-term occurrences "
            f"masked {c['masked']}/{c['occurrences']} = {100 * c['rate']:.2f} % (goal ≤ 1 %){alone}; "
            f"recall < 0.99 for: {', '.join(bad) or 'none'}")
        if c["top"]:
            wide.print("   most masked terms: " + ", ".join(f"{t} ({n})" for t, n in c["top"]))
        for kind, what in s["misses"][:show_misses]:
            wide.print(f"   miss {kind}: {what}", markup=False, highlight=False)
    lat = res["latency"]
    wide.print("Page of 20 excerpts (ours: contexts redacted in one batch, then cut): "
               f"median {lat['median_ms']:.0f} ms wall "
               f"({lat['cpu_median_ms']:.0f} ms CPU), p90 {lat['p90_ms']:.0f} ms (goal ≤ 300 ms); stock "
               f"analyzer on the same pages {lat['stock_median_ms']:.0f} ms wall "
               f"({lat['stock_cpu_median_ms']:.0f} ms CPU; CPU ratio "
               f"{lat['cpu_median_ms'] / lat['stock_cpu_median_ms']:.2f}).")


def register(eval_app: typer.Typer) -> None:
    @eval_app.command("deid")
    def deid_command(
        db: Annotated[str | None, typer.Option("--db", help="Store where --corpus was ingested (its "
                                                            "registry feeds the deny-list).")] = None,
        corpus: Annotated[Path, typer.Option("--corpus", help="Corpus directory (with truth/).")] = Path("."),
        docs: Annotated[int, typer.Option("--docs", help="Number of native documents (≥ 1000).")] = 1000,
        no_stock: Annotated[bool, typer.Option("--no-stock", help="Skip Presidio's stock setup.")] = False,
        show_misses: Annotated[int, typer.Option("--show-misses", help="Print N missed spans.")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
        hand_set: Annotated[str | None, typer.Option(
            "--set", help="Score a hand-written set of eval/deid_sets/ instead (dev, dev2 or heldout): no "
                          "store, no corpus; names without titles, lower case, foreign, English.")] = None,
    ) -> None:
        """Precision, recall, F2 per identifier type (ours vs Presidio stock), clinical false masks,
        page latency; or, with --set, recall per type on a hand-written set."""
        from assistant.cli.common import UserError, console, open_db

        if hand_set is not None:
            from eval.deid_hand import evaluate_set, print_set_report

            if hand_set not in HAND_SETS:
                raise UserError(f"--set takes {', '.join(HAND_SETS)}.")
            res = evaluate_set(hand_set)
            if as_json:
                print(json.dumps(res, ensure_ascii=False, indent=2, default=str))
            else:
                print_set_report(res, console, show_misses)
            return

        if not (corpus / "truth" / "identifiers.jsonl").exists():
            raise UserError(f"{corpus} has no truth/identifiers.jsonl: give --corpus DIR written by "
                            "`cohort generate`.")
        store = open_db(db)
        res = evaluate(store, corpus, docs, with_stock=not no_stock)
        if as_json:
            print(json.dumps(res, ensure_ascii=False, indent=2, default=str))
        else:
            print_report(res, console, show_misses)


__all__ = ["evaluate", "register"]
