"""A page of the card list's search results carries its own count (`COUNT(*) OVER ()`): the
matches of a name are read once, not once for the count and again for the page (a common
surname matched 18,365 of 300,301 cards on cardsprof). The pages, their order, the count and
the page shown for a page number out of range stay exactly what Django's paginator gives."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.cards import selectors
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


@pytest.mark.parametrize("q", ["त्रिपाठी", "Tripathi", "रमेश"])
@pytest.mark.parametrize("number", [1, 2, "3", 5, 6, 99, 0, -1, "abc", "", None, "2.5"])
def test_every_page_of_a_search_is_the_paginators_page(users, tripathis, q, number):
    filters = {"q": q}
    assert searched_page(users["state"], filters, number) == paginator_page(users["state"], filters, number)


def test_a_search_that_finds_nothing_is_one_empty_page(users, tripathis):
    for number in (1, 3):
        assert searched_page(users["state"], {"q": "Zorawar"}, number) == (1, 0, 1, [])


def test_the_scope_and_the_filters_still_apply(users, tripathis):
    assert searched_page(users["ddo_agra"], {"q": "Tripathi"}, 1) == (1, 0, 1, [])
    assert searched_page(users["state"], {"q": "Ramesh", "state": "active"}, 1)[1] == 3


def test_a_search_page_sends_one_query_for_its_keys_and_count_and_one_for_its_rows(users, tripathis):
    with CaptureQueriesContext(connection) as queries:
        page = selectors.card_page(users["state"], {"q": "त्रिपाठी"}, 2, per_page=PER_PAGE)
        rows = list(page)
    assert len(rows) == PER_PAGE and page.paginator.count == 9 and page.paginator.num_pages == 5
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2, sql
    assert " OVER ()" in sql[0] and not any("COUNT(*)" in s for s in sql)
