"""Scoped reads for monitoring: which scopes a user may open, live figures, frozen
fortnights, trends, laggards, reviews and reminders.

Every read goes through `portal.accounts.access`: offices through `scoped(..., OFFICE_PATHS)`,
snapshot rows through `scope_q(..., ROW_PATHS)`. A scope outside the user's grants is a 404
(`scope_or_404`); a role without monitoring is a 403 (`require_monitoring`).
"""

import datetime
import heapq
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils.translation import get_language

from portal import clock
from portal.accounts.access import require_role, scope_for, scope_q, scoped
from portal.accounts.models import Grant, Role
from portal.directory.models import Department, District, Division, Office

from . import scopes, statewide
from .figures import Figures, Unit, count_offices, targets_by_key
from .models import Reminder, Review, Snapshot, SnapshotRow
from .periods import Period, recent_fortnights
from .rollup import roll_up
from .scopes import CHILDREN, OFFICE_PATHS, REPORT_ROWS, ROW_PATHS, ReportScope

MONITORING_ROLES = (Role.STATE, Role.HELPDESK, Role.DIVISION, Role.DISTRICT, Role.DEPARTMENT, Role.DDO, Role.TO)
REVIEWERS = (Role.DISTRICT, Role.DIVISION)
REVIEWED_KINDS = {Role.DISTRICT: "district", Role.DIVISION: "division"}
REMINDER_PATHS = {"office": "office_id", "district": "district_id", "division": "district__division_id",
                  "department": "office__department_id"}


def require_monitoring(user) -> None:
    require_role(user, *MONITORING_ROLES)


def scope_or_404(user, token: str) -> ReportScope:
    require_monitoring(user)
    access = scope_for(user)
    scope = scopes.parse(token, office_ids=access.office_ids)
    if not scope.allowed_for(access):
        raise Http404
    return scope


def home_scopes(user) -> list[ReportScope]:
    """The scopes the user's grants give, the first being their monitoring home."""
    require_monitoring(user)
    access = scope_for(user)
    if access.state_wide:
        return [ReportScope("state")]
    if user.role in (Role.DDO, Role.TO):
        ids = access.office_ids
        if len(ids) == 1:
            office = Office.objects.select_related("district__division", "department").get(pk=next(iter(ids)))
            return [ReportScope("office", office=office, district=office.district, department=office.department)]
        return [ReportScope("my", offices=tuple(sorted(ids)))]
    units = [dict(unit) for unit in access.units]
    wanted = {level: {u[level] for u in units if level in u} for level in ("office", "district", "division",
                                                                            "department")}
    objects = {
        "office": Office.objects.select_related("district__division", "department").in_bulk(wanted["office"]),
        "district": District.objects.select_related("division").in_bulk(wanted["district"]),
        "division": Division.objects.in_bulk(wanted["division"]),
        "department": Department.objects.in_bulk(wanted["department"]),
    }
    found = [scopes.from_unit(unit, objects) for unit in units]
    return [s for s in found if s is not None]


def visible_trail(user, scope: ReportScope) -> list[ReportScope]:
    access = scope_for(user)
    return [step for step in scope.trail() if step.allowed_for(access)]


def offices_in(user, scope: ReportScope):
    return scoped(Office.objects.filter(**scope.office_filter()), user, OFFICE_PATHS)


# --- live figures --------------------------------------------------------------------------

@dataclass
class Figured:
    """Figures of a scope for a period: its own total, its report rows, its drill-down
    children, and every office in it."""

    scope: ReportScope
    period: Period
    cut: datetime.datetime
    generated_at: datetime.datetime
    total: Unit
    rows: list[Unit]
    children: list[Unit]
    offices: list[Unit]
    snapshot: Snapshot | None = None
    frozen: bool = False
    ranked: tuple[list[Unit], list[Unit]] | None = None  # the laggard offices, when kept with a count

    @property
    def in_progress(self) -> bool:
        return not self.frozen and not self.period.has_ended(self.generated_at)


def _sorted(units) -> list[Unit]:
    # By `Unit.name`, the language looked up once (not once per unit: 1,139 offices at 1/200).
    if (get_language() or "hi").startswith("en"):
        return sorted(units, key=lambda u: (u.name_en or "").casefold())
    return sorted(units, key=lambda u: (u.name_hi or u.name_en or "").casefold())


