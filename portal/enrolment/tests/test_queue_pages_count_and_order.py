"""The queue's first page is read in one query and counted only when a second page exists;
later pages come in queue order with the right count, and every row is the family it names."""

import pytest

from portal.enrolment import selectors

from .conftest import officer, register

pytestmark = pytest.mark.django_db


def families(office, count: int):
    return [register(office, n=2 * i + 1, mobile=f"98{i:08d}", employee_id=f"EMP{i:04d}") for i in range(count)]


@pytest.mark.parametrize("waiting", [0, 3, 4, 5])
def test_pages_hold_every_waiting_family_once_in_queue_order_with_the_right_count(ddo_office, waiting):
    made = families(ddo_office, waiting)
    ddo = officer(ddo_office)
    expected = list(selectors.families_for(ddo, {}).values_list("number", flat=True))
    assert sorted(expected) == sorted(f.number for f in made)
    first = selectors.queue_page(ddo, {}, None, per_page=4)
    assert first.paginator.count == waiting and first.number == 1
    assert [r.number for r in first] == expected[:4]
    assert first.has_next() == (waiting > 4) and first.paginator.num_pages == max(1, -(-waiting // 4))
    later = selectors.queue_page(ddo, {}, "2", per_page=4)  # past the end: the last page, as before
    assert later.paginator.count == waiting
    assert [r.number for r in later] == (expected[4:8] if waiting > 4 else expected[:4])
    by_number = {f.number: f for f in made}
    for row in first:
        assert row.identifier == by_number[row.number].employee_id
