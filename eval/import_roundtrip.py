"""Round trip of the importers: the synthetic corpus exported as FHIR (or OMOP CDM) and imported into
an empty store must answer the USE_CASES questions with the same patients as the corpus itself.

``compare(original, imported, centres)`` runs every USE_CASES question (``eval/use_cases.py``) on both
stores, per centre, all patients included (an OMOP export carries no opposition), and matches
patients by IPP. Used by ``tests/test_import.py`` and printed by ``python -m eval.import_roundtrip``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from eval.use_cases import USE_CASES
from query_compiler.engine import CohortEngine, Scope
from retrieval.ingest import ingest
from retrieval.store import Store
from synthetic import generate
from synthetic.export_fhir import export_fhir
from synthetic.export_omop import export_omop


@dataclass(frozen=True)
class Difference:
    case: str
    centre: str
    only_original: frozenset[str]
    only_imported: frozenset[str]


def _ipps(store: Store) -> dict[int, str]:
    return {int(r["patient_id"]): r["ipp"] for r in store.query("SELECT patient_id, ipp FROM identities")}


def answers(store: Store, centre: str) -> dict[str, frozenset[str]]:
    """IPPs of the patients each USE_CASES question finds in one centre (opposed patients included)."""
    engine = CohortEngine(store)
    ipp = _ipps(store)
    scope = Scope(centre_ids=(centre,), exclude_opposed=False)
    return {u.name: frozenset(ipp[int(i)] for i in engine.patient_ids(u.criteria, scope)) for u in USE_CASES}


def compare(original: Store, imported: Store, centres: list[str]) -> tuple[list[Difference], dict[str, int]]:
    """Differences per question and centre, and the size of each question's answer in the original."""
    diffs, sizes = [], {}
    for centre in centres:
        a, b = answers(original, centre), answers(imported, centre)
        for name in a:
            sizes[name] = sizes.get(name, 0) + len(a[name])
            if a[name] != b[name]:
                diffs.append(Difference(name, centre, a[name] - b[name], b[name] - a[name]))
    return diffs, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("fhir", "omop"), default="fhir")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="roundtrip-"))
    corpus = work / "corpus"
    generate(corpus, args.patients, 2, args.seed, scan_share=0.0)
    original = Store(str(work / "original.db"))
    ingest(corpus, original, progress=False)
    imported = Store(str(work / f"{args.format}.db"))
    centres = [r["id"] for r in original.query("SELECT id FROM centres ORDER BY id")]
    t0 = time.perf_counter()
    for centre in centres:
        out = work / args.format / centre
        (export_fhir if args.format == "fhir" else export_omop)(corpus, out, centre)
        report = ingest(out, imported, centre=centre, progress=False)
        print(
            f"{centre}: {report.records_read} read, {len(report.rejections)} rejected, "
            f"{len(report.unmapped)} unmapped kinds"
        )
    diffs, sizes = compare(original, imported, centres)
    print(f"{args.format} round trip of {args.patients} patients in {time.perf_counter() - t0:.0f} s:")
    for name, n in sizes.items():
        bad = [d for d in diffs if d.case == name]
        print(f"  {name:34} {n:5d} patients  {'same' if not bad else 'DIFFERENT: ' + repr(bad)[:300]}")


if __name__ == "__main__":
    main()
