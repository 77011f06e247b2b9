"""The DDO/TO's own journey through the web pages, as the scheme's instructions describe it."""

import pytest
from django.urls import reverse

from portal.ddo.models import Application, Status

pytestmark = pytest.mark.django_db


def form_post(geo, **overrides):
    data = {
        "kind": "ddo", "officer_name_en": "Ravi Kumar", "officer_name_hi": "रवि कुमार", "designation": "CMO",
        "department": geo["medical"].pk, "district": geo["lucknow"].pk, "treasury": geo["t_lucknow"].pk,
        "ddo_code": "2661", "mobile": "9876543210", "mobile_kind": "cug", "email": "cmo@example.in",
        "controlling_officer_name": "Dr A K Singh", "controlling_officer_designation": "Additional Director",
        "submit_token": "6f1d9c8e-1111-4222-8333-944455556666",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def office_post(geo, **overrides):
    data = {
        "name_en": "Office of the CMO", "name_hi": "मुख्य चिकित्सा अधिकारी कार्यालय", "address": "Lalbagh, Lucknow",
        "district": geo["lucknow"].pk, "department": geo["medical"].pk, "office_type": "district", "headcount": "250",
    }
    data.update(overrides)
    return data


def test_officer_registers_adds_office_submits_and_opens_form_with_otp(client, geo, phone):
    response = client.post(reverse("ddo:register"), form_post(geo))
    application = Application.objects.get()
    assert application.status == Status.DRAFT
    assert response.url == reverse("ddo:offices", args=[application.number])

    response = client.post(reverse("ddo:offices", args=[application.number]), office_post(geo))
    assert response.status_code == 302
    assert application.offices.count() == 1

    response = client.post(reverse("ddo:submit", args=[application.number]))
    assert response.url == reverse("ddo:access_verify")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    # Without the OTP the application and its form stay closed.
    assert client.get(reverse("ddo:form_pdf", args=[application.number])).status_code == 404

    otp = phone.otp("9876543210")
    response = client.post(reverse("ddo:access_verify"), {"otp": otp})
    assert response.url == reverse("ddo:application", args=[application.number])

    pdf = client.get(reverse("ddo:form_pdf", args=[application.number]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    application.refresh_from_db()
    assert application.status == Status.FORM_PRINTED


def test_bad_input_is_explained_at_the_field_and_nothing_typed_is_lost(client, geo):
    response = client.post(reverse("ddo:register"), form_post(
        geo, mobile="12345", officer_name_hi="Ravi", mobile_kind="personal", email="not-an-email"))
    assert response.status_code == 200
    page = response.content.decode()
    assert Application.objects.count() == 0
    form = response.context["form"]
    assert set(form.errors) >= {"mobile", "officer_name_hi", "no_cug_declared", "email"}
    # What the officer typed is still in the form.
    assert 'value="Ravi Kumar"' in page
    assert 'value="12345"' in page
    assert 'aria-invalid="true"' in page
    assert 'id="id_mobile_error"' in page
