"""Target headcounts: a file with any bad row (wrong code, negative number, ...) is refused
with every error by row and column, and nothing is imported; a good one sets the targets
coverage is measured against."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from portal.audit.models import Event
from portal.directory.imports import ImportRejected
from portal.directory.models import Department, District, Office

from ..models import Target
from ..periods import current_fortnight
from ..scopes import ReportScope
from ..selectors import live
from ..services import import_targets

pytestmark = pytest.mark.django_db


def csv_file(text: str, name="targets.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")


def xlsx_file(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("targets.xlsx", buffer.getvalue(),
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def codes(offices):
    medical = Department.objects.get(name_en="Medical and Health")
    return {"office": offices["lucknow"].code, "agra": offices["agra"].code, "medical": medical.code}


def test_a_good_csv_sets_targets_for_every_kind_of_unit(codes, system, users):
    report = import_targets(actor=system, upload=csv_file(
        "office,district,department,employees,pensioners\n"
        f"{codes['office']},,,120,\n"
        ",118,,900,60\n"
        f",,{codes['medical']},5000,0\n"
        f",162,{codes['medical']},700,\n"))
    assert (report.total, report.created, report.updated) == (4, 4, 0)
    lucknow, agra = District.objects.get(lgd_code=162), District.objects.get(lgd_code=118)
    medical = Department.objects.get(code=codes["medical"])
    assert {t.key: (t.employees, t.pensioners) for t in Target.objects.all()} == {
        f"office:{Office.objects.get(code=codes['office']).pk}": (120, 0), f"district:{agra.pk}": (900, 60),
        f"department:{medical.pk}": (5000, 0), f"deptdist:{lucknow.pk}:{medical.pk}": (700, 0)}
    assert Event.objects.filter(action="reports.targets.imported").count() == 1
    period = current_fortnight()
    figures = live(users["state"], ReportScope("district", district=agra), period).total.figures
    assert figures.get("target", "employees") == 900 and figures.get("target", "pensioners") == 60
    again = import_targets(actor=system, upload=csv_file(f"office,employees,pensioners\n{codes['office']},130,0\n"))
    assert (again.created, again.updated) == (0, 1)
    assert Target.objects.get(office__code=codes["office"]).employees == 130


def test_a_good_xlsx_is_read_too(codes, system):
    import_targets(actor=system, upload=xlsx_file([["district", "employees", "pensioners"], [162, 450, 35]]))
    assert Target.objects.get(district__lgd_code=162).pensioners == 35


def test_bad_rows_are_each_reported_and_nothing_is_imported(codes, system):
    Target.objects.create(key="district:1", district=District.objects.get(pk=1), employees=5, pensioners=0,
                          uploaded_at="2026-11-01T00:00:00Z")
    upload = csv_file(
        "office,district,department,employees,pensioners\n"
        ",162,,100,10\n"                        # row 2: good
        "NOPE123,,,10,0\n"                      # row 3: no such office
        ",999,,10,0\n"                          # row 4: no such district
        ",,DEP999,10,0\n"                       # row 5: no such department
        ",118,,-5,0\n"                          # row 6: negative
        ",118,,ten,0\n"                         # row 7: not a number
        f"{codes['office']},,,10,4\n"           # row 8: pensioners on a DDO office
        f"{codes['agra']},118,,10,0\n"          # row 9: an office row that also names a district
        ",,,10,0\n"                             # row 10: no unit
        ",162,,20,0\n"                          # row 11: the same unit as row 2
        ",118,,12.5,0\n")                       # row 12: not a whole number
    with pytest.raises(ImportRejected) as rejected:
        import_targets(actor=system, upload=upload)
    errors = {(row, column) for row, column, _message in rejected.value.report.errors}
    assert errors == {(3, "office"), (4, "district"), (5, "department"), (6, "employees"), (7, "employees"),
                      (8, "pensioners"), (9, ""), (10, ""), (11, ""), (12, "employees")}
    messages = {row: message for row, _column, message in rejected.value.report.errors}
    assert "negative" in messages[6] or "ऋणात्मक" in messages[6]
    assert "2" in messages[11]  # names the other row
    assert Target.objects.count() == 1  # not even the good row 2
    assert not Event.objects.filter(action="reports.targets.imported").exists()


@pytest.mark.parametrize("content, problem", [
    (b"", "empty"), (b"code,employees\n", "column"), (b"district,employees,pensioners\n", "no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV"), (b"district,employees\n162,5\n", "missing"),
])
def test_unusable_files_are_refused(system, content, problem, english):
    with pytest.raises(ImportRejected) as rejected:
        import_targets(actor=system, upload=SimpleUploadedFile("t.csv", content, "text/csv"))
    assert any(problem in message for _row, _column, message in rejected.value.report.errors), \
        rejected.value.report.errors
    assert Target.objects.count() == 0


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_the_page_lists_errors_by_row_and_imports_nothing(codes, users, client, login):
    login(users["state"])
    response = client.post("/reports/targets/", {"file": csv_file("district,employees,pensioners\n162,100,0\n"
                                                                   "118,-3,0\n")})
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-box" in page and "<td>3</td>" in page
    assert Target.objects.count() == 0
    good = client.post("/reports/targets/", {"file": csv_file("district,employees,pensioners\n162,300,20\n")})
    assert good.status_code == 302 and Target.objects.get().employees == 300
    listing = client.get("/reports/targets/").content.decode()
    assert "300" in listing
    template = client.get("/reports/targets/template.csv")
    assert template.content.decode().strip() == "office,district,department,employees,pensioners"
