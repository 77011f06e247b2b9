"""The verify page: scan (QR text) or type a number. The public sees valid/invalid and the
status only; a hospital or an officer of the card's scope also sees the photo and details."""

import pytest
from django.core.cache import cache

from portal.audit.models import Event
from portal.cards.models import Card
from portal.cards.services import issue_cards, replace_card, suspend_card
from portal.enrolment import changes

from .conftest import english

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(family, system):
    issue_cards(family=family, actor=system)
    return Card.objects.filter(family=family).order_by("id").first()


def check(client, q):
    response = client.get("/cards/verify/", {"q": q})
    assert response.status_code == 200
    return response.context["result"], response.content.decode()


def test_the_public_sees_only_valid_and_the_status(client, card):
    result, html = check(client, card.number)
    assert result.valid and result.status == "active"
    assert card.name_hi not in html and card.name_en not in html and "photo.jpg" not in html
    assert card.aadhaar_last4 not in html.replace(card.number, "")
    assert client.get(f"/cards/{card.number}/photo.jpg").status_code == 404
    spaced = f"{card.number[:4]} {card.number[4:8]} {card.number[8:12]} {card.number[12:]}".lower()
    assert check(client, spaced)[0].valid  # as read out over the phone


def test_a_hospital_sees_the_photo_and_details_and_the_check_is_audited(client, login, users, card):
    client = login(users["hospital"])
    result, html = check(client, card.qr_payload)
    assert result.valid and result.from_qr
    assert card.name_hi in html and f"/cards/{card.number}/photo.jpg" in html and card.aadhaar_masked in html
    for label in (card.get_relation_display(), card.get_ward_display(), card.get_kind_display()):
        assert str(label) and str(label) in html  # relation, ward and kind shown in Hindi
    assert client.get(f"/cards/{card.number}/photo.jpg")["Content-Type"] == "image/jpeg"
    assert Event.objects.filter(action="cards.card.checked", actor=users["hospital"]).exists()


def test_an_officer_outside_the_cards_scope_sees_only_the_public_answer(login, users, card):
    client = login(users["ddo_agra"])
    result, html = check(client, card.number)
    assert result.valid and card.name_hi not in html
    assert client.get(f"/cards/{card.number}/photo.jpg").status_code == 404


@pytest.mark.parametrize("mangle, status", [
    (lambda c: c.qr_payload.replace("/SELF/", "/SPOUSE/"), "tampered"),
    (lambda c: c.qr_payload.replace("/K1/", "/K7/"), "unknown_key"),
    (lambda c: "https://example.com/not-a-card", "bad_number"),
    (lambda c: "SHC1/garbage", "not_a_card"),
    (lambda c: c.number[:-1] + str((int(c.number[-1]) + 1) % 10), "bad_number"),
    (lambda c: "UP26999999990", "bad_number"),
])
def test_bad_input_gets_a_clear_answer(client, card, mangle, status):
    result, html = check(client, mangle(card))
    assert not result.valid and result.status == status
    assert "अमान्य" in html or "मान्य कार्ड संख्या नहीं" in html or "क्यूआर कोड नहीं" in html


def test_unknown_suspended_and_replaced_cards(client, card, system):
    from portal.checkdigit import verhoeff_digit

    digits = "2699999999"
    assert check(client, f"UP{digits}{verhoeff_digit(digits)}")[0].status == "unknown"
    suspend_card(actor=system, card=card, reason="Dismissed")
    result, html = check(client, card.number)
    assert result.status == "suspended" and "Dismissed" not in html  # the reason is for officers
    other = Card.objects.filter(family=card.family).exclude(pk=card.pk).first()
    new = replace_card(actor=system, card=other, reason="Lost")
    assert check(client, other.number)[0].status == "replaced" and check(client, new.number)[0].valid
    assert "replaced" in english(check(client, other.qr_payload)[0].message)


def test_a_hospital_checking_a_replaced_card_is_shown_the_new_card(login, users, card, system):
    client = login(users["hospital"])
    assert client.get("/cards/verify/", {"q": card.number}).context["replacement"] is None  # active: none looked up
    new = replace_card(actor=system, card=card, reason="Lost")
    response = client.get("/cards/verify/", {"q": card.number})
    assert response.context["result"].status == "replaced" and response.context["replacement"] == new
    assert new.number in response.content.decode()


def test_a_member_removed_shows_not_valid_before_the_sweep_runs(client, card, family, ddo):
    from portal.audit.services import Actor

    son = family.members.get(relation="son")
    son_card = Card.objects.get(member=son)
    change = changes.request_change(actor=Actor(user=family.user, role="beneficiary"), family=family, type="remove",
                                    member=son, reason="Married")
    changes.decide_change(actor=Actor(user=ddo, role=ddo.role), change=change, approve=True)
    result, _ = check(client, son_card.number)
    assert not result.valid and result.status == "ended"


def test_the_public_is_rate_limited_but_hospitals_are_not(client, login, users, card, settings):
    settings.CARD_VERIFY_RATE_PER_IP = 3
    cache.clear()
    for _ in range(3):
        assert check(client, card.number)[0].valid
    response = client.get("/cards/verify/", {"q": card.number})
    assert response.context["result"] is None
    assert "Too many cards checked" in english(response.context["form"].errors.as_data()["q"][0].message)
    hospital = login(users["hospital"])
    for _ in range(5):
        assert check(hospital, card.number)[0].valid


def test_the_public_keys_are_published_for_offline_checking(client, card):
    body = client.get("/cards/keys/").json()
    assert body["format"] == "SHC1" and body["keys"][0]["id"] == card.key_id and body["keys"][0]["signs_new_cards"]
    assert body["keys"][0]["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
