"""Liveness and readiness, for the load balancer, the deploy script and monitoring.

`/healthz` says the process answers (and is the bare view the benchmarks compare against).
`/readyz` says whether this node can serve: it checks each component the node depends on
and answers 200 only when all required ones work, otherwise 503 with the ones that failed
named. The answer carries component names, "ok"/"down", the name of the error's class and
timings: no host names, no credentials, no personal data. Each check has its own short
timeout (settings DB_CONNECT_TIMEOUT, CACHE_TIMEOUT_SECONDS, the S3 client's timeouts), so a
dead component makes the probe fail fast instead of hanging. See docs/deployment.md.
"""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connections
from django.http import HttpResponse, JsonResponse

from portal.replica import REPLICA


def healthz(request):
    """Liveness: the process answers. Also the 'bare view' the benchmarks compare against."""
    return HttpResponse("ok", content_type="text/plain")


class CheckFailed(Exception):
    """A check that ran but found the component unusable (the message is safe to show)."""


def check_database(alias: str = "default") -> dict:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise CheckFailed("unexpected answer")
    return {}


def check_replica() -> dict:
    """The standby answers; on PostgreSQL also how far behind the primary it is."""
    replica = connections[REPLICA]
    details: dict = {}
    with replica.cursor() as cursor:
        if replica.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_is_in_recovery(), "
                "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float"
            )
            in_recovery, lag = cursor.fetchone()
            details["in_recovery"] = bool(in_recovery)
            if lag is not None:
                details["lag_seconds"] = round(max(lag, 0.0), 1)
        else:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return details


def _check_cache(alias: str) -> dict:
    backend = caches[alias]
    key = f"readyz:{uuid.uuid4().hex}"
    backend.set(key, "1", timeout=10)
    value = backend.get(key)
    backend.delete(key)
    if value != "1":
        # The tolerant cache swallows an outage for the pages; readiness must still name it.
        raise CheckFailed(getattr(backend, "last_error", "") or "value written was not read back")
    shared = not backend.__class__.__name__.startswith("LocMem")
    return {} if shared else {"shared": False}  # local memory: fine for the demo, not for several nodes


def check_cache() -> dict:
    return _check_cache("default")


def check_session_cache() -> dict:
    return _check_cache(settings.SESSION_CACHE_ALIAS)


def check_broker() -> dict:
    from kombu import Connection

    timeout = settings.CACHE_TIMEOUT_SECONDS
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout,
                    transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout}) as conn:
        conn.connect()
    return {}


def check_storage() -> dict:
    """The media store accepts a small file, gives it back and deletes it (every node writes
    scans and photos, so a read-only or full store makes the node unready)."""
    storage = storages["default"]
    payload = uuid.uuid4().hex.encode()
    name = storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(payload))
    try:
        with storage.open(name, "rb") as fh:
            if fh.read() != payload:
                raise CheckFailed("file written was not read back")
    finally:
        storage.delete(name)
    return {}


def checks() -> list[tuple[str, Callable[[], dict], bool]]:
    """(name, check, required) for what this installation has configured."""
    found: list[tuple[str, Callable[[], dict], bool]] = [
        ("database", check_database, True),
        ("cache", check_cache, True),
    ]
    if settings.SESSION_ENGINE.endswith((".cache", ".cached_db")):
        found.append(("session_cache", check_session_cache, True))
    if not settings.CELERY_TASK_ALWAYS_EAGER and not settings.CELERY_BROKER_URL.startswith("memory://"):
        found.append(("broker", check_broker, True))
    found.append(("storage", check_storage, True))
    if REPLICA in settings.DATABASES:
        # Not required: a lost standby must not take every web node out of service. Reports
        # then fail until DATABASE_REPLICA_URL is removed (they fall back to the primary).
        found.append(("replica", check_replica, False))
    return found


def run_checks() -> tuple[bool, dict]:
    results: dict[str, dict] = {}
    failed: list[str] = []
    degraded: list[str] = []
    for name, check, required in checks():
        started = time.monotonic()
        try:
            result = {"status": "ok", **check()}
        except Exception as exc:  # any failure of any component: named, never its message
            result = {"status": "down", "error": exc.__class__.__name__}
            if isinstance(exc, CheckFailed):
                result["reason"] = str(exc)
            (failed if required else degraded).append(name)
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        if not required:
            result["required"] = False
        results[name] = result
    ready = not failed
    body = {"status": "ok" if ready and not degraded else ("degraded" if ready else "down"),
            "failed": failed, "degraded": degraded, "checks": results}
    return ready, body


def readyz(request):
    """Readiness: 200 when every required component works; 503 naming the ones that do not."""
    ready, body = run_checks()
    return JsonResponse(body, status=200 if ready else 503)
