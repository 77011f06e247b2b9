"""The pages a DDO/TO and their operator open all day cost the same number of queries when
the office has three times the families and the state three times the offices: the queue
(plain, filtered, searched by name in Hindi and English, mobile, employee ID, application
number), a family's review page, the officer's dashboard, the card list (searched by card
number), the card desk (dispatches on the way, families waiting for their cards) and bulk
verification (the same for one family ticked or three)."""

import pytest

from portal.cards.models import Stage
from portal.enrolment.models import Family

from .query_count_world import counted, families, grow, hot_world  # noqa: F401  (hot_world: a fixture)

pytestmark = pytest.mark.django_db


def office_pages(world) -> dict[str, tuple[str, str, dict | None]]:
    first = world.submitted[0]
    card = world.card
    return {
        "ddo dashboard": ("ddo", "/ddo/dashboard/", None),
        "to dashboard": ("to", "/ddo/dashboard/", None),
        "queue": ("ddo", "/office/families/", None),
        "queue verified": ("ddo", "/office/families/", {"status": "verified"}),
        "queue all, waiting 0-7 days": ("ddo", "/office/families/", {"status": "all", "age": "0_7"}),
        "queue returned": ("ddo", "/office/families/", {"status": "returned"}),
        "queue name en": ("ddo", "/office/families/", {"q": "Sunita"}),
        "queue name hi": ("ddo", "/office/families/", {"q": "सुनीता"}),
        "queue name, nobody": ("ddo", "/office/families/", {"q": "Zorawar"}),
        "queue mobile": ("ddo", "/office/families/", {"q": first.mobile}),
        "queue employee id": ("ddo", "/office/families/", {"q": first.employee_id.lower()}),
        "queue number": ("ddo", "/office/families/", {"q": first.number}),
        "queue as to": ("to", "/office/families/", {"q": "Sunita"}),
        "operator dashboard (queue)": ("operator", "/office/families/", None),
        "family review": ("ddo", f"/office/families/{first.number}/", None),
        "verified family review": ("ddo", f"/office/families/{world.verified[0].number}/", None),
        "returned family review": ("ddo", f"/office/families/{world.returned[0].number}/", None),
        "card list": ("ddo", "/cards/", None),
        "card list by card number": ("ddo", "/cards/", {"q": card.number}),
        "card list by name": ("ddo", "/cards/", {"q": "Sunita"}),
        "card desk": ("ddo", "/office/cards/", None),
    }


def count_pages(world, login) -> dict[str, int]:
    counts = {}
    for name, (role, url, data) in office_pages(world).items():
        counts[name] = counted(login(world.users[role]), url, data)
    return counts


def test_office_pages_run_the_same_queries_for_three_times_the_families(hot_world, login, submitted, geo):
    small = count_pages(hot_world, login)
    grow(hot_world, submitted, geo)
    large = count_pages(hot_world, login)
    queue = login(hot_world.users["ddo"]).get("/office/families/").content.decode()
    returned = login(hot_world.users["ddo"]).get("/office/families/", {"status": "returned"}).content.decode()
    assert all(f.number in queue for f in hot_world.submitted) and len(hot_world.submitted) == 9  # it did grow
    assert all(f.number in returned for f in hot_world.returned) and len(hot_world.returned) == 3
    desk = login(hot_world.users["ddo"]).get("/office/cards/").content.decode()
    waiting = Family.objects.filter(office=hot_world.office, cards__stage=Stage.RECEIVED).distinct()
    assert len(waiting) == 3 and all(f.number in desk for f in waiting)
    assert large == small
    assert max(small.values()) <= 40, small


def bulk_verify_queries(world, login, batch) -> int:
    client = login(world.users["ddo"])
    client.get("/office/families/")
    count = counted(client, "/office/families/bulk-verify/", {"number": [f.number for f in batch]}, post=True)
    assert all(f.status == "verified" for f in Family.objects.filter(pk__in=[f.pk for f in batch]))
    return count


def test_bulk_verification_costs_the_same_whatever_is_ticked_and_whatever_the_office_holds(hot_world, login,
                                                                                         submitted, geo):
    """One family ticked or three, in the small world or the grown one: the same queries.
    The services verify in bulk (families, members, duplicate checks, the beneficiaries'
    users, audit rows and SMS are read and written a set at a time), so the cost per ticked
    family is 0 queries — allowing a constant per row here would hide an N+1. The view
    takes at most 500 numbers, which bounds the size of each bulk statement."""
    office = hot_world.office

    def cost() -> list[int]:
        return [bulk_verify_queries(hot_world, login, families(office, k)) for k in (1, 3)]

    small = cost()
    grow(hot_world, submitted, geo)
    large = cost()
    assert small[0] == small[1] == large[0] == large[1], f"one and three ticked: {small} small, {large} grown"
