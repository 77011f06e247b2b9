"""A report read inside `replica_reads()` is served by a real PostgreSQL streaming standby;
writes and other reads stay on the primary; migrations never touch the standby.

.ci/run starts a standby next to its private primary (scripts/pg-standby.sh) and exports
TEST_REPLICA_URL (the standby's server, any database name); DATABASE_URL is the primary.
Elsewhere this module is skipped. The portal runs in child processes (replica_probe.py)
with DATABASE_URL and DATABASE_REPLICA_URL pointing at a database of the test's own, as
in production; the test run itself keeps one database, so no other test sees the replica.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("replica_probe.py")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def sql(url: str, statement: str, *params):
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cur = conn.execute(statement, params or None)
        return cur.fetchone() if cur.description else None


@pytest.fixture
def replicated(tmp_path):
    primary_url, standby_url = os.environ.get("DATABASE_URL", ""), os.environ.get("TEST_REPLICA_URL", "")
    if not standby_url or not primary_url.startswith("postgres"):
        pytest.skip("needs a PostgreSQL DATABASE_URL and TEST_REPLICA_URL (a standby; bash .ci/run starts one)")
    name = f"it_replica_{uuid.uuid4().hex[:10]}"
    admin_primary, admin_standby = with_database(primary_url, "postgres"), with_database(standby_url, "postgres")
    assert sql(admin_standby, "SELECT pg_is_in_recovery()")[0] is True, "TEST_REPLICA_URL is not a standby"
    sql(admin_primary, f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL", "REDIS_URL", "CACHE_URL"}}
    env.update({
        "DATABASE_URL": with_database(primary_url, name), "DATABASE_REPLICA_URL": with_database(standby_url, name),
        "PORTAL_VAR_DIR": str(tmp_path), "CELERY_EAGER": "true", "SMS_BACKEND": "locmem",
        "EMAIL_CHANNEL_BACKEND": "locmem",
    })
    context = {"env": env, "primary": admin_primary, "standby": admin_standby,
               "standby_port": urlsplit(standby_url).port, "primary_port": urlsplit(primary_url).port}
    try:
        yield context
    finally:
        sql(admin_standby, "SELECT pg_wal_replay_resume()")
        sql(admin_primary, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(ctx, *args, probe=True) -> dict | str:
    command = [sys.executable, str(PROBE), *args] if probe else [sys.executable, "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=ctx["env"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]) if probe else result.stdout


def caught_up(ctx, seconds=30) -> None:
    target = sql(ctx["primary"], "SELECT pg_current_wal_lsn()::text")[0]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sql(ctx["standby"], "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target)[0]:
            return
        time.sleep(0.1)
    raise AssertionError("the standby did not catch up")


def test_report_reads_are_served_by_the_standby(replicated):
    ctx = replicated
    # Migrating with the replica configured writes only to the primary (the standby is
    # read-only: any write there would fail), and migrating "the replica" does nothing.
    run(ctx, "migrate", "--noinput", "-v0", probe=False)
    out = run(ctx, "migrate", "--database=replica", "--noinput", probe=False)
    assert "Applying" not in out
    run(ctx, "load_master_data", probe=False)
    run(ctx, "seed", "162:3", "118:2")
    caught_up(ctx)

    report = run(ctx, "report")
    assert report["replica_server"] == {"port": ctx["standby_port"], "in_recovery": True}
    assert report["primary_server"] == {"port": ctx["primary_port"], "in_recovery": False}
    assert report["queries_on_replica"] == 1 and report["queries_on_primary"] == 0
    assert report["replica"] == report["primary"] == {"118": 2, "162": 3}

    # Proof by lag: with replay paused, a new office is on the primary only; the report
    # inside replica_reads() still shows the standby's figures, the read outside the new ones.
    sql(ctx["standby"], "SELECT pg_wal_replay_pause()")
    run(ctx, "seed", "162:1")
    report = run(ctx, "report")
    assert report["primary"] == {"118": 2, "162": 4}
    assert report["replica"] == {"118": 2, "162": 3}

    sql(ctx["standby"], "SELECT pg_wal_replay_resume()")
    caught_up(ctx)
    assert run(ctx, "report")["replica"] == {"118": 2, "162": 4}


def test_writes_inside_replica_reads_reach_the_primary_and_readyz_sees_the_standby(replicated):
    ctx = replicated
    run(ctx, "migrate", "--noinput", "-v0", probe=False)
    run(ctx, "load_master_data", probe=False)
    assert run(ctx, "write-inside") == {"written": True}
    caught_up(ctx)
    report = run(ctx, "report")
    assert report["primary"] == report["replica"] == {"118": 1}

    ready = run(ctx, "readyz")
    assert ready["status"] == 200, ready
    replica = ready["body"]["checks"]["replica"]
    assert replica["status"] == "ok" and replica["in_recovery"] is True and replica["required"] is False
    assert replica.get("lag_seconds", 0) >= 0
