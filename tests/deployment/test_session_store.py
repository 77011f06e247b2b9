"""SESSION_STORE: sessions in the database (default), in Redis ("cache") or both
("cached_db"), so any web node can serve any request."""

import runpy
from importlib import import_module
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "portal" / "settings.py")


def settings_with(monkeypatch, **env) -> dict:
    for name in ("SESSION_STORE", "SESSION_CACHE_URL", "CACHE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(SETTINGS)


def test_database_sessions_are_the_default(monkeypatch):
    values = settings_with(monkeypatch)
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert "sessions" not in values["CACHES"]


def test_redis_sessions_get_their_own_cache_alias(monkeypatch):
    values = settings_with(monkeypatch, SESSION_STORE="cache", REDIS_URL="redis://redis.internal:6379/0",
                           SESSION_CACHE_URL="redis://redis.internal:6379/2")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cache"
    assert values["SESSION_CACHE_ALIAS"] == "sessions"
    assert values["CACHES"]["sessions"]["LOCATION"] == "redis://redis.internal:6379/2"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://redis.internal:6379/0"
    assert values["CACHES"]["sessions"]["KEY_PREFIX"] != values["CACHES"]["default"]["KEY_PREFIX"]
    cached_db = settings_with(monkeypatch, SESSION_STORE="cached_db", CACHE_URL="redis://redis.internal:6379/0")
    assert cached_db["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert cached_db["CACHES"]["sessions"]["LOCATION"] == "redis://redis.internal:6379/0"


def test_redis_sessions_without_redis_or_an_unknown_store_are_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="needs a shared Redis"):
        settings_with(monkeypatch, SESSION_STORE="cache")
    with pytest.raises(ImproperlyConfigured, match="SESSION_STORE must be"):
        settings_with(monkeypatch, SESSION_STORE="files")


@pytest.fixture
def cache_sessions(settings):
    def use(engine):
        settings.CACHES = {**settings.CACHES,
                           "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"}}
        settings.SESSION_CACHE_ALIAS = "sessions"
        settings.SESSION_ENGINE = engine

    return use


@pytest.mark.parametrize("engine, in_table", [
    ("django.contrib.sessions.backends.cache", False),
    ("django.contrib.sessions.backends.cached_db", True),
])
def test_log_in_and_idle_renewal_work_with_sessions_in_the_cache(cache_sessions, engine, in_table, users, login,
                                                                time_machine):
    from django.core.cache import caches

    import datetime

    time_machine.move_to(datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.timezone.utc), tick=False)
    cache_sessions(engine)
    client = login(users["ddo"])
    response = client.get("/dashboard/")
    assert response.status_code == 302 and not response.url.startswith("/accounts/login/")
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists() is in_table
    assert caches["sessions"].get(import_module(engine).SessionStore(key).cache_key) is not None
    time_machine.shift(25 * 60)  # used again within 30 minutes: still logged in, and renewed
    assert not client.get("/dashboard/").url.startswith("/accounts/login/")
    time_machine.shift(25 * 60)
    assert not client.get("/dashboard/").url.startswith("/accounts/login/")
    time_machine.shift(31 * 60)  # idle for longer than 30 minutes: the session has ended
    assert client.get("/dashboard/").url.startswith("/accounts/login/")
