"""A family is looked up by its application number as stored (EN..., in capitals), on the
number's unique index, however it was typed: `number__iexact` sent UPPER(number) = ..., which
no index serves, so the Employee Gateway's "open with an OTP" and every officer's family page
read all 22 lakh families at state scale."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from portal.enrolment import selectors, services

from .conftest import officer, register
from tests.sql_plans import sql_of

pytestmark = pytest.mark.django_db

# What `number__iexact` sends: UPPER(number) on PostgreSQL, number LIKE ... ESCAPE on SQLite.
UPPER_NUMBER = re.compile(r'UPPER\("enrolment_family"\."number"|"enrolment_family"\."number" LIKE ', re.I)


@pytest.fixture
def family(ddo_office):
    return register(ddo_office, n=1, mobile="9812345670")


def test_the_gateway_finds_a_number_typed_in_small_letters_with_spaces(family):
    typed = f"  {family.number.lower()} "
    sent = sql_of(lambda: services.find_for_access(typed))
    assert services.find_for_access(typed) == family
    assert services.find_for_access("EN0000000000") is None and services.find_for_access(None) is None
    assert sent and not any(UPPER_NUMBER.search(s) for s in sent), sent


def test_the_officers_family_page_opens_for_a_number_in_small_letters_and_stays_scoped(family, ddo_office, users):
    ddo = officer(ddo_office)
    sent = sql_of(lambda: selectors.family_or_404(ddo, f" {family.number.lower()}"))
    assert selectors.family_or_404(ddo, family.number.lower()) == family
    assert not any(UPPER_NUMBER.search(s) for s in sent), sent
    with pytest.raises(Exception):  # another office's DDO: not found
        selectors.family_or_404(users["ddo_agra"], family.number.lower())


def test_the_review_page_opens_for_a_number_in_small_letters(login, family, ddo_office):
    client = login(officer(ddo_office))
    assert client.get(reverse("enrolment:review", args=[family.number.lower()])).status_code == 200


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the plans are PostgreSQL's")
def test_the_gateways_look_up_reads_the_unique_index_on_postgresql(family):
    (sql,) = sql_of(lambda: services.find_for_access(family.number.lower()))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # one row: only whether the index fits is of interest
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond: ((number)::text = " in plan and "Seq Scan" not in plan, plan


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_trgm exists only on PostgreSQL")
def test_the_name_trigram_indexes_keep_a_short_pending_list_on_postgresql():
    """Every search reads a GIN index's whole pending list (migration 0005): at most 256 kB."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname IN "
                       "('enrolment_member_primary_name_en_trgm', 'enrolment_member_primary_name_hi_trgm')")
        found = dict(cursor.fetchall())
    assert set(found) == {"enrolment_member_primary_name_en_trgm", "enrolment_member_primary_name_hi_trgm"}
    assert all("gin_pending_list_limit=256" in (options or []) for options in found.values()), found
