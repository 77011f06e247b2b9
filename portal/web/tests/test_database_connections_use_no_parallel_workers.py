"""The portal's PostgreSQL connections ask for no parallel workers per query (a page's
search cost a third more of the machine's CPU with them): on the primary and the replica,
unless DB_PARALLEL_WORKERS_PER_QUERY says otherwise (-1: the server's own setting)."""

import pytest
from django.db import connection

from .test_replica_router import REPLICA, settings_for


def test_both_aliases_ask_for_no_parallel_workers_by_default(tmp_path):
    databases = settings_for({"DATABASE_REPLICA_URL": "postgres://reports@db2.internal:5433/portal"}, tmp_path)
    for alias in ("default", REPLICA):
        assert databases[alias]["OPTIONS"]["options"] == "-c max_parallel_workers_per_gather=0"


def test_the_servers_own_setting_can_be_kept(tmp_path):
    databases = settings_for({"DB_PARALLEL_WORKERS_PER_QUERY": "-1"}, tmp_path)
    assert "options" not in databases["default"]["OPTIONS"]
    two = settings_for({"DB_PARALLEL_WORKERS_PER_QUERY": "2"}, tmp_path)
    assert two["default"]["OPTIONS"]["options"] == "-c max_parallel_workers_per_gather=2"


@pytest.mark.django_db
def test_a_live_connection_runs_with_no_parallel_workers():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
