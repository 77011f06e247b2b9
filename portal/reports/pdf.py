"""The fortnightly report as a bilingual PDF: A3 landscape, Hindi first, the fixed columns,
each number with the previous fortnight's below it in grey; a table for all registrations,
then one for employees and one for pensioners."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.pdf import SCHEME_EN, SCHEME_HI, new_document, output, wrap

from . import tables
from .exports import CATEGORY_LABELS, both, heading_lines, title
from .figures import CATEGORIES

NAME_W = 62.0
LINE_H = 3.6


def _lines(pdf, width: float, text: str) -> list[str]:
    """`text` broken to `width`; measured once when it fits (line breaking measures every
    prefix, which with HarfBuzz shaping is most of a long report's time)."""
    return [text] if pdf.get_string_width(text) <= width else wrap(pdf, width, text)


def _text(pdf, x: float, y: float, width: float, height: float, text: str) -> float:
    """write_lines (portal/pdf.py) with the one-measurement shortcut of `_lines`."""
    family, style, size = pdf.font_family, pdf.font_style, pdf.font_size_pt
    lines = _lines(pdf, width, text)
    for index, line in enumerate(lines):
        pdf.set_font(family, style, size)
        pdf.set_xy(x, y + index * height)
        pdf.cell(width, height, line)
    return len(lines) * height


def _head(pdf, widths: list[float], heads: list[list[str]], x0: float) -> None:
    height = max(len(lines) for lines in heads) * LINE_H + 1.5
    if pdf.get_y() + height > pdf.h - 20:
        pdf.add_page()
    y = pdf.get_y()
    pdf.set_fill_color(230, 236, 245)
    pdf.rect(x0, y, sum(widths), height, style="F")
    x = x0
    for w, lines in zip(widths, heads):
        for index, line in enumerate(lines):
            pdf.set_font("noto", "B", 6.5)
            pdf.set_xy(x + 0.5, y + 0.5 + index * LINE_H)
            pdf.cell(w - 1, LINE_H, line)
        x += w
    pdf.set_y(y + height)


def _row(pdf, widths, name_lines: list[str], cells, x0: float, *, bold: bool, show_previous: bool,
         heads: list[list[str]]) -> None:
    pdf.set_font("noto", "B" if bold else "", 7)
    name = [line for text in name_lines for line in _lines(pdf, widths[0] - 1, text)]
    height = max(len(name) * LINE_H, (2 if show_previous else 1) * LINE_H) + 1.2
    if pdf.get_y() + height > pdf.h - 15:
        # A state report runs over several pages: each continues under the column heads, so a
        # printed page can be read on its own.
        pdf.add_page()
        pdf.set_y(10)
        _head(pdf, widths, heads, x0)
        pdf.set_font("noto", "B" if bold else "", 7)
    y = pdf.get_y()
    for index, text in enumerate(name):
        pdf.set_font("noto", "B" if bold else "", 7)
        pdf.set_xy(x0 + 0.5, y + 0.6 + index * LINE_H)
        pdf.cell(widths[0] - 1, LINE_H, text)
    x = x0 + widths[0]
    pdf.set_text_shaping(False)  # numbers: Latin digits, nothing to shape
    for w, cell in zip(widths[1:], cells):
        pdf.set_font("noto", "B" if bold else "", 7.5)
        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(x, y + 0.6)
        pdf.cell(w - 1, LINE_H, cell.text, align="R")
        if show_previous:
            pdf.set_font("noto", "", 6.5)
            pdf.set_text_color(110, 110, 110)
            pdf.set_xy(x, y + 0.6 + LINE_H)
            pdf.cell(w - 1, LINE_H, cell.previous_text, align="R")
            pdf.set_text_color(0, 0, 0)
        x += w
    pdf.set_text_shaping(True)
    pdf.set_y(y + height)
    pdf.set_draw_color(205, 205, 205)
    pdf.line(x0, pdf.get_y(), x0 + sum(widths), pdf.get_y())


def render(current, previous) -> bytes:
    generated = clock.now()
    pdf = new_document(orientation="L", format="A3", title=f"{title()} {current.period.label()}",
                       footer=f"{title()} · {current.scope.label('en')} · {current.period.label()} · "
                              f"{timezone.localtime(generated):%d.%m.%Y %H:%M} IST")
    x0 = pdf.l_margin
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    columns = len(tables.REPORT_COLUMNS)
    widths = [NAME_W] + [(usable - NAME_W) / columns] * columns
    heads = None
    for category in CATEGORIES:
        table = tables.build(current, previous, category)
        pdf.add_page()
        pdf.set_font("noto", "B", 13)
        pdf.set_y(10)
        _text(pdf, x0, pdf.get_y(), usable, 6, SCHEME_HI)
        pdf.set_y(pdf.get_y() + 6)
        pdf.set_font("noto", "B", 10)
        _text(pdf, x0, pdf.get_y(), usable, 5, SCHEME_EN)
        pdf.set_y(pdf.get_y() + 6)
        pdf.set_font("noto", "B", 12)
        hi, en = CATEGORY_LABELS[category]
        pdf.set_y(pdf.get_y() + _text(pdf, x0, pdf.get_y(), usable, 6, f"{title()} — {hi} / {en}"))
        pdf.set_font("noto", "", 8.5)
        for label, value in heading_lines(current, generated):
            pdf.set_font("noto", "", 8.5)
            pdf.set_y(pdf.get_y() + _text(pdf, x0, pdf.get_y(), usable, 4.6, f"{label}: {value}"))
        if previous is not None:
            pdf.set_font("noto", "", 8.5)
            pdf.set_text_color(110, 110, 110)
            note = both(_("Grey: the previous fortnight"))
            pdf.set_y(pdf.get_y() + _text(pdf, x0, pdf.get_y(), usable, 4.6,
                                                f"{note} ({previous.period.label()})"))
            pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        if heads is None:  # broken into lines once (fpdf measures only on a page)
            pdf.set_font("noto", "B", 6.5)
            heads = [_lines(pdf, w - 1, text) for w, text in zip(
                widths, [both(_("Name"))] + [both(label) for _key, label in tables.REPORT_COLUMNS])]
        _head(pdf, widths, heads, x0)
        for line in table.lines:
            unit = line.unit
            _row(pdf, widths, [f"{unit.name_hi}", f"{unit.name_en} · {unit.code}"], line.cells, x0, bold=False,
                 show_previous=previous is not None, heads=heads)
        _row(pdf, widths, [both(_("Total")), current.total.name_hi or current.scope.label("hi")], table.total.cells,
             x0, bold=True, show_previous=previous is not None, heads=heads)
    return output(pdf)
