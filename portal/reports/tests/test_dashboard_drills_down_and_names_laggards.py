"""The dashboard drills down state → division → district → department in the district →
office (and a department across the state → its districts), each step with the figures an
independent count gives and a link that opens; it names the laggard offices (most pending,
the longest-waiting first; lowest coverage) with their DDO/TO's name and mobile; its trend
charts are SVG with the same figures as a table, taken from the frozen fortnights; an empty
scope shows zeros."""

import datetime

import pytest

from portal.accounts.models import Grant, Role
from portal.directory.models import Department, District, Division, Office

from ..figures import COUNTS
from ..periods import fortnight_of
from ..services import freeze
from .conftest import NOW
from .population import expected

pytestmark = pytest.mark.django_db
PERIOD = fortnight_of(NOW.date())


def dashboard(client, login, user, token):
    login(user)
    response = client.get(f"/reports/{token}/")
    assert response.status_code == 200, token
    return response


def assert_children(response, client, want: dict[str, list[Office]]):
    """The drill-down lists exactly `want` (token -> its offices), each with the figures of an
    independent count and a link that opens."""
    children = response.context["children"]
    assert sorted(c.token for c in children) == sorted(want)
    page = response.content.decode()
    cut = response.context["figured"].cut
    for child in children:
        got = expected(want[child.token], start=PERIOD.begins_at, cut=cut)
        for key in COUNTS:
            if key != "target":
                assert child.figures.values[key] == got.values[key], (child.token, key)
        assert f'href="/reports/{child.token}/"' in page
        assert client.get(f"/reports/{child.token}/").status_code == 200, child.token


def test_drill_down_from_the_state_to_an_office(population, client, login):
    lucknow = District.objects.get(lgd_code=162)
    state = population.users["state"]
    response = dashboard(client, login, state, "state")
    want = {f"dv-{d.code}": list(Office.objects.filter(district__division=d)) for d in Division.objects.all()}
    assert len(want) == 18
    assert_children(response, client, want)

    division = lucknow.division
    response = dashboard(client, login, state, f"dv-{division.code}")
    assert_children(response, client, {f"d-{d.lgd_code}": list(Office.objects.filter(district=d))
                                       for d in District.objects.filter(division=division)})

    response = dashboard(client, login, state, "d-162")
    departments = Department.objects.filter(offices__district=lucknow).distinct()
    assert_children(response, client, {f"d-162-dp-{p.code}": list(Office.objects.filter(district=lucknow, department=p))
                                       for p in departments})

    medical = Department.objects.get(name_en="Medical and Health")
    response = dashboard(client, login, state, f"d-162-dp-{medical.code}")
    offices = list(Office.objects.filter(district=lucknow, department=medical))
    assert_children(response, client, {f"of-{o.code}": [o] for o in offices})

    response = dashboard(client, login, state, f"dp-{medical.code}")
    districts = District.objects.filter(offices__department=medical).distinct()
    assert_children(response, client, {f"d-{d.lgd_code}-dp-{medical.code}":
                                       list(Office.objects.filter(district=d, department=medical)) for d in districts})


def test_an_office_dashboard_shows_its_ddo_to_call(population, client, login):
    office = population.offices["lko_med"]
    response = dashboard(client, login, population.users["district"], f"of-{office.code}")
    ddo = population.users["ddo_lko"]
    page = response.content.decode()
    assert response.context["officer"] == ddo
    assert ddo.name in page and f'href="tel:{ddo.mobile}"' in page


def officer_of(office):
    grant = Grant.objects.filter(office=office, revoked_at__isnull=True, user__is_active=True,
                                 user__role__in=[Role.DDO, Role.TO]).select_related("user").first()
    return grant.user if grant else None


