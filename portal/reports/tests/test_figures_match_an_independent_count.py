"""Every figure, at every scope, for the fortnight in progress and for a past one, equals a
count made one row at a time in plain Python (population.expected); an empty scope is zeros."""

import datetime

import pytest

from portal.directory.models import Department, District, Division, Office

from ..figures import COUNTS
from ..periods import Period, fortnight_of
from ..scopes import ReportScope
from ..selectors import live
from .conftest import NOW
from .population import expected, expected_target

pytestmark = pytest.mark.django_db


def every_scope():
    """(scope, its offices, its target) for every scope the population touches, and empty ones."""
    found = [(ReportScope("state"), list(Office.objects.all()), expected_target("state"))]
    for division in Division.objects.filter(name_en__in=["Lucknow", "Agra", "Jhansi"]):
        found.append((ReportScope("division", division=division),
                      list(Office.objects.filter(district__division=division)),
                      expected_target("division", division=division)))
    for district in District.objects.filter(name_en__in=["Lucknow", "Unnao", "Agra", "Lalitpur"]):
        found.append((ReportScope("district", district=district), list(Office.objects.filter(district=district)),
                      expected_target("district", district=district)))
    for department in Department.objects.filter(name_en__in=["Medical and Health", "Basic Education", "Finance",
                                                              "Tourism"]):
        found.append((ReportScope("department", department=department),
                      list(Office.objects.filter(department=department)),
                      expected_target("department", department=department)))
    combos = set(Office.objects.values_list("district_id", "department_id"))
    for district_id, department_id in sorted(combos):
        district, department = District.objects.get(pk=district_id), Department.objects.get(pk=department_id)
        found.append((ReportScope("deptdist", district=district, department=department),
                      list(Office.objects.filter(district=district, department=department)),
                      expected_target("deptdist", district=district, department=department)))
    for office in Office.objects.select_related("district", "department"):
        found.append((ReportScope("office", office=office, district=office.district, department=office.department),
                      [office], expected_target("office", office=office)))
    return found


def check_every_scope(user, period):
    cut = period.cut()
    problems = []
    for scope, offices, target in every_scope():
        got = live(user, scope, period).total.figures
        want = expected(offices, start=period.begins_at, cut=cut, unit_target=target)
        for key in COUNTS:
            if got.values[key] != want.values[key]:
                problems.append(f"{scope.key} {key}: portal {got.values[key]}, independent count {want.values[key]}")
    return problems


def test_every_figure_at_every_scope_for_the_fortnight_in_progress(population):
    period = fortnight_of(NOW.date())
    assert not check_every_scope(population.users["state"], period)


def test_every_figure_at_every_scope_for_an_ended_fortnight(population):
    period = fortnight_of(NOW.date()).previous()  # 1–15 November: counted as at its end
    assert period.cut() < NOW
    assert not check_every_scope(population.users["state"], period)


def test_every_figure_for_any_date_range(population):
    period = Period(datetime.date(2026, 10, 20), datetime.date(2026, 11, 24))
    assert not check_every_scope(population.users["state"], period)


def test_the_population_covers_every_status_bucket_and_card_stage(population):
    """So the comparison above means something: no figure is zero everywhere."""
    period = fortnight_of(NOW.date())
    figures = live(population.users["state"], ReportScope("state"), period).total.figures
    for key in COUNTS:
        assert figures.get(key) > 0, key
    assert figures.get("pending", "pensioners") > 0 and figures.get("pending", "employees") > 0


def test_a_few_figures_by_hand(population):
    """The CMO Lucknow office, counted on paper (guards the independent count itself)."""
    office = population.offices["lko_med"]
    scope = ReportScope("office", office=office, district=office.district, department=office.department)
    f = live(population.users["state"], scope, fortnight_of(NOW.date())).total.figures
    # 9 waiting + 1 resubmitted = 10 pending; ages 0, 5, 7.9 -> 0-7; 8, 15.5 -> 8-15; 16, 20, 30.9 -> 16-30; 31, 45.
    assert (f.get("pending"), f.get("pending_0_7"), f.get("pending_8_15"), f.get("pending_16_30"),
            f.get("pending_31")) == (10, 3, 2, 3, 2)
    assert (f.get("registered"), f.get("returned"), f.get("rejected"), f.get("verified")) == (18, 2, 2, 4)
    # In 16–30 Nov (from 12 days before NOW): verified 1 and 4 days ago, rejected 1 day ago.
    assert (f.get("verified_in_period"), f.get("rejected_in_period")) == (2, 1)
    assert f.get("target") == 100 and f.get("coverage") == 16.0  # (18 - 2) / 100
    assert (f.get("offices_known"), f.get("offices_registered")) == (1, 1)
    assert (f.get("cards_printed"), f.get("cards_dispatched"), f.get("cards_received"), f.get("cards_handed_over"),
            f.get("cards_self_printed")) == (5, 3, 2, 1, 2)
    assert f.get("registered", "pensioners") == 0


def test_an_office_whose_ddo_left_is_known_but_not_registered(population):
    office = population.offices["lko_edu"]
    scope = ReportScope("office", office=office, district=office.district, department=office.department)
    now = live(population.users["state"], scope, fortnight_of(NOW.date())).total.figures
    before = live(population.users["state"], scope, Period(datetime.date(2026, 10, 1), datetime.date(2026, 10, 15)))
    assert (now.get("offices_known"), now.get("offices_registered")) == (1, 0)
    assert before.total.figures.get("offices_registered") == 1  # the DDO was still there


def test_an_empty_scope_is_zeros(population):
    district = District.objects.get(name_en="Lalitpur")
    figured = live(population.users["state"], ReportScope("district", district=district), fortnight_of(NOW.date()))
    assert all(figured.total.figures.get(key) == 0 for key in COUNTS)
    assert figured.total.figures.get("coverage") is None and figured.rows == []


def test_wide_scopes_counted_once_per_period_give_the_same_figures(population, settings):
    """The state-wide count kept for REPORTS_LIVE_CACHE_SECONDS (production) gives every scope
    the same figures as counting each afresh, and is used again until it expires."""
    from ..statewide import _STATEWIDE

    settings.REPORTS_LIVE_CACHE_SECONDS = 300
    period = fortnight_of(NOW.date())
    assert not check_every_scope(population.users["state"], period)
    assert list(_STATEWIDE) == [(period.start, period.end)]
    first = live(population.users["division"], ReportScope("division", division=Division.objects.get(
        name_en="Lucknow")), period)
    assert first.generated_at == _STATEWIDE[(period.start, period.end)][0]
