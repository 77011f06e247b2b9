"""The first two things an applicant meets: finding their office at the Employee Gateway
(and being told what to do when it cannot take registrations yet), and coming back to an
unfinished draft with its number and an OTP."""

import re

import pytest
from django.urls import reverse

from portal.enrolment.models import Family, Status

from .conftest import aadhaar, officer, photo_file

pytestmark = pytest.mark.django_db

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', page, re.DOTALL)
    assert match, f"no error beside {field}"
    return match.group(1)


def test_known_ddo_code_leads_to_the_office_and_shows_its_ddo(client, geo, ddo_office):
    response = client.post(reverse("enrolment:start"),
                           {"kind": "employee", "treasury": geo["t_lucknow"].pk, "ddo_code": "2661"})
    assert response.url == reverse("enrolment:new", args=[ddo_office.code, "employee"])
    page = client.get(response.url).content.decode()
    ddo = officer(ddo_office)
    assert ddo_office.name_hi in page and ddo.name_hi in page and "2661" in page


@pytest.mark.parametrize("ddo_code", ["9999", "3001"], ids=["unknown code", "ddo registered but not approved"])
def test_ddo_code_without_an_approved_ddo_says_ask_the_ddo_to_register_with_a_link(client, geo, submitted, ddo_code):
    submitted(stage="submitted", ddo_code="3001", mobile="9876500031")  # applied, not yet approved
    response = client.post(reverse("enrolment:start"),
                           {"kind": "employee", "treasury": geo["t_lucknow"].pk, "ddo_code": ddo_code})
    assert response.status_code == 200
    page = response.content.decode()
    error = field_error(page, "ddo_code")
    assert DEVANAGARI.search(error)  # in Hindi, beside the DDO code...
    assert 'lang="en"' in error and "Ask your DDO/TO to register on this portal first" in error  # ...and in English
    assert f'href="{reverse("ddo:register")}"' in page
    assert f'value="{ddo_code}"' in page  # what was typed stays in the field
    assert not Family.objects.exists()


def test_unknown_ddo_code_is_explained_in_english_too(client, geo):
    client.cookies["portal_language"] = "en"
    response = client.post(reverse("enrolment:start"), {"kind": "employee", "treasury": geo["t_lucknow"].pk,
                                                        "ddo_code": "9999"})
    error = field_error(response.content.decode(), "ddo_code")
    assert error.startswith("<span>No registered DDO/TO was found for this.") and 'lang="hi"' in error


def test_treasury_without_an_approved_to_is_explained_at_the_treasury(client, geo, ddo_office):
    response = client.post(reverse("enrolment:start"), {"kind": "pensioner", "treasury": geo["t_agra"].pk})
    page = response.content.decode()
    assert DEVANAGARI.search(field_error(page, "treasury"))
    assert f'href="{reverse("ddo:register")}"' in page


def test_malformed_ddo_code_is_refused_at_the_field(client, geo):
    response = client.post(reverse("enrolment:start"),
                           {"kind": "employee", "treasury": geo["t_lucknow"].pk, "ddo_code": "26a1"})
    assert DEVANAGARI.search(field_error(response.content.decode(), "ddo_code"))


def test_unfinished_draft_is_resumed_on_another_device_with_the_number_and_an_otp(client, ddo_office, primary_post,
                                                                                  dependent_post, phone):
    client.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]), primary_post())
    family = Family.objects.get()
    assert family.status == Status.DRAFT

    later = type(client)()  # another phone, or the same one after the session ended
    assert later.get(reverse("enrolment:family", args=[family.number])).status_code == 404
    response = later.post(reverse("enrolment:access"), {"number": f" {family.number.lower()} "})
    assert response.url == reverse("enrolment:access_verify")
    wrong = later.post(reverse("enrolment:access_verify"), {"otp": "000000" if phone.otp("9812345670") != "000000"
                                                            else "111111"})
    assert wrong.status_code == 200
    assert later.get(reverse("enrolment:family", args=[family.number])).status_code == 404
    response = later.post(reverse("enrolment:access_verify"), {"otp": phone.otp("9812345670")})
    assert response.url == reverse("enrolment:family", args=[family.number])
    page = later.get(response.url).content.decode()
    assert "Sunita Devi" in page and aadhaar(1) not in page

    # The draft goes on where it stopped: a son, the photos, submission.
    response = later.post(reverse("enrolment:add_member", args=[family.number]), dependent_post())
    assert response.status_code == 302, response.context["form"].errors
    for member in family.members.all():
        later.post(reverse("enrolment:upload_photo", args=[family.number, member.pk]), {"photo": photo_file()})
    later.post(reverse("enrolment:submit", args=[family.number]))
    family.refresh_from_db()
    assert family.status == Status.SUBMITTED and family.members.count() == 2


def test_status_page_says_whether_the_ddo_has_the_signed_form(client, ddo_office, phone, login):
    import datetime

    from .conftest import register

    family = register(ddo_office, n=1, mobile="9812345670")
    client.cookies["portal_language"] = "en"
    client.post(reverse("enrolment:access"), {"number": family.number})
    client.post(reverse("enrolment:access_verify"), {"otp": phone.otp("9812345670")})
    page = client.get(reverse("enrolment:family", args=[family.number])).content.decode()
    assert "Submitted: with the DDO/TO for verification" in page
    assert "has not yet recorded the signed form" in page
    office = type(client)()
    office.force_login(officer(ddo_office), backend="django.contrib.auth.backends.ModelBackend")
    office.post(reverse("enrolment:act", args=[family.number, "form-received"]), {"received_on": "2026-11-20"})
    assert Family.objects.get(pk=family.pk).form_received_on == datetime.date(2026, 11, 20)
    page = client.get(reverse("enrolment:family", args=[family.number])).content.decode()
    assert "received the signed form on 20.11.2026" in page and "not yet recorded" not in page
