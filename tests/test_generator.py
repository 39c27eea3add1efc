"""The synthetic corpus generator: determinism, format, exact truth, valid identifiers, coverage."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from retrieval.records import (
    CentreRecord,
    DocumentRecord,
    IdentifierTruth,
    Manifest,
    MentionTruth,
    PatientRecord,
    PatientTruth,
    PhysicianRecord,
    ScanTruth,
)
from synthetic import generate
from synthetic.identities import make_nir, nir_key
from synthetic.rng import Rng
from synthetic.text.check import find_forms

SMALL = 120


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate(out, patients=SMALL, centres=3, seed=11, scan_share=0.05, progress=False)
    return out


def test_same_seed_gives_identical_files(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, patients=SMALL, centres=3, seed=11, scan_share=0.05, progress=False)
    assert _digest(again) == _digest(corpus)


def test_other_seed_gives_other_patients(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, patients=SMALL, centres=3, seed=12, scan_share=0.05, progress=False)
    assert _digest(other)["patients/0000.jsonl"] != _digest(corpus)["patients/0000.jsonl"]


def test_patient_does_not_depend_on_corpus_size(corpus: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    generate(small, patients=10, centres=3, seed=11, scan_share=0.05, progress=False)
    assert _lines(small / "patients/0000.jsonl") == _lines(corpus / "patients/0000.jsonl")[:10]


def test_every_file_validates_against_the_format(corpus: Path) -> None:
    manifest = Manifest.model_validate_json((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert manifest.patients == SMALL and manifest.documents > SMALL
    models = {
        "centres.jsonl": CentreRecord,
        "physicians.jsonl": PhysicianRecord,
        "truth/identifiers.jsonl": IdentifierTruth,
        "truth/mentions.jsonl": MentionTruth,
        "truth/scans.jsonl": ScanTruth,
        "truth/patients.jsonl": PatientTruth,
    }
    counted = {"patients": 0, "documents": 0}
    for name in manifest.files:
        assert (corpus / name).is_file(), name
        folder = name.split("/")[0]
        model = models.get(name) or {"patients": PatientRecord, "documents": DocumentRecord}[folder]
        for row in _lines(corpus / name):
            model.model_validate(row)
            counted[folder] = counted.get(folder, 0) + 1
    assert counted["patients"] == SMALL
    assert counted["documents"] == manifest.documents


def test_identifier_and_mention_spans_match_the_text(corpus: Path) -> None:
    docs = {d["id"]: d for f in sorted((corpus / "documents").glob("*.jsonl")) for d in _lines(f)}
    scans = {s["document_id"]: s["text"] for s in _lines(corpus / "truth/scans.jsonl")}
    kinds = set()
    for truth in _lines(corpus / "truth/identifiers.jsonl"):
        text = docs[truth["document_id"]].get("text") or scans[truth["document_id"]]
        for span in truth["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
            kinds.add(span["type"])
    assert {"PERSON", "DATE_OF_BIRTH", "DATE", "NIR", "IPP", "PHONE", "ADDRESS"} <= kinds
    for truth in _lines(corpus / "truth/mentions.jsonl"):
        text = docs[truth["document_id"]].get("text") or scans[truth["document_id"]]
        assert truth["scanned"] == (truth["document_id"] in scans)
        for span in truth["mentions"]:
            assert text[span["start"] : span["end"]] == span["text"]


def test_mention_truth_is_complete(corpus: Path) -> None:
    """Every surface form a term matcher would find in a report is a recorded mention, and vice versa."""
    docs = {d["id"]: d for f in sorted((corpus / "documents").glob("*.jsonl")) for d in _lines(f)}
    scans = {s["document_id"]: s["text"] for s in _lines(corpus / "truth/scans.jsonl")}
    qualifiers = dict.fromkeys(("negated", "hypothetical", "family", "history"), 0)
    for truth in _lines(corpus / "truth/mentions.jsonl"):
        text = docs[truth["document_id"]].get("text") or scans[truth["document_id"]]
        found = {(s, e, c) for s, e, c in find_forms(text)}
        recorded = {(m["start"], m["end"], m["concept"]) for m in truth["mentions"]}
        assert found == recorded, (truth["document_id"], found ^ recorded)
        for m in truth["mentions"]:
            for q in qualifiers:
                qualifiers[q] += m[q]
    assert all(n > 0 for n in qualifiers.values()), qualifiers


def test_structured_facts_are_consistent(corpus: Path) -> None:
    """Nothing happens after death or last news; ongoing treatments only for the living; ids resolve."""
    reference = Manifest.model_validate_json((corpus / "manifest.json").read_text()).reference_date
    docs: dict[int, list[dict]] = {}
    for f in sorted((corpus / "documents").glob("*.jsonl")):
        for d in _lines(f):
            docs.setdefault(d["patient_id"], []).append(d)
    for f in sorted((corpus / "patients").glob("*.jsonl")):
        for row in _lines(f):
            p = PatientRecord.model_validate(row)
            last = p.last_news_date
            assert last is not None and last <= reference
            assert p.death_date is None or p.death_date == last
            tumours = {t.id: t for t in p.tumours}
            assert tumours and docs.get(p.id), p.id
            for t in p.tumours:
                assert p.birth_date < t.diagnosis_date <= last
                assert t.metastatic_at_diagnosis == (t.m or "M0").startswith("M1") or t.m is None
            for e in p.events:
                assert e.date <= last and e.tumour_id in tumours
            for tr in p.treatments:
                assert tr.start_date <= last and tr.tumour_id in tumours
                assert tr.end_date is None or tr.start_date <= tr.end_date <= last
                assert tr.end_date is not None or p.death_date is None
            assert all(b.date is None or b.date <= last for b in p.biomarkers)
            assert all(s.date is None or s.date <= last for s in p.samples)
            assert all(d["date"] <= last.isoformat() for d in docs[p.id])


def _key(nir13: str) -> int:
    """The NIR key computed independently: Corsica's 2A and 2B count as 19 and 18."""
    return 97 - int(nir13.replace("2A", "19").replace("2B", "18")) % 97


