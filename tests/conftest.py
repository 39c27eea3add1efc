"""Shared fixtures: one generated corpus and its ingested store per test session.

``corpus_dir``: a small corpus made by the real generator with a fixed seed (a few scanned pages
included, so OCR runs); ``corpus_store``: that corpus ingested (with OCR) into a SQLite file. Both
are session-scoped because every area's tests read them; together they cost well under two
minutes on two cores. Tests must not write to ``corpus_store`` (copy it with ``store_copy`` if
they need to change something).

``handmade_corpus`` writes a tiny corpus by hand (no generator): ingestion tests use it for exact
expectations and for malformed input.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# A deployment secret for the whole run (there is no default any more; subprocesses inherit it).
os.environ.setdefault("COHORT_SECRET", "test-secret-of-the-suite-0123456789")

pytest_plugins = ["tests.pg", "tests.spark"]  # real PostgreSQL (pg_server), Spark stores (spark_copy)

CORPUS_PATIENTS = 250
CORPUS_CENTRES = 3
CORPUS_SEED = 20240517
CORPUS_SCAN_SHARE = 0.005  # ~10 scanned documents: OCR runs without dominating the fixture's cost


def _generator() -> Callable[..., Any] | None:
    try:
        from synthetic import generate
    except ImportError:
        return None
    return generate


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generate = _generator()
    if generate is None:
        pytest.skip("the corpus generator (synthetic.generate) has not landed yet")
    out = tmp_path_factory.mktemp("corpus")
    generate(out, CORPUS_PATIENTS, CORPUS_CENTRES, CORPUS_SEED, scan_share=CORPUS_SCAN_SHARE)
    return out


@pytest.fixture(scope="session")
def corpus_store(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - Store
    from retrieval.ingest import ingest
    from retrieval.store import Store

    path = tmp_path_factory.mktemp("store") / "cohort.db"
    store = Store(str(path))
    report = ingest(corpus_dir, store, ocr=True, progress=False)
    assert not report.rejections, [str(r) for r in report.rejections[:5]]
    return store


@pytest.fixture
def store_copy(corpus_store, tmp_path: Path):  # noqa: ANN001, ANN201 - Store in, Store out
    """A private, writable copy of ``corpus_store``."""
    from retrieval.store import Store

    corpus_store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = tmp_path / "copy.db"
    shutil.copyfile(corpus_store.path, target)
    return Store(str(target))


# -- a hand-made corpus ---------------------------------------------------------------------------
SENTENCES = [
    "Patiente suivie pour un cancer du sein gauche.",
    "Pas de métastase hépatique, mais une lésion secondaire osseuse.",
    "Suspicion de récidive locale.",
    "Mère traitée pour un cancer de l'ovaire.",
    "Antécédent de diabète de type 2.",
    "Réponse complète après chimiothérapie.",
    "Absence de progression tumorale au scanner.",
    "Discussion d'une préservation de la fertilité avant traitement.",
]


def _patient(pid: int, centre: str) -> dict[str, Any]:
    return {
        "id": pid,
        "centre_id": centre,
        "sex": "F" if pid % 3 else "M",
        "birth_date": f"{1940 + pid % 50}-0{1 + pid % 9}-1{pid % 9}",
        "identity": {
            "ipp": f"IPP{pid:06d}",
            "nir": f"2{pid:014d}",
            "first_name": "Marie",
            "last_name": f"Test{pid}",
            "address": f"{pid} rue des Lilas",
            "postcode": "69001",
            "city": "Lyon",
            "phone": "0601020304",
        },
        "tumours": [{"id": pid * 10, "icd10": "C50.4", "diagnosis_date": "2015-04-02", "laterality": "left"}],
        "events": [
            {
                "id": pid * 10 + 1,
                "tumour_id": pid * 10,
                "type": "metastasis",
                "site": "bone",
                "date": "2018-01-01",
            }
        ],
        "treatments": [
            {
                "id": pid * 10 + 2,
                "tumour_id": pid * 10,
                "class": "chemotherapy",
                "name": "docetaxel",
                "line": 1,
                "start_date": "2015-05-01",
            }
        ],
        "stays": [{"id": pid * 10 + 3, "admission_date": "2015-04-10", "diagnoses": [["C50.4", "DP"]]}],
        "samples": [
            {"id": pid * 10 + 4, "tumour_id": pid * 10, "type": "tumour_tissue", "conservation": "frozen"}
        ],
    }


def write_handmade_corpus(root: Path, patients: int = 6, docs_per_patient: int = 2, scans: int = 0) -> Path:
    """A valid corpus in the ``retrieval/records.py`` layout, with deterministic French text.

    Scanned documents are rendered with Pillow (DejaVu Sans) so that OCR has real pixels to read.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "patients").mkdir(exist_ok=True)
    (root / "documents").mkdir(exist_ok=True)
    (root / "centres.jsonl").write_text(
        '{"id": "C1", "name": "Centre Test Lyon", "city": "Lyon"}\n'
        '{"id": "C2", "name": "Centre Test Paris", "city": "Paris"}\n',
        encoding="utf-8",
    )
    (root / "physicians.jsonl").write_text(
        '{"id": 1, "centre_id": "C1", "title": "Dr", "first_name": "Anne", "last_name": "Martin",'
        ' "specialty": "oncologie"}\n',
        encoding="utf-8",
    )
    lines = [json.dumps(_patient(pid, "C1" if pid % 2 else "C2")) for pid in range(1, patients + 1)]
    (root / "patients" / "0000.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = []
    doc_id = 1000
    for pid in range(1, patients + 1):
        for k in range(docs_per_patient):
            text = " ".join(SENTENCES[(pid + k + j) % len(SENTENCES)] for j in range(4))
            docs.append(
                {
                    "id": doc_id,
                    "patient_id": pid,
                    "type": "consultation",
                    "date": "2019-03-12",
                    "author_id": 1,
                    "text": text,
                }
            )
            doc_id += 1
    if scans:
        (root / "scans").mkdir(exist_ok=True)
        for k in range(scans):
            name = f"scans/{doc_id}.png"
            render_page(" ".join(SENTENCES[k % 4 : k % 4 + 4]), root / name)
            docs.append(
                {
                    "id": doc_id,
                    "patient_id": 1 + k % patients,
                    "type": "letter",
                    "date": "2019-04-01",
                    "file": name,
                }
            )
            doc_id += 1
    (root / "documents" / "0000.jsonl").write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8"
    )
    return root


def render_page(text: str, path: Path, width: int = 1654) -> Path:
    """Render French text as a scanned-looking page (black on white, DejaVu Sans 28 px)."""
    import textwrap

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    wrapped = "\n".join(textwrap.wrap(text, 80))
    img = Image.new("L", (width, 200 + 44 * (wrapped.count("\n") + 1)), 255)
    ImageDraw.Draw(img).multiline_text((80, 80), wrapped, font=font, fill=0, spacing=12)
    img.save(path)
    return path


@pytest.fixture
def handmade_corpus(tmp_path: Path) -> Path:
    return write_handmade_corpus(tmp_path / "handmade")
