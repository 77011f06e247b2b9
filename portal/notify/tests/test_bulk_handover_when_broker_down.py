"""Handing a bulk decision's SMS to Celery when the broker (Redis) is down: the request
must not pay the failed enqueue once per message (about 0.6 s each, measured by
bench/fault.py), and nothing is lost: the rows stay queued and the sweep sends them."""

import pytest
from django.db import transaction

from portal.notify import tasks
from portal.notify.backends import LocmemBackend
from portal.notify.models import Message
from portal.notify.outbox import queue_sms_many

pytestmark = pytest.mark.django_db


def items(n):
    return [{"to": f"98765{i:05d}", "template": "ddo_submitted", "language": "en", "context": {"number": f"DR{i}"}}
            for i in range(n)]


@pytest.fixture
def outbox():
    LocmemBackend.sent, LocmemBackend.fail = [], False
    yield LocmemBackend
    LocmemBackend.sent, LocmemBackend.fail = [], False


def test_broker_down_one_enqueue_attempt_then_the_sweep_sends_each_once(monkeypatch, outbox, django_capture_on_commit_callbacks):
    attempts = []

    def broker_down(message_id):
        attempts.append(message_id)
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(tasks.deliver, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            messages = queue_sms_many(items(5))
    assert attempts == [messages[0].pk]  # not five attempts
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.QUEUED}
    assert outbox.sent == []

    assert tasks.sweep_outbox() == 5
    assert sorted(m.message_id for m in outbox.sent) == sorted(m.pk for m in messages)
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENT}
    assert tasks.sweep_outbox() == 0  # sent once: the next sweep has nothing to do
    assert len(outbox.sent) == 5


def test_broker_up_every_message_is_enqueued_once(monkeypatch, outbox, django_capture_on_commit_callbacks):
    enqueued = []
    monkeypatch.setattr(tasks.deliver, "delay", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            messages = queue_sms_many(items(4))
    assert enqueued == [m.pk for m in messages]
