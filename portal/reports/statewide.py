"""The state-wide live count, kept per process and shared (see selectors.live and docs/reports.md).

At state scale that count takes seconds (6 to 14 s for 22 lakh families here), so once it
has expired the next request does not wait for it: it gets the kept count, whose "figures
as at" time says how old it is, while the count is made again. Only a count older than
STALE_LIMIT times the keeping time (or none at all) is counted in the request.

Where the cache is shared (Redis) and Celery has a worker, the count is made again by a
Celery task, once for every web process: the processes take it from the cache. Counting it
in each web process, as a thread beside the requests, cost every process its share of the
two cores and its interpreter for the whole count (the state dashboard's p95 rose to
seconds at state scale). Celery beat keeps counting, every minute, the periods a dashboard
asked for in the last WANTED_SECONDS, so the count does not expire while people look at it.
Without a shared cache or with eager Celery (the demo, the tests) a thread of the process
counts again, as before.
"""

import datetime
import logging
import threading

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, connections, router, transaction

from portal import clock
from portal.directory.models import Office
from portal.replica import replica_reads

from .figures import count_offices, targets_by_key
from .periods import Period
from .rollup import roll_up

_STATEWIDE: dict = {}  # period key -> (counted at, cut-off, every scope's Unit, picked)
STALE_LIMIT = 5
WANTED_SECONDS = 3600  # beat keeps counting a period a dashboard asked for this recently
_PREFIX = "reports:statewide:"
_WANTED = _PREFIX + "wanted"  # {(start, end): when a dashboard last asked}
_MARKED: dict = {}  # period key -> when this process last marked it wanted
_LOOKED: dict = {}  # period key -> when this process last looked for a newer shared count
LOOK_EVERY_SECONDS = 1
_REFRESHING: dict = {}  # period key -> the thread counting it again
_REFRESH_LOCK = threading.Lock()
logger = logging.getLogger(__name__)


def _count_statewide(period: Period, now: datetime.datetime):
    cut = period.cut(now)
    meta, per_office = count_offices(offices=Office.objects.all(), start=period.begins_at, cut=cut)
    return (now, cut, roll_up(meta, per_office, targets_by_key()), {})


def _count_in_background(period: Period, now: datetime.datetime):
    """The count as a worker or a thread makes it: from the replica, as the dashboards that
    asked for it read, and on one core. PostgreSQL would otherwise run its two big GROUP BYs
    with two parallel workers besides its own backend, taking every core of a 2-core
    machine for the whole count (4.5 s on one core, 3.7 s on three, at state scale) while the
    pages wait."""
    with replica_reads():
        alias = router.db_for_read(Office)
        with transaction.atomic(using=alias):
            if connections[alias].vendor == "postgresql":
                with connections[alias].cursor() as cursor:
                    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            return _count_statewide(period, now)


def _keep(key, entry) -> None:
    if len(_STATEWIDE) >= 16 and key not in _STATEWIDE:
        _STATEWIDE.clear()
    _STATEWIDE[key] = entry


# --- the copy shared by every process ---------------------------------------------------------

def shared() -> bool:
    """Whether the default cache is one every process reads (Redis), not each its own."""
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def by_celery() -> bool:
    return shared() and not settings.CELERY_TASK_ALWAYS_EAGER


def _name(key, part: str = "") -> str:
    return f"{_PREFIX}{key[0].isoformat()}:{key[1].isoformat()}{part}"


def _publish(key, entry) -> None:
    if not shared():
        return
    timeout = settings.REPORTS_LIVE_CACHE_SECONDS * STALE_LIMIT
    # The units without what pages picked from them; the time apart, so that a process can
    # see whether the shared count is newer than its own without unpickling every unit.
    cache.set(_name(key), entry[:3], timeout)
    cache.set(_name(key, ":at"), entry[0], timeout)


def _adopt(key, hit):
    """The shared count, if it is newer than this process's `hit`."""
    if not shared():
        return hit
    at = cache.get(_name(key, ":at"))
    if at is None or (hit is not None and at <= hit[0]):
        return hit
    found = cache.get(_name(key))
    if found is None:
        return hit
    entry = (*found, {})
    _keep(key, entry)
    return entry


def _due(last_done: dict, key, now: datetime.datetime, every: float) -> bool:
    """Whether `every` seconds have passed since `last_done[key]`; if so, `now` is recorded."""
    last = last_done.get(key)
    if last is not None and 0 <= (now - last).total_seconds() < every:
        return False
    last_done[key] = now
    return True


def _mark_wanted(key, now: datetime.datetime) -> None:
    # At most once per keeping time per process (the beat looks an hour back), not on every
    # request that finds the count expired while a worker counts it again.
    if not _due(_MARKED, key, now, settings.REPORTS_LIVE_CACHE_SECONDS):
        return
    # Read, change, write: two processes marking at once may lose one mark, which costs at
    # most one count made in the background instead of ahead of time.
    wanted = {k: at for k, at in (cache.get(_WANTED) or {}).items()
              if (now - at).total_seconds() < WANTED_SECONDS}
    wanted[key] = now
    cache.set(_WANTED, wanted, WANTED_SECONDS)


