"""/dashboard/ (where log-in lands) sends each role to its own first page."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role
from portal.accounts.services import create_user
from portal.audit.services import Actor

pytestmark = pytest.mark.django_db

HOMES = {
    Role.STATE: "ddo:queue",
    Role.HELPDESK: "ddo:queue",
    Role.HOSPITAL: "cards:verify",
}


@pytest.mark.parametrize("role,home", sorted(HOMES.items()))
def test_dashboard_redirects_the_role_to_its_first_page(role, home):
    user = create_user(actor=Actor.system("tests"), role=role, name_en="Desk User", name_hi="डेस्क उपयोगकर्ता",
                       designation="Desk", mobile="9812300001", email="", units=[], send_credentials=False)
    user.must_change_password = False
    user.save()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse(home)


def test_a_hospital_desk_lands_on_the_card_check_and_sees_it_in_hindi():
    user = create_user(actor=Actor.system("tests"), role=Role.HOSPITAL, name_en="City Hospital", name_hi="सिटी अस्पताल",
                       designation="Card desk", mobile="9812300002", email="", units=[], send_credentials=False)
    user.must_change_password = False
    user.save()
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("web:dashboard"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("cards:verify")
    assert 'lang="hi"' in response.content.decode()