def test_nir_keys_are_valid(corpus: Path) -> None:
    patients = [p for f in sorted((corpus / "patients").glob("*.jsonl")) for p in _lines(f)]
    for p in patients:
        nir = p["identity"]["nir"]
        assert len(nir) == 15 and nir[0] == ("1" if p["sex"] == "M" else "2")
        assert nir[1:3] == p["birth_date"][2:4] and nir[3:5] == p["birth_date"][5:7]
        assert int(nir[13:]) == _key(nir[:13])
    assert nir_key("2690549588157") == 80  # a published example: 2 69 05 49 588 157 80
    assert nir_key("185052A123456") == _key("185052A123456") == 97 - 1850519123456 % 97
    assert len({p["identity"]["ipp"] for p in patients}) == len(patients)
    rng = Rng("corsica")
    corsican = [
        n for n in (make_nir(rng, "F", date(1970, 5, 1)) for _ in range(3000)) if n[5:7] in ("2A", "2B")
    ]
    assert corsican and all(int(n[13:]) == _key(n[:13]) for n in corsican)


def test_scans_are_real_images(corpus: Path) -> None:
    docs = [d for f in sorted((corpus / "documents").glob("*.jsonl")) for d in _lines(f)]
    scanned = [d for d in docs if d.get("file")]
    assert scanned and all(d.get("text") is None for d in scanned)
    for d in scanned:
        path = corpus / d["file"]
        if path.suffix == ".pdf":
            pdf = pdfium.PdfDocument(str(path))
            assert len(pdf) >= 1
            img = pdf[0].render(scale=1).to_pil()
            assert img.width >= 500 and img.height >= 250
            pdf.close()
        else:
            with Image.open(path) as img:
                assert img.format == "PNG" and img.width >= 1000 and img.height >= 600


def test_every_use_case_has_a_true_answer_at_2000_patients(tmp_path: Path) -> None:
    """USE_CASES.md: each real question must have patients to find (here at 2,000; more at 10,000)."""
    from synthetic.coverage import count_use_cases

    generate(tmp_path, patients=2000, centres=4, seed=2024, scan_share=0.0, progress=False)
    counts = count_use_cases(tmp_path)
    assert counts["patients"] == 2000
    empty = [name for name, n in counts.items() if n == 0]
    assert not empty, counts
    assert counts["centres_with_rectal_net"] >= 2
    assert 0.08 <= counts["second_primary"] / 2000 <= 0.25
    assert counts["fertility_preservation_mentions"] < counts["fertility_cohort"]


def test_cli_generates_a_corpus_and_prints_coverage(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app, ["generate", "--patients", "30", "--centres", "2", "--seed", "5", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "30 patients" in result.output and "Use-case coverage" in result.output
    assert Manifest.model_validate_json((out / "manifest.json").read_text()).patients == 30
    taken = tmp_path / "file.txt"
    taken.write_text("not a directory")
    result = CliRunner().invoke(app, ["generate", "--patients", "5", "--out", str(taken), "--quiet"])
    assert result.exit_code != 0 and "is not a directory" in str(result.exception)
