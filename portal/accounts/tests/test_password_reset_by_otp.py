"""Forgotten passwords: an OTP to the registered mobile, or a new one-time password
sent by the state cell. Neither path shows a password or reveals who is registered."""

import datetime
import html
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from portal.accounts import services
from portal.accounts.models import Role
from portal.audit.models import Event
from portal.notify.models import Message
from portal.notify.otp import OtpError

pytestmark = pytest.mark.django_db

START = reverse("accounts:password_reset")
COMPLETE = reverse("accounts:password_reset_complete")
LOGIN = reverse("accounts:login")
NEW = "Monsoon-Kettle-5519"


@pytest.fixture
def english(client):
    client.cookies["portal_language"] = "en"
    return client


@pytest.fixture
def officer(make_user):
    return make_user(Role.DISTRICT)


def complete(client, otp, password=NEW, again=None):
    return client.post(COMPLETE, {"otp": otp, "new_password1": password, "new_password2": again or password})


def field_error(response, name) -> str:
    """The error text shown next to a field, as the officer reads it."""
    match = re.search(rf'<p class="error" id="id_{name}_error"><span>(.*?)</span>', response.content.decode(), re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


def english_client():
    client = Client()
    client.cookies["portal_language"] = "en"
    return client


def other_code(code):
    return "000000" if code != "000000" else "111111"


def can_log_in(client, user, password):
    client.logout()
    response = client.post(LOGIN, {"username": user.username, "password": password})
    return response.status_code == 302 and client.session.get("_auth_user_id") == str(user.pk)


def test_user_id_gets_an_otp_on_the_registered_mobile(english, officer, phone):
    response = english.post(START, {"username": officer.username.lower()})
    assert response.status_code == 302
    assert response.url == COMPLETE
    assert len(phone.otp(officer.mobile)) == 6
    assert Event.objects.filter(action="auth.reset.otp_sent", target_id=str(officer.pk)).exists()


def test_unknown_user_id_gets_the_same_answer_and_no_sms(english, officer, phone):
    known = english.post(START, {"username": officer.username})
    sent_before = Message.objects.count()

    stranger = english_client()
    unknown = stranger.post(START, {"username": "DM999999"})
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert [str(m) for m in get_messages(unknown.wsgi_request)] == [str(m) for m in get_messages(known.wsgi_request)]
    assert Message.objects.count() == sent_before
    assert Event.objects.filter(action="auth.reset.unknown_user", actor_label="DM999999").exists()


def test_asking_twice_does_not_reveal_whether_the_user_exists(english, officer):
    known = [english.post(START, {"username": officer.username}) for _ in range(2)]
    stranger = english_client()
    unknown = [stranger.post(START, {"username": "DM999999"}) for _ in range(2)]
    assert [(r.status_code, r.get("Location")) for r in known] == [(r.status_code, r.get("Location")) for r in unknown]


def test_a_wrong_otp_does_not_reveal_whether_the_user_exists(english, officer, phone):
    english.post(START, {"username": officer.username})
    wrong = other_code(phone.otp(officer.mobile))
    stranger = english_client()
    stranger.post(START, {"username": "DM999999"})
    known, unknown = complete(english, wrong), complete(stranger, wrong)
    assert field_error(known, "otp") == field_error(unknown, "otp")


def test_otp_and_new_password_replace_the_old_password(english, officer, phone):
    english.post(START, {"username": officer.username})
    response = complete(english, phone.otp(officer.mobile))
    assert response.status_code == 302
    assert response.url == LOGIN
    officer.refresh_from_db()
    assert officer.check_password(NEW)
    assert officer.password.startswith("argon2")
    assert officer.must_change_password is False
    assert Event.objects.filter(action="accounts.password.reset_by_otp", target_id=str(officer.pk)).exists()

    fresh = english_client()
    assert not can_log_in(fresh, officer, PASSWORD)
    assert can_log_in(fresh, officer, NEW)


def test_wrong_otp_is_explained_at_the_otp_field(english, officer, phone):
    english.post(START, {"username": officer.username})
    response = complete(english, other_code(phone.otp(officer.mobile)))
    assert response.status_code == 200
    assert "otp" in response.context["form"].errors
    assert "The OTP is not correct. 4 attempts left." in field_error(response, "otp")
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_expired_otp_is_explained(english, officer, phone):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        english.post(START, {"username": officer.username})
        code = phone.otp(officer.mobile)
        clock.shift(datetime.timedelta(minutes=11))
        response = complete(english, code)
    assert response.status_code == 200
    assert "This OTP has expired" in field_error(response, "otp")
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_otp_cannot_be_used_twice(english, officer, phone):
    english.post(START, {"username": officer.username})
    code = phone.otp(officer.mobile)
    assert complete(english, code).status_code == 302

    session = english.session
    session["reset_username"] = officer.username
    session.save()
    response = complete(english, code, password="Another-Pass-8842")
    assert response.status_code == 200
    assert "This OTP has already been used" in field_error(response, "otp")
    with pytest.raises(OtpError) as refused:
        services.complete_password_reset(username=officer.username, code=code,
                                         new_password="Another-Pass-8842", ip="10.0.0.1")
    assert refused.value.code == "used"
    officer.refresh_from_db()
    assert officer.check_password(NEW)


def test_weak_new_password_is_refused_without_spending_the_otp(english, officer, phone):
    english.post(START, {"username": officer.username})
    code = phone.otp(officer.mobile)
    response = complete(english, code, password="1234567890")
    assert response.status_code == 200
    assert "new_password1" in response.context["form"].errors
    assert complete(english, code).status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW)


def test_reset_clears_a_lockout(english, officer, phone, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        english.post(LOGIN, {"username": officer.username, "password": "Wrong-Horse-99"})
    officer.refresh_from_db()
    assert officer.locked_until is not None

    english.post(START, {"username": officer.username})
    assert complete(english, phone.otp(officer.mobile)).status_code == 302
    officer.refresh_from_db()
    assert officer.locked_until is None and officer.failed_logins == 0
    assert can_log_in(english_client(), officer, NEW)


# --- reset by the state cell ------------------------------------------------------------

def test_state_cell_reset_sends_a_one_time_password_by_sms_only(client, make_user, officer, phone):
    state = make_user(Role.STATE)
    client.force_login(state, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("accounts:user_action", args=[officer.username, "reset-password"])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("accounts:user_detail", args=[officer.username])

    user_id, password = phone.password(officer.mobile)
    assert user_id == officer.username
    assert password not in response.content.decode()
    assert not Message.objects.filter(preview__contains=password).exists()
    officer.refresh_from_db()
    assert officer.must_change_password is True
    assert officer.check_password(password) and not officer.check_password(PASSWORD)
    event = Event.objects.get(action="accounts.password.reset_by_staff")
    assert event.actor_id == state.pk and event.target_id == str(officer.pk)


def test_staff_reset_is_refused_to_other_roles(client, make_user, officer):
    district = make_user(Role.DISTRICT)
    client.force_login(district, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("accounts:user_action", args=[officer.username, "reset-password"])
    assert client.post(url).status_code == 403
    assert not Message.objects.filter(to=officer.mobile).exists()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
