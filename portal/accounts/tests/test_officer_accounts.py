"""The state cell creates and manages monitoring, helpdesk and state-cell accounts.
Credentials go only to the officer's phone; nobody else may open these pages."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from portal.accounts.models import Grant, Role, User
from portal.audit.models import Event
from portal.notify.models import Message

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:user_list")
NEW = reverse("accounts:user_create")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def browser_for(user, language="en"):
    client = Client()
    client.cookies["portal_language"] = language
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def state(make_user):
    return make_user(Role.STATE)


@pytest.fixture
def cell(state):
    return browser_for(state)


def account(**overrides):
    data = {"role": "district", "name_en": "Asha Verma", "name_hi": "आशा वर्मा", "designation": "ADM",
            "mobile": "9700011122", "email": "asha@example.in", "language": "en"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def field_error(response, name) -> str:
    match = re.search(rf'<p class="error" id="id_{name}_error"><span>(.*?)</span>', response.content.decode(), re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize(("role", "scope", "label"),
                         [("district", "district", "District"), ("division", "division", "Division"),
                          ("department", "department", "Department")])
def test_monitoring_roles_need_a_scope(cell, role, scope, label):
    response = cell.post(NEW, account(role=role))
    assert response.status_code == 200
    assert field_error(response, scope) == f"Choose the {label} this officer looks after."
    assert not User.objects.filter(mobile="9700011122").exists()


def test_scope_error_is_shown_in_hindi_by_default(state, geo):
    response = browser_for(state, language="hi").post(NEW, account(role="district"))
    error = field_error(response, "district")
    assert _DEVANAGARI.search(error)
    assert "Choose the" not in error


def test_names_must_be_in_the_right_script(cell):
    response = cell.post(NEW, account(name_en="आशा वर्मा", name_hi="Asha Verma"))
    assert response.status_code == 200
    assert field_error(response, "name_hi") == "Type this in Hindi (Devanagari script)."
    assert field_error(response, "name_en").startswith("Type this in English letters")
    assert not User.objects.filter(mobile="9700011122").exists()


def test_office_roles_cannot_be_created_here(cell):
    response = cell.post(NEW, account(role="ddo"))
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(role=Role.DDO).exists()


def test_district_officer_is_created_and_credentials_go_only_by_sms(cell, state, geo, phone):
    response = cell.post(NEW, account(district=geo["lucknow"].pk), follow=True)
    assert response.status_code == 200
    officer = User.objects.get(mobile="9700011122")
    assert re.fullmatch(r"DM\d{6}", officer.username)
    assert officer.username == f"DM{officer.pk:06d}"
    assert response.redirect_chain[-1][0] == reverse("accounts:user_detail", args=[officer.username])
    assert officer.role == Role.DISTRICT and officer.must_change_password
    grant = Grant.objects.get(user=officer)
    assert grant.unit() == {"district": geo["lucknow"].pk}
    assert grant.granted_by == state

    user_id, password = phone.password("9700011122")
    assert user_id == officer.username
    assert password not in response.content.decode()
    assert not Message.objects.filter(preview__contains=password).exists()
    assert officer.check_password(password)
    assert Event.objects.get(action="accounts.user.created", target_id=str(officer.pk)).actor_id == state.pk

    # The officer logs in with the SMS and must choose a password first.
    login = Client().post(reverse("accounts:login"), {"username": user_id, "password": password})
    assert login.url == reverse("accounts:password_change")


@pytest.mark.parametrize(("role", "prefix"), [("division", "DV"), ("state", "SC"), ("helpdesk", "HD")])
def test_user_id_prefix_tells_the_role(cell, geo, role, prefix):
    cell.post(NEW, account(role=role, division=geo["lucknow"].division.pk))
    officer = User.objects.get(mobile="9700011122")
    assert re.fullmatch(rf"{prefix}\d{{6}}", officer.username)
    expected = [{"division": geo["lucknow"].division.pk}] if role == "division" else []
    assert [g.unit() for g in officer.grants.all()] == expected


def test_department_officer_with_a_district_gets_both_in_one_grant(cell, geo):
    cell.post(NEW, account(role="department", department=geo["medical"].pk, district=geo["agra"].pk))
    officer = User.objects.get(mobile="9700011122")
    assert officer.username.startswith("DP")
    assert [g.unit() for g in officer.grants.all()] == [{"department": geo["medical"].pk, "district": geo["agra"].pk}]


def test_helpdesk_can_view_accounts_but_not_create_them(make_user):
    helpdesk = browser_for(make_user(Role.HELPDESK))
    assert helpdesk.get(LIST).status_code == 200
    assert helpdesk.get(NEW).status_code == 403
    assert helpdesk.post(NEW, account()).status_code == 403
    assert not User.objects.filter(mobile="9700011122").exists()


@pytest.mark.parametrize("role", ["ddo", "to", "operator", "district", "division", "department", "beneficiary"])
def test_other_roles_are_forbidden(users, role):
    client = browser_for(users[role])
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, account()).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[users["state"].username])).status_code == 403
    assert not User.objects.filter(mobile="9700011122").exists()


@pytest.mark.parametrize("path", [LIST, NEW])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={path}"


def test_deactivation_needs_a_reason(cell, make_user):
    officer = make_user(Role.DISTRICT)
    url = reverse("accounts:user_action", args=[officer.username, "deactivate"])
    response = cell.post(url, {"reason": ""}, follow=True)
    assert "Give a reason." in response.content.decode()
    officer.refresh_from_db()
    assert officer.is_active
    assert not Event.objects.filter(action="accounts.user.deactivated").exists()


def test_deactivated_officer_can_no_longer_log_in(cell, state, make_user):
    officer = make_user(Role.DISTRICT)
    their_session = browser_for(officer)
    assert their_session.get(reverse("ddo:queue")).status_code == 200

    url = reverse("accounts:user_action", args=[officer.username, "deactivate"])
    assert cell.post(url, {"reason": "Transferred out of the district"}).status_code == 302
    officer.refresh_from_db()
    assert officer.is_active is False
    event = Event.objects.get(action="accounts.user.deactivated")
    assert event.details == {"reason": "Transferred out of the district"} and event.actor_id == state.pk

    fresh = Client()
    fresh.cookies["portal_language"] = "en"
    response = fresh.post(reverse("accounts:login"), {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "This account is not active" in response.content.decode()
    # A session opened before the deactivation ends too.
    response = their_session.get(reverse("ddo:queue"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_helpdesk_cannot_deactivate(make_user):
    officer = make_user(Role.DISTRICT)
    helpdesk = browser_for(make_user(Role.HELPDESK))
    url = reverse("accounts:user_action", args=[officer.username, "deactivate"])
    assert helpdesk.post(url, {"reason": "No longer needed"}).status_code == 403
    officer.refresh_from_db()
    assert officer.is_active


def test_state_cell_cannot_deactivate_its_own_account(cell, state):
    url = reverse("accounts:user_action", args=[state.username, "deactivate"])
    response = cell.post(url, {"reason": "Testing"}, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    state.refresh_from_db()
    assert state.is_active
