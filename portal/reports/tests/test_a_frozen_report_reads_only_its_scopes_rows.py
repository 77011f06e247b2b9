"""A frozen fortnightly report reads the rows of its own district, department or office in a
snapshot through an index on (snapshot, that unit), not every row of the snapshot (28,000 at
state scale, 13 ms for each of the report's two fortnights; 1 ms with the index)."""

import datetime

import pytest
from django.db import connection

from tests.sql_plans import plans

from .. import selectors, services
from ..periods import fortnight_of
from ..scopes import ReportScope
from .conftest import IST, NOW

pytestmark = pytest.mark.django_db
AFTER_END = datetime.datetime(2026, 12, 1, 0, 30, tzinfo=IST)  # the fortnight 16–30 November has ended


@pytest.fixture
def frozen_snapshot(population, at_now):
    from portal.audit.services import Actor

    at_now.move_to(AFTER_END)
    return services.freeze(period=fortnight_of(NOW.date()), actor=Actor.system("test"))


def _row_plans(run, keep: str) -> list[str]:
    # On a handful of rows the planner may take any index that starts with the snapshot; with
    # the others dropped (inside the test's transaction) it shows whether `keep` fits the query.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'reports_snapshotrow' "
                       "AND indexname NOT LIKE '%%pkey' AND indexdef NOT LIKE '%%(key, snapshot_id)%%'")
        for (name,) in cursor.fetchall():
            if name != keep:
                cursor.execute(f'DROP INDEX "{name}"')
    return [p for p in plans(run) if "reports_snapshotrow" in p]


@pytest.mark.parametrize("kind, index", [("district", "reports_row_snap_district"),
                                         ("department", "reports_row_snap_department"),
                                         ("office", "reports_row_snap_office")])
def test_each_scope_reads_its_rows_through_its_index(population, frozen_snapshot, kind, index):
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    lko = population.offices["lko_med"]
    scope = {"district": ReportScope("district", district=lko.district),
             "department": ReportScope("department", department=lko.department),
             "office": ReportScope("office", office=lko, district=lko.district, department=lko.department)}[kind]
    found = selectors.frozen(population.users["state"], scope, frozen_snapshot)
    assert found.total.figures.get("registered") > 0
    row_plans = _row_plans(lambda: selectors.frozen(population.users["state"], scope, frozen_snapshot), index)
    assert row_plans and all(index in p and "Seq Scan" not in p for p in row_plans), row_plans
