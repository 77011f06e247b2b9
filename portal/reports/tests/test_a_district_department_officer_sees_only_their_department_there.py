"""A department officer whose grant also names a district (a district-level departmental
officer) sees their department in that district and its offices — the dashboard, the
fortnightly report and every download — and any other scope is a 404: the district as a
whole, the department across the state or in another district, an office of another
department; their reminders page shows only their scope."""

import datetime

import pytest

from portal.directory.models import Department, District

from ..periods import fortnight_of
from ..tasks import freeze_due_snapshots
from .conftest import IST, NOW

pytestmark = pytest.mark.django_db
PERIOD = fortnight_of(NOW.date())


def test_the_officer_lands_on_and_opens_only_their_department_in_their_district(population, at_now, client, login):
    at_now.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=IST))
    freeze_due_snapshots()
    medical = Department.objects.get(name_en="Medical and Health")
    own = f"d-162-dp-{medical.code}"
    login(population.users["deptdist"])
    response = client.get("/reports/", follow=True)
    assert response.redirect_chain[-1][0] == f"/reports/{own}/"
    assert {c.office_id for c in response.context["children"]} == {population.offices["lko_med"].pk} | {
        o.pk for o in medical.offices.filter(district__lgd_code=162)}

    mine = population.offices["lko_med"]
    allowed = [f"/reports/{own}/", f"/reports/{own}/fortnight/", f"/reports/{own}/fortnight/?period={PERIOD.slug}",
               f"/reports/of-{mine.code}/", f"/reports/of-{mine.code}/fortnight/"]
    allowed += [f"/reports/{own}/fortnight/{PERIOD.slug}.{fmt}" for fmt in ("xlsx", "csv", "pdf")]
    allowed += [f"/reports/of-{mine.code}/fortnight/{PERIOD.slug}.{fmt}" for fmt in ("xlsx", "csv", "pdf")]
    for url in allowed:
        assert client.get(url).status_code == 200, url

    unnao = District.objects.get(name_en="Unnao")
    other_office = population.offices["lko_edu"]  # Lucknow, Basic Education
    unnao_office = population.offices["unnao_med"]  # Medical and Health, Unnao
    refused = ["d-162", f"dp-{medical.code}", f"d-{unnao.lgd_code}-dp-{medical.code}", f"of-{other_office.code}",
               f"of-{unnao_office.code}", "state", f"dv-{District.objects.get(lgd_code=162).division.code}"]
    for token in refused:
        for url in (f"/reports/{token}/", f"/reports/{token}/fortnight/",
                    *[f"/reports/{token}/fortnight/{PERIOD.slug}.{fmt}" for fmt in ("xlsx", "csv", "pdf")]):
            assert client.get(url).status_code == 404, url
    for url in ("/reports/reviews/", "/reports/targets/", "/reports/snapshots/"):
        assert client.get(url).status_code == 403, url


def test_their_report_rows_and_totals_are_their_department_in_their_district_only(population, at_now, client,
                                                                                  login):
    at_now.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=IST))
    freeze_due_snapshots()
    medical = Department.objects.get(name_en="Medical and Health")
    login(population.users["deptdist"])
    response = client.get(f"/reports/d-162-dp-{medical.code}/fortnight/{PERIOD.slug}.csv")
    lines = response.content.decode("utf-8-sig").splitlines()[1:]
    codes = {line.split(",")[8] for line in lines}
    expected = {o.code for o in medical.offices.filter(district__lgd_code=162)}
    assert codes == expected | {f"d-162-dp-{medical.code}"}
