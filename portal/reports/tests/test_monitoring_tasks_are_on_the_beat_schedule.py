"""The scheduled monitoring work is on Celery beat at the documented times (India time):
freezing every hour at minute 5, pending reminders daily at 10:30, the weekly digest on
Mondays at 09:45, the state-wide count every minute; each entry names a registered task, and the freeze task, run through
Celery, freezes the ended fortnights once."""

import pytest
from django.conf import settings

from portal.celery import app

from ..models import Snapshot

pytestmark = pytest.mark.django_db
ENTRIES = {
    "reports-freeze-fortnights": ("portal.reports.tasks.freeze_due_snapshots", {"minute": {5}, "hour": set(range(24)),
                                                                                "day_of_week": set(range(7))}),
    "reports-pending-reminders": ("portal.reports.tasks.send_pending_reminders", {"minute": {30}, "hour": {10},
                                                                                 "day_of_week": set(range(7))}),
    "reports-weekly-digest": ("portal.reports.tasks.send_weekly_digests", {"minute": {45}, "hour": {9},
                                                                           "day_of_week": {1}}),
}


def test_the_beat_schedule_has_each_monitoring_task_at_its_time():
    assert settings.CELERY_TIMEZONE == "Asia/Kolkata"
    app.loader.import_default_modules()
    for name, (task, fields) in ENTRIES.items():
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["task"] == task and task in app.tasks, name
        for field, values in fields.items():
            assert getattr(entry["schedule"], field) == values, (name, field)
    # The state-wide live count is kept fresh every minute while dashboards look at it.
    keep = settings.CELERY_BEAT_SCHEDULE["reports-keep-statewide-counts"]
    assert keep["task"] == "portal.reports.tasks.keep_statewide_counts" and keep["task"] in app.tasks
    assert keep["schedule"] == 60.0


def test_the_freeze_task_run_through_celery_freezes_each_ended_fortnight_once(population):
    from ..tasks import freeze_due_snapshots

    first = freeze_due_snapshots.delay().get()
    assert first and Snapshot.objects.count() == len(first)
    assert freeze_due_snapshots.delay().get() == []
