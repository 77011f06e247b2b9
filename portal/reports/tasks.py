"""Scheduled monitoring work (Celery beat, see CELERY_BEAT_SCHEDULE in settings). Each task
is idempotent: running it twice, or retrying it, changes nothing the first run did."""

import datetime
import uuid

from celery import shared_task

from portal.audit.services import Actor

from . import reminders, services, statewide
from .periods import Period, fortnight_from_slug


@shared_task(name="portal.reports.tasks.freeze_due_snapshots")
def freeze_due_snapshots() -> list[str]:
    """Freeze every ended fortnight that has no snapshot yet (hourly: a scheduler that was
    down at the fortnight's end catches up)."""
    return [s.period_start.isoformat() for s in services.freeze_due()]


@shared_task(name="portal.reports.tasks.regenerate_snapshot")
def regenerate_snapshot(period_slug: str, request_id: str, user_id: int | None, reason: str, ip: str = "") -> str:
    from portal.accounts.models import User

    period = fortnight_from_slug(period_slug)
    if period is None:
        return "unknown period"
    user = User.objects.filter(pk=user_id).first() if user_id else None
    actor = Actor(user=user, role=user.role, label=user.username, ip=ip) if user else Actor.system("reports")
    snapshot = services.freeze(period=period, actor=actor, reason=reason, request_id=uuid.UUID(request_id),
                               replace=True)
    return f"version {snapshot.version}" if snapshot else "already done"


@shared_task(name="portal.reports.tasks.send_pending_reminders")
def send_pending_reminders() -> int:
    return len(reminders.send_pending_reminders())


@shared_task(name="portal.reports.tasks.send_weekly_digests")
def send_weekly_digests() -> int:
    return len(reminders.send_weekly_digests())


@shared_task(name="portal.reports.tasks.count_statewide")
def count_statewide(start: str, end: str) -> str:
    """Count the period from `start` to `end` (ISO dates) over the state again and share it
    with every web process (asked for by a dashboard whose kept count has expired)."""
    period = Period(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
    return statewide.count_and_share(period)


@shared_task(name="portal.reports.tasks.keep_statewide_counts")
def keep_statewide_counts() -> list[str]:
    """Every minute: count again the periods dashboards asked for in the last hour, so that
    their kept count is fresh when the next one asks."""
    return statewide.keep_wanted()
