"""The officers' card list search (`/cards/?q=`): a card by its number or its family's
application number (any case, Devanagari digits too), a person by a part of the English or the
Hindi name, only within the officer's scope, and without joining every card to its family to
filter (bench/suite.py found the state-wide search reading all cards and families)."""

import datetime

import pytest
from django.db import connection

from portal.cards import selectors
from portal.cards.models import Card
from portal.cards.services import issue_cards
from tests.sql_plans import plans

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


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_trgm exists only on PostgreSQL")
def test_a_state_wide_name_search_reads_the_trigram_index_of_the_names_script_on_postgresql(users, cards):
    """The index must be on the very expression `icontains` sends (UPPER(name::text)), or
    PostgreSQL reads every card: with sequential scans off it would still scan, not use it."""
    with connection.cursor() as cursor:
        # On a handful of rows the planner would rather read all of a list index that carries
        # the names (0009, 0010); across 60 lakh cards it does not. Dropped inside the test's
        # transaction, so that what is checked is that the trigram index fits.
        cursor.execute("DROP INDEX cards_card_office_issued_names")
        cursor.execute("DROP INDEX cards_card_issued_names")
    for q, index in (("kshama", "cards_card_name_en_trgm"), ("क्षमा", "cards_card_name_hi_trgm")):
        count, keys, rows = plans(lambda: list(selectors.card_page(users["state"], {"q": q}, 1)))  # (capped) count
        assert f"Bitmap Index Scan on {index}" in count and "Seq Scan on cards_card" not in count, count
        # The page's keys: the trigram index; never a scan of every card.
        assert "Seq Scan on cards_card" not in keys and index in keys, keys
        assert "trgm" not in rows  # the page's rows are read by their keys


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="plans are PostgreSQL's")
def test_a_state_wide_walk_by_date_tests_the_names_in_the_list_index_on_postgresql(users, cards):
    """Past the count cap a state-wide search walks the cards newest first (search.searched_page):
    on the list index, which carries the names, reading no card until one matches."""
    with connection.cursor() as cursor:
        # A handful of rows would rather be fetched and sorted: what is checked is that the
        # index serves the walk, as it does among 60 lakh cards.
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    for q in ("kshama", "क्षमा"):
        walk = selectors.cards_for(users["state"], {"q": q}, indexed=False).values_list("id", flat=True)
        (plan,) = plans(lambda: list(walk[:50]))
        assert "Index Only Scan Backward using cards_card_issued_names" in plan, plan


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_trgm exists only on PostgreSQL")
def test_the_trigram_indexes_keep_a_short_pending_list_on_postgresql():
    """Every search reads a GIN index's whole pending list (migration 0006): at most 256 kB."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname IN "
                       "('cards_card_name_en_trgm', 'cards_card_name_hi_trgm')")
        found = dict(cursor.fetchall())
    assert set(found) == {"cards_card_name_en_trgm", "cards_card_name_hi_trgm"}
    assert all("gin_pending_list_limit=256" in (options or []) for options in found.values()), found
