"""The batch page's preview of a selection ("N cards are ready to print · M offices", "N
verified families have no cards yet"), kept for a while.

Counted live at state scale these took 7 s of the page: the families without cards read every
active member and every live card (75 lakh and 60 lakh rows: 3.5 s, a hash anti-join; no
index can say which member has no card), and the ready cards, though found in their partial
index, are each checked against their member and family (55,000 cards: 0.5 s). So the page
takes the preview kept in the cache (shared by the web processes) for
CARD_PREVIEW_SECONDS (120 s by default; 0 in the demo and the tests: counted on every
request). Once it has expired, the next request still gets the kept preview while one thread
counts again; only one older than STALE_LIMIT times that (or none) is counted in the request.
Starting or cancelling a batch counts every selection again (`forget`). The batch itself
always takes the cards and issues the families that are ready at that moment
(`batches.create_batch`).
"""

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections

STALE_LIMIT = 5
_PREFIX = "cards:preview:"
_GENERATION = "cards:preview:generation"
_REFRESHING: set[str] = set()
_LOCK = threading.Lock()
logger = logging.getLogger(__name__)


def keep_seconds() -> int:
    return settings.CARD_PREVIEW_SECONDS


def _count(filters: dict) -> dict:
    from .selectors import count_preview

    return count_preview(filters)


def _key(filters: dict) -> str:
    # The filters' values as the form cleans them: model instances by their key, dates as text;
    # and the generation `forget` moves on.
    text = repr(sorted((k, getattr(v, "pk", v)) for k, v in filters.items() if v))
    return f"{_PREFIX}{cache.get(_GENERATION, 0)}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _recount(key: str, filters: dict, ttl: int) -> None:
    cache.set(key, (time.time(), _count(filters)), ttl * STALE_LIMIT)


def _recount_in_background(key: str, filters: dict, ttl: int) -> bool:
    """False inside a transaction (the tests', or a caller's): another connection would not
    see what it has not committed."""
    if connection.in_atomic_block:
        return False
    with _LOCK:
        if key in _REFRESHING:
            return True
        _REFRESHING.add(key)

    def run() -> None:
        try:
            _recount(key, filters, ttl)
        except Exception:  # the kept count stays; a later request tries again
            logger.exception("cards: counting the batch preview again failed")
        finally:
            with _LOCK:
                _REFRESHING.discard(key)
            connections.close_all()  # this thread's own connections only

    threading.Thread(target=run, name="cards-preview-count", daemon=True).start()
    return True


def kept(filters: dict) -> dict:
    ttl = keep_seconds()
    if not ttl:
        return _count(filters)
    key = _key(filters)
    hit = cache.get(key)
    if hit is not None:
        age = time.time() - hit[0]
        if 0 <= age < ttl or (0 <= age < STALE_LIMIT * ttl and _recount_in_background(key, filters, ttl)):
            return hit[1]
    counted = _count(filters)
    cache.set(key, (time.time(), counted), ttl * STALE_LIMIT)
    return counted


def forget() -> None:
    """After a batch was started or cancelled: every selection is counted again on its next
    view (a card belongs to many: the state's, its district's, its office's, ...)."""
    cache.set(_GENERATION, time.time_ns(), None)
