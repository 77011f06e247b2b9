"""Fixed-window counters in the shared cache (Redis in production), for abuse limits
that are not tied to one database row: log-in attempts and OTP requests per address."""

from django.core.cache import cache

from portal import clock


def hit(bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one event; False once `limit` events happened in the current window."""
    window = int(clock.now().timestamp()) // window_seconds
    cache_key = f"rl:{bucket}:{key}:{window}"
    cache.add(cache_key, 0, timeout=window_seconds + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 5)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
