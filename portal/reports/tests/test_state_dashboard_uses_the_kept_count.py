"""With REPORTS_LIVE_CACHE_SECONDS (production: 120) the state dashboard counts the state once:
the next request runs no count over families or cards, and shows the same figures, drill-down
and laggards as a fresh count; what it kept is per language (the drill-down is sorted by the
name in the page's language) and per set of grants (the user's access scope), not per request; a
new family shows once the kept count expires."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.directory.models import Office

from ..selectors import home_scopes
from .conftest import NOW
from .population import family

pytestmark = pytest.mark.django_db

COUNT_TABLES = ('"enrolment_family"', '"cards_card"')


def _get(client, token="state", language="en"):
    client.cookies["portal_language"] = language
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/reports/{token}/")
    assert response.status_code == 200
    counted = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in COUNT_TABLES)]
    return response, counted


def _shown(response):
    context = response.context
    laggards = context["laggards"]
    return (
        context["figured"].total.figures,
        [(c.token, c.figures) for c in context["children"]],
        [(lag.unit.code, lag.value, lag.officer and lag.officer.pk) for lag in laggards.most_pending],
        [(lag.unit.code, lag.value, lag.officer and lag.officer.pk) for lag in laggards.lowest_coverage],
    )


def test_the_second_request_reuses_the_count_and_shows_the_same(population, client, login, settings):
    login(population.users["state"])
    settings.REPORTS_LIVE_CACHE_SECONDS = 0
    fresh, counted = _get(client)
    assert counted  # without the setting every request counts
    settings.REPORTS_LIVE_CACHE_SECONDS = 120
    first, counted = _get(client)
    assert counted
    again, counted = _get(client)
    assert counted == []
    assert _shown(again) == _shown(first) == _shown(fresh)
    assert _shown(again)[2], "the population has offices with applications pending"


def test_what_is_kept_follows_the_language(population, client, login, settings):
    settings.REPORTS_LIVE_CACHE_SECONDS = 120
    login(population.users["state"])
    english, _counted = _get(client, language="en")
    hindi, counted = _get(client, language="hi")
    assert counted == []  # the same count, picked again for Hindi
    names = [c.name_hi or c.name_en for c in hindi.context["children"]]
    assert names == sorted(names, key=str.casefold)
    assert [c.name_en for c in english.context["children"]] == sorted(
        (c.name_en for c in english.context["children"]), key=str.casefold)
    again, _counted = _get(client, language="en")
    assert [c.token for c in again.context["children"]] == [c.token for c in english.context["children"]]


def test_a_new_registration_shows_when_the_kept_count_expires(population, client, login, settings, at_now):
    settings.REPORTS_LIVE_CACHE_SECONDS = 120
    login(population.users["state"])
    before, _counted = _get(client)
    registered = before.context["figured"].total.figures.get("registered")
    family(Office.objects.order_by("pk").first(), submitted=NOW)
    kept, counted = _get(client)
    assert counted == [] and kept.context["figured"].total.figures.get("registered") == registered
    at_now.shift(datetime.timedelta(seconds=121))
    later, counted = _get(client)
    assert counted and later.context["figured"].total.figures.get("registered") == registered + 1


def test_a_division_officer_sees_only_their_division_from_the_kept_count(population, client, login, settings):
    settings.REPORTS_LIVE_CACHE_SECONDS = 120
    login(population.users["state"])
    _get(client)  # the state cell's request counted the state
    officer = population.users["division"]
    login(officer)
    token = home_scopes(officer)[0].token
    response, counted = _get(client, token=token)
    assert counted == []
    division = response.context["scope"].division
    offices = set(Office.objects.filter(district__division=division).values_list("pk", flat=True))
    laggards = response.context["laggards"]
    assert {lag.unit.office_id for lag in laggards.most_pending + laggards.lowest_coverage} <= offices
    assert all(c.division_id == division.pk for c in response.context["children"])


def test_what_is_picked_is_kept_per_set_of_grants_not_per_request(population, settings):
    # The state cell's second look reads no office list; an officer with other grants looking
    # at the same scope gets what their own grants allow, not the state cell's pick.
    from ..periods import fortnight_of
    from ..scopes import ReportScope
    from ..selectors import live

    settings.REPORTS_LIVE_CACHE_SECONDS = 120
    lucknow = population.offices["lko_med"].district
    scope, period = ReportScope("district", district=lucknow), fortnight_of(NOW.date())
    state = population.users["state"]
    first = live(state, scope, period)
    with CaptureQueriesContext(connection) as queries:
        again = live(state, scope, period)
    assert not [q for q in queries.captured_queries if '"directory_office"' in q["sql"]]
    assert [o.office_id for o in again.offices] == [o.office_id for o in first.offices]
    assert len(first.offices) == Office.objects.filter(district=lucknow).count() > 1

    medical_in_lucknow = live(population.users["deptdist"], scope, period)
    mine = set(Office.objects.filter(district=lucknow, department=population.offices["lko_med"].department)
               .values_list("pk", flat=True))
    assert {o.office_id for o in medical_in_lucknow.offices} == mine
