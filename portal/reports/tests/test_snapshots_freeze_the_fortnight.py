"""The fortnight's end freezes the figures of every scope: a frozen report equals what the
live report showed at that moment, does not change when data changes later, is made once,
and only the state cell can regenerate it (with a reason, audited)."""

import datetime

import pytest
import time_machine

from portal.audit.models import Event
from portal.cards.models import Card
from portal.directory.models import Office
from portal.enrolment.models import Family, Status

from .. import selectors
from ..figures import COUNTS
from ..models import Snapshot, SnapshotRow, Target
from ..periods import Period, fortnight_of
from ..scopes import ReportScope
from ..tasks import freeze_due_snapshots
from .conftest import IST, NOW
from .population import card, expected, expected_target

pytestmark = pytest.mark.django_db
AFTER_END = datetime.datetime(2026, 12, 1, 0, 30, tzinfo=IST)  # the first hour after 16–30 November
PERIOD = fortnight_of(NOW.date())


def scopes_to_check(world):
    lko = world.offices["lko_med"]
    return [ReportScope("state"), ReportScope("division", division=lko.district.division),
            ReportScope("district", district=lko.district), ReportScope("department", department=lko.department),
            ReportScope("deptdist", district=lko.district, department=lko.department),
            ReportScope("office", office=lko, district=lko.district, department=lko.department)]


def table_of(figured):
    return ({u.key: u.figures.as_json() for u in figured.rows}, figured.total.figures.as_json())


def test_the_frozen_report_equals_the_live_report_at_that_moment(population):
    state = population.users["state"]
    with time_machine.travel(AFTER_END, tick=False):
        before = {s.key: table_of(selectors.fortnight(state, s, PERIOD)) for s in scopes_to_check(population)}
        assert not any(selectors.fortnight(state, s, PERIOD).frozen for s in scopes_to_check(population))
        frozen = freeze_due_snapshots()
        assert PERIOD.slug in frozen
        for scope in scopes_to_check(population):
            figured = selectors.fortnight(state, scope, PERIOD)
            assert figured.frozen and figured.snapshot.cut_at == PERIOD.ends_at
            assert table_of(figured) == before[scope.key], scope.key
            # ... and both equal the count made one row at a time.
            offices = list(Office.objects.filter(**scope.office_filter()))
            target = expected_target(scope.kind, office=scope.office, district=scope.district,
                                     department=scope.department, division=scope.division)
            want = expected(offices, start=PERIOD.begins_at, cut=PERIOD.ends_at, unit_target=target)
            assert {k: figured.total.figures.values[k] for k in COUNTS} == want.values, scope.key


def test_every_scope_is_frozen_even_empty_ones(population):
    with time_machine.travel(AFTER_END, tick=False):
        freeze_due_snapshots()
    snapshot = Snapshot.objects.get(period_start=PERIOD.start)
    kinds = {kind: SnapshotRow.objects.filter(snapshot=snapshot, kind=kind).count()
             for kind in ("state", "division", "district", "department", "deptdist", "office")}
    assert kinds["state"] == 1 and kinds["division"] == 18 and kinds["district"] == 75
    assert kinds["department"] == 100 and kinds["office"] == Office.objects.count()
    assert kinds["deptdist"] == len(set(Office.objects.values_list("district_id", "department_id")))
    assert snapshot.rows == sum(kinds.values())


def test_a_frozen_report_does_not_change_when_data_changes(population, at_now):
    state = population.users["state"]
    at_now.move_to(AFTER_END)
    freeze_due_snapshots()
    frozen = {s.key: table_of(selectors.fortnight(state, s, PERIOD)) for s in scopes_to_check(population)}
    rows_before = list(SnapshotRow.objects.order_by("pk").values_list("key", "figures"))

    # Later: a target is changed, a family moves office, a returned family is resubmitted,
    # a pending one verified, a card printed late; a family submitted in the period appears.
    lko, agra = population.offices["lko_med"], population.offices["agra_edu"]
    at_now.move_to(AFTER_END + datetime.timedelta(days=3))
    Target.objects.filter(office=lko).update(employees=400)
    moved = Family.objects.filter(office=lko, status=Status.VERIFIED).first()
    Family.objects.filter(pk=moved.pk).update(office=agra)
    Family.objects.filter(office=lko, status=Status.RETURNED).update(status=Status.RESUBMITTED)
    Family.objects.filter(office=lko, status=Status.SUBMITTED).update(status=Status.VERIFIED,
                                                                       decided_at=AFTER_END)
    card(Family.objects.filter(office=lko).first(), printed=NOW - datetime.timedelta(days=1))

    assert list(SnapshotRow.objects.order_by("pk").values_list("key", "figures")) == rows_before
    live_now = {}
    for scope in scopes_to_check(population):
        assert table_of(selectors.fortnight(state, scope, PERIOD)) == frozen[scope.key], scope.key
        live_now[scope.key] = table_of(selectors.live(state, scope, PERIOD))
    # The same period counted afresh has changed: the snapshot is what kept the report.
    office_key = f"office:{lko.pk}"
    assert live_now[office_key] != frozen[office_key]
    assert live_now["state"] != frozen["state"]


