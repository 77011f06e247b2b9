"""Across the whole state a name found to match more than SEARCH_COUNT_CAP cards is remembered
(in the shared cache) and not counted again: cards are never deleted and their names never
change, so it always will. What is remembered is also how its page is found: walking the cards
newest first past WALK_PAST matches, sorting the matches up to it. Only that search is spared
the count: one with a stage or state filter, one inside an office or district, and a name below
the cap are counted every time."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.cards import search, selectors
from portal.cards.services import issue_cards

pytestmark = pytest.mark.django_db

PER_PAGE = 2


@pytest.fixture
def tripathis(make_family, system, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 4)
    monkeypatch.setattr(search, "WALK_PAST", 6)
    for n in (1, 2, 3):  # three families of three Tripathis: nine cards, past the cap of 4
        issue_cards(family=make_family(n), actor=system)


def page_and_queries(user, filters, number=1):
    with CaptureQueriesContext(connection) as queries:
        page = selectors.card_page(user, filters, number, per_page=PER_PAGE)
        rows = [row.number for row in page]
    return page, rows, [q["sql"] for q in queries.captured_queries]


def counted(user, filters, number=1):
    """(whether the search counted its matches, the page's card numbers, capped, count)"""
    page, rows, queries = page_and_queries(user, filters, number)
    return any("COUNT(*)" in sql for sql in queries), rows, page.capped, page.paginator.count


def walked(user, q):
    """Whether the page's keys were asked in the form no trigram index serves (a walk by date)."""
    page, rows, queries = page_and_queries(user, {"q": q})
    keys = [sql for sql in queries if "ORDER BY" in sql and "COUNT(*)" not in sql and "LIMIT 2" in sql]
    assert len(keys) == 1, queries
    # The walk's forms (portal/namesearch.py): LOWER(name_en), and name_hi itself where the
    # indexed form is UPPER(name_hi) (PostgreSQL; SQLite writes icontains as a bare LIKE).
    return "LOWER(" in keys[0] if q.upper() != q.lower() else "UPPER(" not in keys[0]


def newest(user, q):
    return list(selectors.cards_for(user, {"q": q}).values_list("number", flat=True))


@pytest.mark.parametrize("first, again", [("Tripathi", "TRIPATHI"), ("tripathi", "Tripathi"), ("त्रिपाठी", "त्रिपाठी")])
def test_a_common_name_is_counted_once_across_the_state(users, tripathis, first, again):
    state = users["state"]
    assert counted(state, {"q": first}) == (True, newest(state, first)[:PER_PAGE], True, 4)
    assert cache.get(search.common_name_key(first)) == search.WALK
    # The same name in any letter case: no count, the same newest cards, still "more than 4".
    assert counted(state, {"q": again}) == (False, newest(state, again)[:PER_PAGE], True, 4)
    assert counted(state, {"q": again}, 2) == (False, newest(state, again)[PER_PAGE:2 * PER_PAGE], True, 4)


def test_the_other_script_and_other_names_are_counted_for_themselves(users, tripathis):
    state = users["state"]
    counted(state, {"q": "Tripathi"})
    assert counted(state, {"q": "त्रिपाठी"})[0] is True
    assert counted(state, {"q": "Tripath"})[0] is True  # another term, though it matches the same cards


def test_a_search_with_a_filter_is_counted_every_time(users, tripathis):
    state = users["state"]
    counted(state, {"q": "Tripathi"})
    for filters in ({"q": "Tripathi", "state": "active"}, {"q": "Tripathi", "stage": "issued"}):
        assert counted(state, filters)[0] is True
        assert counted(state, filters)[0] is True


def test_a_search_inside_a_district_or_an_office_is_counted_every_time(users, ddo, tripathis):
    """Counted from the keys of its newest matches, at most one more than the cap, in the one
    query that also gives its pages (search.newest_page); never from what is remembered."""
    counted(users["state"], {"q": "Tripathi"})
    for user in (users["district"], ddo):  # ddo: the DDO of the Tripathis' office
        for _ in (1, 2):
            page, rows, queries = page_and_queries(user, {"q": "Tripathi"})
            assert rows == newest(user, "Tripathi")[:PER_PAGE] and len(rows) == PER_PAGE
            assert page.capped and page.paginator.count == 4
            assert not any("COUNT(*)" in sql for sql in queries)
            assert [sql for sql in queries if "ORDER BY" in sql and "LIMIT 5" in sql], queries


def test_a_name_below_the_cap_is_counted_every_time_until_it_passes_it(users, make_family, system, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 4)
    state = users["state"]
    monkeypatch.setattr(search, "WALK_PAST", 6)
    issue_cards(family=make_family(1), actor=system)  # three Tripathis
    for _ in (1, 2):
        assert counted(state, {"q": "Tripathi"}) == (True, newest(state, "Tripathi")[:PER_PAGE], False, 3)
    assert cache.get(search.common_name_key("Tripathi")) is None
    issue_cards(family=make_family(2), actor=system)  # six
    assert counted(state, {"q": "Tripathi"})[0::2] == (True, True)
    assert counted(state, {"q": "Tripathi"})[0::2] == (False, True)


def test_a_card_or_application_number_is_never_remembered(users, tripathis):
    assert search.common_name_key("UP-12345") is None
    assert search.common_name_key("१२३४") is None
    assert search.common_name_key("Tripathi") == search.common_name_key("tRIPATHI")
    assert search.common_name_key("Tripathi") != search.common_name_key("त्रिपाठी")


@pytest.mark.parametrize("q", ["Tripathi", "त्रिपाठी"])
def test_a_name_past_the_cap_is_walked_only_past_walk_past_and_so_again(users, tripathis, monkeypatch, q):
    if connection.vendor != "postgresql" and q.upper() == q.lower():
        pytest.skip("SQLite writes both forms of a match without letter case alike (LIKE)")
    state = users["state"]
    assert (walked(state, q), walked(state, q)) == (True, True)  # nine matches, past WALK_PAST = 6
    cache.clear()
    monkeypatch.setattr(search, "WALK_PAST", 20)
    first = counted(state, {"q": q})
    assert first == (True, newest(state, q)[:PER_PAGE], True, 4)  # counted on to 10: fewer than 20
    assert cache.get(search.common_name_key(q)) == search.SORT
    assert walked(state, q) is False
    assert counted(state, {"q": q}) == (False, *first[1:])


def test_the_count_goes_on_to_walk_past_only_across_the_whole_state(users, tripathis, monkeypatch):
    monkeypatch.setattr(search, "WALK_PAST", 20)
    for user, filters, limit in ((users["state"], {"q": "Tripathi"}, "LIMIT 21"),
                                 (users["state"], {"q": "Tripathi", "state": "active"}, "LIMIT 5")):
        queries = page_and_queries(user, filters)[2]
        assert [limit in sql for sql in queries if "COUNT(*)" in sql] == [True], queries
    queries = page_and_queries(users["district"], {"q": "Tripathi"})[2]  # its keys, up to the cap + 1
    assert [sql for sql in queries if "LIMIT 5" in sql and "COUNT(*)" not in sql] and "LIMIT 21" not in " ".join(queries)
