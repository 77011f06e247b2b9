"""A real Celery worker on real Redis counts the expired state-wide live count once, and a
web process that never counted (this one, its own count forgotten) shows the worker's count.

Runs where .ci/run provides REDIS_URL and a PostgreSQL DATABASE_URL; skipped elsewhere."""

import time

import pytest
from django.core.cache import cache

from portal.reports import statewide
from portal.reports.periods import current_fortnight
from portal.reports.scopes import ReportScope
from portal.reports.selectors import live

from .conftest import wait_for

pytestmark = [pytest.mark.integration]
TTL = 2  # seconds: the test waits for the count to expire


def test_the_worker_counts_an_expired_state_count_and_every_process_takes_it(
        start_worker, master_data_after_flush, users, settings):
    settings.REPORTS_LIVE_CACHE_SECONDS = TTL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    start_worker(REPORTS_LIVE_CACHE_SECONDS=str(TTL))
    assert statewide.shared() and statewide.by_celery()
    state, period = users["state"], current_fortnight()
    stamp = statewide._name((period.start, period.end), ":at")

    first = live(state, ReportScope("state"), period)  # nothing kept yet: counted here, shared
    assert cache.get(stamp) == first.generated_at
    time.sleep(TTL + 0.5)
    stale = live(state, ReportScope("state"), period)
    assert stale.generated_at == first.generated_at  # served while the worker counts
    assert not statewide._REFRESHING  # no thread of this process counts
    assert wait_for(lambda: (cache.get(stamp) or first.generated_at) > first.generated_at), "the worker did not count"

    statewide._STATEWIDE.clear()  # another web process
    again = live(state, ReportScope("state"), period)
    assert again.generated_at == cache.get(stamp) > first.generated_at
    assert again.total.figures.values == first.total.figures.values
    assert again.total.figures.get("offices_known") > 0
