"""Inside one office the name search tests the office's own families one by one; it is written
so that PostgreSQL cannot fetch every matching primary beneficiary in the state through the
trigram index instead (at state scale a common surname made that 240 ms, portal/namesearch.py).
Wider scopes keep the indexable form. Both find the same families."""

import pytest
from django.db import connection
from django.urls import reverse

from portal.accounts.models import Role
from portal.enrolment import selectors

from .conftest import officer, register

pytestmark = pytest.mark.django_db


def name_sql(user, term: str) -> str:
    sql, params = selectors.families_for(user, {"q": term}).values("id").query.sql_with_params()
    return sql % tuple(repr(p) for p in params)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigram indexes exist only on PostgreSQL")
def test_an_offices_search_has_no_indexable_name_test_and_a_districts_has(ddo_office, make_user, geo):
    ddo = officer(ddo_office)
    district = make_user(Role.DISTRICT, district=ddo_office.district)
    for term, column in (("Kamla", '"name_en"'), ("वर्मा", '"name_hi"')):
        office_sql, district_sql = name_sql(ddo, term), name_sql(district, term)
        assert f"UPPER(U0.{column}::text) LIKE" not in office_sql, office_sql
        assert f"UPPER(U0.{column}::text) LIKE" in district_sql, district_sql


def test_office_and_district_searches_find_the_same_families_whatever_the_case(ddo_office, make_user, login):
    kamla = register(ddo_office, n=1, mobile="9812345670", name="Kamla Verma")
    rekha = register(ddo_office, n=3, mobile="9812345671", name="Rekha Singh")
    ddo = officer(ddo_office)
    district = make_user(Role.DISTRICT, district=ddo_office.district)
    for term, expected in (("kAMLA", {kamla.pk}), ("VERMA", {kamla.pk}), ("सुनीता", {kamla.pk, rekha.pk}),
                           ("ता दे", {kamla.pk, rekha.pk}), ("Aman", set())):
        for user in (ddo, district):
            found = set(selectors.families_for(user, {"q": term}).values_list("pk", flat=True))
            assert found == expected, (term, user.role)
    page = login(ddo).get(reverse("enrolment:queue"), {"q": "kamla"}).content.decode()
    assert kamla.number in page and rekha.number not in page


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the plans are PostgreSQL's")
def test_an_offices_name_search_reads_the_primary_names_index_never_the_trigram_one(ddo_office):
    for n in range(3):
        register(ddo_office, n=2 * n + 1, mobile=f"981234567{n}", name="Kamla Verma")
    ddo = officer(ddo_office)
    for term in ("Kamla", "वर्मा"):
        qs = selectors._queue_rows(selectors.families_for(ddo, {"q": term}))[:51]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: only which index matters
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "_trgm" not in plan and "enrolment_member_primary_names" in plan, plan
