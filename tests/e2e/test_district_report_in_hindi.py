"""A district officer's fortnightly review in a browser, in Hindi, on a 360 px phone: the
monitoring dashboard → the fortnightly report (frozen at the fortnight's end, the previous
fortnight beside it) → a department → an office → the XLSX download, checked cell by cell
against an independent count; then the review remarks. axe finds no serious violations."""

import io
import re

import pytest
from openpyxl import load_workbook

from conftest import PASSWORD
from portal import clock
from portal.directory.models import Office
from portal.reports.periods import last_ended_fortnight
from portal.reports.tasks import freeze_due_snapshots
from portal.reports.tests.population import build, expected, expected_target

pytestmark = pytest.mark.e2e
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.fixture
def reviewed_world(e2e_settings, system, make_user, users):
    world = build(now=clock.now(), system=system, make_user=make_user, users=users)
    freeze_due_snapshots()
    return world


def submit(page, form="main form"):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def test_district_officer_reviews_the_fortnight_drills_down_to_an_office_and_downloads_xlsx(
        page, live_server, reviewed_world, axe, tmp_path):
    base = live_server.url
    officer = reviewed_world.users["district"]
    office = reviewed_world.offices["lko_med"]
    period = last_ended_fortnight()

    page.goto(base + "/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    submit(page)
    # The district officer's home is the district's monitoring dashboard.
    page.wait_for_url(re.compile(r"/reports/d-162/$"))
    assert page.locator("html").get_attribute("lang") == "hi"
    assert "जनपद लखनऊ" in page.inner_text("h1")
    assert page.locator("svg.chart").count() == 3  # the trends, each with its table
    axe(page, "district dashboard")

    # The fortnightly report of the fortnight that has just ended: frozen, with the previous one.
    page.click("main a.button[href='/reports/d-162/fortnight/']")
    page.wait_for_url(re.compile(r"/reports/d-162/fortnight/$"))
    assert "पाक्षिक पंजीकरण समीक्षा रिपोर्ट" in page.inner_text("h1")
    assert "स्थिर किया गया" in page.inner_text("main .badge")
    assert period.label() in page.inner_text("main")
    axe(page, "district fortnightly report")

    # Drill down: the department in the district, then the office.
    page.click(f"main table.report a[href^='/reports/d-162-dp-{office.department.code}/fortnight/']")
    page.wait_for_url(re.compile(rf"/reports/d-162-dp-{office.department.code}/fortnight/"))
    axe(page, "department in the district")
    page.click(f"main table.report a[href^='/reports/of-{office.code}/fortnight/']")
    page.wait_for_url(re.compile(rf"/reports/of-{office.code}/fortnight/"))
    assert office.name_hi in page.inner_text("main")
    axe(page, "office report")

    with page.expect_download() as download_info:
        page.click("main a[href$='.xlsx']")
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames == ["Total", "Employees", "Pensioners", "Previous fortnight"]
    rows = [list(r) for r in book["Total"].iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r and r[1] == "नाम (हिन्दी)")
    line = next(r for r in rows[head + 1:] if r[0] == office.code)
    columns = rows[head]
    want = expected([Office.objects.get(pk=office.pk)], start=period.begins_at, cut=period.ends_at,
                    unit_target=expected_target("office", office=office))
    value = {name.split(" / ")[-1]: v for name, v in zip(columns, line)}
    assert value["Registered"] == want.get("registered") and value["Pending"] == want.get("pending")
    assert value["Verified"] == want.get("verified") and value["Target"] == want.get("target")
    assert value["Cards printed"] == want.get("cards_printed")
    assert DEVANAGARI.search(line[1])  # the office's Hindi name

    # Back to the district's report: the officer records the fortnight's review.
    page.goto(base + "/reports/d-162/fortnight/")
    page.fill("#id_remarks", "तीन कार्यालयों में पंजीकरण लंबित हैं; डीडीओ से वार्ता की गई।")
    page.fill("#id_action_taken", "पत्र जारी किए गए; अगले पखवाड़े तक निस्तारण का निर्देश।")
    axe(page, "review form")
    submit(page, "form[action$='/review/']")
    assert "दर्ज कर ली गई" in page.inner_text(".messages")
    assert "तीन कार्यालयों" in page.inner_text("#review + dl")
    assert not axe.problems, "\n".join(axe.problems)
