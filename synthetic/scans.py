"""Render a report as a scanned page (PNG, or PDF for some) that Tesseract can read back.

Pages are A4 at 150 dpi, black on white with DejaVu Sans, a slight tilt and a few specks of
dust, 1-bit like a fax-quality scan: cheap to write (about 20 ms a page), small (~15 kB). PDFs
get fixed metadata dates so that the same seed gives identical bytes.
"""

from __future__ import annotations

import textwrap
import time
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from synthetic.rng import Rng

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


@cache
def _glyph(ch: str) -> tuple[Image.Image | None, int, int, float]:
    """One character as a 1-bit mask with its offset and advance: drawn once, pasted everywhere.

    Composing lines from cached glyphs is about five times faster than asking FreeType to render
    every line, and Tesseract reads the result just as well (kerning is lost, nothing else).
    """
    font = _font()
    advance = font.getlength(ch)
    x0, y0, x1, y1 = font.getbbox(ch)
    if x1 <= x0 or y1 <= y0:
        return None, 0, 0, advance
    mask = Image.new("1", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(mask)
    draw.fontmode = "1"
    draw.text((-x0, -y0), ch, font=font, fill=1)
    return mask, x0, y0, advance


@lru_cache(maxsize=50_000)
def _word(word: str) -> tuple[Image.Image, float]:
    """A word's mask (line height, top-anchored) and its advance: words repeat, so pasting whole
    cached words keeps the per-page cost to a few hundred pastes."""
    width = sum(_glyph(ch)[3] for ch in word)
    mask = Image.new("1", (int(width) + 4, LINE_H), 0)
    x = 0.0
    for ch in word:
        glyph, ox, oy, advance = _glyph(ch)
        if glyph is not None:
            mask.paste(1, (int(x) + ox, oy), glyph)
        x += advance
    return mask, width


def _draw_line(img: Image.Image, line: str, x: float, y: int) -> None:
    space = _glyph(" ")[3]
    for k, word in enumerate(line.split(" ")):
        if k:
            x += space
        if word:
            mask, width = _word(word)
            img.paste(0, (int(x), y), mask)
            x += width


def render_pages(text: str, rng: Rng) -> list[Image.Image]:
    per_page = (PAGE_H - 2 * MARGIN) // LINE_H
    lines = layout(text)
    pages = []
    for start in range(0, max(1, len(lines)), per_page):
        chunk = lines[start : start + per_page]
        height = min(PAGE_H, 2 * MARGIN + LINE_H * len(chunk) + 40) if len(lines) <= per_page else PAGE_H
        img = Image.new("1", (PAGE_W, max(height, 600)), 1)
        y = MARGIN
        for line in chunk:
            _draw_line(img, line, MARGIN + rng.uniform(-2, 2), y)
            y += LINE_H
        for _ in range(rng.randint(20, 120)):  # dust
            img.putpixel((rng.randrange(img.width), rng.randrange(img.height)), 0)
        angle = rng.uniform(-0.8, 0.8)
        if abs(angle) > 0.15:
            img = img.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=1, expand=False)
        pages.append(img)
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
    image.save(path, "PNG", dpi=(DPI, DPI), compress_level=3)
