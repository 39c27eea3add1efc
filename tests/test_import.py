"""A centre's own records: FHIR R4 (Bundle, Bulk NDJSON) and OMOP CDM (CSV, Parquet) imports, the
round trip of the synthetic corpus through both, hand-written mCODE-style fixtures found by a plain
question, bad input reported record by record, idempotent re-imports, and the FHIR cohort export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from assistant.cli import app
from eval.import_roundtrip import compare
from privacy.users import seed_demo_users
from retrieval.ingest import ingest
from retrieval.ingest.detect import detect
from retrieval.store import Store
from synthetic.export_fhir import export_fhir
from synthetic.export_omop import export_omop
from tests.cli_login import login
from tests.test_ingest import snapshot

DATA = Path(__file__).parent / "data" / "import"
TEMPLATES = Path(__file__).resolve().parent.parent / "docs" / "load-your-own-data"


def _centres(store: Store) -> list[str]:
    return [r["id"] for r in store.query("SELECT id FROM centres ORDER BY id")]


@pytest.fixture(scope="module")
def fhir_round_trip(corpus_dir, corpus_store, tmp_path_factory):  # noqa: ANN001, ANN201
    """The generated corpus exported per centre as Bulk NDJSON (scans as PDF/PNG attachments) and
    imported into an empty store, one centre at a time."""
    work = tmp_path_factory.mktemp("fhir")
    store = Store(str(work / "imported.db"))
    reports = []
    for centre in _centres(corpus_store):
        export_fhir(corpus_dir, work / centre, centre)
        reports.append(ingest(work / centre, store, centre=centre, progress=False))
    return work, store, reports


def test_fhir_round_trip_answers_the_use_cases_with_the_same_patients(fhir_round_trip, corpus_store):
    _, store, reports = fhir_round_trip
    assert all(not r.rejections and not r.unmapped for r in reports), [
        str(x) for r in reports for x in (r.rejections + r.unmapped)[:5]
    ]
    assert sum(r.documents_ocr for r in reports) > 0  # scanned attachments went through OCR
    diffs, sizes = compare(corpus_store, store, _centres(corpus_store))
    assert sum(sizes.values()) > 100 and [n for n in sizes.values() if n] and not diffs, diffs


def test_reimporting_the_same_fhir_export_changes_nothing(fhir_round_trip, corpus_store):
    work, store, _ = fhir_round_trip
    centre = _centres(corpus_store)[0]
    before = snapshot(store)
    again = ingest(work / centre, store, centre=centre, progress=False)
    assert again.rows_loaded == 0 and again.files_skipped > 0 and not again.failed
    assert snapshot(store) == before
    # forgetting the bookkeeping forces a full re-read: the same ids, the same rows
    store.execute("DELETE FROM ingested_files WHERE path LIKE :p", {"p": f"fhir:{centre}%"})
    forced = ingest(work / centre, store, centre=centre, progress=False)
    assert forced.loaded["patients"] > 0 and not forced.rejections
    assert snapshot(store) == before


@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
def test_omop_round_trip_answers_the_use_cases_with_the_same_patients(
    corpus_dir, corpus_store, tmp_path, parquet
):
    store = Store(str(tmp_path / "omop.db"))
    for centre in _centres(corpus_store):
        export_omop(corpus_dir, tmp_path / centre, centre, parquet=parquet)
        assert detect(tmp_path / centre) == "omop"
        report = ingest(tmp_path / centre, store, centre=centre, progress=False, ocr=parquet)
        assert not report.rejections and not report.unmapped, [str(x) for x in report.rejections[:5]]
    if not parquet:  # scanned notes wait for OCR: load them now, as a person would
        for centre in _centres(corpus_store):
            store.execute("DELETE FROM ingested_files WHERE path = :p", {"p": f"omop:{centre}"})
            ingest(tmp_path / centre, store, centre=centre, progress=False)
    diffs, sizes = compare(corpus_store, store, _centres(corpus_store))
    assert sum(sizes.values()) > 100 and not diffs, diffs


# -- hand-written fixtures in the style of the mCODE examples -------------------------------------------
@pytest.fixture(scope="module")
def fixture_cli(tmp_path_factory):  # noqa: ANN201
    """The three fixtures loaded for centre TST through `cohort ingest`, and a runner for `cohort`."""
    import os

    db = tmp_path_factory.mktemp("fixtures") / "fixtures.db"
    runner = CliRunner()
    home = tmp_path_factory.mktemp("home")
    os.environ["COHORT_HOME"] = str(home)
    outputs = {}
    for name in ("mcode_breast_snomed.json", "mcode_lung_egfr", "omop_colorectal"):
        res = runner.invoke(
            app, ["ingest", str(DATA / name), "--centre", "TST", "--db", str(db), "--json", "--no-index"]
        )
        assert res.exit_code == 0, res.output
        outputs[name] = json.loads(res.output)
    store = Store(str(db))
    seed_demo_users(store)

    def invoke(*args: str, **kwargs):  # noqa: ANN202
        return runner.invoke(app, [*args, "--db", str(db)], catch_exceptions=True, **kwargs)

    login(invoke, "referent.tst", "referent-demo-2024")  # identity comes from the sign-in only
    yield store, outputs, invoke
    os.environ.pop("COHORT_HOME", None)


@pytest.mark.parametrize(
    "question",
    [
        "cancer du sein traité par létrozole",  # SNOMED-only breast cancer, RxNorm drug by its display
        "cancer du poumon EGFR muté traité par osimertinib",  # Bulk NDJSON, mCODE genomic variant
        "cancer colorectal KRAS muté traité par FOLFOX",  # OMOP, French source values, episode line
    ],
)
def test_fixtures_are_found_by_the_matching_question(fixture_cli, question):
    _, _, cli = fixture_cli
    res = cli("ask", question, "--user", "referent.tst", "--json", "--no-llm")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["count"] == 1


def test_fixtures_map_codes_onto_the_store(fixture_cli):
    store, outputs, _ = fixture_cli
    assert store.query(
        "SELECT icd10, morphology, histology_group, laterality, stage FROM tumours ORDER BY id"
    ) == [
        {
            "icd10": "C50.9",
            "morphology": "8500/3",
            "histology_group": "ductal_carcinoma",
            "laterality": "left",
            "stage": "IIA",
        },
        {
            "icd10": "C34.1",
            "morphology": "8140/3",
            "histology_group": "adenocarcinoma",
            "laterality": "right",
            "stage": "IVA",
        },
        {
            "icd10": "C18.7",
            "morphology": "8140/3",
            "histology_group": "adenocarcinoma",
            "laterality": None,
            "stage": "IVA",
        },
    ]
    assert store.query(
        "SELECT marker, status, alteration FROM biomarkers WHERE marker IN ('EGFR', 'KRAS')"
    ) == [
        {"marker": "EGFR", "status": "mutated", "alteration": "L858R"},
        {"marker": "KRAS", "status": "mutated", "alteration": "G12D"},
    ]
    lines = store.query("SELECT name, line FROM treatments WHERE line IS NOT NULL ORDER BY name")
    assert lines == [{"name": "fluorouracil", "line": 1}, {"name": "oxaliplatin", "line": 1}]
    assert store.scalar("SELECT metastatic_at_diagnosis FROM tumours WHERE icd10 = 'C18.7'") == 1
    # what could not be mapped is listed, with its place in the export, never dropped silently
    unmapped = [u["problem"] for u in outputs["omop_colorectal"]["unmapped"]]
    assert any("V03AF03" in u for u in unmapped) and any("Poids" in u for u in unmapped)
    assert any("29463-7" in u["problem"] for u in outputs["mcode_lung_egfr"]["unmapped"])
    # report texts are annotated and indexed like generated reports
    hits = store.query("SELECT COUNT(*) AS n FROM segments_fts WHERE segments_fts MATCH 'osimertinib'")
    assert hits[0]["n"] == 1


def test_templates_load_without_a_rejection(tmp_path):
    store = Store(str(tmp_path / "t.db"))
    for path in (TEMPLATES / "fhir", TEMPLATES / "omop"):
        report = ingest(path, store, centre="TPL", progress=False, ocr=False)
        assert not report.rejections, [str(r) for r in report.rejections]
        assert report.loaded.get("patients") == 1
    assert store.scalar("SELECT COUNT(*) FROM tumours") == 2


# -- bad input ---------------------------------------------------------------------------------------
def test_bad_fhir_records_are_reported_one_by_one_and_the_rest_loads(tmp_path):
    export = tmp_path / "bulk"
    shutil.copytree(DATA / "mcode_lung_egfr", export)
    with (export / "Condition.ndjson").open("a", encoding="utf-8") as fh:
        fh.write('{"resourceType": "Condition", "id": "x1", oops\n')
        fh.write(
            json.dumps(
                {
                    "resourceType": "Condition",
                    "id": "x2",
                    "subject": {"reference": "Patient/ghost"},
                    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "C50.1"}]},
                    "onsetDateTime": "2020-01-01",
                }
            )
            + "\n"
        )
        fh.write(
            json.dumps(
                {
                    "resourceType": "Condition",
                    "id": "x3",
                    "subject": {"reference": "Patient/paul"},
                    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "C61"}]},
                    "onsetDateTime": "2020-13-45",
                }
            )
            + "\n"
        )
        fh.write(json.dumps({"resourceType": "Tumour", "id": "x4"}) + "\n")
    (export / "Bundle.json").write_text(
        '{"resourceType": "Bundle", "type": "collection", "entry": [', "utf-8"
    )
    res = CliRunner().invoke(
        app,
        [
            "ingest",
            str(export),
            "--centre",
            "BAD",
            "--db",
            str(tmp_path / "s.db"),
            "--json",
            "--no-index",
            "--no-ocr",
        ],
    )
    assert res.exit_code == 2, res.output  # something rejected, the rest loaded
    data = json.loads(res.output)
    problems = {(r["path"], r["line"]): r["problem"] for r in data["rejections"]}
    assert "invalid JSON" in problems[("fhir:BAD/Condition.ndjson", 3)]
    assert "Patient/ghost, which is not in the export" in problems[("fhir:BAD/Condition.ndjson", 4)]
    assert "Condition/x3" in problems[("fhir:BAD/Condition.ndjson", 5)]
    assert "onsetDateTime" in problems[("fhir:BAD/Condition.ndjson", 5)]
    assert "unknown resource type 'Tumour'" in problems[("fhir:BAD/Condition.ndjson", 6)]
    assert "malformed bundle" in problems[("fhir:BAD/Bundle.json", 0)]
    store = Store(str(tmp_path / "s.db"))
    assert (
        store.scalar("SELECT COUNT(*) FROM patients") == 1
        and store.scalar("SELECT COUNT(*) FROM tumours") == 1
    )
    assert store.scalar("SELECT COUNT(*) FROM ingest_rejections WHERE path LIKE 'fhir:BAD/%'") == 5


def test_bad_omop_tables_and_rows_are_reported_and_the_rest_loads(tmp_path):
    export = tmp_path / "omop"
    shutil.copytree(DATA / "omop_colorectal", export)
    (export / "specimen.csv").write_text("specimen_id;person_id;specimen_date\n1;501;2020-01-01\n", "utf-8")
    with (export / "measurement.csv").open("a", encoding="utf-8") as fh:
        fh.write("6;501;0;2020-02-31;32817;;;;HER2;positif;\n")
        fh.write("7;999;0;2020-03-01;32817;;;;HER2;positif;\n")
    res = CliRunner().invoke(
        app,
        ["ingest", str(export), "--centre", "BAD", "--db", str(tmp_path / "s.db"), "--json", "--no-index"],
    )
    assert res.exit_code == 2, res.output
    problems = {(r["path"], r["line"]): r["problem"] for r in json.loads(res.output)["rejections"]}
    assert (
        "lacks column(s) specimen_concept_id or specimen_source_value"
        in problems[("omop:BAD/specimen.csv", 1)]
    )
    assert "not a valid date" in problems[("omop:BAD/measurement.csv", 7)]
    assert "person/999, which is not in the export" in problems[("omop:BAD/measurement.csv", 8)]
    store = Store(str(tmp_path / "s.db"))
    assert store.scalar("SELECT COUNT(*) FROM biomarkers") == 2  # KRAS and MSI still loaded


def test_an_export_needs_a_centre_and_nothing_loadable_exits_1(tmp_path):
    res = CliRunner().invoke(app, ["ingest", str(DATA / "omop_colorectal"), "--db", str(tmp_path / "s.db")])
    assert res.exit_code == 1 and "--centre" in str(res.exception)
    only_bad = tmp_path / "bad.ndjson"
    only_bad.write_text(
        '{"resourceType": "Patient", "id": "a", "gender": "female", "birthDate": "1990-02-30"}\n', "utf-8"
    )
    res = CliRunner().invoke(
        app,
        ["ingest", str(only_bad), "--centre", "X", "--db", str(tmp_path / "s.db"), "--quiet", "--no-index"],
    )
    assert res.exit_code == 1 and "birthDate" in res.output


# -- cohort export as FHIR ------------------------------------------------------------------------------
def test_cohort_export_as_fhir_is_pseudonymised_shifted_and_audited(fixture_cli, tmp_path):
    store, _, cli = fixture_cli
    res = cli("ask", "cancer du poumon EGFR muté", "--user", "referent.tst", "--no-llm")
    assert res.exit_code == 0, res.output
    out = tmp_path / "cohort.json"
    res = cli(
        "export",
        "--purpose",
        "Faisabilité d'un essai EGFR (protocole TEST)",
        "--out",
        str(out),
        "--format",
        "fhir",
        "--user",
        "referent.tst",
    )
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    bundle = Bundle.model_validate_json(text)
    kinds = sorted({e.resource.__class__.__name__ for e in bundle.entry})
    assert {"Patient", "Condition", "Observation", "MedicationRequest"} - set(kinds) == {"MedicationRequest"}
    assert "MedicationStatement" in kinds and "Specimen" in kinds
    for secret in ("Garnier", "Paul", "TST-000202", "1957-11-03", "2021-09-15"):
        assert secret not in text  # no name, no IPP, no true date
    patient = next(e.resource for e in bundle.entry if e.resource.__class__.__name__ == "Patient")
    assert patient.id.startswith("P-") and patient.birthDate is not None
    condition = next(
        e.resource
        for e in bundle.entry
        if e.resource.__class__.__name__ == "Condition" and e.resource.code.coding[0].code == "C34.1"
    )
    # dates move together: the age at diagnosis is kept
    assert (condition.onsetDateTime - patient.birthDate).days == (
        __import__("datetime").date(2021, 9, 15) - __import__("datetime").date(1957, 11, 3)
    ).days
    entry = store.query(
        "SELECT purpose, result_size, details FROM audit_log WHERE action = 'export' ORDER BY id DESC LIMIT 1"
    )[0]
    assert (
        entry["result_size"] == 1
        and "EGFR" in entry["purpose"]
        and json.loads(entry["details"])["clinical"] is True
    )
    res = cli(
        "export",
        "--purpose",
        "Faisabilité d'un essai EGFR (protocole TEST)",
        "--out",
        str(out),
        "--format",
        "xml",
        "--user",
        "referent.tst",
    )
    assert res.exit_code != 0 and "fhir" in str(res.exception)
