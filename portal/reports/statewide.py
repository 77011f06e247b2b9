"""The state-wide live count, kept per process (see selectors.live and docs/reports.md).

At state scale that count takes seconds (6 s for 22 lakh families here), so once it has
expired the next request does not wait for it: it gets the kept count, whose "figures as
at" time says how old it is, while one thread of the process counts again. Only a count
older than STALE_LIMIT times the keeping time (or none at all) is counted in the request.
"""

import datetime
import logging
import threading

from django.conf import settings
from django.db import connection, connections

from portal.directory.models import Office
from portal.replica import replica_reads

from .figures import count_offices, targets_by_key
from .periods import Period
from .rollup import roll_up

_STATEWIDE: dict = {}  # period key -> (counted at, cut-off, every scope's Unit, picked)
STALE_LIMIT = 5
_REFRESHING: dict = {}  # period key -> the thread counting it again
_REFRESH_LOCK = threading.Lock()
logger = logging.getLogger(__name__)


def _count_statewide(period: Period, now: datetime.datetime):
    cut = period.cut(now)
    meta, per_office = count_offices(offices=Office.objects.all(), start=period.begins_at, cut=cut)
    return (now, cut, roll_up(meta, per_office, targets_by_key()), {})


def _keep(key, entry) -> None:
    if len(_STATEWIDE) >= 16 and key not in _STATEWIDE:
        _STATEWIDE.clear()
    _STATEWIDE[key] = entry


def _refresh_in_background(period: Period, key, now: datetime.datetime) -> bool:
    """Start counting `period` again in a thread of this process (one at a time per period).
    False inside a transaction (the tests', or a caller's): another connection would not see
    what it has not committed."""
    if connection.in_atomic_block:
        return False
    with _REFRESH_LOCK:
        if key in _REFRESHING:
            return True

        def run() -> None:
            try:
                with replica_reads():  # as the dashboards that asked for it read
                    _keep(key, _count_statewide(period, now))
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


def kept(period: Period, now: datetime.datetime):
    """(counted at, cut-off, every scope's Unit, what pages picked from them) for `period`,
    counted over every office."""
    ttl = settings.REPORTS_LIVE_CACHE_SECONDS
    key = (period.start, period.end)
    hit = _STATEWIDE.get(key)
    if ttl and hit and hit[0] <= now:
        age = (now - hit[0]).total_seconds()
        if age < ttl or (age < STALE_LIMIT * ttl and _refresh_in_background(period, key, now)):
            return hit
    entry = _count_statewide(period, now)
    if ttl:
        _keep(key, entry)
    return entry


