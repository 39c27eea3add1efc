"""OCR with the real Tesseract (French) on pages rendered with Pillow: PNG directly, PDF via pypdfium2."""

from __future__ import annotations

import pytest
from PIL import Image

from retrieval.ingest.ocr import OcrError, ocr_file, ocr_job
from tests.conftest import render_page

TEXT = (
    "Compte rendu de consultation. Patiente suivie pour un cancer du sein gauche. "
    "Pas de métastase hépatique au scanner. Suspicion de récidive locale. "
    "Mère traitée pour un cancer de l'ovaire. Chimiothérapie par docétaxel bien tolérée."
)
KEY_WORDS = ["consultation", "cancer", "sein", "métastase", "hépatique", "récidive", "Mère", "docétaxel"]


def test_ocr_reads_a_rendered_french_png(tmp_path):
    page = render_page(TEXT, tmp_path / "page.png")
    result = ocr_file(page)
    assert result.pages == 1
    for word in KEY_WORDS:
        assert word in result.text, (word, result.text)
    assert result.confidence is not None and result.confidence > 0.8


def test_ocr_reads_every_page_of_a_pdf(tmp_path):
    first = Image.open(render_page(TEXT, tmp_path / "p1.png")).convert("RGB")
    second = Image.open(
        render_page("Deuxième page : réponse complète après trois cures.", tmp_path / "p2.png")
    )
    pdf = tmp_path / "scan.pdf"
    first.save(pdf, save_all=True, append_images=[second.convert("RGB")], resolution=200)
    result = ocr_file(pdf)
    assert result.pages == 2
    assert "métastase" in result.text and "réponse complète" in result.text
    assert result.text.index("métastase") < result.text.index("réponse complète")


def test_unreadable_scans_are_errors_not_crashes(tmp_path):
    with pytest.raises(OcrError, match="does not exist"):
        ocr_file(tmp_path / "missing.png")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    doc_id, result, error = ocr_job((7, str(broken)))
    assert doc_id == 7 and result is None and "Cannot read image" in error