def test_laggard_offices_are_listed_with_their_ddo_to_contact(population, client, login):
    response = dashboard(client, login, population.users["district"], "d-162")
    cut = response.context["figured"].cut
    offices = list(Office.objects.filter(district__lgd_code=162))
    figures = {o.pk: expected([o], start=PERIOD.begins_at, cut=cut) for o in offices}
    by_pending = sorted((o for o in offices if figures[o.pk].get("pending")),
                        key=lambda o: (-figures[o.pk].get("pending_31"), -figures[o.pk].get("pending"), o.code))
    laggards = response.context["laggards"]
    assert [(l.unit.office_id, l.value) for l in laggards.most_pending] == [
        (o.pk, figures[o.pk].get("pending")) for o in by_pending]
    assert [l.officer for l in laggards.most_pending] == [officer_of(o) for o in by_pending]
    page = response.content.decode()
    called = [o for o in by_pending if officer_of(o)]
    assert called and all(f'href="tel:{officer_of(o).mobile}"' in page for o in called)
    # BSA Lucknow's DDO left: listed, with no one to call.
    assert any(l.unit.office_id == population.offices["lko_edu"].pk and l.officer is None
               for l in laggards.most_pending)

    coverage = [laggard.value for laggard in laggards.lowest_coverage]
    assert coverage == sorted(coverage) and len(coverage) == len(offices)
    for laggard in laggards.lowest_coverage:
        office = Office.objects.get(pk=laggard.unit.office_id)
        assert laggard.value == figures[office.pk].get("coverage") and laggard.officer == officer_of(office)


def test_trend_charts_show_the_frozen_fortnights_with_a_table_alternative(population, at_now, client, login, system):
    # Freeze the two fortnights before the one in progress, as the scheduled task would have.
    earlier = PERIOD.previous()
    for period in (earlier.previous(), earlier):
        at_now.move_to(period.ends_at + datetime.timedelta(minutes=5))
        freeze(period=period, actor=system)
    at_now.move_to(NOW)
    response = dashboard(client, login, population.users["district"], "d-162")
    charts = response.context["charts"]
    assert [c.id for c in charts] == ["trend-registered", "trend-pending", "trend-cards"]
    offices = list(Office.objects.filter(district__lgd_code=162))
    frozen = [(p, expected(offices, start=p.begins_at, cut=p.ends_at)) for p in (earlier.previous(), earlier)]
    now = expected(offices, start=PERIOD.begins_at, cut=response.context["figured"].cut)
    registered = charts[0]
    # Two frozen fortnights, then the fortnight in progress (the range is it, to date).
    assert registered.x_labels == [f"{p.start:%d.%m}" for p, _f in frozen] + [f"{PERIOD.start:%d.%m}"]
    assert registered.series[0].values == [f.get("registered") for _p, f in frozen] + [now.get("registered")]
    assert registered.series[1].values == [f.get("verified") for _p, f in frozen] + [now.get("verified")]
    assert charts[1].series[3].values == [f.get("pending_31") for _p, f in frozen] + [now.get("pending_31")]
    page = response.content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert page.count('role="img" aria-labelledby="trend-') == 3
    for chart in charts:
        assert chart.rows == [(label, [str(s.values[i]) for s in chart.series])
                              for i, label in enumerate(chart.x_labels)]
    assert page.count("<details><summary>") >= 3  # each chart's table


def test_a_dashboard_of_a_past_range_leaves_the_fortnight_in_progress_out_of_the_trend(population, client, login):
    login(population.users["district"])
    start, end = PERIOD.previous().start, PERIOD.previous().end
    response = client.get(f"/reports/d-162/?start={start}&end={end}")
    assert response.status_code == 200
    assert response.context["period"].start == start and response.context["period"].end == end
    assert all(c.x_labels == [] for c in response.context["charts"])  # nothing frozen yet, nothing in progress


def test_an_empty_scope_shows_zeros_not_errors(population, client, login):
    empty = District.objects.get(name_en="Lalitpur")
    assert not Office.objects.filter(district=empty).exists()
    response = dashboard(client, login, population.users["state"], f"d-{empty.lgd_code}")
    total = response.context["figured"].total.figures
    assert all(total.get(key) == 0 for key in COUNTS) and total.get("coverage") is None
    assert response.context["children"] == [] and response.context["laggards"].most_pending == []
    report = client.get(f"/reports/d-{empty.lgd_code}/fortnight/")
    assert report.status_code == 200 and report.context["table"].lines == []
    for fmt in ("xlsx", "csv", "pdf"):
        slug = report.context["period"].slug
        assert client.get(f"/reports/d-{empty.lgd_code}/fortnight/{slug}.{fmt}").status_code == 200


