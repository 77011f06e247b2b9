"""The fortnightly report's downloads carry the same figures as the page, in the fixed
format: XLSX (a sheet per category and the previous fortnight), CSV (a line per unit and
category, then totals) and a bilingual PDF whose Devanagari is shaped."""

import csv
import datetime
import io
import shutil
import subprocess

import pytest
import time_machine
from openpyxl import load_workbook

from ..figures import REPORT_COLUMNS
from ..periods import fortnight_of
from ..tasks import freeze_due_snapshots
from .conftest import IST, NOW

pytestmark = pytest.mark.django_db
AFTER_END = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=IST)
PERIOD = fortnight_of(NOW.date())


@pytest.fixture
def frozen(population, at_now):
    at_now.move_to(AFTER_END)
    freeze_due_snapshots()
    return population


def get(client, login, user, url):
    login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def header_row(sheet):
    for index, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if row and row[1] == "नाम (हिन्दी)":
            return index
    raise AssertionError("no header row")


def test_xlsx_has_a_sheet_per_category_with_rows_and_totals(frozen, client, login):
    office = frozen.offices["lko_med"]
    district = office.district
    response = get(client, login, frozen.users["district"], f"/reports/d-162/fortnight/{PERIOD.slug}.xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="fortnightly-report-d-162-{PERIOD.slug}.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Total", "Employees", "Pensioners", "Previous fortnight"]
    sheet = book["Total"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    flat = " ".join(str(c) for r in values for c in r if c is not None)
    assert "पाक्षिक" in flat or "Fortnightly registration review report" in flat
    assert PERIOD.label() in flat and district.name_hi in flat
    head = header_row(sheet)
    assert len(values[head - 1]) == 3 + len(REPORT_COLUMNS)
    rows = values[head:]
    names = [r[2] for r in rows[:-1]]
    assert names == sorted(names, key=lambda n: n) or len(names) == 3  # one row per department in Lucknow
    assert {r[2] for r in rows[:-1]} == {"Medical and Health, Lucknow", "Basic Education, Lucknow", "Finance, Lucknow"}
    total = rows[-1]
    registered = [k for k, _l in REPORT_COLUMNS].index("registered") + 3
    assert total[registered] == sum(r[registered] for r in rows[:-1]) == 54  # 18 in each of three offices
    pensioners = book["Pensioners"]
    p_rows = [list(r) for r in pensioners.iter_rows(values_only=True)][header_row(pensioners):]
    assert p_rows[-1][registered] == 18  # the treasury office's


def test_csv_has_a_line_per_unit_and_category_then_totals(frozen, client, login):
    response = get(client, login, frozen.users["state"], f"/reports/d-162/fortnight/{PERIOD.slug}.csv")
    text = response.content.decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [k for k in lines[0]][:11] == ["period_start", "period_end", "frozen", "version", "figures_as_at",
                                         "generated_at", "category", "level", "code", "name_en", "name_hi"]
    assert len(lines) == 3 * 3 + 3  # three departments x three categories, then three totals
    totals = {line["category"]: line for line in lines if line["level"] == "total"}
    assert totals["total"]["registered"] == "54" and totals["pensioners"]["registered"] == "18"
    assert totals["employees"]["pending"] == "20" and all(line["frozen"] == "yes" for line in lines)
    assert lines[0]["period_start"] == PERIOD.start.isoformat()


def test_the_page_shows_the_frozen_report_with_the_previous_fortnight(frozen, client, login):
    page = get(client, login, frozen.users["district"], f"/reports/d-162/fortnight/?period={PERIOD.slug}")
    html = page.content.decode()
    assert page.context["current"].frozen and page.context["previous"].period == PERIOD.previous()
    table = page.context["table"]
    assert table.total.cells[[k for k, _l in REPORT_COLUMNS].index("registered")].value == 54
    assert len(table.lines) == 3 and 'class="prev"' in html
    employees = client.get(f"/reports/d-162/fortnight/?period={PERIOD.slug}&category=pensioners")
    assert employees.context["table"].total.cells[3].value == 18
    # As the downloads do: the instant the figures are as at (the fortnight's end), and when shown.
    assert "आँकड़े इस समय तक" in html and "30.11.2026 23:59 IST" in html
    assert "तैयार की गई" in html and f"{AFTER_END:%d.%m.%Y %H:%M} IST" in html


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils")
def test_the_pdf_is_bilingual_and_lists_every_unit(frozen, client, login, tmp_path):
    response = get(client, login, frozen.users["district"], f"/reports/d-162/fortnight/{PERIOD.slug}.pdf")
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    text = result.stdout
    assert "Fortnightly registration review report" in text and "Medical and Health, Lucknow" in text
    assert "Finance, Lucknow" in text and PERIOD.label() in text
    assert "Syntax Error" not in result.stderr and "font" not in result.stderr.lower()
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                       check=True)
        assert list(tmp_path.glob("page*.png"))


def test_a_report_of_a_fortnight_not_frozen_says_so(population, client, login):
    with time_machine.travel(NOW, tick=False):
        page = get(client, login, population.users["district"], "/reports/d-162/fortnight/?period=" + PERIOD.slug)
    assert not page.context["current"].frozen and page.context["current"].in_progress


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils")
def test_every_page_of_a_long_pdf_report_carries_the_column_heads(frozen, client, login, tmp_path):
    response = get(client, login, frozen.users["state"], f"/reports/state/fortnight/{PERIOD.slug}.pdf")
    path = tmp_path / "state.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) > 3  # 75 districts in each of three tables: each table runs over pages
    for number, page in enumerate(pages, start=1):
        assert "Pending" in page and "Self-printed" in page, f"page {number} has no column heads"
    assert text.count("Agra · 118") == 3 and text.count("Lalitpur") == 3  # every district, once per table
