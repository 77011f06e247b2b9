"""With a cache every process reads (Redis) and a Celery worker, an expired state-wide count
is counted again once, by a worker, not by a thread in each web process; every process then
takes that count from the cache; beat keeps counting what dashboards asked for recently.

Here the test process stands for several web processes: emptying `_STATEWIDE` is another
process that has never counted; the local-memory cache stands for Redis (`shared` patched)."""

import datetime

import pytest
from django.core.cache import cache

from .. import statewide, tasks
from ..periods import fortnight_of
from ..scopes import ReportScope
from ..selectors import live
from .conftest import NOW

TTL = 120


@pytest.fixture
def shared_cache(settings, master_data_after_flush, monkeypatch):
    settings.REPORTS_LIVE_CACHE_SECONDS = TTL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(statewide, "shared", lambda: True)
    asked: list[tuple] = []
    monkeypatch.setattr(tasks.count_statewide, "delay", lambda *args: asked.append(args))
    return asked  # (the cache starts empty in every test: conftest._fresh_state)


def _no_thread(period) -> None:
    assert (period.start, period.end) not in statewide._REFRESHING


def test_an_expired_count_is_asked_of_a_worker_once_for_every_process(shared_cache, population, at_now):
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    first = live(state, ReportScope("state"), period)
    assert first.generated_at == NOW

    at_now.shift(datetime.timedelta(seconds=TTL + 30))
    stale = live(state, ReportScope("state"), period)
    assert stale.generated_at == NOW  # served, not counted in the request
    statewide._STATEWIDE.clear()  # another web process, whose own count has gone
    other = live(state, ReportScope("state"), period)
    assert other.generated_at == NOW  # it took the shared count
    assert other.total.figures.values == first.total.figures.values
    assert shared_cache == [(period.start.isoformat(), period.end.isoformat())]  # asked once
    _no_thread(period)


def test_what_the_worker_counted_is_what_every_process_shows(shared_cache, population, at_now):
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    live(state, ReportScope("state"), period)
    at_now.shift(datetime.timedelta(seconds=TTL + 30))
    assert tasks.count_statewide(period.start.isoformat(), period.end.isoformat()) == "counted"
    counted_at = NOW + datetime.timedelta(seconds=TTL + 30)

    at_now.shift(datetime.timedelta(seconds=10))
    statewide._STATEWIDE.clear()
    fresh = live(state, ReportScope("state"), period)
    assert fresh.generated_at == counted_at  # the worker's count, not one made by this request
    assert fresh.total.figures.get("registered") > 0
    assert shared_cache == []  # fresh: nothing to ask
    _no_thread(period)


def test_the_count_task_is_idempotent_and_one_worker_counts_at_a_time(shared_cache, population, at_now):
    period = fortnight_of(NOW.date())
    start, end = period.start.isoformat(), period.end.isoformat()
    assert tasks.count_statewide(start, end) == "counted"
    assert tasks.count_statewide(start, end) == "still fresh"
    at_now.shift(datetime.timedelta(seconds=TTL))
    cache.add(statewide._name((period.start, period.end), ":counting"), NOW)  # another worker is at it
    assert tasks.count_statewide(start, end) == "already being counted"
    cache.delete(statewide._name((period.start, period.end), ":counting"))
    assert tasks.count_statewide(start, end) == "counted"


def test_beat_counts_again_only_what_a_dashboard_asked_for_within_the_hour(shared_cache, population, at_now):
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    assert tasks.keep_statewide_counts() == []  # nobody has looked
    live(state, ReportScope("state"), period)

    at_now.shift(datetime.timedelta(seconds=TTL))
    done = tasks.keep_statewide_counts()
    assert done == [f"{period.start}–{period.end}: counted"]
    statewide._STATEWIDE.clear()
    assert live(state, ReportScope("state"), period).generated_at == NOW + datetime.timedelta(seconds=TTL)

    at_now.shift(datetime.timedelta(seconds=statewide.WANTED_SECONDS + 1))
    assert tasks.keep_statewide_counts() == []  # nobody looked for an hour: no count


