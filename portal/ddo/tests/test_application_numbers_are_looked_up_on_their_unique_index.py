"""A DDO/TO application is looked up by its number as stored (DR..., in capitals), on the
number's unique index, however it was typed: `number__iexact` sent UPPER(number) = ..., which
no index serves (every look-up read all the applications), and so did the state cell's
hand-over page for an officer's user ID."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from portal.ddo import selectors, services
from tests.sql_plans import sql_of

pytestmark = pytest.mark.django_db

UPPER_NUMBER = re.compile(r'UPPER\("ddo_application"\."number"|"ddo_application"\."number" LIKE ', re.I)


def test_opening_with_an_otp_finds_a_number_typed_in_small_letters_with_spaces(submitted):
    application = submitted()
    typed = f"  {application.number.lower()} "
    sent = sql_of(lambda: services.find_for_access(typed))
    assert services.find_for_access(typed) == application
    assert services.find_for_access("DR000000000") is None
    assert sent and not any(UPPER_NUMBER.search(s) for s in sent), sent


def test_the_state_cell_opens_and_searches_an_application_in_any_case(login, users, submitted):
    application = submitted()
    state = users["state"]
    sent = sql_of(lambda: selectors.application_or_404(state, application.number.lower()))
    assert selectors.application_or_404(state, f" {application.number.lower()}") == application
    assert not any(UPPER_NUMBER.search(s) for s in sent), sent
    queue = selectors.applications_for(state, {"status": "all", "q": application.number.lower()})
    assert list(queue) == [application] and not UPPER_NUMBER.search(str(queue.query))
    assert login(state).get(reverse("ddo:review", args=[application.number.lower()])).status_code == 200


def test_the_state_cells_hand_over_page_takes_a_user_id_in_small_letters(login, users):
    response = login(users["state"]).get(reverse("ddo:handover_by_state", args=[users["ddo"].username.lower()]))
    assert response.status_code == 200 and response.context["officer"] == users["ddo"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the plans are PostgreSQL's")
def test_the_look_up_reads_the_unique_index_on_postgresql(submitted):
    application = submitted()
    (sql,) = sql_of(lambda: services.find_for_access(application.number.lower()))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # one row: only whether the index fits is of interest
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond: ((number)::text = " in plan and "Seq Scan" not in plan, plan