def count_and_share(period: Period, now: datetime.datetime | None = None) -> str:
    """Count `period` over every office and share it, unless the shared count is still
    fresh or another worker is counting it (the task behind the dashboards; idempotent)."""
    ttl = settings.REPORTS_LIVE_CACHE_SECONDS
    if not ttl:
        return "not kept"
    now = now or clock.now()
    key = (period.start, period.end)
    lock = _name(key, ":counting")
    if shared() and not cache.add(lock, now, ttl * STALE_LIMIT):  # expires if a worker died counting
        return "already being counted"
    try:
        at = cache.get(_name(key, ":at")) if shared() else None
        if at is not None and 0 <= (now - at).total_seconds() < ttl:
            return "still fresh"
        entry = _count_in_background(period, now)
        _keep(key, entry)
        _publish(key, entry)
        return "counted"
    finally:
        if shared():
            cache.delete(lock)


def keep_wanted(now: datetime.datetime | None = None) -> list[str]:
    """Count again every period a dashboard asked for within WANTED_SECONDS (Celery beat)."""
    if not settings.REPORTS_LIVE_CACHE_SECONDS or not shared():
        return []
    now = now or clock.now()
    done = []
    for (start, end), at in sorted((cache.get(_WANTED) or {}).items()):
        if (now - at).total_seconds() < WANTED_SECONDS:
            done.append(f"{start}–{end}: {count_and_share(Period(start, end), now)}")
    return done


# --- counting again --------------------------------------------------------------------------

def _refresh_in_background(period: Period, key, now: datetime.datetime) -> bool:
    """Start counting `period` again in a thread of this process (one at a time per period)."""
    with _REFRESH_LOCK:
        if key in _REFRESHING:
            return True

        def run() -> None:
            try:
                _keep(key, _count_in_background(period, now))
            except Exception:  # the kept count stays; a later request tries again
                logger.exception("reports: counting the state again failed")
            finally:
                with _REFRESH_LOCK:
                    _REFRESHING.pop(key, None)
                connections.close_all()  # this thread's own connections only

        thread = threading.Thread(target=run, name="reports-statewide-count", daemon=True)
        _REFRESHING[key] = thread
    thread.start()
    return True


def _ask_celery(period: Period, key) -> bool:
    """Ask a Celery worker to count `period` again: once per keeping time for every process."""
    from .tasks import count_statewide

    asked = _name(key, ":asked")
    if not cache.add(asked, True, settings.REPORTS_LIVE_CACHE_SECONDS):
        return True  # asked already (or the cache is out: then so is the broker)
    try:
        count_statewide.delay(period.start.isoformat(), period.end.isoformat())
    except Exception:  # the broker is out: count here, as without Celery
        logger.exception("reports: could not ask a worker to count the state again")
        cache.delete(asked)
        return False
    return True


def _count_again_soon(period: Period, key, now: datetime.datetime) -> bool:
    """Have `period` counted again while the kept count is served. False inside a
    transaction (the tests', or a caller's): another connection would not see what it has
    not committed, so the request counts."""
    if connection.in_atomic_block:
        return False
    if by_celery() and _ask_celery(period, key):
        return True
    return _refresh_in_background(period, key, now)


def _look_again(key, now: datetime.datetime) -> bool:
    """Whether to look at the shared count (and ask for a new one) again: at most once a
    second per process while the kept count has expired. Each look is three or four cache
    round trips, which every request paid while a worker counted (7-12 % of the state
    dashboard's samples under load)."""
    return _due(_LOOKED, key, now, LOOK_EVERY_SECONDS)


def kept(period: Period, now: datetime.datetime):
    """(counted at, cut-off, every scope's Unit, what pages picked from them) for `period`,
    counted over every office."""
    ttl = settings.REPORTS_LIVE_CACHE_SECONDS
    key = (period.start, period.end)
    hit = _STATEWIDE.get(key)
    if ttl and hit is not None and hit[0] <= now:
        age = (now - hit[0]).total_seconds()
        if age < ttl or (age < STALE_LIMIT * ttl and not _look_again(key, now)):
            return hit  # fresh, or expired and looked at (a new count asked for) within the second
    if ttl:
        hit = _adopt(key, hit)  # a few cache reads
        if shared():
            _mark_wanted(key, now)
    if ttl and hit and hit[0] <= now:
        age = (now - hit[0]).total_seconds()
        if age < ttl or (age < STALE_LIMIT * ttl and _count_again_soon(period, key, now)):
            return hit
    entry = _count_statewide(period, now)
    if ttl:
        _keep(key, entry)
        _publish(key, entry)
    return entry
