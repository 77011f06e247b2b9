"""State Health Cards as PDF: pure functions from `CardFace` data to bytes.

* `render_card(face)`: one card at its real size (CR80, 85.6 × 54 mm), front and back pages.
* `render_sheet(faces)`: cards on A4 for printing at home, four to a page, front and back side
  by side with cut marks; fold on the dashed line.
* `BatchDocument`: a file for the plastic-card printer, one face per CR80 page.

Everything on the card is in Hindi and English. Speed matters (a print batch of 10,000 cards is
20,000 faces, and a self-print is a web request; docs/benchmarks.md#cards-benchmark), so:

* the two card backgrounds are drawn once per process (`template`), and every document starts
  from them; within a document, lines many cards share (a relation, a ward, the office, the
  issue date) are drawn once and their page operators replayed (`Canvas.fixed`);
* Latin-only text is written without HarfBuzz (it needs no shaping); Devanagari is shaped;
* a document carries two fonts (Noto Sans, Noto Sans Devanagari), subset from copies trimmed
  once per process; bold is the regular outline also stroked, not two more embedded fonts;
* the QR code is one vector path, with a fixed mask (the same code on every print).
"""

import base64
import copy
import datetime
import functools
import io
import re
from dataclasses import dataclass

import segno
from fontTools import subset as ftsubset
from fontTools import ttLib
import fpdf
from fpdf.enums import PDFResourceType, TextMode
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from portal import hbsubset
from portal.pdf import FONT_DIR, FONTS, SCHEME_EN, SCHEME_HI, PortalPDF, _prototype, output

hbsubset.install()  # the fonts of card documents are subset by HarfBuzz (portal/hbsubset.py)

W, H = 85.6, 54.0  # ISO/IEC 7810 ID-1 (CR80)
MARGIN = 3.0
PHOTO_W, PHOTO_H = 19.0, 24.4  # 35:45, the shape of the stored photos
QR_SIZE = 25.0
QR_QUIET = 2  # modules of white around the code, inside QR_SIZE
QR_MASK = 2  # fixed: the best-mask search costs four times the rest of the code
BOLD_STROKE = 0.065 * 25.4 / 72  # mm of outline stroke per point of font size: regular + stroke ≈ bold
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
NAVY = (11, 61, 122)
SAFFRON = (242, 169, 0)
GREY = (80, 80, 80)
PALE = (236, 241, 248)
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z0-9]")
_DARK_RUN = re.compile(rb"\x01+")


@dataclass(frozen=True)
class CardFace:
    """What one card shows. Choice labels come as (Hindi, English), already translated."""

    number: str
    family_number: str
    name_hi: str
    name_en: str
    relation: tuple[str, str]
    date_of_birth: datetime.date
    gender: tuple[str, str]
    ward: tuple[str, str]
    kind: tuple[str, str]
    office: tuple[str, str]
    issued_on: datetime.date
    aadhaar_masked: str
    helpline: str
    verify_url: str
    qr_payload: str
    photo: bytes | None = None
    self_printed_on: datetime.date | None = None
    qr_modules: str = ""  # the QR already encoded (pack_modules), or "" to encode `qr_payload`


def both(pair: tuple[str, str]) -> str:
    hi, en = pair
    return hi if hi == en else f"{hi} / {en}"


def spaced(number: str) -> str:
    """UP26000012345 -> UP26 0000 1234 5: easier to read out on the phone."""
    return " ".join(part for part in (number[:4], number[4:8], number[8:12], number[12:]) if part)


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def _pair(text: str) -> str:
    hi, en = _in("hi", text), _in("en", text)
    return hi if hi == en else f"{hi} / {en}"


