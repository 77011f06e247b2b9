"""CSV/XLSX imports by the state cell: all rows or none, and a report naming each bad row and column."""

import csv
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from portal.audit.models import Event
from portal.directory.models import Department, Office, Treasury

pytestmark = pytest.mark.django_db

OFFICE_HEADER = ["code", "name_en", "name_hi", "kind", "office_type", "address", "district", "department",
                 "treasury", "ddo_code", "headcount", "active"]


@pytest.fixture
def state(users, login):
    client = login(users["state"])
    client.cookies["portal_language"] = "en"  # English messages, so the assertions read plainly
    return client


def csv_bytes(rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, entity, content: bytes, name="data.csv", content_type="text/csv"):
    return client.post(reverse("directory:import", args=[entity]),
                       {"file": SimpleUploadedFile(name, content, content_type)})


def error_table(response) -> list[tuple[str, str, str]]:
    page = response.content.decode()
    return [tuple(html.unescape(cell) for cell in row)
            for row in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)]


def office_row(name_en, name_hi, **overrides):
    row = {"code": "", "name_en": name_en, "name_hi": name_hi, "kind": "ddo", "office_type": "district",
           "address": "Lucknow", "district": "162", "department": "DEP056", "treasury": "T162",
           "ddo_code": "2662", "headcount": "40", "active": "yes"}
    row.update(overrides)
    return [row[c] for c in OFFICE_HEADER]


def imported_events(model):
    return Event.objects.filter(action=f"directory.{model}.imported")


def test_csv_with_hindi_names_creates_departments_and_is_audited(state, users):
    content = csv_bytes([
        ["code", "name_en", "name_hi", "aliases"],
        ["DEP901", "Silk Development", "रेशम विकास विभाग", "sericulture|रेशम"],
        ["DEP902", "Tourism Promotion", "पर्यटन संवर्धन विभाग", ""],
    ])
    response = upload(state, "departments", content)
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:list", args=["departments"])
    silk = Department.objects.get(code="DEP901")
    assert (silk.name_en, silk.name_hi, silk.aliases, silk.active) == (
        "Silk Development", "रेशम विकास विभाग", "sericulture|रेशम", True)
    assert Department.objects.get(code="DEP902").name_hi == "पर्यटन संवर्धन विभाग"
    assert Department.objects.count() == 102
    event = imported_events("department").get()
    assert event.actor == users["state"]
    assert event.details == {"rows": 2, "created": 2, "updated": 0}
    page = state.get(response["Location"]).content.decode()
    assert "Imported 2 rows: 2 new, 0 updated." in page


def test_second_file_with_an_existing_code_updates_that_record(state):
    upload(state, "departments", csv_bytes([["code", "name_en", "name_hi"], ["DEP903", "Old Name", "पुराना नाम"]]))
    # Excel writes UTF-8 with a byte-order mark; the header must still be read.
    second = "\ufeff".encode() + csv_bytes([["Code", "Name_EN", "name_hi", "active"],
                                            ["DEP903", "New Name", "नया नाम", "no"]])
    response = upload(state, "departments", second)
    assert response.status_code == 302
    department = Department.objects.get(code="DEP903")
    assert (department.name_en, department.name_hi, department.active) == ("New Name", "नया नाम", False)
    assert Department.objects.filter(code="DEP903").count() == 1
    assert list(imported_events("department").values_list("details", flat=True)) == [
        {"rows": 1, "created": 0, "updated": 1}, {"rows": 1, "created": 1, "updated": 0}]


