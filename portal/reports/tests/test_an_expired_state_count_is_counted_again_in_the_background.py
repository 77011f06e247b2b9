"""Once the kept state-wide count has expired, a state dashboard does not wait seconds for a
new one: it is served the kept count (its "figures as at" time says so) while one thread
counts again; only a count far too old, or none, is counted in the request."""

import datetime

import pytest

from .. import statewide
from ..periods import fortnight_of
from ..scopes import ReportScope
from ..selectors import live
from .conftest import NOW

TTL = 120


@pytest.fixture
def kept_counts(settings, master_data_after_flush):
    settings.REPORTS_LIVE_CACHE_SECONDS = TTL


def _wait_for_refresh(period) -> None:
    thread = statewide._REFRESHING.get((period.start, period.end))
    if thread is not None:
        thread.join(timeout=30)
    assert (period.start, period.end) not in statewide._REFRESHING


def test_an_expired_count_is_served_once_more_while_a_thread_counts_again(kept_counts, population, at_now):
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    first = live(state, ReportScope("state"), period)
    assert first.generated_at == NOW

    at_now.shift(datetime.timedelta(seconds=TTL + 30))
    stale = live(state, ReportScope("state"), period)
    assert stale.generated_at == NOW  # not counted in this request
    assert stale.total.figures.get("registered") == first.total.figures.get("registered")

    _wait_for_refresh(period)
    fresh = live(state, ReportScope("state"), period)
    assert fresh.generated_at == NOW + datetime.timedelta(seconds=TTL + 30)
    assert fresh.total.figures.get("registered") == first.total.figures.get("registered")


def test_a_count_older_than_the_stale_limit_is_counted_in_the_request(kept_counts, population, at_now):
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    live(state, ReportScope("state"), period)
    later = datetime.timedelta(seconds=statewide.STALE_LIMIT * TTL + 1)
    at_now.shift(later)
    again = live(state, ReportScope("state"), period)
    assert again.generated_at == NOW + later
    assert not statewide._REFRESHING


def test_inside_a_transaction_an_expired_count_is_counted_in_the_request(population, at_now, settings):
    # (the `db` fixture's transaction: a thread's connection could not see its rows)
    settings.REPORTS_LIVE_CACHE_SECONDS = TTL
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    live(state, ReportScope("state"), period)
    at_now.shift(datetime.timedelta(seconds=TTL + 1))
    again = live(state, ReportScope("state"), period)
    assert again.generated_at == NOW + datetime.timedelta(seconds=TTL + 1)
    assert not statewide._REFRESHING


def test_a_ddos_own_offices_from_the_kept_count_match_a_fresh_count(population, at_now, settings):
    ddo = population.users["ddo_lko"]
    office = population.offices["lko_med"]
    period = fortnight_of(NOW.date())
    scope = ReportScope("my", offices=(office.pk,))
    settings.REPORTS_LIVE_CACHE_SECONDS = 0
    fresh = live(ddo, scope, period)
    settings.REPORTS_LIVE_CACHE_SECONDS = TTL
    kept = live(ddo, scope, period)
    assert kept.total.figures.values == fresh.total.figures.values
    assert fresh.total.figures.get("registered") > 0
    assert [o.office_id for o in kept.offices] == [o.office_id for o in fresh.offices] == [office.pk]