def labels() -> dict[str, str]:
    return {
        "title": _pair(gettext_noop("State Health Card")),
        "relation": _pair(gettext_noop("Relation")),
        "dob": _pair(gettext_noop("Date of birth")),
        "ward": _pair(gettext_noop("Ward")),
        "family": _pair(gettext_noop("Family No.")),
        "card": _pair(gettext_noop("Card No.")),
        "office": _pair(gettext_noop("Issuing office")),
        "issued": _pair(gettext_noop("Issued on")),
        "aadhaar": _pair(gettext_noop("Aadhaar")),
        "helpline": _pair(gettext_noop("Helpline")),
        "self_print": _pair(gettext_noop("Self-printed copy")),
        "use_hi": _in("hi", gettext_noop("Valid for cashless treatment at empanelled hospitals. Check it at")),
        "use_en": _in("en", gettext_noop("Valid for cashless treatment at empanelled hospitals. Check it at")),
        "found_hi": _in("hi", gettext_noop("If found, please return it to the issuing office.")),
        "found_en": _in("en", gettext_noop("If found, please return it to the issuing office.")),
        "cut": _pair(gettext_noop("Cut along the marks and fold on the dashed line.")),
        "govt": "उत्तर प्रदेश सरकार / Government of Uttar Pradesh",
    }


# --- fonts ------------------------------------------------------------------------------------

_DROP = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC",
         "SVG ", "CPAL", "COLR", "DSIG"]
# Noto Sans covers Greek, Cyrillic and more; cards print Latin text only (names, offices, numbers).
_LATIN_RANGES = [*range(0x20, 0x250), *range(0x1E00, 0x1F00), *range(0x2000, 0x20D0), *range(0x2100, 0x2200),
                 0x25CC]


CARD_FONTS = [(family, filename) for family, style, filename in FONTS if style == ""]


@functools.cache
def _prepared_fonts() -> dict[str, bytes]:
    """Font files trimmed once per process to what a card needs, for the per-document subset.
    Shaping still uses the full fonts (portal/pdf.py); glyph ids and names are kept, so the
    subset finds every glyph HarfBuzz picked."""
    prepared = {}
    for family, filename in CARD_FONTS:
        font = ttLib.TTFont(str(FONT_DIR / filename))
        if family == "noto":
            # Layout features take part so that ligatures shaping picks ("ffi") are kept.
            options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True, hinting=True,
                                       retain_gids=True, layout_features=["*"], name_IDs=["*"], name_languages=["*"])
            subsetter = ftsubset.Subsetter(options)
            subsetter.populate(unicodes=_LATIN_RANGES)
            subsetter.subset(font)
        for tag in _DROP:  # only the subset of each document is embedded; it needs none of these
            if tag in font:
                del font[tag]
        buffer = io.BytesIO()
        font.save(buffer)
        prepared[family] = buffer.getvalue()
    return prepared


def _document(*, format, title: str):
    """A PortalPDF with the two regular fonts only: every font a document carries is subset
    and embedded when it is written (~35 ms each, even unused), so bold is drawn by also
    stroking the outline (`Canvas.text`) instead of embedding two bold fonts."""
    pdf = PortalPDF(orientation="P", unit="mm", format=format)
    for family, filename in CARD_FONTS:
        prototype, _ = _prototype(family, "", filename)
        # Shares the HarfBuzz face and, unlike fpdf2's own deepcopy, the character widths
        # and glyph ids too (read-only once the font is loaded; copying them was ~12,000
        # deepcopy calls, a tenth of a self-print's time): only the subset is the document's.
        font = copy.deepcopy(prototype, {id(prototype.cw): prototype.cw, id(prototype.glyph_ids): prototype.glyph_ids})
        font.ttfont = hbsubset.HbTTFont(_prepared_fonts()[family], recalcTimestamp=False, lazy=True)
        font.i = len(pdf.fonts) + 1
        pdf.fonts[font.fontkey] = font
    pdf.set_text_shaping(True)
    pdf.set_fallback_fonts(["notodeva"], exact_match=False)
    pdf.set_font("noto", size=8)
    pdf.set_creator("UP SECTS portal")
    pdf.set_title(title)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    return pdf


# --- drawing ----------------------------------------------------------------------------------

