"""The fortnightly report as XLSX (openpyxl) and CSV, in the fixed format of docs/reports.md."""

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.pdf import SCHEME_EN, SCHEME_HI, bilingual

from . import tables
from .figures import CATEGORIES, REPORT_COLUMNS, Unit

CATEGORY_LABELS = {"total": ("कुल", "Total"), "employees": ("कर्मचारी", "Employees"),
                   "pensioners": ("पेंशनर", "Pensioners")}


def both(text) -> str:
    """Hindi / English of a lazy string."""
    return bilingual(text, "hi")


def title() -> str:
    return both(_("Fortnightly registration review report"))


def level_of(unit: Unit) -> str:
    return {"district": "district", "deptdist": "department", "office": "office"}.get(unit.kind, unit.kind)


def heading_lines(current, generated) -> list[tuple[str, str]]:
    scope = current.scope
    return [
        (both(_("Scope")), f"{scope.label('hi')} / {scope.label('en')}"),
        (both(_("Period")), current.period.label()),
        (both(_("Status")), f"{tables.status_text(current, 'hi')} / {tables.status_text(current, 'en')}"),
        (both(_("Figures as at")), f"{timezone.localtime(current.cut):%d.%m.%Y %H:%M} IST"),
        (both(_("Generated")), f"{timezone.localtime(generated):%d.%m.%Y %H:%M} IST"),
    ]


def _column_heads() -> list[str]:
    return [both(label) for _key, label in REPORT_COLUMNS]


def xlsx(current, previous) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    generated = clock.now()
    book = Workbook()
    book.remove(book.active)
    sheets = [(category, current, previous) for category in CATEGORIES]
    if previous is not None:
        sheets.append(("previous", previous, None))
    for category, figured, before in sheets:
        table = tables.build(figured, before, "total" if category == "previous" else category)
        hi, en = CATEGORY_LABELS.get(category, ("पिछला पखवाड़ा", "Previous fortnight"))
        sheet = book.create_sheet(en)
        sheet.append([SCHEME_HI])
        sheet.append([SCHEME_EN])
        sheet.append([title()])
        for label, value in heading_lines(figured, generated):
            sheet.append([label, value])
        sheet.append([both(_("Category")), f"{hi} / {en}"])
        sheet.append([])
        sheet.append([both(_("Code")), "नाम (हिन्दी)", "Name (English)", *_column_heads()])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for line in table.lines:
            sheet.append([line.unit.code, line.unit.name_hi, line.unit.name_en, *[c.value for c in line.cells]])
        sheet.append([both(_("Total")), figured.total.name_hi, figured.total.name_en,
                      *[c.value for c in table.total.cells]])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=4)
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 34
        sheet.column_dimensions["C"].width = 34
        sheet.cell(row=1, column=1).font = Font(bold=True, size=12)
        sheet.cell(row=3, column=1).font = Font(bold=True, size=12)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CSV_HEAD = ["period_start", "period_end", "frozen", "version", "figures_as_at", "generated_at", "category", "level",
            "code", "name_en", "name_hi", *[key for key, _label in REPORT_COLUMNS]]


def csv_bytes(current) -> bytes:
    """One line per unit and category (total, employees, pensioners), then the totals."""
    generated = clock.now()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEAD)
    snapshot = current.snapshot
    common = [current.period.start.isoformat(), current.period.end.isoformat(), "yes" if current.frozen else "no",
              snapshot.version if snapshot else "", timezone.localtime(current.cut).isoformat(timespec="seconds"),
              timezone.localtime(generated).isoformat(timespec="seconds")]
    for category in CATEGORIES:
        table = tables.build(current, None, category)
        for line in table.lines:
            writer.writerow([*common, category, level_of(line.unit), line.unit.code, line.unit.name_en,
                             line.unit.name_hi, *["" if c.value is None else c.value for c in line.cells]])
    for category in CATEGORIES:
        table = tables.build(current, None, category)
        writer.writerow([*common, category, "total", current.scope.token, current.total.name_en or
                         current.scope.label("en"), current.total.name_hi or current.scope.label("hi"),
                         *["" if c.value is None else c.value for c in table.total.cells]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
