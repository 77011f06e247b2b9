"""One live registration per DDO code within a treasury (one per treasury for a TO),
refused as early as step 1, and no duplicates from double posts or double clicks."""

import uuid

import pytest
from django.urls import reverse

from portal.ddo import services
from portal.ddo.models import Application, Status
from portal.notify.models import Message

pytestmark = pytest.mark.django_db

MOBILE = "9876543210"


def step1(geo, **overrides):
    data = {
        "kind": "ddo", "officer_name_en": "Sunil Verma", "officer_name_hi": "सुनील वर्मा", "designation": "CMO",
        "department": geo["medical"].pk, "district": geo["lucknow"].pk, "treasury": geo["t_lucknow"].pk,
        "ddo_code": "2661", "mobile": "9876500099", "mobile_kind": "cug", "email": "new@example.in",
        "controlling_officer_name": "Dr A K Singh", "controlling_officer_designation": "Additional Director",
        "submit_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def office_post(geo):
    return {
        "name_en": "Office of the CMO", "name_hi": "मुख्य चिकित्सा अधिकारी कार्यालय", "address": "Lalbagh, Lucknow",
        "district": geo["lucknow"].pk, "department": geo["medical"].pk, "office_type": "district", "headcount": "250",
    }


def field_errors(response, field):
    assert response.status_code == 200, "the form should be shown again, not accepted"
    from django.utils import translation

    # Errors are translated when shown; read them in the language of the page.
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return " ".join(str(e) for e in response.context["form"].errors.get(field, []))


@pytest.fixture
def english(client):
    client.cookies["portal_language"] = "en"
    return client


def draft(system, application_data, office_data, **fields):
    application = services.start_application(actor=system, data=application_data(**fields), token=uuid.uuid4(),
                                             language="hi")
    services.add_office(actor=system, application=application, data=office_data())
    return application


def test_second_application_for_same_code_and_treasury_is_refused_at_step_one_in_english(english, geo, submitted):
    first = submitted()
    response = english.post(reverse("ddo:register"), step1(geo))
    message = field_errors(response, "ddo_code")
    assert first.number in message
    assert "already exists" in message
    assert "Submitted: form to be printed" in message  # the status, in English
    assert Application.objects.count() == 1


def test_conflict_message_in_hindi_names_the_application_and_its_hindi_status(client, geo, submitted):
    first = submitted(stage="scan_received")
    response = client.post(reverse("ddo:register"), step1(geo))
    message = field_errors(response, "ddo_code")
    assert first.number in message
    assert "already exists" not in message  # Hindi by default
    assert "Signed form received" not in message
    assert Application.objects.count() == 1


def test_same_ddo_code_at_a_different_treasury_is_accepted(client, geo, submitted):
    submitted()
    response = client.post(reverse("ddo:register"), step1(
        geo, treasury=geo["t_agra"].pk, district=geo["agra"].pk, department=geo["education"].pk))
    assert response.status_code == 302
    assert Application.objects.filter(treasury=geo["t_agra"], ddo_code="2661").count() == 1


def test_rejected_application_frees_the_code_for_a_new_one(client, geo, submitted, system):
    first = submitted()
    services.reject(actor=system, application=first, reason="Wrong office")
    response = client.post(reverse("ddo:register"), step1(geo))
    assert response.status_code == 302
    new = Application.objects.exclude(pk=first.pk).get()
    assert new.ddo_code == "2661" and new.status == Status.DRAFT


def test_approved_registration_points_to_hand_over_of_charge(english, geo, submitted):
    approved = submitted(stage="approved")
    response = english.post(reverse("ddo:register"), step1(geo))
    message = field_errors(response, "ddo_code")
    assert "already registered" in message
    assert approved.number in message
    assert "hand it over" in message
    assert Application.objects.count() == 1


def test_treasury_officer_gets_one_live_registration_per_treasury(english, geo, submitted):
    first = submitted(kind="to", ddo_code="")
    response = english.post(reverse("ddo:register"), step1(geo, kind="to", ddo_code=""))
    message = field_errors(response, "treasury")
    assert first.number in message
    assert "ddo_code" not in response.context["form"].errors
    assert Application.objects.count() == 1
    # A DDO at the same treasury is a different registration and is not blocked by the TO's.
    assert english.post(reverse("ddo:register"), step1(geo)).status_code == 302


def test_treasury_officer_conflict_message_speaks_of_the_treasury_not_a_ddo_code(english, geo, submitted):
    submitted(kind="to", ddo_code="")
    message = field_errors(english.post(reverse("ddo:register"), step1(geo, kind="to", ddo_code="")), "treasury")
    # A TO enters no DDO code; being told "this DDO code" is already taken makes no sense to them.
    assert "DDO code" not in message


def test_application_returned_for_correction_still_holds_the_code(client, geo, submitted, system):
    first = submitted(stage="scan_received")
    services.return_for_correction(actor=system, application=first, reason="Seal missing")
    message = field_errors(client.post(reverse("ddo:register"), step1(geo)), "ddo_code")
    assert first.number in message
    assert Application.objects.count() == 1


def test_step_one_posted_twice_with_same_token_creates_one_application(client, geo):
    data = step1(geo)
    first = client.post(reverse("ddo:register"), data)
    second = client.post(reverse("ddo:register"), data)
    application = Application.objects.get()
    assert first.url == second.url == reverse("ddo:offices", args=[application.number])


def test_reposting_step_one_after_submission_does_not_reopen_the_application_without_otp(client, geo):
    data = step1(geo)
    client.post(reverse("ddo:register"), data)
    application = Application.objects.get()
    client.post(reverse("ddo:offices", args=[application.number]), office_post(geo))
    client.post(reverse("ddo:submit", args=[application.number]))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    # The browser's Back button and a re-post of step 1 must not bypass the OTP.
    client.post(reverse("ddo:register"), data)
    assert client.get(reverse("ddo:application", args=[application.number])).status_code == 404
    assert Application.objects.count() == 1


def submit_twice(client, geo):
    client.post(reverse("ddo:register"), step1(geo, mobile=MOBILE))
    application = Application.objects.get()
    client.post(reverse("ddo:offices", args=[application.number]), office_post(geo))
    url = reverse("ddo:submit", args=[application.number])
    return application, client.post(url), client.post(url)


def test_clicking_submit_twice_sends_one_sms_and_leaves_it_submitted(client, geo):
    application, first, _ = submit_twice(client, geo)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert first.url == reverse("ddo:access_verify")
    assert Message.objects.filter(template="ddo_submitted", channel="sms", to=MOBILE).count() == 1
    assert Message.objects.filter(template="ddo_submitted", channel="email").count() == 1


def test_second_click_on_submit_lands_on_the_otp_page_not_an_error(client, geo):
    _, first, second = submit_twice(client, geo)
    # The browser shows the answer to the last click: it should be where the first went.
    assert second.status_code == 302
    assert second.url == first.url == reverse("ddo:access_verify")


def test_second_of_two_drafts_with_same_code_is_refused_at_submit(system, application_data, office_data):
    one = draft(system, application_data, office_data)
    two = draft(system, application_data, office_data, mobile="9876500011")
    services.submit_application(actor=system, application=one)
    with pytest.raises(services.ApplicationError) as refused:
        services.submit_application(actor=system, application=two)
    assert one.number in str(refused.value.message)
    assert refused.value.field == "ddo_code"
    two.refresh_from_db()
    assert two.status == Status.DRAFT
    assert Application.objects.filter(status=Status.SUBMITTED).count() == 1


def test_race_caught_by_the_database_still_gives_the_conflict_message(system, application_data, office_data,
                                                                       monkeypatch):
    one = draft(system, application_data, office_data)
    two = draft(system, application_data, office_data, mobile="9876500011")
    services.submit_application(actor=system, application=one)
    real = services.existing_registration
    calls = []

    def blind_first_time(application):
        calls.append(application.pk)
        return None if len(calls) == 1 else real(application)

    # The first check misses the other submission (as if both checked at the same instant).
    monkeypatch.setattr(services, "existing_registration", blind_first_time)
    with pytest.raises(services.ApplicationError) as refused:
        services.submit_application(actor=system, application=two)
    assert one.number in str(refused.value.message)
    assert Application.objects.get(pk=two.pk).status == Status.DRAFT


def test_second_draft_submitted_through_the_page_is_sent_back_with_the_message(english, geo, submitted):
    data = step1(geo)
    english.post(reverse("ddo:register"), data)
    mine = Application.objects.get()
    english.post(reverse("ddo:offices", args=[mine.number]), office_post(geo))
    other = submitted()  # someone else submitted the same code meanwhile
    response = english.post(reverse("ddo:submit", args=[mine.number]), follow=True)
    mine.refresh_from_db()
    assert mine.status == Status.DRAFT
    assert response.redirect_chain[-1][0] == reverse("ddo:offices", args=[mine.number])
    assert other.number in response.content.decode()
