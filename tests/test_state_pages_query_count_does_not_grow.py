"""The state cell's and the monitoring officers' pages cost the same number of queries with
three times the applications, offices, families and cards: the DDO/TO application queue
(plain, each filter, each kind of search) for every role that opens it, an application's
review page, each role's start page (state cell, helpdesk, district, division, department),
the fortnightly report of each monitoring officer, the card list searched by card number,
and starting a print batch (the state's cards, or one office's).

The state-wide monitoring pages opened by the state cell (/reports/state/ and the others)
are counted in portal/reports/tests/test_report_queries_do_not_grow.py."""

import pytest
from django.db import transaction

from portal.cards.models import PrintBatch

from .query_count_world import counted, grow, hot_world, token  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def start_pages(world, login) -> dict[str, str]:
    """Where each role lands after logging in (web:dashboard redirects), and for the
    monitoring roles the page /reports/ sends them to."""
    found = {}
    for role in ("state", "helpdesk", "district", "division", "department"):
        client = login(world.users[role])
        url = client.get("/dashboard/").url
        if url == "/reports/":
            url = client.get(url).url
        found[role] = url
    return found


def state_pages(world, geo, starts) -> dict[str, tuple[str, str, dict | None]]:
    app = world.applications[0]
    lucknow, medical = geo["lucknow"].pk, geo["medical"].pk
    pages = {f"{role} start page": (role, url, None) for role, url in starts.items()}
    pages.update({
        "ddo queue": ("state", "/state/ddo/", None),
        "ddo queue all": ("state", "/state/ddo/", {"status": "all"}),
        "ddo queue scan received": ("state", "/state/ddo/", {"status": "scan_received"}),
        "ddo queue approved": ("state", "/state/ddo/", {"status": "approved"}),
        "ddo queue district, department, age": ("state", "/state/ddo/", {"district": lucknow, "department": medical,
                                                                         "age": "0-7"}),
        "ddo queue by number": ("state", "/state/ddo/", {"q": app.number}),
        "ddo queue by ddo code": ("state", "/state/ddo/", {"q": app.ddo_code}),
        "ddo queue by name en": ("state", "/state/ddo/", {"q": "Ravi"}),
        "ddo queue by name hi": ("state", "/state/ddo/", {"q": "रवि"}),
        "ddo queue by mobile": ("state", "/state/ddo/", {"q": app.mobile}),
        "ddo queue helpdesk search": ("helpdesk", "/state/ddo/", {"q": "Ravi", "status": "all"}),
        "ddo queue district officer": ("district", "/state/ddo/", {"status": "all"}),
        "ddo queue division officer": ("division", "/state/ddo/", None),
        "ddo queue department officer": ("department", "/state/ddo/", {"q": "Ravi"}),
        "application review": ("state", f"/state/ddo/{app.number}/", None),
        "print batches": ("state", "/state/cards/batches/", None),
        "card list by card number (state)": ("state", "/cards/", {"q": world.card.number}),
        "card list by card number (district)": ("district", "/cards/", {"q": world.card.number}),
    })
    for role in ("district", "division", "department"):
        pages[f"{role} fortnightly report"] = (role, starts[role] + "fortnight/", None)
    return pages


def count_pages(world, login, geo, starts) -> dict[str, int]:
    return {name: counted(login(world.users[role]), url, data)
            for name, (role, url, data) in state_pages(world, geo, starts).items()}


def test_state_and_monitoring_pages_run_the_same_queries_for_three_times_the_data(hot_world, login, submitted,
                                                                                  geo):
    starts = start_pages(hot_world, login)
    assert starts["state"] == starts["helpdesk"] == "/state/ddo/"
    assert starts["district"] == "/reports/d-162/"
    small = count_pages(hot_world, login, geo, starts)
    grow(hot_world, submitted, geo)
    assert start_pages(hot_world, login) == starts
    large = count_pages(hot_world, login, geo, starts)
    queue = login(hot_world.users["state"]).get("/state/ddo/").content.decode()
    assert len(hot_world.applications) == 6 and all(a.number in queue for a in hot_world.applications)  # it grew
    assert large == small
    assert max(small.values()) <= 40, small


def batch_queries(world, login, **filters) -> tuple[int, int]:
    """(queries, cards in the batch) of starting a print batch, rolled back afterwards."""
    client = login(world.users["state"])
    client.get("/state/cards/batches/")
    with transaction.atomic():
        count = counted(client, "/state/cards/batches/new/", {"limit": "5000", "token": token(), **filters},
                        post=True)
        cards = PrintBatch.objects.order_by("-pk").first().card_count
        transaction.set_rollback(True)
    return count, cards


def test_starting_a_print_batch_costs_the_same_queries_for_three_times_the_cards(hot_world, login, submitted, geo):
    """Cards are claimed for the batch with set-wise statements (no query per card); what a
    batch then prints runs in the worker (portal/cards/batches.py, measured by bench/)."""
    code = hot_world.office.code
    small_state, small_office = batch_queries(hot_world, login), batch_queries(hot_world, login, office=code)
    grow(hot_world, submitted, geo)
    large_state, large_office = batch_queries(hot_world, login), batch_queries(hot_world, login, office=code)
    assert large_office[1] == 3 * small_office[1] and large_state[1] > small_state[1]  # the batches did grow
    assert (large_state[0], large_office[0]) == (small_state[0], small_office[0])
