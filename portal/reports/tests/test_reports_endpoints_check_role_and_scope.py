"""Every monitoring URL and export, opened by every role: allowed (200/302), a role with no
monitoring (403), a scope outside the user's grants (404), or sent to log in.

Columns: anonymous, state, helpdesk, ddo, to, operator, district, division, department,
beneficiary, hospital. As in tests/test_every_endpoint_checks_role_and_scope.py, the district,
division and department officers sit in Lucknow / Lucknow division / Medical and Health; the
DDO, TO and operator in the CMO Office Lucknow. "Other" scopes are Agra's (Agra division,
Basic Education)."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.audit.models import Event
from portal.directory.models import Department, District
from tests.endpoint_table import Row, problems, refuses_get
from tests.endpoint_table import world  # noqa: F401  (the fixture)

from ..models import Review, Target
from ..periods import last_ended_fortnight
from ..services import freeze

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports_world(world, system):  # noqa: F811
    """The access world, with the last ended fortnight frozen and the scopes' URL tokens."""
    lucknow, agra = District.objects.get(lgd_code=162), District.objects.get(lgd_code=118)
    medical, education = Department.objects.get(name_en="Medical and Health"), Department.objects.get(
        name_en="Basic Education")
    period = last_ended_fortnight()
    freeze(period=period, actor=system)
    return SimpleNamespace(**vars(world), period=period.slug, current=period.next().slug,
                           division=f"dv-{lucknow.division.code}", other_division=f"dv-{agra.division.code}",
                           district="d-162", other_district="d-118", department=f"dp-{medical.code}",
                           other_department=f"dp-{education.code}", deptdist=f"d-162-dp-{medical.code}",
                           other_deptdist=f"d-118-dp-{education.code}", own_office=f"of-{world.office}",
                           other_office=f"of-{world.users['ddo_agra'].grants.get().office.code}")


def a_target_file():
    return {"file": SimpleUploadedFile("targets.csv", b"district,employees,pensioners\n162,500,40\n", "text/csv")}


def reviews_count(w):
    return Review.objects.count()


def regeneration_requests(w):
    return Event.objects.filter(action="reports.snapshot.regeneration_requested").count()


REVIEW = {"remarks": "Three offices lag; DDOs called.", "action_taken": "Letters issued on 16.11."}

