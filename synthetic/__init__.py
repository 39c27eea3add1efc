"""Synthetic French oncology corpus with known truth: ``generate(out_dir, patients, centres, seed)``.

Patients follow site-specific pathways (``synthetic.pathways``); reports are written in
French from each patient's true timeline (``synthetic.text``); a share of reports is
rendered as scanned images (``synthetic.scans``). The output is exactly the format of
``retrieval.records``, with the truth next to it. Same seed, same bytes; patient k does not depend
on how many patients are generated.

Structured conventions (for the parser, compiler and evaluations):

- ``histology_group`` values: see ``HISTOLOGY_GROUPS``; biomarker names: ``MARKERS``.
- Surgery and radiotherapy treatment names: ``PROCEDURES``; drugs: INN in lower case with ATC
  (``DRUGS``); transplants are class ``cell_therapy`` named ``autologous_sct`` / ``allogeneic_sct``,
  with high-dose melphalan as a chemotherapy record on the same date.
- ``line`` is set for systemic treatments of advanced (metastatic, relapsed) disease and for every
  haematological line (induction + transplant + maintenance = line 1); neoadjuvant and adjuvant
  treatments have no line.
- Stages: TNM stage groups for carcinomas; ISS I-III for myeloma; Ann Arbor I-IV for lymphomas;
  Binet A-C for CLL. Grades 1-3 (ISUP 1-4 for kidney); no grade for prostate (Gleason in text).
- Dates: identifier spans cover any date with at least a month ("03/2019", "mars 2019"); a bare
  year is not an identifier. ``end_date`` is null when a treatment was still running at last news.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from faker import Faker

from retrieval.records import (
    DocumentRecord,
    IdentifierTruth,
    Manifest,
    MentionTruth,
    ScanTruth,
)
from synthetic.catalogue import DRUGS, HISTOLOGY_GROUPS, MARKERS, PROCEDURES
from synthetic.identities import make_centres, make_physicians
from synthetic.pathways.common import REFERENCE_DATE
from synthetic.rng import stream
from synthetic.scans import render
from synthetic.text import write_document
from synthetic.timeline import build_patient
from synthetic.writer import CorpusWriter, clear_corpus, patient_record, write_patient

GENERATOR_VERSION = "1.0"
PDF_SHARE = 0.15  # of scanned documents

__all__ = [
    "DRUGS",
    "GENERATOR_VERSION",
    "HISTOLOGY_GROUPS",
    "MARKERS",
    "PROCEDURES",
    "REFERENCE_DATE",
    "generate",
]


def generate(
    out_dir: str | Path,
    patients: int,
    centres: int,
    seed: int,
    scan_share: float = 0.03,
    progress: bool | Callable[[int, int], None] = True,
) -> Manifest:
    """Write a corpus of ``patients`` patients spread over ``centres`` centres into ``out_dir``.

    ``progress`` is True for a progress bar on the terminal, False for silence, or a callable
    ``(done, total)``. A previous corpus in ``out_dir`` is replaced; other files are left alone.
    """
    if patients < 1:
        raise ValueError("the corpus needs at least one patient")
    if not 1 <= centres <= 99:
        raise ValueError("the number of centres must be between 1 and 99")
    if not 0.0 <= scan_share <= 1.0:
        raise ValueError("the scanned share must be between 0 and 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clear_corpus(out)
    centre_records = make_centres(centres, seed)
    physicians = make_physicians(centre_records, seed)
    staff: dict[str, dict[str, list]] = {}
    for doc in physicians:
        staff.setdefault(doc.centre_id, {}).setdefault(doc.specialty, []).append(doc)
    by_id = {c.id: c for c in centre_records}
    writer = CorpusWriter(out)
    for centre in centre_records:
        writer.line("centres.jsonl", centre)
    for doc in physicians:
        writer.line("physicians.jsonl", doc)
    faker = Faker("fr_FR")
    n_docs = n_scans = 0
    report = _progress(progress, patients)
    try:
        for pid in range(1, patients + 1):
            p = build_patient(seed, pid, centre_records, faker)
            record = patient_record(p)
            text_rng = stream(seed, "patient", pid, "text")
            scan_rng = stream(seed, "patient", pid, "scan")
            docs = []
            for enc in p.encounters:
                written = write_document(p, enc, by_id[p.centre_id], staff[p.centre_id], text_rng)
                doc_id = p.new_id("document")
                scanned = scan_rng.random() < scan_share
                scan = None
                if scanned:
                    rel = f"scans/{doc_id}.{'pdf' if scan_rng.random() < PDF_SHARE else 'png'}"
                    render(written.text, out / rel, scan_rng)
                    scan = ScanTruth(document_id=doc_id, text=written.text)
                    n_scans += 1
                docs.append(
                    (
                        DocumentRecord(
                            id=doc_id,
                            patient_id=p.id,
                            type=enc.doc_type,
                            date=enc.date,
                            title=written.title,
                            author_id=written.author_id,
                            text=None if scanned else written.text,
                            file=rel if scanned else None,
                        ),
                        IdentifierTruth(document_id=doc_id, spans=written.identifiers),
                        MentionTruth(
                            document_id=doc_id, patient_id=p.id, scanned=scanned, mentions=written.mentions
                        ),
                        scan,
                    )
                )
            n_docs += len(docs)
            write_patient(writer, p, record, docs)
            report(pid)
    finally:
        files = writer.close()
        report(None)
    manifest = Manifest(
        generator_version=GENERATOR_VERSION,
        seed=seed,
        patients=patients,
        centres=centres,
        documents=n_docs,
        scanned_documents=n_scans,
        reference_date=REFERENCE_DATE,
        files=files,
    )
    (out / "manifest.json").write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest


def _progress(progress: bool | Callable[[int, int], None], total: int) -> Callable[[int | None], None]:
    """A reporter called with the number of patients done (None when finished)."""
    if callable(progress):
        return lambda done: progress(done, total) if done is not None else None
    if not progress:
        return lambda done: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("Generating patients"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    )
    task = bar.add_task("generate", total=total)
    bar.start()
    state = {"last": time.monotonic()}

    def report(done: int | None) -> None:
        if done is None:
            bar.stop()
            return
        now = time.monotonic()
        if now - state["last"] > 0.1 or done == total:
            bar.update(task, completed=done)
            state["last"] = now

    return report
