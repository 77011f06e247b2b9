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


class PortalPDF(FPDF):
    """An FPDF whose pages carry a small footer: `footer_text · page/pages`."""

    footer_text = ""

    def set_font(self, family=None, style="", size=0):
        # fpdf2 2.8 lets a line that starts with a fallback (Devanagari) glyph replace
        # `current_font` for the rest of the page, and then skips a set_font() that names
        # the font it believes is current. Clearing the family first makes every
        # set_font() really select the font, so Latin text never goes out in the
        # Devanagari font (wrong glyphs, or "No font in show" on a new page).
        family = family or self.font_family
        size = size or self.font_size_pt
        self.font_family = ""
        super().set_font(family, style, size)

    def footer(self):
        if self.footer_text:
            self.set_y(-10)
            self.set_font("noto", "", 7.5)
            self.cell(0, 4, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="R")


def new_document(*, orientation: str = "P", format="A4", title: str = "", footer: str = "") -> PortalPDF:
    pdf = PortalPDF(orientation=orientation, unit="mm", format=format)
    pdf.footer_text = footer
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


def wrap(pdf: FPDF, width: float, text: str) -> list[str]:
    """Lines `text` breaks into at the current font, `width` mm wide."""
    lines: list[str] = []
    for paragraph in (text or "").split("\n"):
        lines.extend(pdf.multi_cell(width, 5, paragraph, dry_run=True, output="LINES") or [""])
    return lines


def write_lines(pdf: FPDF, x: float, y: float, width: float, height: float, text: str) -> float:
    """Write `text` wrapped to `width`, one cell per line, and return the height used.

    Each line is its own cell with the font selected afresh (see PortalPDF.set_font):
    fpdf2 2.8 otherwise writes a Latin line that follows a Devanagari one in the
    fallback font."""
    family, style, size = pdf.font_family, pdf.font_style, pdf.font_size_pt
    lines = wrap(pdf, width, text)
    for index, line in enumerate(lines):
        pdf.set_font(family, style, size)
        pdf.set_xy(x, y + index * height)
        pdf.cell(width, height, line)
    pdf.set_font(family, style, size)
    return len(lines) * height
