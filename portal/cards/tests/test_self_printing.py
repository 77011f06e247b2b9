"""The beneficiary's card page: cards are issued on opening it, each card's stage is shown,
and every print (one card or all, A4 or card size) is a CardPrint row and an audit event."""

import pytest

from portal.audit.models import Event
from portal.cards.models import Card, CardPrint, State
from portal.cards.services import issue_cards, suspend_card

pytestmark = pytest.mark.django_db


def test_opening_the_page_issues_the_cards_and_shows_each_with_its_stage(family, login):
    client = login(family.user)
    page = client.get("/my/cards/")
    assert page.status_code == 200
    cards = Card.objects.filter(family=family)
    assert cards.count() == 3
    html = page.content.decode()
    for card in cards:
        assert card.number in html and card.name_hi in html and card.aadhaar_masked in html
    assert "जारी: छपाई के लिए तैयार" in html or "Issued" in html
    assert client.get("/my/cards/").status_code == 200 and cards.count() == 3  # idempotent


def test_printing_one_card_or_all_records_every_print(family, login):
    client = login(family.user)
    client.get("/my/cards/")
    card = Card.objects.filter(family=family).order_by("id").first()
    one = client.post("/my/cards/print/", {"card": card.number, "layout": "a4"})
    assert one.status_code == 200 and one["Content-Type"] == "application/pdf"
    assert one.content.startswith(b"%PDF") and f"{card.number}-a4.pdf" in one["Content-Disposition"]
    assert CardPrint.objects.filter(card=card, kind=CardPrint.Kind.SELF, by=family.user).count() == 1
    card.refresh_from_db()
    assert card.first_self_printed_at is not None
    again = client.post("/my/cards/print/", {"card": card.number, "layout": "a4"})  # a double click
    assert again.status_code == 200 and CardPrint.objects.filter(card=card).count() == 1
    every = client.post("/my/cards/print/", {"layout": "card"})  # another print: all three at card size
    assert every.status_code == 200 and every.content.startswith(b"%PDF")
    client.post("/my/cards/print/", {"layout": "card"})  # and its double click
    prints = CardPrint.objects.filter(card__family=family, kind=CardPrint.Kind.SELF)
    assert prints.count() == 4 and prints.filter(layout="card").count() == 3
    assert Event.objects.filter(action="cards.card.self_printed").count() == 4
    assert client.post("/my/cards/print/", {"layout": "poster"}).status_code == 404


def test_a_suspended_card_or_another_familys_card_is_not_printed(family, make_family, login, system):
    issue_cards(family=family, actor=system)
    card = Card.objects.filter(family=family).order_by("id").last()
    suspend_card(actor=system, card=card, reason="Dismissed")
    other = make_family()
    issue_cards(family=other, actor=system)
    client = login(family.user)
    for number in (card.number, Card.objects.filter(family=other).first().number):
        response = client.post("/my/cards/print/", {"card": number, "layout": "a4"}, follow=True)
        assert response.redirect_chain[-1][0] == "/my/cards/"
        assert "छापा नहीं जा सकता" in response.content.decode()
    assert not CardPrint.objects.exists()
    page = client.get("/my/cards/").content.decode()
    assert "निलंबित" in page and Card.objects.get(pk=card.pk).state == State.SUSPENDED
