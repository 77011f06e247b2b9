"""A search of the card list counts its matches only up to SEARCH_COUNT_CAP (across the state
a common surname matches lakhs of cards) and then says "more than" that; below the cap the
pages, their order, the count and the page shown for a page number out of range are exactly
what Django's paginator gives. Past it the pages are the newest matches, in the same order,
whichever query PostgreSQL is given for them."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.cards import search, selectors
from portal.cards.services import issue_cards

pytestmark = pytest.mark.django_db

PER_PAGE = 2


@pytest.fixture
def tripathis(make_family, system):
    for n in (1, 2, 3):  # three families of three Tripathis: nine cards, five pages of two
        issue_cards(family=make_family(n), actor=system)


def paginator_page(user, filters, number):
    page = Paginator(selectors.cards_for(user, filters).values_list("number", flat=True), PER_PAGE).get_page(number)
    return page.number, page.paginator.count, page.paginator.num_pages, list(page.object_list)


def searched_page(user, filters, number):
    page = selectors.card_page(user, filters, number, per_page=PER_PAGE)
    return page.number, page.paginator.count, page.paginator.num_pages, [row.number for row in page]


@pytest.mark.parametrize("role", ["state", "district", "ddo"])
@pytest.mark.parametrize("q", ["त्रिपाठी", "Tripathi", "रमेश"])
@pytest.mark.parametrize("number", [1, 2, "3", 5, 6, 99, 0, -1, "abc", "", None, "2.5"])
def test_every_page_of_a_search_is_the_paginators_page(users, ddo, tripathis, role, q, number):
    filters, user = {"q": q}, ddo if role == "ddo" else users[role]  # the DDO of the Tripathis' office
    expected = paginator_page(user, filters, number)
    assert expected[1] in (3, 9)  # the role sees the Tripathis
    assert searched_page(user, filters, number) == expected


def test_a_search_that_finds_nothing_is_one_empty_page(users, tripathis):
    for number in (1, 3):
        assert searched_page(users["state"], {"q": "Zorawar"}, number) == (1, 0, 1, [])


def test_the_scope_and_the_filters_still_apply(users, tripathis):
    assert searched_page(users["ddo_agra"], {"q": "Tripathi"}, 1) == (1, 0, 1, [])
    assert searched_page(users["state"], {"q": "Ramesh", "state": "active"}, 1)[1] == 3


def test_past_the_cap_the_count_stops_and_the_page_says_more(users, tripathis, monkeypatch, client):
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 4)
    for q in ("त्रिपाठी", "Tripathi"):
        page = selectors.card_page(users["state"], {"q": q}, 1, per_page=PER_PAGE)
        assert page.capped and page.paginator.count == 4 and page.paginator.num_pages == 2
        newest = list(selectors.cards_for(users["state"], {"q": q}).values_list("number", flat=True))
        assert [row.number for row in page] == newest[:PER_PAGE]
        last = selectors.card_page(users["state"], {"q": q}, 2, per_page=PER_PAGE)
        assert [row.number for row in last] == newest[PER_PAGE:2 * PER_PAGE]
    assert not selectors.card_page(users["state"], {"q": "Ramesh"}, 1, per_page=PER_PAGE).capped  # 3 cards
    client.force_login(users["state"])
    client.cookies["portal_language"] = "en"
    response = client.get("/cards/", {"q": "Tripathi"})
    assert response.status_code == 200
    assert "More than 4 cards match: the newest 4 are shown." in response.content.decode()


def test_the_count_reads_at_most_one_more_than_the_cap(users, tripathis, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 4)
    with CaptureQueriesContext(connection) as queries:
        selectors.card_page(users["state"], {"q": "त्रिपाठी"}, 1, per_page=PER_PAGE)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 5" in counts[0]


def test_past_the_cap_a_state_wide_page_is_asked_in_the_form_no_trigram_index_serves(users, tripathis, monkeypatch):
    # English too: with UPPER(name_en) PostgreSQL fetched and sorted every match (AHMAD: 59,644).
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 4)
    monkeypatch.setattr(search, "WALK_PAST", 4)  # nine matches: past it too
    for q, form in (("tRIPATHI", 'LOWER("cards_card"."name_en")'), ("त्रिपाठी", '"cards_card"."name_hi"')):
        with CaptureQueriesContext(connection) as queries:
            page = selectors.card_page(users["state"], {"q": q}, 1, per_page=PER_PAGE)
        assert page.capped and len(list(page)) == PER_PAGE
        keys = [x["sql"] for x in queries.captured_queries if "ORDER BY" in x["sql"] and "COUNT(*)" not in x["sql"]]
        assert any(form in sql and "UPPER(" not in sql for sql in keys), keys