def test_xlsx_file_imports_offices_with_district_department_and_treasury_codes(state, geo):
    book = Workbook()
    sheet = book.active
    sheet.append(OFFICE_HEADER)
    sheet.append(["", "District Hospital Lucknow", "जिला अस्पताल लखनऊ", "ddo", "hospital", "Civil Lines",
                  162, "DEP056", "T162", 2662, 120, True])
    sheet.append(["", "Treasury Office Agra", "कोषागार कार्यालय आगरा", "treasury", "treasury", "Agra",
                  118, "DEP010", "T118", None, 900, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(state, "offices", buffer.getvalue(), name="offices.xlsx",
                      content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.status_code == 302, error_table(response)
    hospital = Office.objects.get(name_en="District Hospital Lucknow")
    assert hospital.name_hi == "जिला अस्पताल लखनऊ"
    assert (hospital.district, hospital.department, hospital.treasury) == (geo["lucknow"], geo["medical"],
                                                                            geo["t_lucknow"])
    assert (hospital.ddo_code, hospital.headcount, hospital.kind, hospital.active) == ("2662", 120, "ddo", True)
    assert re.fullmatch(r"OF\d{7}", hospital.code) and hospital.code == f"OF{hospital.pk:07d}"
    treasury_office = Office.objects.get(name_en="Treasury Office Agra")
    assert (treasury_office.district, treasury_office.treasury) == (geo["agra"], geo["t_agra"])
    assert imported_events("office").get().details == {"rows": 2, "created": 2, "updated": 0}


def test_one_bad_row_refuses_the_whole_file_and_names_each_row_and_column(state, offices):
    before = Office.objects.count()
    content = csv_bytes([
        OFFICE_HEADER,
        office_row("Good Office One", "अच्छा कार्यालय एक", code="OFX0001"),                  # row 2
        office_row("Nowhere Office", "कहीं का कार्यालय", district="99999"),                   # row 3
        office_row("Negative Office", "ऋणात्मक कार्यालय", headcount="-5"),                     # row 4
        office_row("No Hindi Office", ""),                                                    # row 5
        office_row("Latin Hindi Office", "Karyalaya कार्यालय"),                               # row 6
        office_row("Repeated Office", "दोहराया कार्यालय", code="OFX0001"),                    # row 7
        office_row("Good Office Two", "अच्छा कार्यालय दो"),                                   # row 8
        office_row("Renamed Lucknow", "नया नाम लखनऊ", code=offices["lucknow"].code),         # row 9
    ])
    response = upload(state, "offices", content)
    assert response.status_code == 400
    errors = error_table(response)
    assert {(row, column) for row, column, _ in errors} == {
        ("3", "district"), ("4", "headcount"), ("5", "name_hi"), ("6", "name_hi"), ("7", "code")}
    messages = dict(((row, column), message) for row, column, message in errors)
    assert "Type this in Hindi" in messages[("6", "name_hi")]
    assert "row 2" in messages[("7", "code")]
    assert "5 errors: nothing was imported." in response.content.decode()
    # Nothing from the file: no new office, and the existing one was not renamed.
    assert Office.objects.count() == before
    assert not Office.objects.filter(name_en__in=["Good Office One", "Good Office Two"]).exists()
    offices["lucknow"].refresh_from_db()
    assert offices["lucknow"].name_en == "CMO Office Lucknow"
    assert not imported_events("office").exists()


def test_bad_row_in_departments_file_leaves_existing_department_unchanged(state):
    content = csv_bytes([
        ["code", "name_en", "name_hi"],
        ["DEP010", "Primary Education", "प्राथमिक शिक्षा विभाग"],
        ["DEP950", "New Department", "नया विभाग"],
        ["DEP951", "Broken Department", "Broken"],
    ])
    response = upload(state, "departments", content)
    assert response.status_code == 400
    assert [(row, column) for row, column, _ in error_table(response)] == [("4", "name_hi")]
    assert Department.objects.get(code="DEP010").name_en == "Basic Education"
    assert not Department.objects.filter(code__in=["DEP950", "DEP951"]).exists()
    assert not imported_events("department").exists()


def test_unknown_and_missing_column_headers_are_reported(state):
    response = upload(state, "departments", csv_bytes([["code", "name_en", "colour"], ["DEP960", "X", "लाल"]]))
    assert response.status_code == 400
    errors = error_table(response)
    assert ("1", "colour") in [(row, column) for row, column, _ in errors]
    assert any(column == "colour" and "Unknown column" in message for _, column, message in errors)
    assert ("1", "name_hi", "This column is missing.") in errors
    assert not Department.objects.filter(code="DEP960").exists()


def test_empty_file_gets_a_clear_error(state):
    response = upload(state, "departments", b"")
    assert response.status_code != 302
    assert "The submitted file is empty." in response.content.decode()
    response = upload(state, "departments", b"\r\n\r\n")
    assert response.status_code == 400
    assert ("—", "—", "The file is empty.") in error_table(response)
    response = upload(state, "departments", csv_bytes([["code", "name_en", "name_hi"]]))
    assert response.status_code == 400
    assert ("—", "—", "The file has a header but no rows.") in error_table(response)
    assert not imported_events("department").exists()


@pytest.mark.parametrize("name, content", [
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"),
    ("old-excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),
    ("data.bin", b"code\x00name\x00\x01\x02"),
], ids=["png", "legacy-xls", "nul-bytes"])
def test_binary_file_is_refused_as_not_csv_or_xlsx(state, name, content):
    response = upload(state, "departments", content, name=name, content_type="application/octet-stream")
    assert response.status_code == 400
    assert ("—", "—", "This is not a CSV or XLSX file.") in error_table(response)
    assert Department.objects.count() == 100


def test_broken_xlsx_file_is_refused(state):
    response = upload(state, "departments", b"PK\x03\x04 not really a workbook", name="x.xlsx")
    assert response.status_code == 400
    assert ("—", "—", "The XLSX file could not be read.") in error_table(response)


def test_non_utf8_csv_is_refused_with_a_request_to_save_as_utf8(state):
    content = csv_bytes([["code", "name_en", "name_hi"], ["DEP970", "Café Department", "कैफ़े"]], encoding="utf-8")
    legacy = content.replace("Café".encode(), "Café".encode("cp1252"))
    response = upload(state, "departments", legacy)
    assert response.status_code == 400
    assert ("—", "—", "Save the CSV file as UTF-8 (Hindi needs it).") in error_table(response)
    assert not Department.objects.filter(code="DEP970").exists()


def test_downloaded_template_imports_once_rows_are_added(state):
    response = state.get(reverse("directory:template", args=["treasuries"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header = response.content.decode()
    assert header == "code,name_en,name_hi,kind,district,active\n"
    content = (header + "T999,Sub Treasury Mohanlalganj,उप कोषागार मोहनलालगंज,other,162,yes\n").encode()
    assert upload(state, "treasuries", content).status_code == 302
    treasury = Treasury.objects.get(code="T999")
    assert (treasury.kind, treasury.district.lgd_code) == ("other", 162)
    assert imported_events("treasury").get().details == {"rows": 1, "created": 1, "updated": 0}


def test_update_file_without_optional_columns_keeps_their_values(state):
    # Only the required columns: renaming must not wipe the district or the other names.
    treasuries = "code,name_en,name_hi,kind\nT118,Agra Collectorate Treasury,कोषागार कलेक्ट्रेट आगरा,district\n"
    assert upload(state, "treasuries", treasuries.encode()).status_code == 302
    treasury = Treasury.objects.get(code="T118")
    assert treasury.name_en == "Agra Collectorate Treasury"
    assert treasury.district is not None and treasury.district.lgd_code == 118
    departments = "code,name_en,name_hi\nDEP001,AYUSH,आयुष विभाग\n"
    assert upload(state, "departments", departments.encode()).status_code == 302
    assert "ayush department" in Department.objects.get(code="DEP001").aliases


def test_file_over_the_import_size_limit_is_refused(state, settings):
    settings.IMPORT_MAX_BYTES = 1000
    rows = [["code", "name_en", "name_hi"]] + [[f"DEP8{i:02d}", f"Department {i}", "नया विभाग"] for i in range(60)]
    content = csv_bytes(rows)
    assert len(content) > 1000
    response = upload(state, "departments", content)
    assert response.status_code != 302
    assert not Department.objects.filter(code__startswith="DEP8").exists()
    assert not imported_events("department").exists()
