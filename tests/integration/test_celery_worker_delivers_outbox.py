"""A real Celery worker on real Redis sends what the portal queues, against PostgreSQL.

Runs where .ci/run provides REDIS_URL and a PostgreSQL DATABASE_URL; elsewhere the suite
uses eager Celery and SQLite and this module is skipped."""


import pytest
from django.db import transaction

from portal import clock
from portal.notify.models import DemoInboxMessage, Message
from portal.notify.outbox import keyring, queue_sms

from .conftest import wait_for

pytestmark = [pytest.mark.integration]


def test_worker_sends_queued_sms_after_commit(worker, settings):
    settings.SMS_BACKEND = "demo"
    with transaction.atomic():
        message = queue_sms(to="9876512345", template="ddo_submitted", language="hi", context={"number": "DR260000018"})
    assert wait_for(lambda: DemoInboxMessage.objects.filter(message_id=message.pk).exists()), "worker sent nothing"
    # The demo gateway keeps the message (its own commit) before the worker marks it sent, as
    # a real gateway answers before the outbox row is updated: seen once in CI between the two.
    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == Message.Status.SENT)
    message.refresh_from_db()
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