def _pick(units: dict[str, Unit], kind: str | None, scope: ReportScope) -> list[Unit]:
    if kind is None:
        return []
    wanted = scope.office_filter()
    found = [u for u in units.values() if u.kind == kind]
    if scope.kind == "state":
        return _sorted(found)
    if scope.kind == "division":
        return _sorted(u for u in found if u.division_id == scope.division.pk)
    if scope.kind == "my":
        return _sorted(u for u in found if u.office_id in set(wanted["pk__in"]))
    checks = {"district": "district_id", "department": "department_id", "deptdist": None, "office": None}
    if scope.kind == "office":
        return [u for u in found if u.office_id == scope.office.pk]
    if scope.kind == "deptdist":
        return _sorted(u for u in found if u.district_id == scope.district.pk
                       and u.department_id == scope.department.pk)
    attribute = checks[scope.kind]
    value = scope.district.pk if scope.kind == "district" else scope.department.pk
    return _sorted(u for u in found if getattr(u, attribute) == value)


def _total(units: dict[str, Unit], scope: ReportScope, targets: dict) -> Unit:
    if scope.kind == "my":
        total = Unit(kind="my", key="my", name_en=scope.label("en"), name_hi=scope.label("hi"))
        for unit in units.values():
            if unit.kind == "office" and unit.office_id in scope.offices:
                total.figures.add(unit.figures)
        return total
    found = units.get(scope.key)
    if found is None:  # no office in it: zeros, and the unit's own target if one was uploaded
        found = Unit(kind=scope.kind, key=scope.key, name_en=scope.label("en"), name_hi=scope.label("hi"),
                     token=scope.token)
        found.figures.set_target(*targets.get(scope.key, (0, 0)))
    return found


# Every scope is counted from one state-wide count per period, kept (and shared) for
# REPORTS_LIVE_CACHE_SECONDS (120 s in production; 0 in the demo and the tests: counted on
# every request). At state scale a count is not cheap at any level: 6 s for the state, 3.4 s
# for Lucknow district, 0.4 s for a district treasury with 37,000 pensioners' families, whose
# rows lie on as many pages. The page says when it was counted ("figures as at"); the work
# queues, not the dashboards, are where a DDO/TO sees the families just verified. What each
# page picks from the kept count (its total, rows, drill-down, offices sorted by name and
# laggards) is kept with it too, per scope, language and the user's grants (their scope):
# picking and sorting every office again cost as much as the rest of the page.
# statewide.py keeps that count, and counts it again in the background once it expires.
_PICKED_PER_COUNT = 1024  # (scope, language, grants) combinations kept per count


def live(user, scope: ReportScope, period: Period, *, now: datetime.datetime | None = None) -> Figured:
    """Figures counted for `period` (see docs/reports.md for what "for a period" means)."""
    now = now or clock.now()
    if settings.REPORTS_LIVE_CACHE_SECONDS:
        now, cut, every, picked = statewide.kept(period, now)
        # Still read through the access helpers: only offices the user may see are picked.
        # Picked once per count for each set of grants (what the access helper filters by),
        # not once per request: the state cell's offices are 24,000 rows at state scale.
        access = scope_for(user)
        key = (scope.key, scope.offices, get_language(), access.state_wide, access.units)
        found = picked.get(key)
        if found is None:
            allowed = frozenset(offices_in(user, scope).values_list("pk", flat=True))
            units = {k: u for k, u in every.items() if u.kind != "office" or u.office_id in allowed}
            offices = _pick(units, "office", scope)
            found = (_total(units, scope, targets_by_key()), _pick(units, REPORT_ROWS[scope.kind], scope),
                     _pick(units, CHILDREN[scope.kind], scope), offices, worst_offices(offices))
            if len(picked) >= _PICKED_PER_COUNT:
                picked.clear()
            picked[key] = found
        total, rows, children, offices, ranked = found
        return Figured(scope=scope, period=period, cut=cut, generated_at=now, total=total, rows=rows,
                       children=children, offices=offices, ranked=ranked)
    targets = targets_by_key()
    cut = period.cut(now)
    meta, per_office = count_offices(offices=offices_in(user, scope), start=period.begins_at, cut=cut)
    levels = {"office", REPORT_ROWS[scope.kind]}
    if CHILDREN[scope.kind]:
        levels.add(CHILDREN[scope.kind])
    if scope.kind != "my":
        levels.add(scope.kind)
    units = roll_up(meta, per_office, targets, levels=levels)
    return Figured(
        scope=scope, period=period, cut=cut, generated_at=now, total=_total(units, scope, targets),
        rows=_pick(units, REPORT_ROWS[scope.kind], scope), children=_pick(units, CHILDREN[scope.kind], scope),
        offices=_pick(units, "office", scope),
    )


