"""`seed_reports` (run by `make demo`) leaves something to review, and adds nothing the
second time."""

import pytest

from portal.accounts.models import Role, User
from portal.cards.models import Card
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


def test_seed_reports_after_the_rest_of_seed_demo_counts_the_demo_and_opens_for_each_officer(settings, phone,
                                                                                              client, login):
    """`seed_demo` runs seed_reports last, after its accounts, applications, families and cards:
    the monitoring history then sits beside the rest of the demo, the figures count all of it,
    and a further seed_reports adds nothing."""
    import io

    from django.core.management import call_command

    from portal.directory.models import Office

    from ..figures import count_offices
    from ..periods import current_fortnight
    from ..scopes import ReportScope
    from ..selectors import live

    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    lucknow = District.objects.get(lgd_code=162)
    officer = User.objects.get(role=Role.DISTRICT, mobile="9000000003")  # seed_demo's district officer
    review = Review.objects.get()
    assert review.by == officer and review.district == lucknow and review.period_start == last_ended_fortnight().start
    ddos = set(Reminder.objects.filter(kind=Reminder.Kind.PENDING).values_list("user__mobile", flat=True))
    assert {"9000000021", "9000000022"} <= ddos  # the two monitoring demo offices' DDOs, pending over 15 days
    assert Reminder.objects.filter(kind=Reminder.Kind.DIGEST, user=officer).exists()

    # The district's live figures take in seed_demo's own families and cards too.
    state = User.objects.get(role=Role.STATE, mobile="9000000001")
    figured = live(state, ReportScope("district", district=lucknow), current_fortnight())
    submitted = Family.objects.filter(office__district=lucknow, submitted_at__isnull=False)
    assert figured.total.figures.get("registered") == submitted.count() > 14
    assert figured.total.figures.get("cards_printed") == Card.objects.filter(
        office__district=lucknow, printed_at__isnull=False).count() > 0
    _meta, per_office = count_offices(offices=Office.objects.filter(district=lucknow), start=figured.period.begins_at,
                                      cut=figured.cut)
    assert len(figured.offices) == len(per_office) >= 4

    counts = (Family.objects.count(), Target.objects.count(), Snapshot.objects.count(), Review.objects.count(),
              Reminder.objects.count(), SnapshotRow.objects.count())
    seed_reports()
    assert (Family.objects.count(), Target.objects.count(), Snapshot.objects.count(), Review.objects.count(),
            Reminder.objects.count(), SnapshotRow.objects.count()) == counts

    ddo = User.objects.get(role=Role.DDO, mobile="9000000011")  # seed_demo's own DDO
    for user, url in [(officer, "/reports/d-162/"), (officer, "/reports/d-162/fortnight/"), (state, "/reports/state/"),
                      (state, "/reports/reviews/"), (ddo, "/reports/"), (officer, "/reports/reminders/")]:
        login(user)
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
