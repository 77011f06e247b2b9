"""District and division officers record their review of an ended fortnight (remarks and
action taken), saving again updates it and each version is audited; a form with a field
left empty comes back with what was typed; the state cell and the division officer see
which reviews are missing; the page after saving reads the review from the primary even
when a read replica serves the report."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal.audit.models import Event
from portal.directory.models import District, Division
from portal.replica import REPLICA, ReplicaRouter

from ..models import Review
from ..periods import last_ended_fortnight

pytestmark = pytest.mark.django_db


def post_review(client, login, user, token, period, remarks, action):
    login(user)
    return client.post(f"/reports/{token}/fortnight/{period.slug}/review/",
                       {"remarks": remarks, "action_taken": action})


def test_a_district_officer_records_then_updates_the_review_and_each_version_is_audited(population, client, login):
    period = last_ended_fortnight()
    officer = population.users["district"]
    response = post_review(client, login, officer, "d-162", period, "चार कार्यालय पीछे हैं।", "डीडीओ से वार्ता की गई।")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/d-162/fortnight/?period={period.slug}#review"
    review = Review.objects.get()
    lucknow = District.objects.get(lgd_code=162)
    assert (review.key, review.district, review.division, review.period_start, review.period_end, review.by) == (
        f"district:{lucknow.pk}", lucknow, None, period.start, period.end, officer)
    page = client.get(response["Location"]).content.decode()
    assert "चार कार्यालय पीछे हैं।" in page and "डीडीओ से वार्ता की गई।" in page

    post_review(client, login, officer, "d-162", period, "Two offices still lag.", "Letters issued.")
    review.refresh_from_db()
    assert Review.objects.count() == 1 and review.remarks == "Two offices still lag."
    events = list(Event.objects.filter(action__startswith="reports.review.").order_by("id"))
    assert [e.action for e in events] == ["reports.review.recorded", "reports.review.updated"]
    assert events[0].details["remarks"] == "चार कार्यालय पीछे हैं।"
    assert events[1].details["action_taken"] == "Letters issued." and events[1].details["period"] == period.slug


def test_a_division_officer_records_the_divisions_review(population, client, login):
    period = last_ended_fortnight()
    division = Division.objects.get(name_en="Lucknow")
    response = post_review(client, login, population.users["division"], f"dv-{division.code}", period,
                           "Unnao lags behind Lucknow.", "District officers asked for a plan.")
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.division == division and review.district is None and review.key == f"division:{division.pk}"


def test_a_review_with_a_field_left_empty_comes_back_as_typed_and_saves_nothing(population, client, login):
    period = last_ended_fortnight()
    response = post_review(client, login, population.users["district"], "d-162", period,
                           "Remarks typed with care, not to be lost.", "   ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Remarks typed with care, not to be lost." in page
    assert 'id="id_action_taken"' in page and 'aria-invalid="true"' in page
    assert not Review.objects.exists()


def test_a_fortnight_in_progress_cannot_be_reviewed(population, client, login):
    period = last_ended_fortnight().next()
    response = post_review(client, login, population.users["district"], "d-162", period, "Too early.", "None yet.")
    assert response.status_code == 302 and not Review.objects.exists()


def test_the_state_sees_every_missing_review_and_a_division_officer_those_of_the_division(population, client,
                                                                                          login):
    period = last_ended_fortnight()
    post_review(client, login, population.users["district"], "d-162", period, "Reviewed.", "Acted upon.")
    districts, divisions = District.objects.count(), Division.objects.count()

    login(population.users["state"])
    page = client.get(f"/reports/reviews/?period={period.slug}").content.decode()
    lucknow = District.objects.get(lgd_code=162)
    assert page.count('class="badge missing"') == districts + divisions - 1
    assert page.count('class="badge frozen"') == 1 and "Reviewed." in page
    only_missing = client.get(f"/reports/reviews/?period={period.slug}&missing=1").content.decode()
    assert only_missing.count('class="badge missing"') == districts + divisions - 1
    assert "Reviewed." not in only_missing and f"/reports/d-{lucknow.lgd_code}/fortnight/" not in only_missing

    login(population.users["division"])
    division = lucknow.division
    page = client.get(f"/reports/reviews/?period={period.slug}").content.decode()
    mine = District.objects.filter(division=division).count()
    assert page.count('class="badge missing"') == mine  # the division and its districts, less Lucknow
    assert "/reports/d-118/" not in page  # Agra is in another division


@pytest.fixture
def lagging_replica(settings, monkeypatch):
    """A read replica is configured (as DATABASE_REPLICA_URL does) and served, in this test,
    by the primary's own connection; every read the router sends to it is recorded."""
    monkeypatch.setitem(settings.DATABASES, REPLICA, {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}})
    monkeypatch.setattr(connections._connections, REPLICA, connections["default"], raising=False)
    routed = []
    original = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = original(self, model, **hints)
        routed.append((model, alias))
        return alias

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    return routed


def test_the_review_just_saved_is_read_from_the_primary_not_the_replica(population, client, login,
                                                                        lagging_replica):
    period = last_ended_fortnight()
    response = post_review(client, login, population.users["district"], "d-162", period,
                           "Saved a moment ago.", "Shown at once.")
    lagging_replica.clear()
    with CaptureQueriesContext(connections["default"]) as queries:
        page = client.get(response["Location"]).content.decode()
    assert "Saved a moment ago." in page and "Shown at once." in page
    # The report's figures come from the replica; the review never does.
    assert any(alias == REPLICA for _model, alias in lagging_replica)
    assert not [m for m, alias in lagging_replica if m is Review and alias == REPLICA]
    assert any('"reports_review"' in q["sql"] for q in queries.captured_queries)

    login(population.users["state"])
    lagging_replica.clear()
    page = client.get(f"/reports/reviews/?period={period.slug}").content.decode()
    assert "Saved a moment ago." in page
    assert not [m for m, alias in lagging_replica if m is Review and alias == REPLICA]
