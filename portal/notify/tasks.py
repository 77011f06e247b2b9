import logging

from celery import shared_task

from .delivery import deliver_message, due_message_ids


@shared_task(name="portal.notify.tasks.deliver")
def deliver(message_id: int) -> str:
    return deliver_message(message_id)


@shared_task(name="portal.notify.tasks.sweep_outbox")
def sweep_outbox() -> int:
    ids = due_message_ids()
    for message_id in ids:
        try:
            deliver_message(message_id)
        except Exception:  # one bad message must not hold up the others
            logging.getLogger(__name__).exception("outbox: message %s could not be delivered", message_id)
    return len(ids)