def _font_for(text: str) -> str:
    """Noto Sans (Devanagari from its fallback font) for a line with any Latin letter or digit."""
    return "noto" if _LATIN.search(text) or not _DEVANAGARI.search(text) else "notodeva"


_WIDTHS: dict = {}  # (text, size) -> width in mm, for the whole process (Canvas._width)
_WORD_WIDTHS: dict = {}  # (size, word) -> width in Noto Sans Devanagari, for the whole process (Canvas.lines)
_WIDTHS_MAX = 4096


class Canvas:
    """Text, boxes and QR codes on an fpdf2 document, with replay of repeated drawing.

    `fixed(key, ox, oy, draw)` draws once per document and keeps the page operators it
    produced (wrapped in q/Q by `local_context`, so the graphics state is untouched) and the
    resources they use; later calls append the same operators — moved with a `cm` when the
    origin differs — instead of laying the text out and shaping it again."""

    def __init__(self, pdf):
        self.pdf = pdf
        self._snippets: dict = {}
        self._probes: dict = {}  # size, or (font, size) -> a one-character fragment to measure text on

    def start_from(self, template: "Template | None") -> None:
        """Before anything is drawn: take over the backgrounds a template document recorded.
        Glyphs are numbered in a font's subset in the order they are first used, so the
        recorded operators are valid here once this document's subsets start as the
        template's did: the same glyphs under the same numbers."""
        if template is None:
            return
        for key, (numbers, following, reserved) in template.subsets.items():
            subset = self.pdf.fonts[key].subset
            subset._char_id_per_glyph = dict(numbers)
            subset._next = following
            subset._reserved = list(reserved)
        self._snippets.update(template.snippets)

    def text(self, x, y, w, text, *, size, style="", color=BLACK, align="L", h=None) -> None:
        """One line in the cell (x, y, w, h): left- or right-aligned, vertically as `cell`
        places it. Latin-only text goes straight to `FPDF.text` (nothing to shape or lay out:
        ~8× faster than a cell); Devanagari goes through a cell, shaped by HarfBuzz."""
        pdf = self.pdf
        h = h or size * 0.45
        plain = text.isascii()
        pdf.set_font("noto" if plain else _font_for(text), "", size)
        pdf.set_text_color(*color)
        bold = style == "B"
        if bold:  # fill and stroke the outline (6.5 % of the size), in q … Q so it ends here
            draw_color, line_width = pdf.draw_color, pdf.line_width
            pdf._out("q")
            pdf.set_draw_color(*color)
            pdf.set_line_width(size * BOLD_STROKE)
            pdf.text_mode = TextMode.FILL_STROKE
        if plain:
            left = x + w - pdf.c_margin - self._width(text, size) if align == "R" else x + pdf.c_margin
            pdf.text(left, y + 0.5 * h + 0.3 * size / pdf.k, text)
        else:
            pdf.set_xy(x, y)
            pdf.cell(w, h, text, align=align)
        if bold:
            pdf._out("Q")
            pdf.text_mode, pdf.draw_color, pdf.line_width = TextMode.FILL, draw_color, line_width

    def _width(self, text: str, size: float) -> float:
        """The width of `text` in Noto Sans at `size`, as `FPDF.get_string_width` gives it.
        Labels and dates repeat across documents, so widths are kept per process (the font
        file and its metrics never change); the font is selected either way, so the page
        operators are the same as when the width is measured. ASCII text (card numbers,
        dates) is one left-to-right fragment: it is measured on a fragment made once per
        size instead of running the bidi algorithm on each string (~10× faster, same value;
        test_card_pdf_rendering checks both ways agree)."""
        pdf = self.pdf
        pdf.set_font("noto", "", size)
        key = (text, size)
        width = _WIDTHS.get(key)
        if width is None:
            if text.isascii():
                probe = self._probes.get(size)
                if probe is None:
                    probe = self._probes[size] = pdf._preload_bidirectional_text("0", False)[0]
                width = probe.get_width(chars=text)
            else:
                width = pdf.get_string_width(text)
            if len(_WIDTHS) >= _WIDTHS_MAX:  # card numbers never repeat: keep the cache small
                _WIDTHS.clear()
            _WIDTHS[key] = width
        return width

    def lines(self, text: str, w: float, *, size: float) -> list[str]:
        """`text` broken at spaces into the lines of a cell `w` wide, each measured as `text`
        draws it (the font it picks for the line, shaped), a word at a time with the widths
        kept per process. Office names share most of their words (कार्यालय, designations,
        districts); fpdf2's `multi_cell`, which this replaces, shaped the line again for every
        character it added (~4 ms an office name, more than the rest of a card when a batch's
        cards come from many offices), and added up characters shaped one by one, wider than
        Devanagari as drawn. Spaces not as one between words, or a word longer than the
        line, go to `multi_cell`."""
        pdf = self.pdf
        room = w - 2 * pdf.c_margin
        words = text.split(" ")
        if "" in words or any(len(word.split()) != 1 or self._line_width([word], size) > room for word in words):
            pdf.set_font(_font_for(text), "", size)
            return pdf.multi_cell(w, size * 0.45, text, dry_run=True, output="LINES")
        lines, line = [], []
        for word in words:
            if line and self._line_width(line + [word], size) > room:
                lines.append(" ".join(line))
                line = []
            line.append(word)
        return lines + [" ".join(line)]

    def _line_width(self, words: list[str], size: float) -> float:
        font = _font_for(" ".join(words))
        return (sum(self._word_width(font, size, word) for word in words)
                + (len(words) - 1) * self._word_width(font, size, " "))

    def _word_width(self, font: str, size: float, word: str) -> float:
        """As `text` draws `word` in a line set in `font`. In Noto Sans that is `_width` (its
        Devanagari from the fallback font, through fpdf2's own fragments); in Noto Sans
        Devanagari everything is shaped in it, measured on a fragment in that font."""
        if font == "noto":
            return self._width(word, size)
        key = (size, word)
        width = _WORD_WIDTHS.get(key)
        if width is None:
            pdf = self.pdf
            pdf.set_font(font, "", size)
            probe = self._probes.get((font, size))
            if probe is None:
                probe = self._probes[(font, size)] = pdf._preload_bidirectional_text("0", False)[0]
            width = probe.get_width(chars=word)
            if len(_WORD_WIDTHS) >= _WIDTHS_MAX:
                _WORD_WIDTHS.clear()
            _WORD_WIDTHS[key] = width
        return width

    def box(self, x, y, w, h, color) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    def fixed(self, key, ox: float, oy: float, draw) -> None:
        pdf = self.pdf
        snippet = self._snippets.get(key)
        if snippet is None:
            contents = pdf.pages[pdf.page].contents
            start = len(contents)
            with pdf.local_context():
                draw(ox, oy)
            resources = {(kind, item) for (page, kind), items in pdf._resource_catalog.resources_per_page.items()
                         if page == pdf.page for item in items}
            self._snippets[key] = (bytes(contents[start:]), ox, oy, resources)
            return
        ops, rx, ry, resources = snippet
        if (ox, oy) == (rx, ry):
            pdf._out(ops)
        else:
            pdf._out(f"q 1 0 0 1 {(ox - rx) * pdf.k:.3f} {(ry - oy) * pdf.k:.3f} cm")
            pdf._out(ops)
            pdf._out("Q")
        for kind, item in resources:
            pdf._resource_catalog.add(kind, item, pdf.page)

    def fixed_text(self, x, y, w, text, **style) -> None:
        self.fixed(("text", x, y, w, text, tuple(sorted(style.items()))), 0, 0,
                   lambda ox, oy: self.text(x, y, w, text, **style))

    def qr(self, payload: str, x: float, y: float, size: float, modules: str = "") -> None:
        """The code as one path: a rectangle per run of dark modules in each row. `modules`:
        the code already encoded (`pack_modules`), else the payload is encoded here."""
        pdf = self.pdf
        matrix = unpack_modules(modules) if modules else qr_matrix(payload)
        n = len(matrix)
        module = size / (n + 2 * QR_QUIET) * pdf.k  # in points
        # One module = one unit: the rectangles are small integers, cheap to write and to store.
        left = (x * pdf.k) + QR_QUIET * module
        bottom = (pdf.h - y) * pdf.k - (QR_QUIET + n) * module
        parts = [f"q 0 g {module:.4f} 0 0 {module:.4f} {left:.3f} {bottom:.3f} cm"]
        for r, row in enumerate(matrix):
            line = n - 1 - r
            # Each run of dark modules, found by the regex engine (a third of the Python loop's time).
            parts.extend([f"{m.start()} {line} {m.end() - m.start()} 1.02 re" for m in _DARK_RUN.finditer(row)])
        parts.append("f Q")
        pdf._out("\n".join(parts))


