"""A card, a family or a print batch is looked up by its number as stored (in capitals), on the
number's unique index: `number__iexact` sent UPPER(number) = UPPER(...), which no index serves,
and the verify page read every card to find one (cardsprof: 227 ms among 300,301 cards). A
number typed in small letters or with spaces is still found."""

import datetime
import re

import pytest
from django.utils import timezone

from portal.cards import selectors
from portal.cards.models import Card, PrintBatch
from portal.cards.services import issue_cards
from tests.sql_plans import sql_of

pytestmark = pytest.mark.django_db

# What `number__iexact` sends: UPPER(number) = UPPER(...) on PostgreSQL, number LIKE ... on SQLite.
UPPER_NUMBER = re.compile(r'UPPER\("\w+"\."number"|"\w+"\."number" LIKE ', re.I)
EXACT_NUMBER = '"cards_card"."number" = '


@pytest.fixture
def card(family, system):
    issue_cards(family=family, actor=system)
    return Card.objects.filter(family=family).order_by("id").first()


def test_the_verify_page_finds_the_card_by_its_number_without_upper(login, users, card):
    client = login(users["state"])
    for typed in (card.number, f" {card.number.lower()} "):
        sent = sql_of(lambda: client.get("/cards/verify/", {"q": typed}))
        assert not any(UPPER_NUMBER.search(s) for s in sent) and any(EXACT_NUMBER in s for s in sent), sent
    response = client.get("/cards/verify/", {"q": card.number.lower()})
    assert response.context["result"].valid and response.context["card"] == card
    photo = sql_of(lambda: client.get(f"/cards/{card.number.lower()}/photo.jpg"))
    assert not any(UPPER_NUMBER.search(s) for s in photo)
    assert client.get(f"/cards/{card.number.lower()}/photo.jpg")["Content-Type"] == "image/jpeg"


def test_the_card_page_opens_for_a_number_in_small_letters_and_stays_scoped(login, users, ddo, card):
    assert selectors.find_card(card.number.lower()) == card
    assert selectors.find_card("UP00000000000") is None and selectors.find_card(None) is None
    client = login(ddo)
    sent = sql_of(lambda: client.get(f"/cards/{card.number.lower()}/"))
    assert not any(UPPER_NUMBER.search(s) for s in sent) and any(EXACT_NUMBER in s for s in sent)
    assert client.get(f"/cards/{card.number.lower()}/").status_code == 200
    assert login(users["ddo_agra"]).get(f"/cards/{card.number.lower()}/").status_code == 404  # another office


def test_a_family_and_a_batch_are_found_in_any_case(ddo, users, card):
    sent = sql_of(lambda: selectors.office_family_or_404(ddo, card.family.number.lower()))
    assert not any(UPPER_NUMBER.search(s) for s in sent) and '"enrolment_family"."number" = ' in sent[-1]
    assert selectors.office_family_or_404(ddo, card.family.number.lower()) == card.family
    batch = PrintBatch.objects.create(number=PrintBatch.number_for(1, 2026), created_by=users["state"],
                                      created_at=timezone.now() - datetime.timedelta(minutes=1))
    assert selectors.batch_or_404(batch.number.lower()) == batch