def test_with_the_broker_out_a_thread_of_the_process_counts_again(shared_cache, population, at_now, monkeypatch):
    def broker_out(*args):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.count_statewide, "delay", broker_out)
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    live(state, ReportScope("state"), period)
    at_now.shift(datetime.timedelta(seconds=TTL + 1))
    stale = live(state, ReportScope("state"), period)
    assert stale.generated_at == NOW
    thread = statewide._REFRESHING.get((period.start, period.end))
    assert thread is not None
    thread.join(timeout=30)
    assert live(state, ReportScope("state"), period).generated_at == NOW + datetime.timedelta(seconds=TTL + 1)


def test_without_a_shared_cache_no_worker_is_asked(settings, master_data_after_flush, population, at_now, monkeypatch):
    # The demo's and a single node's local-memory cache: the worker's count would not reach
    # the web processes, so each counts again in a thread.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.REPORTS_LIVE_CACHE_SECONDS = TTL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    asked = []
    monkeypatch.setattr(tasks.count_statewide, "delay", lambda *args: asked.append(args))
    assert not statewide.shared()
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    live(state, ReportScope("state"), period)
    at_now.shift(datetime.timedelta(seconds=TTL + 1))
    live(state, ReportScope("state"), period)
    thread = statewide._REFRESHING.get((period.start, period.end))
    if thread is not None:
        thread.join(timeout=30)
    assert asked == []
    assert live(state, ReportScope("state"), period).generated_at == NOW + datetime.timedelta(seconds=TTL + 1)


def test_the_worker_counts_on_one_core_of_postgresql(shared_cache, population):
    # Parallel workers would take every core of the database server for the whole count.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = fortnight_of(NOW.date())
    with CaptureQueriesContext(connection) as queries:
        assert tasks.count_statewide(period.start.isoformat(), period.end.isoformat()) == "counted"
    sent = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        first_count = next(i for i, sql in enumerate(sent) if "enrolment_family" in sql)
        assert "SET LOCAL max_parallel_workers_per_gather = 0" in sent[:first_count]
    else:
        assert not [sql for sql in sent if "max_parallel_workers" in sql]


def test_a_process_marks_a_period_wanted_once_per_keeping_time(shared_cache, population, at_now):
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    live(state, ReportScope("state"), period)
    assert cache.get(statewide._WANTED)
    at_now.shift(datetime.timedelta(seconds=TTL + 1))
    cache.delete(statewide._WANTED)
    live(state, ReportScope("state"), period)  # expired: marked again
    assert cache.get(statewide._WANTED)
    cache.delete(statewide._WANTED)
    at_now.shift(datetime.timedelta(seconds=5))
    live(state, ReportScope("state"), period)  # still expired, marked 5 s ago: not again
    assert cache.get(statewide._WANTED) is None


def test_while_the_worker_counts_a_process_looks_at_the_cache_once_a_second(shared_cache, population, at_now,
                                                                            monkeypatch):
    state = population.users["state"]
    period = fortnight_of(NOW.date())
    live(state, ReportScope("state"), period)
    looks = []
    adopt = statewide._adopt
    monkeypatch.setattr(statewide, "_adopt", lambda key, hit: looks.append(key) or adopt(key, hit))
    at_now.shift(datetime.timedelta(seconds=TTL + 1))
    for _ in range(5):
        assert live(state, ReportScope("state"), period).generated_at == NOW  # the kept count, served
    assert len(looks) == 1 and len(shared_cache) == 1
    at_now.shift(datetime.timedelta(seconds=statewide.LOOK_EVERY_SECONDS))
    live(state, ReportScope("state"), period)
    assert len(looks) == 2 and len(shared_cache) == 1  # asked once per keeping time all the same
