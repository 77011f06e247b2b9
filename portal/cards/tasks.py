"""Background work for cards. Tasks take primary keys, are idempotent and safe to retry."""

import logging

from celery import shared_task
from django.conf import settings

from portal.audit.services import Actor

log = logging.getLogger(__name__)


@shared_task(name="portal.cards.tasks.produce_batch", acks_late=True)
def produce_batch(batch_id: int) -> str:
    from .batches import produce_batch as produce

    return produce(batch_id)


@shared_task(name="portal.cards.tasks.resume_stalled_batches")
def resume_stalled_batches() -> int:
    """Every 10 minutes: batches whose worker died or whose start message was lost."""
    from .batches import start, stalled_batches
    from .models import PrintBatch

    ids = stalled_batches()
    for batch in PrintBatch.objects.filter(pk__in=ids):
        start(batch)
    return len(ids)


@shared_task(name="portal.cards.tasks.issue_cards_sweep")
def issue_cards_sweep(full: bool = False) -> int:
    """Every 5 minutes: new cards for newly verified members, replacement cards after a change,
    suspension after a member left the family, cards not yet printed following a transfer;
    among the families changed in the last CARD_ISSUE_SWEEP_WINDOW_MINUTES (each run looks
    again at the runs before it, so a run that was missed or failed costs nothing). Once a
    night `full`: every verified family, for whatever the frequent runs could not see. A run
    that found as many families as it may do starts the next at once."""
    from portal.enrolment.models import Family

    from .services import families_needing_cards, issue_cards, sweep_window_start

    actor = Actor.system("cards.issue_cards_sweep")
    since = None if full else sweep_window_start()
    ids = families_needing_cards(limit=settings.CARD_ISSUE_SWEEP_LIMIT, changed_since=since)
    done = 0
    for family in Family.objects.filter(pk__in=ids):
        try:
            issue_cards(family=family, actor=actor)
            done += 1
        except Exception:  # one family's problem must not hold up the others
            log.exception("cards: could not issue the cards of family %s", family.pk)
    if done and len(ids) >= settings.CARD_ISSUE_SWEEP_LIMIT:
        from .batches import _enqueue

        _enqueue(issue_cards_sweep, full)
    return done
