"""OCR of scanned documents with Tesseract (French), page by page.

A PNG (or any image Pillow reads) is one page; a PDF is rendered page by page with pypdfium2 at
300 dpi. One Tesseract call per page (``image_to_data``) gives both the words and their confidence:
the text is rebuilt line by line from Tesseract's own block/paragraph/line numbers, so no second
pass is needed. Tesseract's internal threads are limited to one (``OMP_THREAD_LIMIT=1``) because the
ingestion runs one Tesseract per core; two multithreaded ones would fight for the same two cores.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANG = "fra"
PDF_DPI = 300
MAX_PAGE_PX = 2480  # an A4 page at 300 dpi; a PDF that declares an odd page size is not blown up


class OcrError(RuntimeError):
    """A scan that could not be read (missing file, unreadable image, Tesseract not installed)."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None  # mean word confidence in [0, 1]
    pages: int
    seconds: float  # wall clock
    cpu_seconds: float = 0.0  # this process + the Tesseract runs it waited for (load-independent)


def _pages(path: Path) -> list[Any]:
    from PIL import Image

    if not path.exists():
        raise OcrError(f"Scan {path} does not exist.")
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise OcrError(f"Cannot open PDF {path}: {exc}") from exc
        try:
            return [_pdf_page_image(page) for page in pdf]
        finally:
            pdf.close()
    try:
        with Image.open(path) as img:
            img.load()
            return [img.copy()]
    except OSError as exc:
        raise OcrError(f"Cannot read image {path}: {exc}") from exc


def _pdf_page_image(page: Any) -> Any:
    """A scanned PDF page is usually one full-page image: OCR that image at its own resolution
    (re-rendering a 150 dpi scan at 300 dpi only doubles Tesseract's work). Anything else is
    rendered at 300 dpi, capped at an A4 width."""
    import pypdfium2.raw as pdfium_c

    images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1))
    if len(images) == 1 and not any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT])):
        try:
            return images[0].get_bitmap(render=False).to_pil()
        except Exception:  # noqa: BLE001 - an exotic image encoding: fall back to rendering
            pass
    return page.render(scale=min(PDF_DPI / 72, MAX_PAGE_PX / max(page.get_width(), 1))).to_pil()


def _page_text(image: Any, lang: str) -> tuple[str, list[float]]:
    import pytesseract

    try:
        data = pytesseract.image_to_data(image, lang=lang, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrError(
            "Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-fra)."
        ) from exc
    lines: dict[tuple[int, int, int], list[str]] = {}
    confs: list[float] = []
    for i, word in enumerate(data["text"]):
        if int(data["level"][i]) != 5 or not word.strip():
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        lines.setdefault(key, []).append(word)
        conf = float(data["conf"][i])
        if conf >= 0:
            confs.append(conf / 100)
    out: list[str] = []
    previous: tuple[int, int] | None = None
    for key in sorted(lines):
        if previous is not None and key[:2] != previous:
            out.append("")  # blank line between paragraphs
        out.append(" ".join(lines[key]))
        previous = key[:2]
    return "\n".join(out), confs


def ocr_file(path: Path | str, lang: str = LANG) -> OcrResult:
    """Text of a scanned document; pages are separated by a blank line."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    t0, cpu0 = time.perf_counter(), _cpu()
    pages = _pages(Path(path))
    texts: list[str] = []
    confs: list[float] = []
    for image in pages:
        text, page_confs = _page_text(image, lang)
        texts.append(text)
        confs.extend(page_confs)
    confidence = sum(confs) / len(confs) if confs else None
    text = "\n\n".join(t for t in texts if t)
    return OcrResult(text, confidence, len(pages), time.perf_counter() - t0, _cpu() - cpu0)


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def ocr_job(job: tuple[int, str]) -> tuple[int, OcrResult | None, str | None]:
    """Worker entry point for a process pool: never raises, so one bad scan cannot stop the others."""
    document_id, path = job
    try:
        return document_id, ocr_file(path), None
    except OcrError as exc:
        return document_id, None, str(exc)
    except Exception as exc:  # noqa: BLE001 - reported per document, the load goes on
        return document_id, None, f"OCR failed on {path}: {type(exc).__name__}: {exc}"
