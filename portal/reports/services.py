"""Every write of the reports app: targets, snapshots, reviews. Each one audited."""

import logging
import time
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import clock
from portal.audit.services import Actor, record
from portal.directory.imports import ImportRejected, ImportReport
from portal.directory.models import Office

from . import targets as target_files
from .figures import count_offices, targets_by_key
from .models import Review, Snapshot, SnapshotRow, Target
from .periods import Period, fortnight_of
from .rollup import roll_up
from .scopes import ReportScope

log = logging.getLogger(__name__)
# Ended fortnights the scheduled task freezes when none of them has a snapshot yet (a new
# installation, or a scheduler that was down for weeks): older ones are left alone.
BACKFILL_FORTNIGHTS = 6


class ReportError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- targets ---------------------------------------------------------------------------------

def import_targets(*, actor: Actor, upload) -> ImportReport:
    """Check every row; write nothing unless every row is good. Rows update the target of
    their unit; units not in the file keep theirs."""
    report, forms = target_files.check_rows(upload)
    if report.errors:
        raise ImportRejected(report)
    now = clock.now()
    existing = set(Target.objects.filter(key__in=[f.unit_key() for f in forms]).values_list("key", flat=True))
    with transaction.atomic():
        for form in forms:
            key, units = form.unit_key(), form.cleaned_data["units"]
            Target.objects.update_or_create(key=key, defaults={
                "office": units["office"], "district": units["district"] if not units["office"] else None,
                "department": units["department"] if not units["office"] else None,
                "employees": form.cleaned_data["employees"], "pensioners": form.cleaned_data["pensioners"],
                "uploaded_at": now, "uploaded_by": actor.user,
            })
            report.updated += key in existing
            report.created += key not in existing
        record(actor=actor, action="reports.targets.imported",
               details={"rows": report.total, "created": report.created, "updated": report.updated})
    return report


# --- snapshots -------------------------------------------------------------------------------

def _rows_for(snapshot: Snapshot, period: Period) -> list[SnapshotRow]:
    """The figures of every scope, counted per office in a few queries and added up in Python."""
    meta, per_office = count_offices(offices=Office.objects.all(), start=period.begins_at, cut=snapshot.cut_at)
    units = roll_up(meta, per_office, targets_by_key())
    return [
        SnapshotRow(snapshot=snapshot, kind=u.kind, key=u.key, code=u.code[:20], name_en=u.name_en[:200],
                    name_hi=u.name_hi[:200], office_id=u.office_id, district_id=u.district_id,
                    division_id=u.division_id, department_id=u.department_id, figures=u.figures.as_json())
        for u in units.values()
    ]


def freeze(*, period: Period, actor: Actor, reason: str = "", request_id: uuid.UUID | None = None,
           replace: bool = False) -> Snapshot | None:
    """Freeze `period` (a fortnight that has ended). Without `replace`, a fortnight that is
    already frozen is left as it is (None); with it, a new version replaces the current one."""
    if not period.is_fortnight:
        raise ReportError(_("Only a fortnight (1st–15th or 16th–end of the month) can be frozen."))
    now = clock.now()
    if not period.has_ended(now):
        raise ReportError(_("This fortnight has not ended yet."))
    started = time.monotonic()
    try:
        with transaction.atomic():
            if request_id and Snapshot.objects.filter(request_id=request_id).exists():
                return None  # this regeneration was done already (a retried task)
            previous = (Snapshot.objects.select_for_update().filter(period_start=period.start, current=True)
                        .first())
            if previous and not replace:
                return None
            version = (Snapshot.objects.filter(period_start=period.start).order_by("-version")
                       .values_list("version", flat=True).first() or 0) + 1
            if previous:
                previous.current = False
                previous.save(update_fields=["current"])
            snapshot = Snapshot.objects.create(
                period_start=period.start, period_end=period.end, version=version, cut_at=period.ends_at,
                taken_at=now, taken_by=actor.user, reason=reason, current=True, request_id=request_id,
            )
            rows = _rows_for(snapshot, period)
            SnapshotRow.objects.bulk_create(rows, batch_size=2000)
            snapshot.rows, snapshot.seconds = len(rows), round(time.monotonic() - started, 3)
            snapshot.save(update_fields=["rows", "seconds"])
            record(actor=actor, action="reports.snapshot.regenerated" if previous else "reports.snapshot.frozen",
                   target=snapshot, details={"period": period.slug, "version": version, "rows": len(rows),
                                             "seconds": snapshot.seconds, "reason": reason,
                                             "replaced": previous.pk if previous else None})
    except IntegrityError:  # another worker froze the same fortnight a moment ago
        log.info("reports: fortnight %s was frozen by another worker", period.slug)
        return None
    return snapshot


def fortnights_due() -> list[Period]:
    """Ended fortnights without a snapshot, oldest first: the last BACKFILL_FORTNIGHTS ended
    ones, and none from before the first office existed."""
    latest = fortnight_of(clock.today()).previous()
    first_data = Office.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first_data is None:
        return []
    earliest = fortnight_of(timezone.localdate(first_data))
    frozen = set(Snapshot.objects.filter(current=True).values_list("period_start", flat=True))
    due, period = [], latest
    for _step in range(BACKFILL_FORTNIGHTS):
        if period < earliest:
            break
        if period.start not in frozen:
            due.append(period)
        period = period.previous()
    return list(reversed(due))


def freeze_due(*, actor: Actor | None = None) -> list[Snapshot]:
    actor = actor or Actor.system("reports.freeze_due_snapshots")
    done = []
    for period in fortnights_due():
        snapshot = freeze(period=period, actor=actor)
        if snapshot:
            done.append(snapshot)
    return done


@transaction.atomic
def request_regeneration(*, actor: Actor, period: Period, reason: str) -> uuid.UUID:
    """The state cell asks for a fortnight to be counted again; the work runs in the
    background (Celery) and replaces the current snapshot with a new version."""
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise ReportError(_("Give the reason for regenerating the report (at least 10 characters)."))
    if not period.is_fortnight or not period.has_ended():
        raise ReportError(_("Only a fortnight that has ended can be regenerated."))
    request_id = uuid.uuid4()
    record(actor=actor, action="reports.snapshot.regeneration_requested",
           details={"period": period.slug, "reason": reason, "request": str(request_id)})
    from .tasks import regenerate_snapshot

    user_id = actor.user.pk if actor.user else None
    transaction.on_commit(lambda: regenerate_snapshot.delay(period.slug, str(request_id), user_id, reason,
                                                           actor.ip))
    return request_id


# --- reviews ---------------------------------------------------------------------------------

@transaction.atomic
def save_review(*, actor: Actor, scope: ReportScope, period: Period, remarks: str, action_taken: str) -> Review:
    """A district or division officer's review of a fortnight; saving again updates it (the
    audit log keeps every version)."""
    if scope.kind not in ("district", "division"):
        raise ReportError(_("Reviews are recorded for a district or a division."))
    review, created = Review.objects.select_for_update().get_or_create(
        period_start=period.start, key=scope.key,
        defaults={"period_end": period.end, "district": scope.district if scope.kind == "district" else None,
                  "division": scope.division if scope.kind == "division" else None, "remarks": remarks,
                  "action_taken": action_taken, "by": actor.user, "at": clock.now()},
    )
    if not created:
        review.remarks, review.action_taken, review.by, review.at = remarks, action_taken, actor.user, clock.now()
        review.save()
    record(actor=actor, action="reports.review.recorded" if created else "reports.review.updated", target=review,
           details={"period": period.slug, "scope": scope.key, "remarks": remarks[:500],
                    "action_taken": action_taken[:500]})
    return review
