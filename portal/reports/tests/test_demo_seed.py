"""`seed_reports` (run by `make demo`) leaves something to review, and adds nothing the
second time."""

import pytest

from portal.accounts.models import Role
from portal.directory.models import District
from portal.enrolment.models import Family

from ..demo import seed_reports
from ..models import Reminder, Review, Snapshot, SnapshotRow, Target
from ..periods import last_ended_fortnight

pytestmark = pytest.mark.django_db


def test_seed_reports_is_idempotent_and_fills_the_reports(make_user, settings):
    settings.DEMO_MODE = True
    lucknow = District.objects.get(lgd_code=162)
    make_user(Role.DISTRICT, district=lucknow)
    seed_reports()
    counts = (Family.objects.count(), Target.objects.count(), Snapshot.objects.count(), Review.objects.count(),
              Reminder.objects.count())
    seed_reports()
    assert (Family.objects.count(), Target.objects.count(), Snapshot.objects.count(), Review.objects.count(),
            Reminder.objects.count()) == counts
    assert counts[0] == 14 and counts[1] == 4 and counts[2] >= 3 and counts[3] == 1 and counts[4] >= 2
    period = last_ended_fortnight()
    row = SnapshotRow.objects.get(snapshot__period_start=period.start, snapshot__current=True,
                                  key=f"district:{lucknow.pk}")
    assert sum(row.figures["registered"]) > 0 and sum(row.figures["pending"]) > 0
    assert row.figures["target"] == [2500, 600]
    assert Review.objects.get().period_start == period.start