def test_freezing_is_idempotent_and_catches_up(population):
    with time_machine.travel(AFTER_END, tick=False):
        first = freeze_due_snapshots()
        again = freeze_due_snapshots()
    assert len(first) == 6 and again == []  # six ended fortnights back, at most (BACKFILL_FORTNIGHTS)
    assert Snapshot.objects.count() == 6 and Snapshot.objects.filter(current=True).count() == 6
    assert Event.objects.filter(action="reports.snapshot.frozen").count() == 6
    with time_machine.travel(AFTER_END + datetime.timedelta(days=16), tick=False):  # 1–15 Dec has ended
        assert freeze_due_snapshots() == ["2026-12-01"]


def test_a_fortnight_in_progress_is_not_frozen(population):
    assert PERIOD.slug not in freeze_due_snapshots()  # NOW is inside it
    figured = selectors.fortnight(population.users["state"], ReportScope("state"), PERIOD)
    assert not figured.frozen and figured.in_progress and figured.cut == NOW


def test_only_the_state_cell_regenerates_with_a_reason_and_it_is_audited(population, at_now, client, login,
                                                                        django_capture_on_commit_callbacks):
    at_now.move_to(AFTER_END)
    freeze_due_snapshots()
    first = Snapshot.objects.get(period_start=PERIOD.start)
    Target.objects.filter(office=population.offices["lko_med"]).update(employees=200)
    url = f"/reports/snapshots/{PERIOD.slug}/regenerate/"

    login(population.users["helpdesk"])
    assert client.post(url, {"reason": "Targets were corrected by the department"}).status_code == 403
    login(population.users["state"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "short"})
    assert Snapshot.objects.filter(period_start=PERIOD.start).count() == 1  # no reason, no regeneration

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Targets were corrected by the department"})
    assert response.status_code == 302
    new = Snapshot.objects.get(period_start=PERIOD.start, current=True)
    first.refresh_from_db()
    assert (new.version, first.version, first.current) == (2, 1, False)
    assert new.reason == "Targets were corrected by the department" and new.taken_by == population.users["state"]
    row = SnapshotRow.objects.get(snapshot=new, key=f"office:{population.offices['lko_med'].pk}")
    assert row.figures["target"] == [200, 0]
    assert SnapshotRow.objects.filter(snapshot=first).count() == first.rows  # the old version is kept
    requested = Event.objects.get(action="reports.snapshot.regeneration_requested")
    done = Event.objects.get(action="reports.snapshot.regenerated")
    assert requested.details["reason"] == done.details["reason"] == "Targets were corrected by the department"
    assert done.actor == population.users["state"]
    page = client.get(f"/reports/state/fortnight/?period={PERIOD.slug}")
    assert "Targets were corrected by the department" in page.content.decode()


def test_fortnights_run_1_to_15_and_16_to_the_end_in_india_time():
    assert fortnight_of(datetime.date(2028, 2, 20)) == Period(datetime.date(2028, 2, 16), datetime.date(2028, 2, 29))
    assert fortnight_of(datetime.date(2026, 2, 16)).end == datetime.date(2026, 2, 28)
    assert fortnight_of(datetime.date(2026, 11, 15)) == Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 15))
    period = fortnight_of(datetime.date(2026, 11, 1))
    assert period.begins_at == datetime.datetime(2026, 11, 1, 0, 0, tzinfo=IST)
    assert period.ends_at.astimezone(IST).replace(microsecond=0) == datetime.datetime(2026, 11, 15, 23, 59, 59,
                                                                                      tzinfo=IST)
    assert period.previous() == Period(datetime.date(2026, 10, 16), datetime.date(2026, 10, 31))
    assert period.next().start == datetime.date(2026, 11, 16)


def test_a_card_printed_at_midnight_ist_belongs_to_the_new_fortnight(population):
    lko = population.offices["lko_med"]
    scope = ReportScope("office", office=lko, district=lko.district, department=lko.department)
    first_half = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 15))
    midnight = datetime.datetime(2026, 11, 16, 0, 0, tzinfo=IST)
    before = selectors.live(population.users["state"], scope, first_half).total.figures.get("cards_printed")
    card(Family.objects.filter(office=lko).first(), printed=midnight)
    card(Family.objects.filter(office=lko).first(), printed=midnight - datetime.timedelta(microseconds=1))
    after = selectors.live(population.users["state"], scope, first_half).total.figures.get("cards_printed")
    assert after == before + 1
    assert Card.objects.filter(printed_at=midnight).exists()
