"""Thirty minutes without a request ends a session; using it renews it (at most once a minute)."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from portal.accounts.models import Role

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:user_list")
LOGIN = reverse("accounts:login")


@pytest.fixture
def officer(make_user):
    return make_user(Role.STATE)


def log_in(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("web:dashboard")
    return client


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_idle_timeout_settings_match_the_policy(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # Renewed at most once a minute by IdleSessionMiddleware instead of a write per request.
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_RENEW_SECONDS == 60
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_request_29_minutes_after_log_in_works_and_renews_the_session(client, officer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, officer)
        logged_in_at = timezone.now()
        assert expiry(client) == logged_in_at + datetime.timedelta(minutes=30)

        clock.shift(datetime.timedelta(minutes=29))
        response = client.get(PAGE)
        assert response.status_code == 200
        assert response.context["user"] == officer
        assert expiry(client) == logged_in_at + datetime.timedelta(minutes=59)


def test_a_busy_officer_stays_logged_in_well_past_30_minutes(client, officer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, officer)
        for _ in range(4):  # two hours of work, a request every 29 minutes
            clock.shift(datetime.timedelta(minutes=29))
            assert client.get(PAGE).status_code == 200


def test_more_than_30_minutes_idle_leads_back_to_the_log_in_page(client, officer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, officer)
        clock.shift(datetime.timedelta(minutes=20))
        assert client.get(PAGE).status_code == 200

        clock.shift(datetime.timedelta(minutes=30, seconds=1))
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response.url == f"{LOGIN}?next={PAGE}"
        assert "_auth_user_id" not in client.session


def test_expired_session_stays_ended_even_if_the_officer_comes_back_later(client, officer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, officer)
        clock.shift(datetime.timedelta(minutes=31))
        assert client.get(PAGE).status_code == 302
        clock.shift(datetime.timedelta(minutes=1))
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


def test_requests_within_a_minute_do_not_rewrite_the_session(client, officer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, officer)
        first = expiry(client)
        clock.shift(datetime.timedelta(seconds=30))
        client.get("/dashboard/", follow=True)
        assert expiry(client) == first  # no write for a request 30 s later
        clock.shift(datetime.timedelta(seconds=31))
        client.get("/dashboard/", follow=True)
        assert expiry(client) == timezone.now() + datetime.timedelta(minutes=30)
