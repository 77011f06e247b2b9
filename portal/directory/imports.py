"""Reading CSV/XLSX master-data files into rows, and the report of what was wrong."""

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .forms import DepartmentForm, OfficeForm, TreasuryForm
from .models import Department, Office, Treasury


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append((row, column, str(message)))


class ImportRejected(Exception):
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} errors")
        self.report = report


@dataclass(frozen=True)
class ImportSpec:
    slug: str
    model: type
    form: type
    key: str
    columns: tuple[str, ...]
    required: tuple[str, ...]


SPECS = {
    "departments": ImportSpec(
        "departments", Department, DepartmentForm, "code",
        ("code", "name_en", "name_hi", "aliases", "active"), ("code", "name_en", "name_hi"),
    ),
    "treasuries": ImportSpec(
        "treasuries", Treasury, TreasuryForm, "code",
        ("code", "name_en", "name_hi", "kind", "district", "active"), ("code", "name_en", "name_hi", "kind"),
    ),
    "offices": ImportSpec(
        "offices", Office, OfficeForm, "code",
        ("code", "name_en", "name_hi", "kind", "office_type", "address", "district", "department",
         "treasury", "ddo_code", "headcount", "active"),
        ("name_en", "name_hi", "kind", "office_type", "address", "district", "department", "treasury"),
    ),
}

_TRUE = {"1", "true", "yes", "y", "हाँ", "हां"}


def _cells_to_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(upload) -> list[list[str]]:
    data = upload.read()
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise ImportRejected(_single_error(_("The XLSX file could not be read."))) from exc
        return [[_cells_to_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    if b"\x00" in data[:4096]:  # PNG, PDF, old .xls: binary, whatever the name says
        raise ImportRejected(_single_error(_("This is not a CSV or XLSX file.")))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(_single_error(_("Save the CSV file as UTF-8 (Hindi needs it)."))) from exc
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def _single_error(message: str) -> ImportReport:
    report = ImportReport()
    report.add(0, "", message)
    return report


def row_of(spec: ImportSpec, instance) -> dict[str, str]:
    """An existing record as an import row, so a file that leaves out a column keeps
    that column's current value instead of blanking it."""
    row = {}
    fields = spec.form.base_fields
    for name in spec.columns:
        value = getattr(instance, name, None)
        to_field = getattr(fields.get(name), "to_field_name", None)
        if isinstance(value, bool):
            row[name] = "on" if value else ""
        elif hasattr(value, "pk"):
            row[name] = str(getattr(value, to_field or "pk"))
        else:
            row[name] = "" if value is None else str(value)
    return row


def new_row_defaults(spec: ImportSpec) -> dict[str, str]:
    return {"active": "on"} if "active" in spec.columns else {}


def read_table(upload, *, spec: ImportSpec) -> list[tuple[int, dict[str, str]]]:
    """Rows as dicts keyed by column name, numbered as a spreadsheet numbers them (header = 1)."""
    table = _table(upload)
    if not table or not any(table[0]):
        raise ImportRejected(_single_error(_("The file is empty.")))
    header = [h.strip().lower() for h in table[0]]
    report = ImportReport()
    for name in header:
        if name and name not in spec.columns:
            report.add(1, name, _("Unknown column. Allowed columns: %(cols)s") % {"cols": ", ".join(spec.columns)})
    for name in spec.required:
        if name not in header:
            report.add(1, name, _("This column is missing."))
    if report.errors:
        raise ImportRejected(report)
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
        if "active" in row:
            row["active"] = "on" if row["active"].strip().lower() in _TRUE or row["active"] == "" else ""
        rows.append((index, row))
    if not rows:
        raise ImportRejected(_single_error(_("The file has a header but no rows.")))
    return rows
