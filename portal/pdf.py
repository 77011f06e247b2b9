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
from django.utils.translation import gettext_lazy
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


def bilingual(text, language: str) -> str:
    """The recipient's language first, then the other: forms are always bilingual.
    `text` is a message id or a lazy translation (such as a choice label)."""
    from django.utils import translation
    from django.utils.functional import Promise
    from django.utils.translation import gettext

    order = ("hi", "en") if language == "hi" else ("en", "hi")
    parts = []
    for code in order:
        with translation.override(code):
            parts.append(str(text) if isinstance(text, Promise) else gettext(text))
    return parts[0] if parts[0] == parts[1] else f"{parts[0]} / {parts[1]}"


SCHEME_HI = "पं. दीनदयाल उपाध्याय राज्य कर्मचारी कैशलेस चिकित्सा योजना"
SCHEME_EN = "Pandit Deendayal Upadhyay State Employees Cashless Treatment Scheme, Uttar Pradesh"


class FormWriter:
    """Headings, label/value rows and paragraphs for the portal's bilingual A4 forms."""

    def __init__(self, pdf: FPDF, language: str):
        self.pdf = pdf
        self.language = language
        self.left = pdf.l_margin
        self.width = pdf.w - pdf.l_margin - pdf.r_margin

    def b(self, text) -> str:
        return bilingual(text, self.language)

    def text(self, value: str, *, w: float | None = None, h: float = 5, x: float | None = None) -> None:
        pdf = self.pdf
        pdf.set_y(pdf.get_y() + write_lines(pdf, self.left if x is None else x, pdf.get_y(), w or self.width, h, value))

    def header(self, *, title, number_label, number: str, date_label=None, date=None, qr_text: str) -> None:
        pdf = self.pdf
        pdf.image(qr_png(qr_text, scale=3), x=pdf.w - pdf.r_margin - 30, y=10, w=30, h=30)
        pdf.set_y(10)
        pdf.set_font("noto", "B", 13)
        self.text(SCHEME_HI, w=self.width - 34, h=7)
        pdf.set_font("noto", "B", 10)
        self.text(SCHEME_EN, w=self.width - 34)
        pdf.ln(2)
        pdf.set_font("noto", "B", 12)
        self.text(self.b(title), w=self.width - 34, h=6)
        pdf.set_font("noto", "", 10)
        self.text(f"{self.b(number_label)}: {number}", w=self.width - 34, h=6)
        if date:
            self.text(f"{self.b(date_label)}: {date:%d.%m.%Y}", w=self.width - 34, h=6)
        pdf.set_y(max(pdf.get_y(), 44))

    def heading(self, value: str) -> None:
        pdf = self.pdf
        pdf.ln(2)
        if pdf.get_y() > pdf.h - 30:
            pdf.add_page()
        pdf.set_fill_color(230, 236, 245)
        pdf.set_font("noto", "B", 10)
        pdf.set_x(self.left)
        pdf.cell(self.width, 7, value, new_x="LMARGIN", new_y="NEXT", fill=True)
        pdf.set_font("noto", "", 9.5)

    def row(self, label: str, value: str, *, width: float | None = None, label_w: float = 70) -> None:
        pdf, width = self.pdf, width or self.width
        pdf.set_font("noto", "", 8.5)
        label_lines = len(wrap(pdf, label_w, label))
        pdf.set_font("noto", "", 9.5)
        height = max(label_lines, len(wrap(pdf, width - label_w, value or "—"))) * 5
        if pdf.get_y() + height > pdf.h - 18:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font("noto", "", 8.5)
        write_lines(pdf, self.left, y, label_w, 5, label)
        pdf.set_font("noto", "", 9.5)
        write_lines(pdf, self.left + label_w, y, width - label_w, 5, value or "—")
        pdf.set_y(y + height + 0.8)
        pdf.set_draw_color(210, 210, 210)
        pdf.line(self.left, pdf.get_y() - 0.4, self.left + width, pdf.get_y() - 0.4)

    def signatures(self, left_text: str, right_text: str, *, seal: bool) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 70:
            pdf.add_page()
        pdf.ln(14)
        half = (self.width - 10) / 2
        y = pdf.get_y()
        pdf.set_draw_color(0, 0, 0)
        pdf.line(self.left, y, self.left + half, y)
        pdf.line(self.left + half + 10, y, self.left + self.width, y)
        pdf.set_font("noto", "", 8.5)
        used = write_lines(pdf, self.left, y + 1, half, 4.5, left_text)
        used = max(used, write_lines(pdf, self.left + half + 10, y + 1, half, 4.5, right_text))
        pdf.set_y(y + used + 2)
        if seal:
            seal_x, seal_y = self.left + self.width - 32, pdf.get_y() + 2
            pdf.set_draw_color(120, 120, 120)
            pdf.rect(seal_x, seal_y, 30, 20)
            pdf.set_xy(seal_x, seal_y + 7.5)
            pdf.cell(30, 5, bilingual(gettext_lazy("Seal"), self.language), align="C")
            pdf.set_y(seal_y + 22)
