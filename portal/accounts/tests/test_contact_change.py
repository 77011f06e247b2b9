"""An officer changes their mobile or email: password first, then OTPs to the new
contact and to the current mobile (unless they no longer have it)."""

import html
import re

import pytest
from django.urls import reverse

from conftest import PASSWORD
from portal.accounts.models import Role
from portal.audit.models import Event
from portal.notify.models import Message, OneTimePassword

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:contact_change")
CONFIRM = reverse("accounts:contact_confirm")
OLD_MOBILE = "9812340001"
NEW_MOBILE = "9812349999"
NEW_EMAIL = "new.officer@example.in"


@pytest.fixture
def officer(make_user):
    return make_user(Role.DISTRICT, mobile=OLD_MOBILE)


@pytest.fixture
def browser(client, officer):
    client.cookies["portal_language"] = "en"
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    return client


def field_error(response, name) -> str:
    match = re.search(rf'<p class="error" id="id_{name}_error"><span>(.*?)</span>', response.content.decode(), re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


def ask_mobile(client, new=NEW_MOBILE, password=PASSWORD, old_unavailable=False):
    data = {"kind": "mobile", "new_mobile": new, "password": password}
    if old_unavailable:
        data["old_unavailable"] = "on"
    return client.post(CHANGE, data)


def test_mobile_change_with_otps_to_both_numbers(browser, officer, phone):
    response = ask_mobile(browser)
    assert response.status_code == 302 and response.url == CONFIRM
    new_code, old_code = phone.otp(NEW_MOBILE), phone.otp(OLD_MOBILE)

    response = browser.post(CONFIRM, {"new_otp": new_code, "old_otp": old_code})
    assert response.status_code == 302 and response.url == reverse("web:dashboard")
    officer.refresh_from_db()
    assert officer.mobile == NEW_MOBILE
    for number in (OLD_MOBILE, NEW_MOBILE):
        assert Message.objects.filter(to=number, template="mobile_changed").count() == 1
        assert officer.username in phone.last(number)
    event = Event.objects.get(action="accounts.mobile.changed")
    assert event.target_id == str(officer.pk) and event.actor_id == officer.pk
    assert event.details == {"old_verified": True, "previous_last4": OLD_MOBILE[-4:]}


def test_mobile_change_needs_the_otp_from_the_current_number(browser, officer, phone):
    ask_mobile(browser)
    response = browser.post(CONFIRM, {"new_otp": phone.otp(NEW_MOBILE)})
    assert response.status_code == 200
    assert "old_otp" in response.context["form"].errors
    officer.refresh_from_db()
    assert officer.mobile == OLD_MOBILE
    assert not Message.objects.filter(template="mobile_changed").exists()


def test_wrong_otp_from_the_current_number_changes_nothing(browser, officer, phone):
    ask_mobile(browser)
    old_code = phone.otp(OLD_MOBILE)
    wrong = "000000" if old_code != "000000" else "111111"
    response = browser.post(CONFIRM, {"new_otp": phone.otp(NEW_MOBILE), "old_otp": wrong})
    assert response.status_code == 200
    assert "The OTP is not correct" in response.content.decode()
    officer.refresh_from_db()
    assert officer.mobile == OLD_MOBILE
    assert not Event.objects.filter(action="accounts.mobile.changed").exists()


def test_a_typo_in_one_otp_does_not_burn_the_other(browser, officer, phone):
    ask_mobile(browser)
    new_code, old_code = phone.otp(NEW_MOBILE), phone.otp(OLD_MOBILE)
    wrong = "000000" if old_code != "000000" else "111111"
    assert browser.post(CONFIRM, {"new_otp": new_code, "old_otp": wrong}).status_code == 200
    # The officer corrects the mistyped code and submits again.
    response = browser.post(CONFIRM, {"new_otp": new_code, "old_otp": old_code})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.mobile == NEW_MOBILE


def test_old_number_unavailable_needs_only_the_new_numbers_otp(browser, officer, phone):
    response = ask_mobile(browser, old_unavailable=True)
    assert response.status_code == 302
    assert not OneTimePassword.objects.filter(target=OLD_MOBILE).exists()
    assert not Message.objects.filter(to=OLD_MOBILE, template="otp").exists()

    form_page = browser.get(CONFIRM)
    assert "old_otp" not in form_page.context["form"].fields
    response = browser.post(CONFIRM, {"new_otp": phone.otp(NEW_MOBILE)})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.mobile == NEW_MOBILE
    # The old number is still told, so a hijack can be noticed.
    assert Message.objects.filter(to=OLD_MOBILE, template="mobile_changed").count() == 1
    assert Message.objects.filter(to=NEW_MOBILE, template="mobile_changed").count() == 1
    assert Event.objects.get(action="accounts.mobile.changed").details["old_verified"] is False


def test_wrong_password_is_refused_and_no_otp_is_sent(browser, officer):
    response = ask_mobile(browser, password="Not-My-Password-1")
    assert response.status_code == 200
    assert field_error(response, "password") == "The password is not correct."
    assert not OneTimePassword.objects.exists()
    assert not Message.objects.exists()
    assert "contact_change" not in browser.session
    assert Event.objects.filter(action="accounts.contact.wrong_password", target_id=str(officer.pk)).exists()


def test_confirm_page_without_a_pending_change_goes_back_to_the_start(browser):
    response = browser.get(CONFIRM)
    assert response.status_code == 302 and response.url == CHANGE


def test_email_change_needs_the_email_otp_and_the_mobile_otp(browser, officer, phone):
    previous_email = officer.email
    response = browser.post(CHANGE, {"kind": "email", "new_email": NEW_EMAIL.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.url == CONFIRM
    email_message = Message.objects.get(to=NEW_EMAIL, template="otp")
    assert email_message.channel == "email"
    email_code, mobile_code = phone.otp(NEW_EMAIL), phone.otp(OLD_MOBILE)

    # The email OTP alone is not enough.
    response = browser.post(CONFIRM, {"new_otp": email_code})
    assert response.status_code == 200
    assert "old_otp" in response.context["form"].errors
    officer.refresh_from_db()
    assert officer.email == previous_email

    response = browser.post(CONFIRM, {"new_otp": email_code, "old_otp": mobile_code})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.email == NEW_EMAIL
    assert Message.objects.filter(to=OLD_MOBILE, template="email_changed", channel="sms").count() == 1
    assert Message.objects.filter(to=previous_email, template="email_changed", channel="email").count() == 1
    assert Event.objects.get(action="accounts.email.changed").target_id == str(officer.pk)


def test_email_change_ignores_the_old_number_unavailable_box(browser, officer, phone):
    browser.post(CHANGE, {"kind": "email", "new_email": NEW_EMAIL, "password": PASSWORD, "old_unavailable": "on"})
    assert OneTimePassword.objects.filter(target=OLD_MOBILE, purpose="contact.email.old").exists()
    response = browser.post(CONFIRM, {"new_otp": phone.otp(NEW_EMAIL)})
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.email != NEW_EMAIL


def test_contact_change_needs_a_logged_in_officer(client):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
