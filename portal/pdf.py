"""PDF building blocks shared by forms, cards and reports.

Fonts are parsed once per process: each document gets a copy of a prototype font that
shares the parsed metrics and the HarfBuzz face, and only a lazily-read font file for
its own subset. Latin text uses Noto Sans; Devanagari falls back to Noto Sans
Devanagari; HarfBuzz shapes conjuncts and matras.
"""

import copy
import functools
import io
from pathlib import Path

import segno
from fontTools import ttLib
from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONTS = (
    ("noto", "", "NotoSans-Regular.ttf"),
    ("noto", "B", "NotoSans-Bold.ttf"),
    ("notodeva", "", "NotoSansDevanagari-Regular.ttf"),
    ("notodeva", "B", "NotoSansDevanagari-Bold.ttf"),
)


class FontsMissing(RuntimeError):
    pass


@functools.cache
def _prototype(family: str, style: str, filename: str):
    path = FONT_DIR / filename
    if not path.exists():
        raise FontsMissing(f"{path} not found: install the Debian package fonts-noto-core")
    scratch = FPDF()
    scratch.add_font(family, style, str(path))
    return scratch.fonts[f"{family}{style}"], path.read_bytes()


def _install_fonts(pdf: FPDF) -> None:
    for family, style, filename in FONTS:
        prototype, data = _prototype(family, style, filename)
        font = copy.deepcopy(prototype)  # shares metrics and HarfBuzz face; own subset state
        # Subsetting rewrites the font tables in place, so each document needs its own.
        font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
        font.i = len(pdf.fonts) + 1
        pdf.fonts[font.fontkey] = font


def new_document(*, orientation: str = "P", format="A4", title: str = "") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format=format)
    _install_fonts(pdf)
    pdf.set_text_shaping(True)
    pdf.set_fallback_fonts(["notodeva"], exact_match=False)
    pdf.set_font("noto", size=10)
    pdf.set_creator("UP SECTS portal")
    if title:
        pdf.set_title(title)
    pdf.set_auto_page_break(True, margin=15)
    return pdf


def qr_png(data: str, *, scale: int = 4) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return buffer


def output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
