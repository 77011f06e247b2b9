"""The shared cache, tolerant of a Redis outage.

What the default cache holds can be lost or recomputed: rate-limit counters and cached
dropdown choices. If Redis goes away, pages should carry on without them (a lookup misses, a
write is dropped, a counter starts again) rather than every log-in, OTP and registration page
failing with a server error. Sessions never use this class: a session that silently fails to
save would look like a log-in that worked.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY_SECONDS = 60  # one warning a minute per process, not one per request


class TolerantRedisCache(RedisCache):
    last_error: str = ""
    _warned_at: float = 0.0

    def _outage(self, exc: Exception, fallback):
        self.last_error = exc.__class__.__name__  # for /readyz, which shows no host or port
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("cache: Redis unreachable, carrying on without it (%s: %s)", self.last_error, exc)
        return fallback

    def _guard(self, fallback, method, *args, **kwargs):
        try:
            result = method(*args, **kwargs)
        except OUTAGE as exc:
            return self._outage(exc, fallback)
        self.last_error = ""
        return result

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._guard(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        # A counter that cannot be read counts as its first event: a rate limit lets the
        # request through (the per-account and per-mobile limits in the database still hold).
        return self._guard(delta, super().incr, key, delta, version)

    def clear(self):
        return self._guard(False, super().clear)
