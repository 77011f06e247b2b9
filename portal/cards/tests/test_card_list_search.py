"""The officers' card list search (`/cards/?q=`): a card by its number or its family's
application number (any case, Devanagari digits too), a person by a part of the English or the
Hindi name, only within the officer's scope, and without joining every card to its family to
filter (bench/suite.py found the state-wide search reading all cards and families)."""

import datetime

import pytest

from portal.cards import selectors
from portal.cards.models import Card
from portal.cards.services import issue_cards

pytestmark = pytest.mark.django_db

DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


@pytest.fixture
def cards(make_family, system):
    kshama = make_family(1)
    other = make_family(2, primary={"name_en": "Sunita Devi", "name_hi": "सुनीता देवी", "guardian_name": "Ram Lal",
                                    "date_of_birth": datetime.date(1982, 3, 4), "gender": "female"},
                        dependents=())
    for family in (kshama, other):
        issue_cards(family=family, actor=system)
    return {"kshama": kshama, "other": other}


def numbers(user, q):
    return sorted(selectors.cards_for(user, {"q": q}).values_list("number", flat=True))


def test_a_card_is_found_by_its_number_and_by_its_familys_number_in_any_case(ddo, cards):
    card = Card.objects.filter(family=cards["kshama"]).order_by("id").first()
    family_cards = sorted(Card.objects.filter(family=cards["kshama"]).values_list("number", flat=True))
    assert numbers(ddo, card.number.lower()) == [card.number]
    assert numbers(ddo, card.number.translate(DEVANAGARI)) == [card.number]
    assert numbers(ddo, f" {cards['kshama'].number.lower()} ") == family_cards
    assert len(family_cards) == 3
    assert numbers(ddo, "UP00000000000") == []


def test_a_person_is_found_by_part_of_the_english_or_the_hindi_name(ddo, cards):
    sunita = sorted(Card.objects.filter(family=cards["other"]).values_list("number", flat=True))
    tripathis = sorted(Card.objects.filter(family=cards["kshama"]).values_list("number", flat=True))
    assert numbers(ddo, "sunita") == sunita
    assert numbers(ddo, "सुनीता") == sunita
    assert numbers(ddo, "त्रिपाठी") == tripathis
    assert numbers(ddo, "TRIPATHI") == tripathis
    assert numbers(ddo, "Zorawar") == []


def test_another_offices_ddo_finds_nothing_by_number_or_name_but_the_state_cell_does(users, ddo, cards):
    card = Card.objects.filter(family=cards["kshama"]).order_by("id").first()
    assert numbers(users["ddo_agra"], card.number) == []
    assert numbers(users["ddo_agra"], cards["kshama"].number) == []
    assert numbers(users["ddo_agra"], "Kshama") == []
    assert numbers(users["state"], card.number) == [card.number]
    assert card.number in numbers(users["state"], "Kshama")


def test_the_search_filters_on_the_cards_alone(users, cards):
    for q in ("Kshama", "क्षमा", cards["kshama"].number):
        where = str(selectors.cards_for(users["state"], {"q": q}).query).split(" WHERE ", 1)[1]
        assert '"enrolment_family"."number"' not in where


def test_the_list_page_shows_what_the_search_found(login, ddo, cards):
    page = login(ddo).get("/cards/", {"q": "सुनीता"}).content.decode()
    assert "सुनीता देवी" in page and "क्षमा" not in page
