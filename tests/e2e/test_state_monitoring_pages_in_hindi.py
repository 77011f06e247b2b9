"""The state cell's monitoring pages in a browser, in Hindi, on a 360 px phone: the state
dashboard, the list of missing reviews, a target upload with row errors, the frozen
fortnights and the reminders sent. axe finds no serious violations on any of them.
The district officer's pages are in
test_district_report_in_hindi.py."""

import re

import pytest

from conftest import PASSWORD
from portal import clock
from portal.reports.reminders import send_pending_reminders
from portal.reports.tasks import freeze_due_snapshots
from portal.reports.tests.population import build

pytestmark = pytest.mark.e2e


@pytest.fixture
def state_world(e2e_settings, system, make_user, users):
    world = build(now=clock.now(), system=system, make_user=make_user, users=users)
    freeze_due_snapshots()
    send_pending_reminders()
    return world


def test_state_cell_pages_have_no_serious_accessibility_problems(page, live_server, state_world, axe, tmp_path):
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", state_world.users["state"].username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(base + "/reports/")
    page.wait_for_url(re.compile(r"/reports/state/$"))
    assert page.locator("html").get_attribute("lang") == "hi"
    axe(page, "state dashboard")
    page.goto(base + "/reports/state/fortnight/")
    axe(page, "state fortnightly report")
    page.goto(base + "/reports/reviews/")
    assert page.locator(".badge.missing").count() > 0
    axe(page, "missing reviews")
    page.goto(base + "/reports/reviews/?missing=1")
    axe(page, "only missing reviews")
    page.goto(base + "/reports/targets/")
    bad = tmp_path / "targets.csv"
    bad.write_text("office,district,department,employees,pensioners\nOF9999999,,,10,0\n,162,,-5,0\n")
    page.set_input_files("input[type=file]", str(bad))
    with page.expect_navigation():
        page.click("main form[enctype] button[type=submit]")
    assert page.locator("[role=alert]").count() >= 1
    axe(page, "target upload with row errors")
    page.goto(base + "/reports/snapshots/")
    axe(page, "frozen fortnights")
    page.goto(base + "/reports/reminders/")
    axe(page, "reminders sent")
    assert not axe.problems, "\n".join(axe.problems)
