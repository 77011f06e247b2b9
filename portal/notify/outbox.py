"""Queueing messages. Services call `queue_sms`/`queue_email` inside their transaction;
delivery starts after commit, and a periodic sweep picks up anything left behind."""

import datetime
import functools
import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation

from portal import clock
from portal.crypto import Keyring

from .catalog import SIGNATURE, TEMPLATES, dlt_template_id
from .models import Message

log = logging.getLogger(__name__)
_PURPOSE = "outbox"
REDACTED = "••••••"


@functools.cache
def keyring() -> Keyring:
    return Keyring.load(
        env_value=settings.OUTBOX_KEYS,
        key_file=settings.OUTBOX_KEY_FILE,
        create_demo_file=not settings.PRODUCTION,
    )


def render(code: str, language: str, context: dict) -> tuple[str, str, str]:
    """(subject, full text, text with secrets blanked) in the recipient's language."""
    template = TEMPLATES[code]
    with translation.override(language):
        text = str(template.text).format(**context) + SIGNATURE
        redacted = str(template.text).format(**{**context, **{k: REDACTED for k in template.secrets}}) + SIGNATURE
        subject = str(template.subject) if template.subject else ""
    return subject, text, redacted


def _message(*, channel: str, to: str, template: str, language: str, context: dict, key: str | None, now) -> Message:
    language = language if language in {"hi", "en"} else settings.LANGUAGE_CODE
    subject, text, redacted = render(template, language, context)
    valid = TEMPLATES[template].valid_minutes
    return Message(
        channel=channel,
        to=to,
        template=template,
        language=language,
        dlt_template_id=dlt_template_id(TEMPLATES[template], language) if channel == Message.Channel.SMS else "",
        subject=subject,
        preview=redacted,
        sealed_body=keyring().seal(text.encode(), purpose=_PURPOSE),
        created_at=now,
        next_attempt_at=now,
        expires_at=now + datetime.timedelta(minutes=valid) if valid else None,
        idempotency_key=key,
    )


def _queue(*, channel: str, to: str, template: str, language: str, context: dict, key: str | None) -> Message:
    if channel == Message.Channel.EMAIL:
        to = to.strip().lower()
    if key:
        existing = Message.objects.filter(idempotency_key=key).first()
        if existing:
            return existing
    message = _message(channel=channel, to=to, template=template, language=language, context=context, key=key,
                       now=clock.now())
    message.save()
    transaction.on_commit(functools.partial(dispatch, message.pk))
    return message


def queue_sms_many(items: list[dict]) -> list[Message]:
    """Several SMS in one insert (bulk decisions); each item: to, template, language, context."""
    now = clock.now()
    messages = Message.objects.bulk_create([
        _message(channel=Message.Channel.SMS, key=None, now=now, **item) for item in items
    ])
    if messages and messages[0].pk is None:  # a backend that does not return ids from bulk inserts
        return messages
    transaction.on_commit(functools.partial(dispatch_many, [m.pk for m in messages]))
    return messages


def dispatch_many(message_ids: list[int]) -> None:
    """Hand several messages to Celery (bulk decisions, the state cell's re-queue)."""
    # With the broker down every attempt costs about 0.6 s of the request (kombu's connection
    # retries): a bulk verification of 500 families would hang for minutes and be killed by
    # gunicorn's timeout. After the first failure the rest stay queued for the sweep.
    for message_id in message_ids:
        if not dispatch(message_id):
            return



def queue_sms(*, to: str, template: str, language: str, context: dict, key: str | None = None) -> Message:
    return _queue(channel=Message.Channel.SMS, to=to, template=template, language=language, context=context, key=key)


def queue_email(*, to: str, template: str, language: str, context: dict, key: str | None = None) -> Message:
    return _queue(channel=Message.Channel.EMAIL, to=to, template=template, language=language, context=context, key=key)


def dispatch(message_id: int) -> bool:
    """Hand a message to Celery; if the broker is down the sweep will send it later.
    False: it could not be enqueued."""
    from .tasks import deliver

    try:
        deliver.delay(message_id)
    except Exception:  # broker unreachable: the row stays queued
        log.warning("outbox: could not enqueue message %s; the sweep will retry", message_id)
        return False
    return True


def open_body(message: Message) -> str:
    return keyring().open(message.sealed_body, purpose=_PURPOSE).decode()
