"""/healthz and /readyz: which components are checked, what a failure looks like, and that
the answer is fast and names no host, credential or person."""

import json
import os
import socket
import time

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def ready():
    response = Client().get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.content)


def test_healthz_answers_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_checks_database_cache_and_storage_and_says_ok(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    status, body = ready()
    assert status == 200
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "cache", "storage"}  # eager Celery: no broker to check
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["cache"]["shared"] is False  # local memory: tells the operator it is not Redis


def test_readyz_names_a_broken_database_and_still_checks_the_rest(monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise ConnectionRefusedError("connection to server at 10.1.2.3 failed: password for portal_user")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    status, body = ready()
    assert status == 503
    assert body["status"] == "down" and body["failed"] == ["database"]
    assert body["checks"]["database"] == {"status": "down", "error": "ConnectionRefusedError",
                                          "ms": body["checks"]["database"]["ms"]}
    assert body["checks"]["storage"]["status"] == "ok"
    assert "10.1.2.3" not in json.dumps(body) and "portal_user" not in json.dumps(body)


def test_readyz_names_an_unreachable_redis_cache_quickly(settings):
    port = closed_port()
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    started = time.monotonic()
    status, body = ready()
    assert time.monotonic() - started < 5
    assert status == 503 and body["failed"] == ["cache"]
    assert body["checks"]["database"]["status"] == "ok"
    assert str(port) not in json.dumps(body)


def test_readyz_checks_the_session_cache_when_sessions_live_in_redis(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
                       "sessions": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                    "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
                                    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    status, body = ready()
    assert status == 503 and body["failed"] == ["session_cache"]
    assert body["checks"]["cache"]["status"] == "ok"


def test_readyz_checks_the_broker_when_a_worker_is_deployed(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHE_TIMEOUT_SECONDS = 1
    status, body = ready()
    assert status == 503 and body["failed"] == ["broker"]
    assert body["checks"]["broker"]["status"] == "down"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (bash .ci/run starts Redis)")
def test_readyz_is_ready_with_real_redis_as_cache_and_broker(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": os.environ["REDIS_URL"]}}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    status, body = ready()
    assert status == 200, body
    assert body["checks"]["cache"] == {"status": "ok", "ms": body["checks"]["cache"]["ms"]}  # shared
    assert body["checks"]["broker"]["status"] == "ok"


def test_readyz_says_storage_is_down_when_files_cannot_be_written(settings, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(not_a_folder), "base_url": None},
    }}
    status, body = ready()
    assert status == 503 and body["failed"] == ["storage"]


def test_readyz_leaves_no_probe_file_behind(settings):
    from django.core.files.storage import storages

    assert ready()[0] == 200
    _dirs, files = storages["default"].listdir("readyz")
    assert files == []
