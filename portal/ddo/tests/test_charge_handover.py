"""Hand-over of charge: the outgoing DDO names the incoming officer (who reads out an
OTP), the state cell approves, grants move with their history kept."""

import pytest
from django.urls import reverse

from portal.accounts.models import Grant, Role, User
from portal.accounts.services import add_grant
from portal.ddo.models import Handover
from portal.notify.models import Message

pytestmark = pytest.mark.django_db

INCOMING = "9700011122"


def details(*offices, **overrides):
    data = {
        "offices": [o.pk for o in offices], "new_name_en": "Meena Sharma", "new_name_hi": "मीना शर्मा",
        "new_designation": "Chief Medical Officer", "new_mobile": INCOMING, "new_mobile_kind": "cug",
        "new_email": "meena@example.in", "effective_date": "2026-11-20",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ddo(login, users):
    """The Lucknow DDO's browser, in English."""
    client = login(users["ddo"])
    client.cookies["portal_language"] = "en"
    return client


def hand_over(client, phone, *offices, otp=None, **overrides):
    """Both steps: the incoming officer's details, then the OTP they read out."""
    start = client.post(reverse("ddo:handover_start"), details(*offices, **overrides))
    assert start.status_code == 302, start.context["form"].errors
    mobile = overrides.get("new_mobile", INCOMING)
    return client.post(reverse("ddo:handover_confirm"), {"otp": otp or phone.otp(mobile)})


def live_grants(user):
    return set(Grant.objects.filter(user=user, revoked_at__isnull=True).values_list("office_id", flat=True))


def templates_sent(mobile):
    return list(Message.objects.filter(to=mobile, channel="sms").values_list("template", flat=True))


def test_form_lists_only_the_offices_in_the_officers_charge(ddo, offices):
    response = ddo.get(reverse("ddo:handover_start"))
    assert response.status_code == 200
    assert list(response.context["form"].fields["offices"].queryset) == [offices["lucknow"]]
    page = response.content.decode()
    assert "CMO Office Lucknow" in page and "BSA Office Agra" not in page


def test_officer_registered_through_an_application_sees_the_offices_it_created(login, submitted):
    application = submitted(stage="approved", offices=2)
    officer = application.officer
    officer.must_change_password = False
    officer.save()
    response = login(officer).get(reverse("ddo:handover_start"))
    names = {o.name_en for o in response.context["form"].fields["offices"].queryset}
    assert names == {"Office 1", "Office 2"}


def test_details_send_an_otp_to_the_incoming_mobile_and_nothing_is_filed_yet(ddo, offices, phone):
    response = ddo.post(reverse("ddo:handover_start"), details(offices["lucknow"]))
    assert response.url == reverse("ddo:handover_confirm")
    assert phone.otp(INCOMING)
    assert not Handover.objects.exists()


def test_the_incoming_officers_otp_files_a_pending_hand_over(ddo, users, offices, phone):
    response = hand_over(ddo, phone, offices["lucknow"])
    assert response.url == reverse("ddo:officer_dashboard")
    handover = Handover.objects.get()
    assert handover.state == Handover.State.PENDING
    assert handover.from_user == users["ddo"] == handover.requested_by
    assert list(handover.offices.all()) == [offices["lucknow"]]
    assert (handover.new_name_en, handover.new_mobile) == ("Meena Sharma", INCOMING)
    # Until the state cell approves, the charge stays where it was.
    assert live_grants(users["ddo"]) == {offices["lucknow"].pk}


def test_wrong_otp_is_explained_and_the_right_one_still_works(ddo, offices, phone):
    ddo.post(reverse("ddo:handover_start"), details(offices["lucknow"]))
    right = phone.otp(INCOMING)
    wrong = "000000" if right != "000000" else "111111"
    response = ddo.post(reverse("ddo:handover_confirm"), {"otp": wrong})
    assert response.status_code == 200
    assert "The OTP is not correct" in response.content.decode()
    assert response.context["form"].has_error("otp")
    assert not Handover.objects.exists()
    assert ddo.post(reverse("ddo:handover_confirm"), {"otp": right}).status_code == 302
    assert Handover.objects.count() == 1


def test_state_cell_approval_moves_the_charge_and_keeps_history(ddo, login, users, offices, phone):
    hand_over(ddo, phone, offices["lucknow"])
    handover = Handover.objects.get()
    outgoing = users["ddo"]
    response = login(users["state"]).post(reverse("ddo:handover_decide", args=[handover.pk, "approve"]))
    assert response.url == reverse("ddo:handover_list")
    handover.refresh_from_db()
    assert handover.state == Handover.State.APPROVED and handover.decided_by == users["state"]

    old = Grant.objects.get(user=outgoing, office=offices["lucknow"])
    assert old.revoked_at is not None  # kept, not deleted
    incoming = User.objects.get(role=Role.DDO, mobile=INCOMING)
    assert handover.new_user == incoming and incoming.name_en == "Meena Sharma"
    assert live_grants(incoming) == {offices["lucknow"].pk}
    user_id, password = phone.password(INCOMING)
    assert user_id == incoming.username and incoming.check_password(password)
    assert "charge_handed_over" in templates_sent(INCOMING)
    assert "charge_handed_over" in templates_sent(outgoing.mobile)
    outgoing.refresh_from_db()
    assert not outgoing.is_active
    # Other people's grants on the same office are untouched.
    assert live_grants(users["to"]) == {offices["lucknow"].pk}
    assert live_grants(users["operator"]) == {offices["lucknow"].pk}


def test_officer_who_keeps_another_office_stays_active(ddo, users, offices, phone, login, system):
    add_grant(actor=system, user=users["ddo"], office=offices["agra"])
    hand_over(ddo, phone, offices["lucknow"])
    login(users["state"]).post(reverse("ddo:handover_decide", args=[Handover.objects.get().pk, "approve"]))
    users["ddo"].refresh_from_db()
    assert users["ddo"].is_active
    assert live_grants(users["ddo"]) == {offices["agra"].pk}


def test_rejection_needs_a_reason_and_changes_nothing(ddo, login, users, offices, phone):
    hand_over(ddo, phone, offices["lucknow"])
    handover = Handover.objects.get()
    state = login(users["state"])
    url = reverse("ddo:handover_decide", args=[handover.pk, "reject"])
    state.post(url, {"reason": ""})
    handover.refresh_from_db()
    assert handover.state == Handover.State.PENDING
    state.post(url, {"reason": "Transfer order not received"})
    handover.refresh_from_db()
    assert handover.state == Handover.State.REJECTED and handover.reason == "Transfer order not received"
    users["ddo"].refresh_from_db()
    assert users["ddo"].is_active and live_grants(users["ddo"]) == {offices["lucknow"].pk}
    assert not User.objects.filter(mobile=INCOMING).exists()
    assert "charge_handed_over" not in templates_sent(users["ddo"].mobile)
    # A decided hand-over cannot be approved afterwards.
    state.post(reverse("ddo:handover_decide", args=[handover.pk, "approve"]))
    assert Handover.objects.get().state == Handover.State.REJECTED
    assert not User.objects.filter(mobile=INCOMING).exists()


def test_a_ddo_cannot_hand_over_another_ddos_office(ddo, offices, phone):
    response = ddo.post(reverse("ddo:handover_start"), details(offices["agra"]))
    assert response.status_code == 200
    assert response.context["form"].has_error("offices")
    assert not phone.messages(INCOMING)
    assert not Handover.objects.exists()


def test_a_second_pending_hand_over_of_the_same_office_is_refused_before_any_otp(ddo, offices, phone):
    hand_over(ddo, phone, offices["lucknow"])
    ddo.cookies["portal_language"] = "en"
    response = ddo.post(reverse("ddo:handover_start"),
                        details(offices["lucknow"], new_mobile="9700011133", new_name_en="Anil Gupta"))
    assert response.status_code == 200
    assert "already awaiting approval" in response.content.decode()
    assert phone.messages("9700011133") == []  # no OTP spent on a request that cannot succeed
    assert Handover.objects.count() == 1


def test_state_cell_records_a_hand_over_that_takes_effect_at_once(login, users, offices, phone):
    outgoing = users["ddo"]
    state = login(users["state"])
    url = reverse("ddo:handover_by_state", args=[outgoing.username])
    assert list(state.get(url).context["form"].fields["offices"].queryset) == [offices["lucknow"]]
    response = state.post(url, details(offices["lucknow"]))
    assert response.url == reverse("accounts:user_detail", args=[outgoing.username])
    handover = Handover.objects.get()
    assert handover.state == Handover.State.APPROVED and handover.requested_by == users["state"]
    incoming = User.objects.get(role=Role.DDO, mobile=INCOMING)
    assert live_grants(incoming) == {offices["lucknow"].pk}
    assert phone.password(INCOMING)[0] == incoming.username
    outgoing.refresh_from_db()
    assert not outgoing.is_active and not live_grants(outgoing)


def test_state_cell_cannot_hand_over_an_office_the_officer_does_not_hold(login, users, offices):
    state = login(users["state"])
    response = state.post(reverse("ddo:handover_by_state", args=[users["ddo"].username]), details(offices["agra"]))
    assert response.status_code == 200 and response.context["form"].has_error("offices")
    assert not Handover.objects.exists()
    assert live_grants(users["ddo_agra"]) == {offices["agra"].pk}


def test_incoming_officer_with_an_active_ddo_account_gets_the_office_added(ddo, login, users, offices, phone):
    existing = users["ddo_agra"]
    hand_over(ddo, phone, offices["lucknow"], new_mobile=existing.mobile, new_name_en="Another Name")
    login(users["state"]).post(reverse("ddo:handover_decide", args=[Handover.objects.get().pk, "approve"]))
    handover = Handover.objects.get()
    assert handover.state == Handover.State.APPROVED and handover.new_user == existing
    assert live_grants(existing) == {offices["agra"].pk, offices["lucknow"].pk}
    assert User.objects.filter(mobile=existing.mobile).count() == 1
    assert "credentials" not in templates_sent(existing.mobile)
    assert "charge_handed_over" in templates_sent(existing.mobile)
    existing.refresh_from_db()
    assert existing.name_en == "Test Officer"