# fmt: off
ROWS = [
    #   route                     URL                                                    anon state help ddo  to   oper dist divn dept benf hosp
    Row("reports:home",           "/reports/",                                           "LOG 302 302 302 302 403 302 302 302 403 403"),
    Row("reports:dashboard",      "/reports/state/",                                     "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:dashboard",      "/reports/{division}/",                                "LOG 200 200 404 404 403 404 200 404 403 403"),
    Row("reports:dashboard",      "/reports/{other_division}/",                          "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:dashboard",      "/reports/{district}/",                                "LOG 200 200 404 404 403 200 200 404 403 403"),
    Row("reports:dashboard",      "/reports/{other_district}/",                          "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:dashboard",      "/reports/{department}/",                              "LOG 200 200 404 404 403 404 404 200 403 403"),
    Row("reports:dashboard",      "/reports/{other_department}/",                        "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:dashboard",      "/reports/{deptdist}/",                                "LOG 200 200 404 404 403 200 200 200 403 403"),
    Row("reports:dashboard",      "/reports/{other_deptdist}/",                          "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:dashboard",      "/reports/{own_office}/",                              "LOG 200 200 200 200 403 200 200 200 403 403"),
    Row("reports:dashboard",      "/reports/{other_office}/",                            "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:dashboard",      "/reports/my/",                                        "LOG 404 404 200 200 403 404 404 404 403 403"),
    Row("reports:dashboard",      "/reports/of-NO-SUCH-OFFICE/",                         "LOG 404 404 404 404 403 404 404 404 403 403"),
    Row("reports:report",         "/reports/state/fortnight/",                           "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:report",         "/reports/{division}/fortnight/?period={period}",      "LOG 200 200 404 404 403 404 200 404 403 403"),
    Row("reports:report",         "/reports/{district}/fortnight/?period={period}",      "LOG 200 200 404 404 403 200 200 404 403 403"),
    Row("reports:report",         "/reports/{district}/fortnight/?period={current}",     "LOG 200 200 404 404 403 200 200 404 403 403"),
    Row("reports:report",         "/reports/{other_district}/fortnight/",                "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:report",         "/reports/{department}/fortnight/",                    "LOG 200 200 404 404 403 404 404 200 403 403"),
    Row("reports:report",         "/reports/{deptdist}/fortnight/",                      "LOG 200 200 404 404 403 200 200 200 403 403"),
    Row("reports:report",         "/reports/{own_office}/fortnight/",                    "LOG 200 200 200 200 403 200 200 200 403 403"),
    Row("reports:report",         "/reports/{other_office}/fortnight/",                  "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:report",         "/reports/my/fortnight/",                              "LOG 404 404 200 200 403 404 404 404 403 403"),
    Row("reports:report",         "/reports/{district}/fortnight/?period=2026-11-07",    "LOG 404 404 404 404 403 404 404 404 403 403"),
    Row("reports:export",         "/reports/{district}/fortnight/{period}.xlsx",         "LOG 200 200 404 404 403 200 200 404 403 403"),
    Row("reports:export",         "/reports/{district}/fortnight/{period}.csv",          "LOG 200 200 404 404 403 200 200 404 403 403"),
    Row("reports:export",         "/reports/{district}/fortnight/{period}.pdf",          "LOG 200 200 404 404 403 200 200 404 403 403"),
    Row("reports:export",         "/reports/{other_district}/fortnight/{period}.xlsx",   "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:export",         "/reports/{other_district}/fortnight/{period}.csv",    "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:export",         "/reports/{other_district}/fortnight/{period}.pdf",    "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:export",         "/reports/{own_office}/fortnight/{period}.xlsx",       "LOG 200 200 200 200 403 200 200 200 403 403"),
    Row("reports:export",         "/reports/{other_office}/fortnight/{period}.csv",      "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:export",         "/reports/{other_deptdist}/fortnight/{period}.pdf",    "LOG 200 200 404 404 403 404 404 404 403 403"),
    Row("reports:export",         "/reports/my/fortnight/{period}.xlsx",                 "LOG 404 404 200 200 403 404 404 404 403 403"),
    Row("reports:export",         "/reports/{district}/fortnight/{period}.docx",         "LOG 404 404 404 404 404 404 404 404 404 404"),
    Row("reports:review",         "/reports/{district}/fortnight/{period}/review/",      "LOG 403 403 403 403 403 302 403 403 403 403",
        post=REVIEW, keeps=reviews_count),
    Row("reports:review",         "/reports/{division}/fortnight/{period}/review/",      "LOG 403 403 403 403 403 404 302 403 403 403",
        post=REVIEW, keeps=reviews_count),
    Row("reports:review",         "/reports/{other_district}/fortnight/{period}/review/", "LOG 403 403 403 403 403 404 404 403 403 403",
        post=REVIEW, keeps=reviews_count),
    Row("reports:reviews",        "/reports/reviews/",                                   "LOG 200 200 403 403 403 403 200 403 403 403"),
    Row("reports:reminders",      "/reports/reminders/",                                 "LOG 200 200 200 200 403 200 200 200 403 403"),
    Row("reports:targets",        "/reports/targets/",                                   "LOG 200 200 403 403 403 403 403 403 403 403"),
    Row("reports:targets",        "/reports/targets/",                                   "LOG 302 403 403 403 403 403 403 403 403 403",
        post=a_target_file, keeps=lambda w: Target.objects.count()),
    Row("reports:targets_template", "/reports/targets/template.csv",                     "LOG 200 403 403 403 403 403 403 403 403 403"),
    Row("reports:snapshots",      "/reports/snapshots/",                                 "LOG 200 200 403 403 403 403 403 403 403 403"),
    Row("reports:regenerate",     "/reports/snapshots/{period}/regenerate/",             "LOG 302 403 403 403 403 403 403 403 403 403",
        post={"reason": "Two offices were merged late"}, keeps=regeneration_requests),
]
# fmt: on


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.name} {r.url}" for r in ROWS])
def test_route_answers_each_role_as_the_table_says(reports_world, row):
    found = problems(reports_world, row)
    assert not found, f"{'GET' if row.post is None else 'POST'} {row.url}\n" + "\n".join(found)


@pytest.mark.parametrize("row", [r for r in ROWS if r.post is not None and r.name != "reports:targets"],
                         ids=lambda r: f"{r.name} {r.url}")
def test_action_endpoint_refuses_get_and_changes_nothing(reports_world, row):
    assert refuses_get(reports_world, row)
