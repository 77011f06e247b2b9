"""An employee registers the family through the Employee Gateway and prints the form."""

import pytest
from django.urls import reverse

from portal.enrolment.models import Family, Member, Status

from .conftest import aadhaar, photo_file

pytestmark = pytest.mark.django_db


def test_employee_registers_family_submits_and_opens_form_with_otp(client, geo, ddo_office, primary_post,
                                                                   dependent_post, phone):
    response = client.post(reverse("enrolment:start"),
                           {"kind": "employee", "treasury": geo["t_lucknow"].pk, "ddo_code": "2661"})
    assert response.status_code == 302, response.context["form"].errors
    assert response.url == reverse("enrolment:new", args=[ddo_office.code, "employee"])
    response = client.post(response.url, primary_post())
    assert response.status_code == 302, response.context["form"].errors
    family = Family.objects.get()
    assert family.status == Status.DRAFT and family.ward == "semi_private"
    page = client.get(reverse("enrolment:family", args=[family.number])).content.decode()
    assert "XXXX XXXX" in page and aadhaar(1) not in page

    response = client.post(reverse("enrolment:add_member", args=[family.number]), dependent_post())
    assert response.status_code == 302, response.context["form"].errors
    for member in family.members.all():
        response = client.post(reverse("enrolment:upload_photo", args=[family.number, member.pk]),
                               {"photo": photo_file()})
        assert response.status_code == 302
    response = client.post(reverse("enrolment:submit", args=[family.number]))
    assert response.url == reverse("enrolment:access_verify")
    family.refresh_from_db()
    assert family.status == Status.SUBMITTED
    assert Member.objects.get(family=family, relation="self").holds_primary
    response = client.post(reverse("enrolment:access_verify"), {"otp": phone.otp("9812345670")})
    assert response.url == reverse("enrolment:family", args=[family.number])
    pdf = client.get(reverse("enrolment:form_pdf", args=[family.number]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_ddo_sees_the_family_verifies_it_and_the_employee_gets_a_user_id(client, geo, ddo_office, primary_post,
                                                                         dependent_post, phone, login):
    from portal.accounts.models import Grant

    client.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]), primary_post())
    family = Family.objects.get()
    client.post(reverse("enrolment:add_member", args=[family.number]), dependent_post())
    for member in family.members.all():
        client.post(reverse("enrolment:upload_photo", args=[family.number, member.pk]), {"photo": photo_file()})
    client.post(reverse("enrolment:submit", args=[family.number]))
    ddo = Grant.objects.get(office=ddo_office, revoked_at__isnull=True).user
    ddo.must_change_password = False
    ddo.save()
    office = login(ddo)
    page = office.get(reverse("enrolment:queue")).content.decode()
    assert family.number in page
    review = office.get(reverse("enrolment:review", args=[family.number]))
    assert review.status_code == 200 and aadhaar(1) not in review.content.decode()
    member = family.members.first()
    assert office.get(reverse("enrolment:photo", args=[member.pk])).status_code == 200
    office.post(reverse("enrolment:act", args=[family.number, "verify"]))
    family.refresh_from_db()
    assert family.status == Status.VERIFIED and family.user is not None
    assert family.user.username in phone.last("9812345670")
    for url in [reverse("enrolment:changes"), reverse("enrolment:duplicates"), reverse("ddo:operators"),
                reverse("enrolment:transfer", args=[family.number]), reverse("enrolment:retire", args=[family.number])]:
        assert office.get(url).status_code == 200, url
    beneficiary = login(family.user)
    assert beneficiary.get(reverse("enrolment:my_family")).status_code == 200
    for kind in ("add", "remove", "correct", "photo"):
        assert beneficiary.get(reverse("enrolment:change_new", args=[kind])).status_code == 200, kind
