"""Each monitoring role lands on its own scope; an officer with no charge left gets a page
that says so, not an error."""

import pytest

from portal.accounts.models import Grant, Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role, target", [
    ("state", "/reports/state/"), ("helpdesk", "/reports/state/"), ("district", "/reports/d-162/"),
    ("division", "/reports/dv-{division}/"), ("department", "/reports/dp-{department}/"), ("ddo", "/reports/of-{office}/"),
])
def test_each_role_lands_on_its_scope(users, offices, geo, client, login, role, target):
    login(users[role])
    response = client.get("/dashboard/", follow=True) if role in ("district", "division", "department") else \
        client.get("/reports/", follow=True)
    expected = target.format(division=geo["lucknow"].division.code, department=geo["medical"].code,
                             office=offices["lucknow"].code)
    assert response.redirect_chain[-1][0] == expected and response.status_code == 200


def test_a_ddo_with_two_offices_sees_both(users, offices, client, login, make_user):
    ddo = make_user(Role.DDO, office=offices["lucknow"])
    Grant.objects.create(user=ddo, office=offices["agra"], granted_at=ddo.date_joined)
    login(ddo)
    response = client.get("/reports/", follow=True)
    assert response.redirect_chain[-1][0] == "/reports/my/"
    assert {u.office_id for u in response.context["children"]} == {offices["lucknow"].pk, offices["agra"].pk}


def test_an_officer_without_charge_is_told_so(make_user, client, login):
    officer = make_user(Role.DISTRICT)
    login(officer)
    response = client.get("/reports/")
    assert response.status_code == 200 and "राज्य प्रकोष्ठ से संपर्क करें" in response.content.decode()
