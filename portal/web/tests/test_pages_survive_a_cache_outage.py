"""With the shared cache's Redis down, pages carry on (rate limits and cached dropdowns are
only lost) and /readyz still reports the cache as down."""

import json
import socket

import pytest
from django.core.cache import caches
from django.test import Client

from portal import ratelimit

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis(settings):
    port = closed_port()
    settings.CACHES = {"default": {
        "BACKEND": "portal.cache.TolerantRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
    caches._settings = None  # re-read CACHES in this thread
    yield port
    caches._settings = None


def test_a_rate_limit_lets_the_request_through_when_the_cache_is_down(dead_redis):
    assert all(ratelimit.hit("test", "1.2.3.4", limit=1, window_seconds=60) for _ in range(3))
    assert caches["default"].last_error == "ConnectionError"


def test_the_public_registration_and_log_in_pages_open_when_the_cache_is_down(dead_redis):
    client = Client()
    assert client.get("/ddo/register/").status_code == 200  # its dropdowns normally come from the cache
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "DDO000001", "password": "not-the-password"})
    assert response.status_code == 200  # the form says the log-in failed; no server error


def test_readyz_still_names_the_cache_as_down_without_its_address(dead_redis):
    response = Client().get("/readyz")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["failed"] == ["cache"]
    assert "ConnectionError" in json.dumps(body["checks"]["cache"])
    assert str(dead_redis) not in json.dumps(body)


def test_with_redis_up_the_rate_limit_counts_as_usual(settings):
    import os
    import uuid

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (bash .ci/run starts Redis)")
    settings.CACHES = {"default": {"BACKEND": "portal.cache.TolerantRedisCache", "LOCATION": url,
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    caches._settings = None
    try:  # the counters expire with their window; no clear(), which would empty the whole Redis database
        results = [ratelimit.hit("test", "5.6.7.8", limit=2, window_seconds=60) for _ in range(3)]
        assert results == [True, True, False] and caches["default"].last_error == ""
    finally:
        caches._settings = None
