"""Sending one queued message: claim it, send it, record the outcome."""

import datetime

from django.conf import settings
from django.db import transaction

from portal import clock
from portal.crypto import SealError

from .backends import GatewayError, Outgoing, backend_for
from .models import Message
from .outbox import open_body


def stale_claim() -> datetime.timedelta:
    """How long a claim may stand before the sweep takes it back from a dead worker. A live
    worker holds a message at most one gateway or SMTP timeout; three of them (at least a minute)
    leave room for a slow database, while an OTP held by a dead worker still arrives in time to use."""
    return datetime.timedelta(seconds=max(60, 3 * max(settings.SMS_GATEWAY_TIMEOUT, settings.EMAIL_TIMEOUT)))


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver_message(message_id: int) -> str:
    """Idempotent: a message already sent, expired or claimed by another worker is left alone."""
    now = clock.now()
    claimed = Message.objects.filter(
        pk=message_id, status=Message.Status.QUEUED, next_attempt_at__lte=now
    ).update(status=Message.Status.SENDING, claimed_at=now)
    if not claimed:
        return "skipped"
    message = Message.objects.get(pk=message_id)
    if message.expires_at and message.expires_at <= now:
        _finish(message, status=Message.Status.EXPIRED, error="expired before sending")
        return "expired"
    try:
        body = open_body(message)
    except SealError as exc:  # its key was removed: retrying cannot help
        _finish(message, status=Message.Status.FAILED, error=f"cannot open the sealed text: {exc}")
        return "failed"
    outgoing = Outgoing(
        message_id=message.pk, channel=message.channel, to=message.to, body=body,
        subject=message.subject, dlt_template_id=message.dlt_template_id,
    )
    try:
        ref = backend_for(message.channel).send(outgoing)
    except GatewayError as exc:
        attempts = message.attempts + 1
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _finish(message, status=Message.Status.FAILED, error=str(exc), attempts=attempts)
            return "failed"
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.QUEUED, attempts=attempts, last_error=str(exc)[:300],
            next_attempt_at=clock.now() + backoff(attempts), claimed_at=None,
        )
        return "retry"
    _finish(message, status=Message.Status.SENT, ref=ref, attempts=message.attempts + 1)
    return "sent"


def _finish(message: Message, *, status: str, error: str = "", ref: str = "", attempts: int | None = None) -> None:
    # The full text (OTP, password) is wiped once it is delivered or useless; a failed
    # message keeps it so the state cell can send it again when the gateway is back.
    keep = status == Message.Status.FAILED
    Message.objects.filter(pk=message.pk).update(
        status=status,
        sealed_body=message.sealed_body if keep else None,
        sent_at=clock.now() if status == Message.Status.SENT else None,
        provider_ref=ref[:100],
        last_error=error[:300],
        attempts=message.attempts if attempts is None else attempts,
        claimed_at=None,
    )


def due_message_ids(limit: int = 500) -> list[int]:
    """Queued messages whose time has come, after releasing claims a dead worker left behind."""
    now = clock.now()
    with transaction.atomic():
        Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - stale_claim()).update(
            status=Message.Status.QUEUED, claimed_at=None
        )
    return list(
        Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def requeue_failed(*, message_ids: list[int]) -> int:
    return Message.objects.filter(
        pk__in=message_ids, status=Message.Status.FAILED, sealed_body__isnull=False
    ).update(status=Message.Status.QUEUED, next_attempt_at=clock.now(), attempts=0, last_error="")