# --- frozen fortnights -----------------------------------------------------------------------

def current_snapshot(period: Period) -> Snapshot | None:
    return Snapshot.objects.filter(period_start=period.start, current=True).first()


def _unit_from_row(row: SnapshotRow) -> Unit:
    token = ""
    if row.kind == "office":
        token = f"of-{row.code}"
    elif row.kind == "district":
        token = f"d-{row.code}"
    elif row.kind == "division":
        token = f"dv-{row.code}"
    elif row.kind == "department":
        token = f"dp-{row.code}"
    elif row.kind == "deptdist":
        lgd, _, code = row.code.partition("/")
        token = f"d-{lgd}-dp-{code}"
    return Unit(kind=row.kind, key=row.key, code=row.code, name_en=row.name_en, name_hi=row.name_hi,
                office_id=row.office_id, district_id=row.district_id, division_id=row.division_id,
                department_id=row.department_id, figures=Figures(row.figures), token=token)


def frozen(user, scope: ReportScope, snapshot: Snapshot) -> Figured:
    """A fortnight as it was frozen: the rows and total stored in the snapshot."""
    period = Period(snapshot.period_start, snapshot.period_end)
    access = scope_q(scope_for(user), ROW_PATHS)
    lines = SnapshotRow.objects.filter(access, snapshot=snapshot)
    if scope.kind == "my":
        wanted = lines.filter(kind="office", office_id__in=list(scope.offices))
    else:
        wanted = lines.filter(Q(**scope.row_filter()) | Q(key=scope.key))
    units = [_unit_from_row(row) for row in wanted]
    rows = _sorted(u for u in units if u.key != scope.key or scope.kind == "office")
    if scope.kind == "my":
        total = Unit(kind="my", key="my", name_en=scope.label("en"), name_hi=scope.label("hi"))
        for unit in rows:
            total.figures.add(unit.figures)
    else:
        total = next((u for u in units if u.key == scope.key), None) or Unit(
            kind=scope.kind, key=scope.key, name_en=scope.label("en"), name_hi=scope.label("hi"), token=scope.token)
    return Figured(scope=scope, period=period, cut=snapshot.cut_at, generated_at=snapshot.taken_at, total=total,
                   rows=rows, children=[], offices=[], snapshot=snapshot, frozen=True)


def fortnight(user, scope: ReportScope, period: Period) -> Figured:
    """The fortnight's report: frozen if it has been, else counted now (in progress, or
    ended but not frozen yet)."""
    snapshot = current_snapshot(period)
    return frozen(user, scope, snapshot) if snapshot else live(user, scope, period)


def report_periods(count: int = 12) -> list[tuple[Period, Snapshot | None]]:
    periods = recent_fortnights(count)
    snapshots = {s.period_start: s for s in Snapshot.objects.filter(current=True,
                                                                   period_start__in=[p.start for p in periods])}
    return [(p, snapshots.get(p.start)) for p in periods]


def trend(user, scope: ReportScope, in_progress: tuple[Period, Figures] | None = None,
          count: int = 12) -> list[tuple[Period, Figures, bool]]:
    """The scope's figures fortnight by fortnight, oldest first: frozen fortnights from their
    snapshots, then the fortnight in progress (counted live) when given."""
    periods = recent_fortnights(count, include_current=False)
    snapshots = {s.pk: s for s in Snapshot.objects.filter(current=True, period_start__in=[p.start for p in periods])}
    access = scope_q(scope_for(user), ROW_PATHS)
    rows = SnapshotRow.objects.filter(access, snapshot_id__in=list(snapshots))
    if scope.kind == "my":
        rows = rows.filter(kind="office", office_id__in=list(scope.offices))
    else:
        rows = rows.filter(key=scope.key)
    by_start: dict = {}
    for row in rows.only("snapshot_id", "figures"):
        start = snapshots[row.snapshot_id].period_start
        by_start.setdefault(start, Figures()).add(Figures(row.figures))
    series = [(p, by_start[p.start], True) for p in reversed(periods) if p.start in by_start]
    if in_progress is not None:
        series.append((in_progress[0], in_progress[1], False))
    return series


# --- laggards ------------------------------------------------------------------------------

