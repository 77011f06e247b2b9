"""The officers' card list (`/cards/`) is built from plain rows (`selectors.card_page`), not
Card/Family/Office objects: each row still shows the card number linking to the card's page,
both names, the relation, the family number, the stage, the status and the office, with the
labels and the office name in the page's language, newest first, fifty to a page."""

import re

import pytest

from portal.cards import selectors
from portal.cards.models import Card
from portal.cards.services import issue_cards, suspend_card

pytestmark = pytest.mark.django_db


def row_of(page: str, number: str) -> str:
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if f">{number}<" in r]
    assert len(rows) == 1, number
    return rows[0]


def test_a_row_shows_what_the_card_says_in_hindi_and_in_english(login, settings, ddo, ddo_office, make_family, system):
    family = make_family(1)
    issue_cards(family=family, actor=system)
    primary, spouse = Card.objects.filter(family=family).order_by("id")[:2]
    suspend_card(actor=system, card=spouse, reason="other: test")
    client = login(ddo)

    hindi = client.get("/cards/").content.decode()
    row = row_of(hindi, primary.number)
    assert f'<a href="/cards/{primary.number}/">{primary.number}</a>' in row
    assert '<span lang="hi">श्रीमती क्षमा त्रिपाठी</span>' in row and '<span lang="en">Kshama Tripathi</span>' in row
    assert "स्वयं (कर्मचारी / पेंशनर)" in row and f"<td>{family.number}</td>" in row
    assert "जारी: छपाई के लिए तैयार" in row and 'class="status status-active">सक्रिय<' in row
    assert f"<td>{ddo_office.name_hi}</td>" in row
    spouse_row = row_of(hindi, spouse.number)
    assert "पति / पत्नी" in spouse_row and 'class="status status-suspended">निलंबित<' in spouse_row

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/cards/").content.decode()
    row = row_of(english, primary.number)
    assert "Self (employee / pensioner)" in row and "Issued: ready to print" in row and ">Active<" in row
    assert f"<td>{ddo_office.name_en}</td>" in row and ddo_office.name_hi not in row
    assert ">Suspended<" in row_of(english, spouse.number)


def test_the_list_pages_through_the_cards_newest_first_and_keeps_its_filters(users, make_family, system):
    for n in (1, 2, 3):
        issue_cards(family=make_family(n), actor=system)
    newest_first = list(Card.objects.order_by("-issued_at", "-id").values_list("number", flat=True))
    assert len(newest_first) == 9
    pages = [selectors.card_page(users["state"], {}, number, per_page=4) for number in (1, 2, 3, 99)]
    assert [[row.number for row in page] for page in pages] == [
        newest_first[:4], newest_first[4:8], newest_first[8:], newest_first[8:]]  # past the end: the last page
    assert pages[0].paginator.count == 9
    found = selectors.card_page(users["state"], {"q": "Ramesh", "state": "active"}, 1)
    assert [row.name_en for row in found] == ["Ramesh Chandra Tripathi"] * 3
    assert list(selectors.card_page(users["ddo_agra"], {}, 1)) == []  # another office's cards: none
