"""The fault test's sharpest case, small and fast (bench/fault.py is the full one): a real
Celery worker is SIGKILLed after the SMS gateway accepted a message and before the outbox
recorded it. Nothing is lost: the other messages go out when the worker is back, and the
sweep sends the orphaned one again with the same message id, which the gateway
(bench/fake_sms_gateway.py, deduplicating on `client_ref` as the real one must) does not
deliver twice.

Runs where .ci/run provides REDIS_URL and a PostgreSQL DATABASE_URL; skipped elsewhere."""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction

from portal.notify.models import Message
from portal.notify.outbox import queue_sms
from portal.notify.tasks import sweep_outbox

from .conftest import wait_for

pytestmark = [pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_requests(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}")]


@pytest.fixture
def rig(transactional_db, tmp_path, settings):
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (bash .ci/run starts both)")
    port, log = free_port(), tmp_path / "gateway.jsonl"
    gateway = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_sms_gateway.py"), "--port", str(port),
                                "--log", str(log), "--delay", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    assert wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 10), "gateway did not start"
    url = f"http://127.0.0.1:{port}/send"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PORTAL_VAR_DIR": str(settings.VAR_DIR),  # same outbox keys as this process
        "CELERY_EAGER": "false", "SMS_BACKEND": "http", "SMS_GATEWAY_URL": url, "SMS_GATEWAY_TOKEN": "test",
    }
    settings.SMS_BACKEND, settings.SMS_GATEWAY_URL = "http", url  # for the sweep run in this process
    workers = []

    def start_worker():
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=open(tmp_path / "worker.log", "a"), stderr=subprocess.STDOUT,
            start_new_session=True))  # its own group: SIGKILL takes everything it started

    from portal.celery import app

    app.conf.task_always_eager = False
    try:
        yield start_worker, workers, log
    finally:
        app.conf.task_always_eager = True
        for proc in workers + [gateway]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL) if proc in workers else proc.kill()
                proc.wait(timeout=20)


def test_worker_killed_after_the_gateway_accepted_nothing_lost_none_delivered_twice(rig):
    start_worker, workers, log = rig
    start_worker()
    with transaction.atomic():
        messages = [queue_sms(to=f"98765{i:05d}", template="ddo_submitted", language="en",
                              context={"number": f"DR26000001{i}"}) for i in range(3)]
    # The gateway logs a message, then holds its reply 2 s: kill the worker in that window.
    assert wait_for(lambda: len(gateway_requests(log)) >= 1), "the worker sent nothing"
    os.killpg(workers[0].pid, signal.SIGKILL)
    workers[0].wait(timeout=10)
    orphan = gateway_requests(log)[0]["client_ref"]
    assert Message.objects.get(pk=int(orphan)).status == Message.Status.SENDING

    start_worker()  # the messages still in Redis go out; the orphan's Celery message is unacked
    others = [m.pk for m in messages if str(m.pk) != orphan]
    assert wait_for(lambda: Message.objects.filter(pk__in=others, status=Message.Status.SENT).count() == 2, 40)
    assert Message.objects.get(pk=int(orphan)).status == Message.Status.SENDING

    # Six minutes later the beat's sweep releases the dead worker's claim and sends it again.
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=6)):
        assert sweep_outbox() == 1
    requests = gateway_requests(log)
    assert sorted(r["client_ref"] for r in requests) == sorted([orphan, orphan] + [str(pk) for pk in others])
    delivered = [r for r in requests if not r["duplicate"]]
    assert sorted(r["client_ref"] for r in delivered) == sorted(str(m.pk) for m in messages)  # once each
    orphan_row = Message.objects.get(pk=int(orphan))
    assert orphan_row.status == Message.Status.SENT and orphan_row.sealed_body is None
    assert orphan_row.provider_ref == next(r["id"] for r in delivered if r["client_ref"] == orphan)
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENT}
