"""Officers log in with a user ID and password: Argon2 hashes, lockout after repeated
wrong passwords, a per-address rate limit, and an audit row for every attempt."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from portal.accounts.models import Role, User
from portal.accounts.services import create_user
from portal.audit.models import Event
from portal.notify.models import Message

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
WRONG = "Wrong-Horse-99"
FAILED_TEXT = "The user ID or password is not correct."


@pytest.fixture
def english(client):
    client.cookies["portal_language"] = "en"
    return client


def post_login(client, username, password, ip="10.1.1.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def login_events(user=None):
    events = Event.objects.filter(action__startswith="auth.login.")
    if user is not None:
        events = events.filter(target_type="accounts.user", target_id=str(user.pk))
    return events


def test_passwords_are_stored_as_argon2_hashes(make_user, system):
    officer = make_user(Role.STATE)
    assert officer.password.startswith("argon2")
    fresh = create_user(actor=system, role=Role.DISTRICT, name_en="New Officer", mobile="9811111111",
                        send_credentials=False)
    assert fresh.password.startswith("argon2")
    assert PASSWORD not in officer.password


def test_correct_password_reaches_the_dashboard_and_is_audited(english, make_user):
    user = make_user(Role.STATE)
    response = post_login(english, user.username.lower(), PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("web:dashboard")
    assert logged_in_as(english) == str(user.pk)
    followed = english.get(reverse("web:dashboard"), follow=True)
    assert followed.status_code == 200
    assert followed.context["user"] == user
    event = login_events(user).get(action="auth.login.succeeded")
    assert event.actor_id == user.pk and event.ip == "10.1.1.1"


def test_wrong_password_shows_an_error_counts_the_failure_and_is_audited(english, make_user):
    user = make_user(Role.DISTRICT)
    response = post_login(english, user.username, WRONG)
    assert response.status_code == 200
    assert FAILED_TEXT in response.content.decode()
    assert logged_in_as(english) is None
    user.refresh_from_db()
    assert user.failed_logins == 1
    post_login(english, user.username, WRONG)
    user.refresh_from_db()
    assert user.failed_logins == 2
    assert user.locked_until is None
    failures = login_events(user).filter(action="auth.login.failed")
    assert failures.count() == 2
    assert {e.details["reason"] for e in failures} == {"wrong_password"}


def test_unknown_user_gets_the_same_error_and_is_audited(english):
    response = post_login(english, "DM999999", WRONG)
    assert FAILED_TEXT in response.content.decode()
    assert logged_in_as(english) is None
    event = Event.objects.get(action="auth.login.failed", actor_label="DM999999")
    assert event.details["reason"] == "unknown_user"
    assert event.target_id == ""


def test_repeated_wrong_passwords_lock_the_account_and_warn_the_user_by_sms(english, make_user, phone, settings):
    user = make_user(Role.DISTRICT)
    for _ in range(settings.LOGIN_MAX_FAILURES):
        post_login(english, user.username, WRONG)
    user.refresh_from_db()
    assert user.locked_until is not None
    assert user.locked_until > timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1)
    assert Message.objects.filter(to=user.mobile, template="account_locked").count() == 1
    assert user.username in phone.last(user.mobile)

    response = post_login(english, user.username, PASSWORD)
    assert response.status_code == 200
    assert "This account is locked" in response.content.decode()
    assert logged_in_as(english) is None
    assert login_events(user).filter(action="auth.login.failed", details__reason="locked").count() == 1
    assert not login_events(user).filter(action="auth.login.succeeded").exists()


def test_one_failure_short_of_the_limit_does_not_lock(english, make_user, settings):
    user = make_user(Role.HELPDESK)
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        post_login(english, user.username, WRONG)
    response = post_login(english, user.username, PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.locked_until is None and user.failed_logins == 0
    assert not Message.objects.filter(to=user.mobile, template="account_locked").exists()


def test_lock_ends_after_the_lockout_period(english, make_user, settings):
    user = make_user(Role.DIVISION)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.LOGIN_MAX_FAILURES):
            post_login(english, user.username, WRONG)
        clock.shift(datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1))
        assert post_login(english, user.username, PASSWORD).status_code == 200
        assert logged_in_as(english) is None

        clock.shift(datetime.timedelta(minutes=1, seconds=1))
        response = post_login(english, user.username, PASSWORD)
        assert response.status_code == 302
        assert response.url == reverse("web:dashboard")
        assert logged_in_as(english) == str(user.pk)


def test_employees_and_pensioners_cannot_log_in_with_a_password(english, make_user):
    beneficiary = make_user(Role.BENEFICIARY)
    assert beneficiary.check_password(PASSWORD)  # even with a password set, the role is refused
    response = post_login(english, beneficiary.username, PASSWORD)
    assert response.status_code == 200
    assert FAILED_TEXT in response.content.decode()
    assert logged_in_as(english) is None
    assert Event.objects.filter(action="auth.login.failed", actor_label=beneficiary.username).exists()
    assert not Event.objects.filter(action="auth.login.succeeded").exists()


def test_inactive_officer_is_refused_even_with_the_right_password(english, make_user):
    user = make_user(Role.DEPARTMENT)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = post_login(english, user.username, PASSWORD)
    assert response.status_code == 200
    assert "This account is not active" in response.content.decode()
    assert logged_in_as(english) is None
    assert login_events(user).get(action="auth.login.failed").details["reason"] == "inactive"


def test_too_many_attempts_from_one_address_are_refused(english, make_user, settings):
    settings.LOGIN_RATE_PER_IP = 3
    user = make_user(Role.HELPDESK)
    window_start = (int(timezone.now().timestamp()) // 600 + 1) * 600
    start = datetime.datetime.fromtimestamp(window_start + 5, tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for name in ("DM999991", "DM999992", "DM999993"):
            post_login(english, name, WRONG, ip="10.9.9.9")
        response = post_login(english, user.username, PASSWORD, ip="10.9.9.9")
        assert response.status_code == 200
        assert "Too many log-in attempts" in response.content.decode()
        assert logged_in_as(english) is None
        assert Event.objects.filter(action="auth.login.rate_limited", ip="10.9.9.9").count() == 1

        # Another address is not affected.
        assert post_login(english, user.username, PASSWORD, ip="10.9.9.10").status_code == 302
        assert logged_in_as(english) == str(user.pk)
