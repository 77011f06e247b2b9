"""A monitoring page runs the same number of queries however many offices, families and
cards its scope holds: figures come from a few GROUP BY queries, not one per unit."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts.models import Role
from portal.directory.models import Department, District

from ..periods import fortnight_of
from ..tasks import freeze_due_snapshots
from .conftest import NOW
from .population import DAY, card, family, office

pytestmark = pytest.mark.django_db
PAGES = ["/reports/state/", "/reports/d-162/", "/reports/state/fortnight/", "/reports/d-162/fortnight/",
         "/reports/d-162/fortnight/?period={current}", "/reports/d-162/fortnight/{previous}.xlsx",
         "/reports/d-162/fortnight/{previous}.csv", "/reports/reminders/"]


def count_queries(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        client.get(url)  # warm: session renewal and the like happen once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(captured)
    return counts


def grow(system, make_user, n_offices=12, families_each=15):
    lucknow = District.objects.get(lgd_code=162)
    departments = list(Department.objects.order_by("pk")[:4])
    for i in range(n_offices):
        made = office(system, name=f"Extra office {i}", district=lucknow if i % 2 else District.objects.get(pk=i + 1),
                      department=departments[i % 4], created=NOW - 300 * DAY)
        make_user(Role.DDO, office=made)
        for j in range(families_each):
            f = family(made, status="submitted" if j % 3 else "verified", submitted=NOW - (j + 1) * DAY,
                       decided=NOW - j * DAY if j % 3 == 0 else None)
            if j % 5 == 0:
                card(f, printed=NOW - DAY)


def test_monitoring_pages_do_not_run_more_queries_for_more_offices(population, at_now, client, login, system,
                                                                  make_user):
    at_now.move_to(NOW + datetime.timedelta(days=3))  # 1–15 December; 16–30 November has ended
    freeze_due_snapshots()
    current = fortnight_of(NOW.date() + datetime.timedelta(days=3))
    urls = [u.format(current=current.slug, previous=current.previous().slug) for u in PAGES]
    login(population.users["state"])
    small = count_queries(client, urls)
    grow(system, make_user)
    freeze_due_snapshots()
    login(population.users["state"])
    large = count_queries(client, urls)
    assert large == small
    assert max(small.values()) <= 25, small
