"""Render a report as a scanned page (PNG, or PDF for some) that Tesseract can read back.

Pages are A4 at 150 dpi, black on white with DejaVu Sans, a slight tilt and a few specks of dust,
binarised like a fax-quality scan: cheap to write (a few hundredths of a second per page) and
small on disk. PDFs get fixed metadata dates so that the same seed gives identical bytes.
"""

from __future__ import annotations

import textwrap
import time
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from retrieval.synthetic.rng import Rng

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DPI = 150
PAGE_W, PAGE_H = 1240, 1754  # A4 at 150 dpi
MARGIN = 90
FONT_SIZE = 22
LINE_H = 32
WRAP = 84  # characters per line at this font size
FIXED_DATE = time.struct_time((2026, 6, 30, 12, 0, 0, 1, 181, 0))


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(FONT_PATH, FONT_SIZE)
    except OSError as exc:
        raise FileNotFoundError(
            f"The DejaVu font is needed to render scanned documents: {FONT_PATH} "
            "(install the Debian package fonts-dejavu-core)."
        ) from exc


def layout(text: str) -> list[str]:
    """Wrap long lines at word boundaries; keep the report's own line breaks."""
    lines: list[str] = []
    for raw in text.split("\n"):
        lines.extend(textwrap.wrap(raw, WRAP, break_long_words=True, break_on_hyphens=False) or [""])
    return lines


def render_pages(text: str, rng: Rng) -> list[Image.Image]:
    font = _font()
    per_page = (PAGE_H - 2 * MARGIN) // LINE_H
    lines = layout(text)
    pages = []
    for start in range(0, max(1, len(lines)), per_page):
        chunk = lines[start : start + per_page]
        height = min(PAGE_H, 2 * MARGIN + LINE_H * len(chunk) + 40) if len(lines) <= per_page else PAGE_H
        img = Image.new("L", (PAGE_W, max(height, 600)), 255)
        draw = ImageDraw.Draw(img)
        y = MARGIN
        for line in chunk:
            draw.text((MARGIN, y), line, font=font, fill=rng.randint(0, 40))
            y += LINE_H
        for _ in range(rng.randint(20, 120)):  # dust
            x, yy = rng.randrange(img.width), rng.randrange(img.height)
            draw.point((x, yy), fill=0)
        angle = rng.uniform(-0.8, 0.8)
        if abs(angle) > 0.15:
            img = img.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=255, expand=False)
        pages.append(img.convert("1", dither=Image.Dither.NONE))
    return pages


def render(text: str, path: Path, rng: Rng) -> None:
    """Write ``text`` as a scan at ``path`` (.png: pages stacked in one image; .pdf: one page each)."""
    pages = render_pages(text, rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".pdf":
        pages[0].save(
            path,
            "PDF",
            resolution=DPI,
            save_all=True,
            append_images=pages[1:],
            creationDate=FIXED_DATE,
            modDate=FIXED_DATE,
            title="Document numérisé",
            producer="cohort",
        )
        return
    if len(pages) == 1:
        image = pages[0]
    else:
        image = Image.new("1", (PAGE_W, sum(p.height for p in pages)), 1)
        y = 0
        for page in pages:
            image.paste(page, (0, y))
            y += page.height
    image.save(path, "PNG", dpi=(DPI, DPI), compress_level=6)
