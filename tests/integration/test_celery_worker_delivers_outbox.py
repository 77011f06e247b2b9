"""A real Celery worker on real Redis sends what the portal queues, against PostgreSQL.

Runs where .ci/run provides REDIS_URL and a PostgreSQL DATABASE_URL; elsewhere the suite
uses eager Celery and SQLite and this module is skipped."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from portal import clock
from portal.notify.models import DemoInboxMessage, Message
from portal.notify.outbox import keyring, queue_sms

pytestmark = [pytest.mark.integration]


@pytest.fixture
def worker(transactional_db, tmp_path):
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (bash .ci/run starts both)")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PORTAL_VAR_DIR": str(settings.VAR_DIR),  # same secret and outbox keys as this process
        "CELERY_EAGER": "false",
        "SMS_BACKEND": "demo",
        "EMAIL_CHANNEL_BACKEND": "demo",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, stdout=open(tmp_path / "worker.log", "w"), stderr=subprocess.STDOUT,
    )
    from portal.celery import app

    app.conf.task_always_eager = False
    yield process
    app.conf.task_always_eager = True
    process.terminate()
    process.wait(timeout=20)


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_sends_queued_sms_after_commit(worker, settings):
    settings.SMS_BACKEND = "demo"
    with transaction.atomic():
        message = queue_sms(to="9876512345", template="ddo_submitted", language="hi", context={"number": "DR260000018"})
    assert wait_for(lambda: DemoInboxMessage.objects.filter(message_id=message.pk).exists()), "worker sent nothing"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.sealed_body is None
    received = DemoInboxMessage.objects.get(message_id=message.pk)
    assert "DR260000018" in received.body
    # Delivered once, even though the sweep may also have looked at it.
    assert DemoInboxMessage.objects.filter(message_id=message.pk).count() == 1


def test_sweep_task_on_the_worker_sends_what_the_broker_never_got(worker):
    from portal.notify.tasks import sweep_outbox

    # Queued without a Celery message (as if Redis had been down at commit time).
    now = clock.now()
    message = Message.objects.create(
        channel="sms", to="9876512346", template="ddo_submitted", language="en", preview="x",
        sealed_body=keyring().seal(b"hello", purpose="outbox"), created_at=now, next_attempt_at=now,
    )
    sweep_outbox.delay()
    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == Message.Status.SENT)
    assert DemoInboxMessage.objects.get(message_id=message.pk).body == "hello"
