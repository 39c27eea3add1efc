"""`cohort eval search`: precision and recall of text criteria against the generator's truth.

Truth (``truth/mentions.jsonl`` of the corpus): a patient is positive for a concept when at least
one mention of that concept in their reports is affirmed and present (not negated, hypothetical,
about a relative or past history). Each concept is searched with the terms a referent would type
(the fertility terms are those of USE_CASES.md, question 2) in two ways, side by side:

- **qualified**: the product's default, affirmed mentions only (``Text(terms)``);
- **keyword**: qualifiers ignored (``include`` = all four), i.e. a plain keyword search, the
  baseline the qualifiers must beat.

The search runs through the real engine (compiled SQL on the store given with ``--db``), over all
patients (no centre scope, opposed patients included: this measures search, not access rules).
Goal with qualifiers: precision >= 0.95 and recall >= 0.98.

The store must hold exactly the corpus (``annotation_score.foreign_documents``, checked first): a
store that also held another corpus is how seed 7 once showed precision 0.773 (133 false positives
of patients whose stale documents came from a corpus generated into that same store by
``cohort eval annotation --db`` without ``--corpus``), while the qualifiers themselves were right.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from eval.annotation_score import foreign_documents
from query_compiler import criteria as C
from query_compiler.engine import CohortEngine, Scope
from retrieval.store import Store

FLAGS = ("negated", "hypothetical", "family", "history")
QUERIES: dict[str, list[str]] = {
    "fertility_preservation": [
        "oncofertilité",
        "MIV",
        "cryopréservation ov*",
        "cryoconservation ov*",
        "préservation NEAR fertilité",
        "ovocytes congelés",
        "embryon congelé",
        "fragment ov*",
    ],
    "complete_response": ["réponse complète", "rémission complète"],
    "very_good_response": ["très bonne réponse"],
    "long_response": ["longue réponse", "réponse prolongée", "réponse durable"],
    "metastasis": ["métastase*", "métastatique*", "lésion* secondaire*", "localisation* secondaire*"],
    "local_recurrence": ["récidive*", "rechute locale"],
    "progression": ["progression", "maladie progressive", "évolution péjorative"],
    "relapse": ["rechute*"],
    "neuroendocrine_tumour": ["tumeur* neuroendocrine*", "carcinome* neuroendocrine*", "TNE"],
}
GOAL_PRECISION, GOAL_RECALL = 0.95, 0.98


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Score) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


@dataclass
class Row:
    concept: str
    truth: int
    qualified: Score
    keyword: Score


def truth_positives(corpus_dir: Path) -> dict[str, set[int]]:
    """Concept → patients with at least one affirmed, present mention of it."""
    out: dict[str, set[int]] = defaultdict(set)
    with (corpus_dir / "truth" / "mentions.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            for m in doc["mentions"]:
                if not any(m.get(f) for f in FLAGS):
                    out[m["concept"]].add(int(doc["patient_id"]))
    return out


def score(found: set[int], truth: set[int]) -> Score:
    return Score(len(found & truth), len(found - truth), len(truth - found))


def measure(store: Store, corpus_dir: Path, queries: dict[str, list[str]] | None = None) -> list[Row]:
    engine = CohortEngine(store)
    everyone = Scope(None, exclude_opposed=False)
    truth = truth_positives(corpus_dir)
    rows = []
    for concept, terms in (queries or QUERIES).items():
        qualified = set(engine.patient_ids(C.Text(terms=terms), everyone))
        keyword = set(engine.patient_ids(C.Text(terms=terms, include=list(FLAGS)), everyone))
        positives = truth.get(concept, set())
        rows.append(Row(concept, len(positives), score(qualified, positives), score(keyword, positives)))
    return rows


def report(rows: list[Row]) -> str:
    head = (
        f"{'concept':24} {'truth':>5} | {'qualified P':>11} {'R':>6} {'FP':>4} {'FN':>4} |"
        f" {'keyword P':>9} {'R':>6} {'FP':>4} {'FN':>4}"
    )
    lines = [head, "-" * len(head)]
    total_q, total_k = Score(), Score()
    for r in rows:
        total_q.add(r.qualified)
        total_k.add(r.keyword)
        lines.append(
            f"{r.concept:24} {r.truth:5d} | {r.qualified.precision:11.3f} {r.qualified.recall:6.3f} "
            f"{r.qualified.fp:4d} {r.qualified.fn:4d} | {r.keyword.precision:9.3f} "
            f"{r.keyword.recall:6.3f} {r.keyword.fp:4d} {r.keyword.fn:4d}"
        )
    lines.append("-" * len(head))
    lines.append(
        f"{'all (micro)':24} {sum(r.truth for r in rows):5d} | {total_q.precision:11.3f} "
        f"{total_q.recall:6.3f} {total_q.fp:4d} {total_q.fn:4d} | {total_k.precision:9.3f} "
        f"{total_k.recall:6.3f} {total_k.fp:4d} {total_k.fn:4d}"
    )
    ok = total_q.precision >= GOAL_PRECISION and total_q.recall >= GOAL_RECALL
    lines.append(
        f"\nQualifiers: precision {total_q.precision:.3f} (keyword {total_k.precision:.3f}, "
        f"gain {total_q.precision - total_k.precision:+.3f}), recall {total_q.recall:.3f} "
        f"(keyword {total_k.recall:.3f}); goal P >= {GOAL_PRECISION}, R >= {GOAL_RECALL}: "
        f"{'met' if ok else 'NOT met'}."
    )
    return "\n".join(lines)


def register(eval_app: typer.Typer) -> None:
    @eval_app.command("search")
    def search_cmd(
        db: Annotated[str, typer.Option("--db", help="Store holding the ingested corpus.")],
        corpus: Annotated[Path, typer.Option("--corpus", help="The generated corpus directory (truth/).")],
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Precision/recall of text criteria, with qualifiers and as plain keyword search."""
        from assistant.cli.common import UserError

        if not (corpus / "truth" / "mentions.jsonl").exists():
            raise UserError(f"{corpus} has no truth/mentions.jsonl: give the generated corpus directory.")
        store = Store(db, create=False)
        problem = foreign_documents(store, corpus)
        if problem:
            raise UserError(problem)
        rows = measure(store, corpus)
        if as_json:
            print(
                json.dumps(
                    [
                        {
                            "concept": r.concept,
                            "truth": r.truth,
                            "qualified": {
                                **asdict(r.qualified),
                                "precision": r.qualified.precision,
                                "recall": r.qualified.recall,
                            },
                            "keyword": {
                                **asdict(r.keyword),
                                "precision": r.keyword.precision,
                                "recall": r.keyword.recall,
                            },
                        }
                        for r in rows
                    ],
                    indent=2,
                )
            )
        else:
            print(report(rows))
