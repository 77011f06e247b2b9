"""The employee's own dates are checked at the field as a dependent's are; an office takes only
its own kind of registration from a registered DDO/TO; and a new registration costs few
statements (the office read once, the Aadhaar stored in one)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import Grant
from portal.enrolment.models import Family

pytestmark = pytest.mark.django_db


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', page, re.DOTALL)
    assert match, f"no error beside {field}"
    return match.group(1)


def in_years(years: int) -> str:
    today = datetime.date.today()
    return today.replace(year=today.year + years, day=min(today.day, 28)).isoformat()


@pytest.mark.parametrize(("born", "words"), [
    (in_years(1), ("future", "भविष्य")),
    (in_years(-16), ("at least 18", "18")),
])
def test_employee_born_in_the_future_or_under_18_is_refused_at_the_date_of_birth(client, ddo_office, primary_post,
                                                                                 born, words):
    response = client.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]),
                           primary_post(date_of_birth=born, date_of_joining=in_years(-1)))
    assert response.status_code == 200 and not Family.objects.exists()
    error = field_error(response.content.decode(), "date_of_birth")
    assert words[0] in error and words[1] in error  # in both languages
    assert 'value="Sunita Devi"' in response.content.decode()  # nothing typed is lost


def test_date_of_joining_in_the_future_is_refused(client, ddo_office, primary_post):
    response = client.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]),
                           primary_post(date_of_joining=in_years(1)))
    assert response.status_code == 200 and not Family.objects.exists()
    assert "future" in field_error(response.content.decode(), "date_of_joining")


def test_pensioners_retirement_in_the_future_is_refused(client, submitted, geo, primary_post):
    to_office = submitted(stage="approved", kind="to", ddo_code="", treasury=geo["t_agra"],
                          mobile="9876500031").offices.get().office
    url = reverse("enrolment:new", args=[to_office.code, "pensioner"])
    response = client.post(url, primary_post(ppo_number="PPO/UP/2024/771", retirement_date=in_years(1)))
    assert response.status_code == 200 and not Family.objects.exists()
    assert "future" in field_error(response.content.decode(), "retirement_date")
    response = client.post(url, primary_post(ppo_number="PPO/UP/2024/771", retirement_date="2024-06-30"))
    assert response.status_code == 302 and Family.objects.get().kind == "pensioner"


def test_an_office_takes_only_its_own_kind_of_registration(client, ddo_office, submitted, geo, primary_post):
    to_office = submitted(stage="approved", kind="to", ddo_code="", treasury=geo["t_agra"],
                          mobile="9876500031").offices.get().office
    assert client.get(reverse("enrolment:new", args=[ddo_office.code, "employee"])).status_code == 200
    assert client.get(reverse("enrolment:new", args=[to_office.code, "pensioner"])).status_code == 200
    assert client.get(reverse("enrolment:new", args=[ddo_office.code, "pensioner"])).status_code == 404
    assert client.get(reverse("enrolment:new", args=[to_office.code, "employee"])).status_code == 404
    response = client.post(reverse("enrolment:new", args=[ddo_office.code, "pensioner"]),
                           primary_post(ppo_number="PPO/1", retirement_date="2024-06-30"))
    assert response.status_code == 404 and not Family.objects.exists()


def test_office_whose_officer_is_no_longer_in_charge_takes_no_registrations(client, ddo_office):
    url = reverse("enrolment:new", args=[ddo_office.code, "employee"])
    assert client.get(url).status_code == 200
    Grant.objects.filter(office=ddo_office).update(revoked_at=datetime.datetime.now(datetime.UTC))
    assert client.get(url).status_code == 404


def test_new_registration_reads_the_office_once_and_stores_the_aadhaar_in_one_statement(client, ddo_office,
                                                                                       primary_post):
    url = reverse("enrolment:new", args=[ddo_office.code, "employee"])
    data = primary_post()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302
    statements = [q["sql"] for q in queries.captured_queries]
    assert len([s for s in statements if '"directory_office"' in s]) == 1, statements
    assert len([s for s in statements if '"vault_aadhaarrecord"' in s]) == 1, statements
    work = [s for s in statements if "django_session" not in s and "SAVEPOINT" not in s]
    assert len(work) <= 8, work  # office, pay level, double-submit check, vault, family (2), member, audit
