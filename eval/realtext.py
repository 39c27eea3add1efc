"""`cohort eval realtext`: negation and hedging on real French clinical cases (E3C), ours vs stock edsnlp.

The file (``/work/shared/realtext/e3c-fr-dev.jsonl``, one ``{"doc", "text", "events"}`` a line) holds
published clinical cases annotated by the E3C project: each event (a disorder, a finding, a test, a
treatment, sometimes a verb) carries E3C's polarity (``negated``) and its contextual modality
(``hedged`` = HEDGED or HYPOTHETICAL). None of this project's rules were written from them.

Scoring convention (the one the issue quotes): an event counts as negated (hedged) when the text
segment that holds its FIRST character is flagged negated (hypothetical) — exactly what a text
search that counts affirmed words only would see. For stock edsnlp (``eds.negation`` /
``eds.hypothesis`` with their default cue lists, ``on_ents_only=False``, run in this process on the
same texts), the flag of the token holding that character is used: it is the same thing, since our
segments are runs of tokens sharing flags.

Where our convention differs from E3C's on purpose (test results: "sérologie VIH négative" negates
VIH, not the test that was done — see ``retrieval/ingest/qualifiers.md``), the difference shows
here as errors, and is left there: the figures are E3C's, not ours.
"""

from __future__ import annotations

import bisect
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from eval.annotation_score import Confusion

DEFAULT_FILE = Path("/work/shared/realtext/e3c-fr-dev.jsonl")
KINDS = {"negation": "negated", "hedged": "hedged"}  # our report name -> gold field


@dataclass
class Case:
    doc: str
    text: str
    events: list[dict[str, Any]]


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    quals: dict[str, Confusion] = field(default_factory=lambda: {k: Confusion() for k in KINDS})
    errors: list[dict[str, Any]] = field(default_factory=list)


def load(path: Path) -> list[Case]:
    with path.open(encoding="utf-8") as fh:
        return [Case(d["doc"], d["text"], d["events"]) for d in map(json.loads, fh) if d]


class Flags:
    """Flags of the run holding a character: ``(start, end, negated, hypothetical, cue)`` sorted runs."""

    def __init__(self, runs: list[tuple[int, int, bool, bool, str]]) -> None:
        self.runs = sorted(runs)
        self.starts = [r[0] for r in self.runs]

    def at(self, char: int) -> tuple[bool, bool, str]:
        i = bisect.bisect_right(self.starts, char) - 1
        if i >= 0 and self.runs[i][0] <= char < self.runs[i][1]:
            return self.runs[i][2], self.runs[i][3], self.runs[i][4]
        return False, False, ""


def ours(texts: list[str]) -> list[Flags]:
    from retrieval.ingest.annotate import get_annotator

    out = []
    for ann in get_annotator().annotate(texts, explain=True):
        out.append(Flags([(s.start, s.end, s.negated, s.hypothetical, _cues(s.why)) for s in ann.segments]))
    return out


def _cues(why: tuple) -> str:
    return ", ".join(f"{w.qualifier[:3]} «{w.cue}» {w.rule}" for w in why)


def stock_pipeline() -> Any:
    """edsnlp as shipped: sentences, normalizer, negation and hypothesis with default cues, every token."""
    from retrieval.ingest.annotate import quiet_edsnlp, spacy_factories_first

    spacy_factories_first()
    import edsnlp
    import edsnlp.pipes as eds

    quiet_edsnlp()
    nlp = edsnlp.blank("eds")
    nlp.add_pipe(eds.sentences())
    nlp.add_pipe(eds.normalizer())
    nlp.add_pipe(eds.negation(on_ents_only=False))
    nlp.add_pipe(eds.hypothesis(on_ents_only=False))
    return nlp


def stock(texts: list[str]) -> list[Flags]:
    nlp = stock_pipeline()
    out = []
    for text in texts:
        doc = nlp(text)
        out.append(
            Flags(
                [(t.idx, t.idx + max(1, len(t)), bool(t._.negation), bool(t._.hypothesis), "") for t in doc]
            )
        )
    return out


