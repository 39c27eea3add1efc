"""Ingestion: loads everything, re-runs change nothing, a SIGKILL mid-way is recovered exactly, bad lines
are reported with file and line while the rest loads."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrieval.ingest import ingest
from retrieval.ingest.annotate import annotate_texts
from retrieval.store import Store
from tests.conftest import write_handmade_corpus

ROOT = Path(__file__).resolve().parent.parent
CONTENT_TABLES = {
    # table -> columns left out of the comparison (autoincrement ids, timestamps, timings)
    "centres": (),
    "physicians": (),
    "patients": (),
    "identities": (),
    "relatives": (),
    "tumours": (),
    "events": (),
    "treatments": (),
    "biomarkers": (),
    "stays": (),
    "stay_diagnoses": (),
    "samples": (),
    "documents": (),
    "mentions": ("id",),
    "segments": ("id",),
    "ingested_files": ("ingested_at",),
    "ingest_rejections": ("rejected_at",),
    "ocr_results": ("seconds", "created_at"),
}


def snapshot(store: Store) -> dict[str, list[tuple]]:
    out = {}
    for table, skip in CONTENT_TABLES.items():
        rows = store.query(f"SELECT * FROM {table}")
        out[table] = sorted(tuple((k, v) for k, v in r.items() if k not in skip) for r in rows)
    # the full-text index answers the same, and agrees with its content table
    out["fts"] = sorted(
        (r["document_id"], r["start_char"])
        for r in store.query(
            "SELECT s.document_id, s.start_char FROM segments_fts f JOIN segments s ON s.id = f.rowid"
            " WHERE segments_fts MATCH 'metastase OR recidive OR cancer'"
        )
    )
    store.execute("INSERT INTO segments_fts (segments_fts, rank) VALUES ('integrity-check', 1)")
    return out


def test_ingest_loads_structured_facts_text_and_index(handmade_corpus, tmp_path):
    store = Store(str(tmp_path / "s.db"))
    report = ingest(handmade_corpus, store, progress=False, workers=1)
    assert report.rejections == []
    assert report.loaded == {"centres": 2, "physicians": 1, "patients": 6, "documents": 12}
    assert store.scalar("SELECT COUNT(*) FROM tumours") == 6
    # completed years: born 1941-02-11, diagnosed 2015-04-02 -> 74
    assert store.scalar("SELECT age_at_diagnosis FROM tumours WHERE patient_id = 1") == 74
    assert store.scalar("SELECT COUNT(*) FROM stay_diagnoses") == 6
    # "Pas de métastase hépatique": accent-insensitive search finds it, in a negated segment only
    rows = store.query(
        "SELECT s.text, s.negated FROM segments_fts f JOIN segments s ON s.id = f.rowid"
        " WHERE segments_fts MATCH 'metastase hepatique'"
    )
    assert rows and all(r["negated"] == 1 for r in rows)
    assert all("métastase hépatique" in r["text"] for r in rows)
    flags = store.query(
        "SELECT negated, hypothetical, family, history FROM mentions WHERE concept = 'local_recurrence'"
    )
    assert flags and all(f == {"negated": 0, "hypothetical": 1, "family": 0, "history": 0} for f in flags)
    for doc in store.query("SELECT id, text FROM documents"):
        for seg in store.query(
            "SELECT start_char, end_char, text FROM segments WHERE document_id = :d", {"d": doc["id"]}
        ):
            assert doc["text"][seg["start_char"] : seg["end_char"]] == seg["text"]


def test_reingest_changes_nothing(handmade_corpus, tmp_path):
    store = Store(str(tmp_path / "s.db"))
    ingest(handmade_corpus, store, progress=False, workers=1)
    before = snapshot(store)
    again = ingest(handmade_corpus, store, progress=False, workers=1)
    assert again.rows_loaded == 0 and again.files_skipped == 4 and not again.failed
    assert snapshot(store) == before
    # forgetting the bookkeeping forces a full reload: upserts must still leave one copy of everything
    store.execute("DELETE FROM ingested_files")
    forced = ingest(handmade_corpus, store, progress=False, workers=1)
    assert forced.loaded["documents"] == 12
    assert snapshot(store) == before


def test_changed_file_is_reloaded_without_stale_rows(handmade_corpus, tmp_path):
    store = Store(str(tmp_path / "s.db"))
    ingest(handmade_corpus, store, progress=False, workers=1)
    path = handmade_corpus / "documents" / "0000.jsonl"
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    docs[0]["text"] = "Suspicion de récidive locale."
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")
    report = ingest(handmade_corpus, store, progress=False, workers=1)
    assert report.loaded == {"documents": 12} and report.files_skipped == 3
    assert store.query("SELECT concept FROM mentions WHERE document_id = 1000") == [
        {"concept": "local_recurrence"}
    ]
    assert store.scalar("SELECT COUNT(*) FROM documents") == 12
    expected = len(annotate_texts(["Suspicion de récidive locale."])[0].segments)
    assert store.scalar("SELECT COUNT(*) FROM segments WHERE document_id = 1000") == expected
    snapshot(store)  # FTS integrity check after deletes through the triggers


def test_malformed_lines_are_reported_and_the_rest_loads(handmade_corpus, tmp_path):
    patients = handmade_corpus / "patients" / "0000.jsonl"
    good = patients.read_text(encoding="utf-8")
    bad_lines = [
        '{"id": 99, "centre_id": "C1", oops',  # not JSON
        '{"id": 98, "centre_id": "C1", "sex": "X", "birth_date": "1950-13-01"}',  # fails validation
        good.splitlines()[0].replace('"id": 1,', '"id": 97,').replace('"C2"', '"C9"').replace('"C1"', '"C9"'),
    ]
    patients.write_text(good + "\n".join(bad_lines) + "\n", encoding="utf-8")
    (handmade_corpus / "patients" / "0001.jsonl").write_bytes(
        b"[1, 2]\n" + good.splitlines()[1].encode() + b"\n" + b'{"id": 96, "centre_id": "C\xe9"}\n'
    )
    documents = handmade_corpus / "documents" / "0000.jsonl"
    docs = documents.read_text(encoding="utf-8")
    documents.write_text(docs + docs.splitlines()[0] + "\n", encoding="utf-8")
    runner = CliRunner()
    from assistant.cli import app

    result = runner.invoke(
        app, ["ingest", str(handmade_corpus), "--db", str(tmp_path / "s.db"), "--quiet", "--workers", "1"]
    )
    assert result.exit_code == 2, result.output  # some lines rejected (exit 2), the rest loaded
    out = result.output
    assert "patients/0000.jsonl, line 7: invalid JSON" in out
    assert "patients/0000.jsonl, line 8: field sex: Input should be 'F' or 'M'" in out
    assert "birth_date" in out
    assert "patients/0000.jsonl, line 9: patient 97: centre 'C9' is not in centres.jsonl" in out
    assert "patients/0001.jsonl, line 1: expected a JSON object" in out
    assert "patients/0001.jsonl, line 2" not in out  # patient 2 again, in another file: an upsert
    assert "patients/0001.jsonl, line 3: not valid UTF-8 (byte 27)" in out
    assert "documents/0000.jsonl, line 13: duplicate id 1000 (first at line 1)" in out
    store = Store(str(tmp_path / "s.db"))
    assert store.scalar("SELECT COUNT(*) FROM patients") == 6
    assert store.scalar("SELECT COUNT(*) FROM documents") == 12
    assert store.scalar("SELECT COUNT(*) FROM ingest_rejections") == 6
    # The similar-patient index beside the store was updated with what was loaded.
    from retrieval.similar.index import PatientIndex, index_dir_for

    assert sorted(PatientIndex.load(index_dir_for(store)).patient_ids()) == sorted(
        r["id"] for r in store.query("SELECT id FROM patients")
    )


def test_nothing_loadable_exits_non_zero(tmp_path):
    corpus = tmp_path / "bad"
    (corpus / "patients").mkdir(parents=True)
    (corpus / "centres.jsonl").write_text("not json\n{}\n", encoding="utf-8")
    from assistant.cli import app

    result = CliRunner().invoke(app, ["ingest", str(corpus), "--db", str(tmp_path / "s.db"), "--quiet"])
    assert result.exit_code == 1
    assert "centres.jsonl, line 1: invalid JSON" in result.output
    assert "centres.jsonl, line 2: field id: Field required" in result.output


def test_not_a_corpus_is_a_readable_error(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from assistant.cli import main; main()",
            "ingest",
            str(tmp_path / "nope"),
            "--db",
            str(tmp_path / "s.db"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1
    assert (
        "is not a directory" in " ".join(proc.stdout.split()) and "Traceback" not in proc.stdout + proc.stderr
    )


def test_no_ocr_leaves_scans_for_a_later_run(tmp_path):
    corpus = write_handmade_corpus(tmp_path / "c", patients=2, docs_per_patient=1, scans=2)
    store = Store(str(tmp_path / "s.db"))
    first = ingest(corpus, store, ocr=False, progress=False, workers=1)
    assert first.scans_pending == 2 and first.files_partial == 1
    assert store.scalar("SELECT COUNT(*) FROM documents") == 2
    second = ingest(corpus, store, ocr=True, progress=False, workers=2)
    assert second.documents_ocr == 2 and second.documents_resumed == 2 and second.ocr_pages == 2
    rows = store.query("SELECT origin, source, ocr_confidence, text FROM documents WHERE origin = 'ocr'")
    assert len(rows) == 2
    assert all(r["source"].startswith("scans/") and r["ocr_confidence"] > 0.5 for r in rows)
    assert any("récidive" in r["text"] or "métastase" in r["text"] for r in rows)
    assert ingest(corpus, store, progress=False).rows_loaded == 0


def test_ocr_results_survive_an_interrupted_run(tmp_path):
    """OCR is committed scan by scan: a run that dies after OCR but before the documents are written
    does not OCR again (simulated by removing the documents and the bookkeeping, keeping ocr_results)."""
    corpus = write_handmade_corpus(tmp_path / "c", patients=2, docs_per_patient=1, scans=2)
    store = Store(str(tmp_path / "s.db"))
    first = ingest(corpus, store, progress=False, workers=1)
    assert first.ocr_pages == 2
    expected = snapshot(store)
    ocr_ids = [r["id"] for r in store.query("SELECT id FROM documents WHERE origin = 'ocr'")]
    with store.transaction():
        for doc_id in ocr_ids:
            store.execute("DELETE FROM mentions WHERE document_id = :d", {"d": doc_id})
            store.execute("DELETE FROM segments WHERE document_id = :d", {"d": doc_id})
            store.execute("DELETE FROM documents WHERE id = :d", {"d": doc_id})
        store.execute("UPDATE ingested_files SET status = 'partial' WHERE kind = 'documents'")
    again = ingest(corpus, store, progress=False, workers=1)
    assert again.ocr_cached == 2 and again.ocr_pages == 0 and again.documents_ocr == 2
    assert snapshot(store) == expected


def _wait_for_documents(db: Path, proc: subprocess.Popen, timeout: float = 240) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                n = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
                con.close()
                if n > 0:
                    return n
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    return 0


def test_sigkill_mid_way_then_rerun_gives_the_clean_result(tmp_path):
    corpus = write_handmade_corpus(tmp_path / "c", patients=60, docs_per_patient=20, scans=0)
    clean = Store(str(tmp_path / "clean.db"))
    ingest(corpus, clean, progress=False, workers=2)
    expected = snapshot(clean)
    assert len(expected["documents"]) == 1200

    db = tmp_path / "killed.db"
    cmd = [
        sys.executable,
        "-c",
        "from assistant.cli import main; main()",
        "ingest",
        str(corpus),
        "--db",
        str(db),
        "--quiet",
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        committed = _wait_for_documents(db, proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its forked workers, at once
        proc.wait()
    assert 0 < committed < 1200, "the kill must land while documents are being written"

    done = subprocess.run(cmd + ["--json"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["documents_resumed"] >= committed
    assert snapshot(Store(str(db))) == expected


def test_stats_command(handmade_corpus, tmp_path):
    from assistant.cli import app

    db = str(tmp_path / "s.db")
    ingest(handmade_corpus, Store(db), progress=False, workers=1)
    result = CliRunner().invoke(app, ["stats", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [c["patients"] for c in data["centres"]] == [3, 3]
    assert data["tumours_by_site_group"] == {"breast": 6}
    assert data["documents"] == [{"type": "consultation", "origin": "native", "documents": 12}]
    m = data["mentions"]
    assert m["total"] > 0 and m["negated"] > 0 and m["family"] > 0 and m["hypothetical"] > 0
    assert m["affirmed"] + m["negated"] <= m["total"]
    assert data["schema_version"] >= 5
    text = CliRunner().invoke(app, ["stats", "--db", db])
    assert "Patients per centre" in text.output and "Mentions per qualifier" in text.output


@pytest.mark.usefixtures("corpus_store")
def test_generated_corpus_is_fully_ingested(corpus_dir, corpus_store):
    from retrieval.records import Manifest

    manifest = Manifest.model_validate_json((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    assert corpus_store.scalar("SELECT COUNT(*) FROM patients") == manifest.patients
    assert corpus_store.scalar("SELECT COUNT(*) FROM documents") == manifest.documents
    assert (
        corpus_store.scalar("SELECT COUNT(*) FROM documents WHERE origin = 'ocr'")
        == manifest.scanned_documents
    )
    assert manifest.scanned_documents > 0
    assert corpus_store.scalar("SELECT COUNT(*) FROM mentions") > manifest.documents
    uncovered = corpus_store.scalar(
        "SELECT COUNT(*) FROM documents d"
        " WHERE NOT EXISTS (SELECT 1 FROM segments s WHERE s.document_id = d.id)"
    )
    assert uncovered == 0


def _rows(store: Store) -> dict[str, list[tuple]]:
    out = {}
    for table, skip in CONTENT_TABLES.items():
        rows = store.query(f"SELECT * FROM {table}")
        out[table] = sorted(
            tuple(
                (k, round(v, 6) if isinstance(v, float) else v)
                for k, v in r.items()
                if k not in skip and k != "tsv"
            )
            for r in rows
        )
    return out


@pytest.mark.postgres
def test_postgres_store_gets_the_same_content(tmp_path, pg_server):
    corpus = write_handmade_corpus(tmp_path / "c", patients=4, docs_per_patient=2, scans=1)
    lite = Store(str(tmp_path / "s.db"))
    ingest(corpus, lite, progress=False, workers=2)
    store = Store(pg_server.new_database("ingest_same_content"))
    report = ingest(corpus, store, progress=False, workers=2)
    assert report.loaded["documents"] == 9 and not report.rejections
    assert ingest(corpus, store, progress=False).rows_loaded == 0
    assert _rows(store) == _rows(lite)
    hits = store.query(
        "SELECT text, negated FROM segments"
        " WHERE tsv @@ to_tsquery('simple_unaccent', 'metastase & hepatique')"
    )
    assert hits and all(h["negated"] == 1 for h in hits)
    store.close()
