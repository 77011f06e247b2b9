"""A real Celery worker on real Redis, against the test database, for the integration tests.

Runs where .ci/run provides REDIS_URL and a PostgreSQL DATABASE_URL; elsewhere the suite
uses eager Celery and SQLite and the tests that need a worker are skipped."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """start_worker(**env): a worker process with these settings on top of the test's own
    database and var directory (same secret and outbox keys as this process)."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (bash .ci/run starts both)")
    from portal.celery import app

    processes = []

    def start(**extra) -> subprocess.Popen:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "PORTAL_VAR_DIR": str(settings.VAR_DIR),
            "CELERY_EAGER": "false",
            "SMS_BACKEND": "demo",
            "EMAIL_CHANNEL_BACKEND": "demo",
            **extra,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, stdout=open(tmp_path / f"worker{len(processes)}.log", "w"), stderr=subprocess.STDOUT,
        )
        processes.append(process)
        app.conf.task_always_eager = False
        return process

    yield start
    app.conf.task_always_eager = True
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def worker(start_worker):
    return start_worker()