def qr_matrix(payload: str) -> list[bytes]:
    """Rows of the QR code, one byte (0 or 1) per module, no quiet zone."""
    return [bytes(row) for row in segno.make(payload, error="m", micro=False, mask=QR_MASK, boost_error=False).matrix]


def pack_modules(payload: str) -> str:
    """The encoded code kept on the card row: "<size>:" + base64 of the modules, 8 to a byte."""
    rows = qr_matrix(payload)
    bits = b"".join(rows)
    packed = int(b"1" + bits.translate(bytes.maketrans(b"\x00\x01", b"01")), 2).to_bytes((len(bits) + 8) // 8 + 1, "big")
    return f"{len(rows)}:{base64.b64encode(packed).decode()}"


def unpack_modules(text: str) -> list[bytes]:
    size, _, data = text.partition(":")
    n = int(size)
    bits = bin(int.from_bytes(base64.b64decode(data), "big"))[3:]  # after the leading 1 that kept the zeros
    flat = bits.encode().translate(bytes.maketrans(b"01", b"\x00\x01"))
    return [flat[r * n:(r + 1) * n] for r in range(n)]


# --- the two faces ----------------------------------------------------------------------------

def _front_background(canvas: Canvas, text: dict, ox: float, oy: float) -> None:
    canvas.box(ox, oy, W, 10.4, NAVY)
    canvas.box(ox, oy + 10.4, W, 0.9, SAFFRON)
    # The scheme's name in Hindi and in English (the issue asks for both on the card itself).
    canvas.text(ox + MARGIN, oy + 0.6, W - 2 * MARGIN, SCHEME_HI, size=6.3, style="B", color=WHITE)
    canvas.text(ox + MARGIN, oy + 3.9, W - 2 * MARGIN, SCHEME_EN, size=5.0, color=WHITE)
    canvas.text(ox + MARGIN, oy + 6.8, W - 2 * MARGIN, f"{text['title']} · {text['govt']}", size=5.0, color=WHITE)
    canvas.box(ox, oy + 43.2, W, H - 43.2, PALE)
    canvas.text(ox + MARGIN, oy + 43.9, 40, text["card"], size=5.2, color=GREY)
    _labels_front(canvas, text, ox, oy)


def _back_background(canvas: Canvas, text: dict, face: CardFace, ox: float, oy: float) -> None:
    canvas.box(ox, oy, W, 6.2, NAVY)
    canvas.text(ox + MARGIN, oy + 1.2, 40, text["title"], size=6, style="B", color=WHITE)
    tx = ox + BACK_TX
    canvas.text(tx, oy + 8.2, BACK_TW, text["office"], size=5.2, color=GREY, h=2.6)
    canvas.text(tx, oy + 26.0, BACK_TW, f"{text['helpline']}: {face.helpline}", size=5.8, h=3.0)
    canvas.box(ox + MARGIN, oy + 34.6, W - 2 * MARGIN, 0.4, SAFFRON)
    width = W - 2 * MARGIN
    canvas.text(ox + MARGIN, oy + 35.6, width, text["use_hi"], size=5.2, h=2.7)
    canvas.text(ox + MARGIN, oy + 38.4, width, face.verify_url, size=5.2, style="B", h=2.7)
    canvas.text(ox + MARGIN, oy + 41.2, width, text["found_hi"], size=5.2, h=2.7)
    canvas.text(ox + MARGIN, oy + 44.2, width, f"{text['use_en']} {face.verify_url}", size=4.8, color=GREY, h=2.5)
    canvas.text(ox + MARGIN, oy + 46.8, width, text["found_en"], size=4.8, color=GREY, h=2.5)
    _labels_back(canvas, text, ox, oy)


def _office(canvas: Canvas, face: CardFace, ox: float, oy: float) -> None:
    """The issuing office, wrapped to the column: the same for every card of an office."""
    pdf = canvas.pdf
    tx, tw = ox + BACK_TX, BACK_TW
    y = oy + 11.0
    for name in face.office:
        pdf.set_text_color(*BLACK)
        for line in canvas.lines(name, tw, size=5.8)[:2]:
            canvas.text(tx, y, tw, line, size=5.8, h=2.8)
            y += 2.8


FRONT_TX = MARGIN + PHOTO_W + 2.5  # the text column, from the card's left edge
FRONT_TW = W - MARGIN - FRONT_TX
BACK_TX = MARGIN + QR_SIZE + 1.0
BACK_TW = W - MARGIN - BACK_TX


def _width(canvas: Canvas, text: str, size: float) -> float:
    return canvas._width(text, size)


def _line(canvas: Canvas, key, ox, oy, dx, dy, w, line, size, h) -> None:
    """A line of text at (dx, dy) from the card's corner that many cards share: replayed."""
    canvas.fixed((key, line, dx, dy, size), ox, oy,
                 lambda x, y: canvas.text(x + dx, y + dy, w, line, size=size, h=h))


ROWS = {"relation": 22.2, "dob": 25.3, "ward": 28.4, "kind": 31.5, "family": 34.6}  # front, from the top
ISSUED_Y, AADHAAR_Y = 19.6, 22.8  # back


def _labels_front(canvas: Canvas, text: dict, ox: float, oy: float) -> None:
    """The labels of the front's detail rows, part of the background."""
    for key in ("relation", "dob", "ward", "family"):
        canvas.text(ox + FRONT_TX, oy + ROWS[key], FRONT_TW, f"{text[key]}:", size=5.6, h=3.0)


def _labels_back(canvas: Canvas, text: dict, ox: float, oy: float) -> None:
    for key, y in (("issued", ISSUED_Y), ("aadhaar", AADHAAR_Y)):
        canvas.text(ox + BACK_TX, oy + y, BACK_TW, f"{text[key]}:", size=5.8, h=3.0)


def _after_label(canvas: Canvas, text: dict, key: str, size: float) -> float:
    """Where a row's value starts, from the card's left edge."""
    return (FRONT_TX if key in ROWS else BACK_TX) + _width(canvas, f"{text[key]}: ", size)


def front(canvas: Canvas, face: CardFace, text: dict, ox: float = 0, oy: float = 0) -> None:
    canvas.fixed("front", ox, oy, lambda x, y: _front_background(canvas, text, x, y))
    pdf = canvas.pdf
    px, py = ox + MARGIN, oy + 13.4
    if face.photo:
        pdf.image(io.BytesIO(face.photo), x=px, y=py, w=PHOTO_W, h=PHOTO_H)
    else:
        pdf.set_draw_color(*GREY)
        pdf.set_line_width(0.2)
        pdf.rect(px, py, PHOTO_W, PHOTO_H)
    tx = ox + FRONT_TX
    canvas.text(tx, oy + 13.0, FRONT_TW, face.name_hi, size=8.6, style="B", h=4.6)
    canvas.text(tx, oy + 17.6, FRONT_TW, face.name_en.upper(), size=7.2, style="B", h=3.6)
    for key, value in (("relation", both(face.relation)), ("ward", both(face.ward))):
        x = _after_label(canvas, text, key, 5.6)
        _line(canvas, key, ox, oy, x, ROWS[key], W - MARGIN - x, value, 5.6, 3.0)
    date_x = _after_label(canvas, text, "dob", 5.6)
    date = f"{face.date_of_birth:%d.%m.%Y}"
    canvas.text(ox + date_x, oy + ROWS["dob"], FRONT_TW, date, size=5.6, h=3.0)
    gender_x = date_x + _width(canvas, date + " ", 5.6)  # digits are all one width in Noto Sans
    _line(canvas, "gender", ox, oy, gender_x, ROWS["dob"], W - MARGIN - gender_x, f"· {both(face.gender)}", 5.6, 3.0)
    _line(canvas, "kind", ox, oy, FRONT_TX, ROWS["kind"], FRONT_TW, both(face.kind), 5.6, 3.0)
    canvas.text(ox + _after_label(canvas, text, "family", 5.6), oy + ROWS["family"], FRONT_TW, face.family_number,
                size=5.6, h=3.0)
    canvas.text(ox + MARGIN, oy + 46.5, W - 2 * MARGIN, spaced(face.number), size=11.5, style="B", color=NAVY,
                h=5.5)


def back(canvas: Canvas, face: CardFace, text: dict, ox: float = 0, oy: float = 0) -> None:
    canvas.fixed(("back", face.helpline, face.verify_url), ox, oy,
                 lambda x, y: _back_background(canvas, text, face, x, y))
    canvas.text(ox + 45, oy + 1.2, W - MARGIN - 45, face.number, size=6, style="B", color=WHITE, align="R")
    canvas.qr(face.qr_payload, ox + MARGIN - 1.2, oy + 7.3, QR_SIZE, face.qr_modules)
    canvas.fixed(("office", face.office), ox, oy, lambda x, y: _office(canvas, face, x, y))
    canvas.text(ox + _after_label(canvas, text, "issued", 5.8), oy + ISSUED_Y, BACK_TW, f"{face.issued_on:%d.%m.%Y}",
                size=5.8, h=3.0)
    canvas.text(ox + _after_label(canvas, text, "aadhaar", 5.8), oy + AADHAAR_Y, BACK_TW, face.aadhaar_masked,
                size=5.8, h=3.0)
    if face.self_printed_on:  # "स्वयं मुद्रित प्रति / Self-printed copy · 05.12.2026", right-aligned
        date = f" · {face.self_printed_on:%d.%m.%Y}"
        pad = canvas.pdf.c_margin  # cells keep this much space inside each edge
        date_x = W - MARGIN - _width(canvas, date, 5) - pad  # where the date's text starts
        canvas.fixed(("self-printed", date_x), ox, oy, lambda x, y: canvas.text(
            x + date_x - 60 + pad, y + H - 3.6, 60, text["self_print"], size=5, style="B", color=NAVY, align="R",
            h=2.6))
        canvas.text(ox + date_x - pad, oy + H - 3.6, 20, date, size=5, style="B", color=NAVY, h=2.6)


# --- documents --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    snippets: dict
    subsets: dict  # font key -> (glyph -> number, next number, reserved numbers)


# The template relies on how fpdf2 numbers glyphs in a subset (SubsetMap) and keeps page
# operators; checked with this version (requirements.lock pins it). Another version draws
# every background itself (slower, never wrong).
_TEMPLATES_WORK = fpdf.FPDF_VERSION == "2.8.9"
_templates: dict = {}


def template(format, face: CardFace, text: dict) -> Template | None:
    """Both card backgrounds drawn once per process and page format, with the font subsets
    as they stand afterwards; every card document starts from it (`Canvas.start_from`),
    which saves laying out and shaping ~12 lines of text per document."""
    if not _TEMPLATES_WORK:
        return None
    key = (format, face.helpline, face.verify_url, tuple(sorted(text.items())))
    found = _templates.get(key)
    if found is None:
        pdf = _document(format=format, title="template")
        canvas = Canvas(pdf)
        pdf.add_page()
        canvas.fixed("front", 0, 0, lambda x, y: _front_background(canvas, text, x, y))
        pdf.add_page()
        canvas.fixed(("back", face.helpline, face.verify_url), 0, 0,
                     lambda x, y: _back_background(canvas, text, face, x, y))
        kinds = {kind for _, _, _, resources in canvas._snippets.values() for kind, _ in resources}
        if kinds - {PDFResourceType.FONT}:  # something that lives in one document only
            return None
        subsets = {k: (dict(f.subset._char_id_per_glyph), f.subset._next, list(f.subset._reserved))
                   for k, f in pdf.fonts.items()}
        found = Template(snippets=dict(canvas._snippets), subsets=subsets)
        _templates[key] = found
    return found


def render_card(face: CardFace) -> bytes:
    """One card at its real size: page 1 the front, page 2 the back."""
    pdf = _document(format=(W, H), title=f"State Health Card {face.number}")
    canvas, text = Canvas(pdf), labels()
    canvas.start_from(template((W, H), face, text))
    pdf.add_page()
    front(canvas, face, text)
    pdf.add_page()
    back(canvas, face, text)
    return output(pdf)


class BatchDocument:
    """One file of a print batch: each card adds its front page, then its back page."""

    def __init__(self, title: str):
        self.pdf = _document(format=(W, H), title=title)
        self.canvas = Canvas(self.pdf)
        self.text = labels()
        self.faces = 0

    def add(self, face: CardFace) -> None:
        if not self.faces:
            self.canvas.start_from(template((W, H), face, self.text))
        self.pdf.add_page()
        front(self.canvas, face, self.text)
        self.pdf.add_page()
        back(self.canvas, face, self.text)
        self.faces += 2

    def output(self) -> bytes:
        return output(self.pdf)


def render_batch_part(faces: list[CardFace], *, title: str) -> bytes:
    document = BatchDocument(title)
    for face in faces:
        document.add(face)
    return document.output()


SHEET_ROWS = 4
SHEET_TOP = 17.0
ROW_STEP = 68.0  # four cards with room for the cut marks between them
MARK = 3.0


def _cut_marks(canvas: Canvas, x: float, y: float) -> None:
    pdf = canvas.pdf
    pdf.set_draw_color(*BLACK)
    pdf.set_line_width(0.2)
    for cx in (x, x + 2 * W):
        pdf.line(cx, y - MARK - 0.5, cx, y - 0.5)
        pdf.line(cx, y + H + 0.5, cx, y + H + MARK + 0.5)
    for cy in (y, y + H):
        pdf.line(x - MARK - 0.5, cy, x - 0.5, cy)
        pdf.line(x + 2 * W + 0.5, cy, x + 2 * W + MARK + 0.5, cy)
    pdf.set_draw_color(*GREY)
    pdf.set_dash_pattern(dash=1.2, gap=1.2)
    pdf.line(x + W, y - MARK, x + W, y + H + MARK)
    pdf.set_dash_pattern()


def render_sheet(faces: list[CardFace], *, title: str = "State Health Cards") -> bytes:
    """Cards on A4 to print at home: front and back side by side, cut marks at the corners."""
    pdf = _document(format="A4", title=title)
    canvas, text = Canvas(pdf), labels()
    if faces:
        canvas.start_from(template("A4", faces[0], text))
    left = (210 - 2 * W) / 2
    for index, face in enumerate(faces):
        row = index % SHEET_ROWS
        if row == 0:
            pdf.add_page()
            canvas.text(left, 4, 2 * W, f"{text['title']} · {SCHEME_EN}", size=7.5, style="B", h=4)
            canvas.text(left, 8, 2 * W, text["cut"], size=7, h=4)
        y = SHEET_TOP + row * ROW_STEP
        front(canvas, face, text, left, y)
        back(canvas, face, text, left + W, y)
        _cut_marks(canvas, left, y)
    return output(pdf)
