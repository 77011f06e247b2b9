"""The read-replica router (portal/replica.py): reads inside `replica_reads()` go to the
"replica" alias when one is configured; writes, reads outside it and migrations stay on
the primary; with no replica nothing changes.

The suite has one database, so a configured replica is simulated by adding the alias to
settings.DATABASES (which is all the router looks at) and checking where each query would
go (`QuerySet.db`, the router's answers). Queries really served by a PostgreSQL standby are
in tests/integration/test_replica_serves_reports.py."""

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connections, router
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from portal.replica import REPLICA, ReplicaRouter, reads_from_replica, replica_reads
from portal.vault.models import AadhaarRecord

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def with_replica(settings, monkeypatch):
    """settings.DATABASES gains a "replica" alias (a copy of default), as DATABASE_REPLICA_URL does."""
    monkeypatch.setitem(settings.DATABASES, REPLICA, {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}})


def test_the_router_is_installed(settings):
    assert settings.DATABASE_ROUTERS == ["portal.replica.ReplicaRouter"]


def test_reads_inside_replica_reads_go_to_the_replica(with_replica):
    with replica_reads():
        assert AadhaarRecord.objects.filter(last4="1234").db == REPLICA
        assert router.db_for_read(AadhaarRecord) == REPLICA


def test_reads_outside_replica_reads_go_to_the_primary(with_replica):
    assert AadhaarRecord.objects.all().db == "default"
    assert ReplicaRouter().db_for_read(AadhaarRecord) is None  # no opinion: Django's default alias
    with replica_reads():
        pass
    assert AadhaarRecord.objects.all().db == "default"


def test_writes_inside_replica_reads_go_to_the_primary(with_replica, db):
    from portal.vault import services as vault

    with replica_reads():
        assert router.db_for_write(AadhaarRecord) == "default"
        with CaptureQueriesContext(connections["default"]) as queries:
            record = vault.store("234567890124")
    assert record._state.db == "default"
    assert any("INSERT" in q["sql"] for q in queries.captured_queries)
    assert AadhaarRecord.objects.filter(pk=record.pk).exists()  # on the primary, read outside


def test_an_explicit_using_still_wins_inside_replica_reads(with_replica):
    with replica_reads():
        assert AadhaarRecord.objects.using("default").all().db == "default"


def test_without_a_replica_replica_reads_changes_nothing(db, settings):
    assert REPLICA not in settings.DATABASES
    with replica_reads():
        assert AadhaarRecord.objects.all().db == "default"
        with CaptureQueriesContext(connections["default"]) as queries:
            assert AadhaarRecord.objects.count() == 0
    assert len(queries.captured_queries) == 1


def test_migrations_run_only_on_the_primary(with_replica):
    rr = ReplicaRouter()
    assert rr.allow_migrate("default", "vault", model_name="aadhaarrecord") is True
    assert rr.allow_migrate(REPLICA, "vault", model_name="aadhaarrecord") is False
    assert router.allow_migrate(REPLICA, "migrations") is False  # not even Django's own table


def test_relations_between_primary_and_replica_rows_are_allowed():
    primary, copy = AadhaarRecord(), AadhaarRecord()
    primary._state.db, copy._state.db = "default", REPLICA
    assert ReplicaRouter().allow_relation(primary, copy) is True


def test_replica_reads_nests_and_ends_on_errors(with_replica):
    with replica_reads():
        with replica_reads():
            assert AadhaarRecord.objects.all().db == REPLICA
        assert AadhaarRecord.objects.all().db == REPLICA  # still inside the outer block
    assert AadhaarRecord.objects.all().db == "default"
    with pytest.raises(ZeroDivisionError):
        with replica_reads():
            1 / 0
    assert AadhaarRecord.objects.all().db == "default"


def test_replica_reads_in_one_thread_does_not_leak_into_another(with_replica):
    seen = {}
    inside, done = threading.Event(), threading.Event()

    def report_thread():
        with replica_reads():
            inside.set()
            done.wait(5)

    worker = threading.Thread(target=report_thread)
    worker.start()
    inside.wait(5)
    seen["other"] = AadhaarRecord.objects.all().db  # another request on another thread
    done.set()
    worker.join()
    assert seen["other"] == "default"


def test_the_view_decorator_reads_from_the_replica_for_the_view_only(with_replica):
    @reads_from_replica
    def report(request, district):
        """A report view."""
        return HttpResponse(f"{district}:{AadhaarRecord.objects.all().db}")

    response = report(RequestFactory().get("/"), district=162)
    assert response.content == b"162:replica"
    assert report.__name__ == "report" and report.__doc__ == "A report view."
    assert AadhaarRecord.objects.all().db == "default"


def test_the_view_decorator_ends_replica_reads_when_the_view_raises(with_replica):
    @reads_from_replica
    def broken(request):
        raise ValueError

    with pytest.raises(ValueError):
        broken(RequestFactory().get("/"))
    assert AadhaarRecord.objects.all().db == "default"


def settings_for(env_extra: dict, tmp_path) -> dict:
    env = {"PATH": "/usr/bin:/bin", "PORTAL_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings",
           "DATABASE_URL": "postgres://portal@db1.internal:5432/portal", **env_extra}
    script = ("import json, django; django.setup(); from django.conf import settings as s; "
              "print(json.dumps({a: {k: c.get(k) for k in ('HOST', 'PORT', 'NAME', 'TEST', 'CONN_MAX_AGE', 'OPTIONS')}"
              " for a, c in s.DATABASES.items()}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_database_replica_url_adds_the_replica_alias(tmp_path):
    databases = settings_for({"DATABASE_REPLICA_URL": "postgres://reports@db2.internal:5433/portal"}, tmp_path)
    assert set(databases) == {"default", REPLICA}
    assert databases[REPLICA]["HOST"] == "db2.internal" and databases[REPLICA]["PORT"] == 5433
    assert databases[REPLICA]["TEST"]["MIRROR"] == "default"  # tests never create a second database
    assert databases[REPLICA]["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"]
    assert databases[REPLICA]["OPTIONS"]["connect_timeout"] == databases["default"]["OPTIONS"]["connect_timeout"]


def test_no_replica_alias_without_database_replica_url(tmp_path):
    assert set(settings_for({}, tmp_path)) == {"default"}