@dataclass
class Laggard:
    unit: Unit
    officer: object | None  # the DDO/TO (accounts.User) in charge, if any
    value: float | int | None = None


@dataclass
class Laggards:
    most_pending: list[Laggard] = field(default_factory=list)
    lowest_coverage: list[Laggard] = field(default_factory=list)


def officers_of(office_ids) -> dict[int, object]:
    grants = (Grant.objects.filter(office_id__in=list(office_ids), revoked_at__isnull=True, user__is_active=True,
                                   user__role__in=[Role.DDO, Role.TO])
              .select_related("user").order_by("office_id", "-granted_at"))
    officers = {}
    for grant in grants:
        officers.setdefault(grant.office_id, grant.user)
    return officers


LAGGARDS = 10


def worst_offices(offices: list[Unit], *, limit: int = LAGGARDS) -> tuple[list[Unit], list[Unit]]:
    """The offices with the most applications pending (the longest-waiting first) and those
    with the lowest coverage of their target (`heapq.nsmallest` is `sorted(...)[:limit]`)."""
    pending = heapq.nsmallest(limit, (u for u in offices if u.figures.get("pending")),
                              key=lambda u: (-u.figures.get("pending_31"), -u.figures.get("pending"), u.code))
    covered = heapq.nsmallest(limit, (u for u in offices if u.figures.get("coverage") is not None),
                              key=lambda u: (u.figures.get("coverage"), u.code))
    return pending, covered


def laggards(offices: list[Unit], *, limit: int = LAGGARDS,
             ranked: tuple[list[Unit], list[Unit]] | None = None) -> Laggards:
    """Offices with the most applications pending (the longest-waiting first) and offices
    with the lowest coverage of their target, with the DDO/TO to call (looked up now, even
    when `ranked`, the offices already picked with a kept count, is given)."""
    pending, covered = ranked if ranked is not None and limit == LAGGARDS else worst_offices(offices, limit=limit)
    officers = officers_of({u.office_id for u in pending + covered})
    return Laggards(
        most_pending=[Laggard(u, officers.get(u.office_id), u.figures.get("pending")) for u in pending],
        lowest_coverage=[Laggard(u, officers.get(u.office_id), u.figures.get("coverage")) for u in covered],
    )


# --- reviews and reminders -----------------------------------------------------------------

def review_of(scope: ReportScope, period: Period) -> Review | None:
    """Read from the primary even inside `replica_reads()`: saving a review redirects to the
    report page, which must show the review just saved, not a replica seconds behind."""
    if scope.kind not in ("district", "division"):
        return None
    return (Review.objects.using("default").filter(period_start=period.start, key=scope.key)
            .select_related("by").first())


def can_review(user, scope: ReportScope) -> bool:
    """District officers review their district, division officers their division."""
    return REVIEWED_KINDS.get(user.role) == scope.kind and scope.allowed_for(scope_for(user))


def reviews_status(user, period: Period, *, missing_only: bool = False) -> list[dict]:
    """Every district and division (those the user may see) with its review of `period`, or
    None where it is missing."""
    require_role(user, Role.STATE, Role.HELPDESK, Role.DIVISION)
    access = scope_for(user)
    districts = District.objects.select_related("division").order_by("division__name_en", "name_en")
    divisions = Division.objects.order_by("name_en")
    if not access.state_wide:
        division_ids = [value for unit in access.units for level, value in unit if level == "division"]
        districts = districts.filter(division_id__in=division_ids)
        divisions = divisions.filter(pk__in=division_ids)
    # From the primary, like review_of: an officer who has just recorded a review may open this next.
    reviews = {r.key: r for r in Review.objects.using("default").filter(period_start=period.start)
               .select_related("by")}
    rows = []
    for division in divisions:
        scope = ReportScope("division", division=division)
        rows.append({"scope": scope, "review": reviews.get(scope.key), "level": "division"})
    for district in districts:
        scope = ReportScope("district", district=district)
        rows.append({"scope": scope, "review": reviews.get(scope.key), "level": "district"})
    if missing_only:
        rows = [r for r in rows if r["review"] is None]
    return rows


def reminders_for(user):
    """What reminders and digests the portal sent to the user, or within the user's scope
    (a district officer also sees the reminders sent to the district's DDOs/TOs)."""
    require_monitoring(user)
    base = Reminder.objects.select_related("user", "office", "district", "sms", "email")
    if scope_for(user).state_wide:
        return base
    return base.filter(Q(user=user) | scope_q(scope_for(user), REMINDER_PATHS))