def context(text: str, begin: int, end: int, width: int = 80) -> str:
    left = text[max(0, begin - width) : begin]
    right = text[end : end + width // 2]
    return f"…{left}[[{text[begin:end]}]]{right}…".replace("\n", " ⏎ ")


def score(name: str, cases: list[Case], flags: list[Flags], seconds: float) -> Result:
    res = Result(name, seconds)
    for case, fl in zip(cases, flags, strict=True):
        for ev in case.events:
            neg, hyp, cue = fl.at(ev["begin"])
            for kind, gold_field, pred in (("negation", "negated", neg), ("hedged", "hedged", hyp)):
                gold = bool(ev[gold_field])
                c = res.quals[kind]
                c.tp += gold and pred
                c.fp += pred and not gold
                c.fn += gold and not pred
                if gold != pred:
                    res.errors.append(
                        {
                            "doc": case.doc,
                            "kind": kind,
                            "error": "FP" if pred else "FN",
                            "span": ev["span"],
                            "begin": ev["begin"],
                            "cue": cue,
                            "context": context(case.text, ev["begin"], ev["end"]),
                        }
                    )
    return res


def evaluate(path: Path, *, baseline: bool = True) -> list[Result]:
    cases = load(path)
    texts = [c.text for c in cases]
    results = []
    t0 = time.perf_counter()
    results.append(score("ours", cases, ours(texts), time.perf_counter() - t0))
    if baseline:
        t0 = time.perf_counter()
        results.append(score("stock edsnlp", cases, stock(texts), time.perf_counter() - t0))
    return results


def report(path: Path, cases: int, events: int, results: list[Result]) -> str:
    lines = [
        f"{path}: {cases} documents, {events} gold events "
        "(an event is flagged when the segment holding its first character is).",
        f"{'annotator':14} | {'negation P':>10} {'R':>6} {'F1':>6} {'TP':>4} {'FP':>4} {'FN':>4} |"
        f" {'hedged P':>8} {'R':>6} {'F1':>6} {'TP':>4} {'FP':>4} {'FN':>4}",
    ]
    for r in results:
        n, h = r.quals["negation"], r.quals["hedged"]
        lines.append(
            f"{r.name:14} | {n.precision:10.3f} {n.recall:6.3f} {n.f1:6.3f} {n.tp:4d} {n.fp:4d} {n.fn:4d} |"
            f" {h.precision:8.3f} {h.recall:6.3f} {h.f1:6.3f} {h.tp:4d} {h.fp:4d} {h.fn:4d}"
        )
    return "\n".join(lines)


def register(eval_app: typer.Typer) -> None:
    @eval_app.command("realtext")
    def realtext_command(
        file: Annotated[
            Path, typer.Option("--file", help="JSONL of real cases: {doc, text, events[begin,end,...]}.")
        ] = DEFAULT_FILE,
        errors: Annotated[bool, typer.Option("--errors", help="List every error with its context.")] = False,
        kind: Annotated[
            str | None, typer.Option("--kind", help="With --errors: only 'negation' or 'hedged'.")
        ] = None,
        no_baseline: Annotated[
            bool, typer.Option("--no-baseline", help="Skip the stock edsnlp run.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Negation and hedging P/R/F1 on real clinical cases, ours beside stock edsnlp."""
        from assistant.cli.common import UserError

        if not file.exists():
            raise UserError(f"{file} not found: give a JSONL file of real cases with --file.")
        cases = load(file)
        results = evaluate(file, baseline=not no_baseline)
        events = sum(len(c.events) for c in cases)
        if as_json:
            print(
                json.dumps(
                    {
                        "file": str(file),
                        "documents": len(cases),
                        "events": events,
                        "results": {
                            r.name: {
                                "seconds": round(r.seconds, 2),
                                **{k: c.row() for k, c in r.quals.items()},
                                **({"errors": r.errors} if errors else {}),
                            }
                            for r in results
                        },
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        print(report(file, len(cases), events, results))
        if errors:
            for e in results[0].errors:
                if kind and e["kind"] != kind:
                    continue
                cue = f" (cue: {e['cue']})" if e["cue"] else ""
                print(f"{e['kind']:8} {e['error']} {e['doc']}: {e['span']!r}{cue}  {e['context']}")
