"""An officer who logged in with the one-time password from the SMS must choose their
own password before any other page opens."""

import pytest
from django.urls import reverse

from conftest import PASSWORD
from portal.accounts.models import Role
from portal.audit.models import Event

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
NEW = "Saffron-Lantern-7731"


@pytest.fixture
def forced(make_user):
    return make_user(Role.STATE, must_change=True)


@pytest.fixture
def browser(client, forced):
    client.cookies["portal_language"] = "en"
    client.force_login(forced, backend="django.contrib.auth.backends.ModelBackend")
    return client


def change(client, old=PASSWORD, new1=NEW, new2=None):
    return client.post(CHANGE, {"old_password": old, "new_password1": new1,
                                "new_password2": new1 if new2 is None else new2})


@pytest.mark.parametrize("path", ["/dashboard/", "/state/users/", "/state/users/new/", "/accounts/contact/"])
def test_every_page_leads_to_the_change_form(browser, path):
    response = browser.get(path)
    assert response.status_code == 302
    assert response.url == CHANGE


def test_the_change_form_itself_opens_and_says_why(browser):
    response = browser.get(CHANGE)
    assert response.status_code == 200
    assert response.context["forced"] is True
    assert "one-time password" in response.content.decode()


def test_real_log_in_with_the_one_time_password_goes_to_the_change_form(client, forced):
    response = client.post(reverse("accounts:login"), {"username": forced.username, "password": PASSWORD})
    assert response.url == CHANGE
    assert client.get("/state/users/").url == CHANGE


def test_officer_without_the_flag_is_not_redirected(client, make_user):
    officer = make_user(Role.STATE)
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/state/users/").status_code == 200


def test_wrong_current_password_is_refused_at_its_field(browser, forced):
    response = change(browser, old="Not-My-Password-1")
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    assert "The current password is not correct." in response.content.decode()
    forced.refresh_from_db()
    assert forced.check_password(PASSWORD) and forced.must_change_password


def test_mismatched_new_passwords_are_refused(browser, forced):
    response = change(browser, new2=NEW + "x")
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    assert "The two passwords do not match." in response.content.decode()
    forced.refresh_from_db()
    assert forced.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "code"),
    [("Sh0rt-pw", "password_too_short"), ("password123", "password_too_common"),
     ("4718290364518", "password_entirely_numeric")],
)
def test_weak_passwords_are_refused(browser, forced, password, code):
    response = change(browser, new1=password)
    assert response.status_code == 200
    form = response.context["form"]
    assert code in [e.code for e in form.errors.as_data()["new_password1"]]
    forced.refresh_from_db()
    assert forced.check_password(PASSWORD) and forced.must_change_password


def test_password_like_the_user_id_is_refused(browser, forced):
    response = change(browser, new1=f"{forced.username}x")
    assert "new_password1" in response.context["form"].errors
    forced.refresh_from_db()
    assert forced.check_password(PASSWORD)


def test_password_like_the_officers_name_is_refused(browser, forced):
    # The form's help text promises "not like your user ID or name"; the name is name_en.
    forced.name_en = "Rajendra Prasad"
    forced.save(update_fields=["name_en"])
    response = change(browser, new1="RajendraPrasad9")
    assert response.status_code == 200
    assert "new_password1" in response.context["form"].errors
    forced.refresh_from_db()
    assert forced.check_password(PASSWORD) and forced.must_change_password


def test_reusing_the_current_password_is_refused(browser, forced):
    response = change(browser, new1=PASSWORD)
    assert response.status_code == 200
    assert "new_password1" in response.context["form"].errors
    assert "Choose a password different from the current one." in response.content.decode()
    forced.refresh_from_db()
    assert forced.must_change_password


def test_successful_change_clears_the_flag_audits_and_keeps_the_session(browser, forced):
    response = change(browser)
    assert response.status_code == 302
    assert response.url == reverse("web:dashboard")
    forced.refresh_from_db()
    assert forced.must_change_password is False
    assert forced.password_changed_at is not None
    assert forced.check_password(NEW) and not forced.check_password(PASSWORD)
    assert forced.password.startswith("argon2")
    event = Event.objects.get(action="accounts.password.changed")
    assert event.target_id == str(forced.pk) and event.actor_id == forced.pk

    # Still logged in, and the other pages open now.
    assert browser.session["_auth_user_id"] == str(forced.pk)
    assert browser.get("/state/users/").status_code == 200


def test_new_password_works_for_the_next_log_in(browser, client, forced):
    change(browser)
    browser.post(reverse("accounts:logout"))
    response = client.post(reverse("accounts:login"), {"username": forced.username, "password": NEW})
    assert response.url == reverse("web:dashboard")
