"""Counting the figures: per office with a few GROUP BY queries (rolled up to wider scopes in `rollup`).

Every figure is a pair (employees, pensioners). Families are employees' or pensioners'
registrations (`Family.kind`); cards follow the kind of their family (`Card.kind`);
offices count as employees' (DDO offices) or pensioners' (treasury offices). The exact
definition of each figure is in docs/reports.md; `count_offices` is the only place that
implements them.

Figures are counted at a cut-off instant `cut` (the end of the period, or now if the period
has not ended) and, for the "in the period" figures, from the period's first instant.
"""

import datetime
from functools import cached_property
from dataclasses import dataclass, field, fields

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Grant, Role
from portal.cards.models import Card
from portal.directory.models import Office
from portal.enrolment.models import PENDING, Family
from portal.enrolment.models import Status as FamilyStatus

from .models import Target

# Every figure, in the order reports list them: (key, label).
FIGURES = [
    ("offices_known", _("Offices known")),
    ("offices_registered", _("Offices with a registered DDO/TO")),
    ("target", _("Target headcount")),
    ("registered", _("Registered (up to the end of the period)")),
    ("registered_in_period", _("Registered in the period")),
    ("pending", _("Pending with the DDO/TO")),
    ("pending_0_7", _("Pending 0–7 days")),
    ("pending_8_15", _("Pending 8–15 days")),
    ("pending_16_30", _("Pending 16–30 days")),
    ("pending_31", _("Pending over 30 days")),
    ("returned", _("Returned for correction")),
    ("returned_in_period", _("Returned in the period")),
    ("rejected", _("Rejected")),
    ("rejected_in_period", _("Rejected in the period")),
    ("verified", _("Verified")),
    ("verified_in_period", _("Verified in the period")),
    ("coverage", _("Coverage (%)")),
    ("cards_printed", _("Cards printed")),
    ("cards_printed_in_period", _("Cards printed in the period")),
    ("cards_dispatched", _("Cards dispatched")),
    ("cards_dispatched_in_period", _("Cards dispatched in the period")),
    ("cards_received", _("Cards received by the office")),
    ("cards_received_in_period", _("Cards received in the period")),
    ("cards_handed_over", _("Cards handed over")),
    ("cards_handed_over_in_period", _("Cards handed over in the period")),
    ("cards_self_printed", _("Cards self-printed")),
    ("cards_self_printed_in_period", _("Cards self-printed in the period")),
]
LABELS = dict(FIGURES)
# Short column heads for the fortnightly report (screen, PDF, XLSX, CSV): its fixed format.
REPORT_COLUMNS = [
    ("offices_known", _("Offices")),
    ("offices_registered", _("Registered DDOs/TOs")),
    ("target", _("Target")),
    ("registered", _("Registered")),
    ("registered_in_period", _("Registered this fortnight")),
    ("pending", _("Pending")),
    ("pending_0_7", _("0–7 days")),
    ("pending_8_15", _("8–15 days")),
    ("pending_16_30", _("16–30 days")),
    ("pending_31", _("Over 30 days")),
    ("returned", _("Returned")),
    ("rejected", _("Rejected")),
    ("verified", _("Verified")),
    ("verified_in_period", _("Verified this fortnight")),
    ("coverage", _("Coverage %")),
    ("cards_printed", _("Cards printed")),
    ("cards_dispatched", _("Dispatched")),
    ("cards_received", _("Received by office")),
    ("cards_handed_over", _("Handed over")),
    ("cards_self_printed", _("Self-printed")),
]
# Every figure but coverage is a count that adds up; coverage is worked out from two of them.
COUNTS = [key for key, _label in FIGURES if key != "coverage"]
CATEGORIES = ("total", "employees", "pensioners")
AGE_FIGURES = [("pending_0_7", 0, 7), ("pending_8_15", 8, 15), ("pending_16_30", 16, 30), ("pending_31", 31, None)]
CARD_STAGES = [("cards_printed", "printed_at"), ("cards_dispatched", "dispatched_at"),
               ("cards_received", "received_at"), ("cards_handed_over", "handed_over_at"),
               ("cards_self_printed", "first_self_printed_at")]
EMPLOYEES, PENSIONERS = 0, 1


_SLOT = {key: 2 * i for i, key in enumerate(COUNTS)}  # figure -> its employees' place in Figures.flat
_WIDTH = 2 * len(COUNTS)


class Figures:
    """The counts of one scope: figure -> [employees, pensioners], kept as one flat list
    (`flat[_SLOT[key]]` employees, `+ 1` pensioners). One list per scope, not one per figure:
    a state-wide count makes a Figures for every office, and 28 small lists each (33,000 at
    1/200 scale) cost more in allocation and garbage collection than the counting."""

    __slots__ = ("flat",)

    def __init__(self, values: dict | None = None):
        self.flat = [0] * _WIDTH
        for key, pair in (values or {}).items():
            slot = _SLOT.get(key)
            if slot is not None:
                self.flat[slot], self.flat[slot + 1] = int(pair[0]), int(pair[1])

    @property
    def values(self) -> dict[str, list[int]]:
        """figure -> [employees, pensioners] (a copy: change figures through the methods)."""
        flat = self.flat
        return {key: [flat[slot], flat[slot + 1]] for key, slot in _SLOT.items()}

    def add(self, other: "Figures") -> None:
        self.flat = [a + b for a, b in zip(self.flat, other.flat)]

    def count(self, key: str, index: int, number: int) -> None:
        """Add `number` to one figure on one side (EMPLOYEES or PENSIONERS)."""
        self.flat[_SLOT[key] + index] += number

    def pair(self, key: str) -> tuple[int, int]:
        slot = _SLOT[key]
        return self.flat[slot], self.flat[slot + 1]

    def set_target(self, employees: int, pensioners: int) -> None:
        slot = _SLOT["target"]
        self.flat[slot], self.flat[slot + 1] = employees, pensioners

    def get(self, key: str, category: str = "total"):
        """A figure for employees, pensioners or both; coverage as a percentage with one
        decimal, or None when there is no target."""
        if key == "coverage":
            target = self.get("target", category)
            if not target:
                return None
            live = self.get("registered", category) - self.get("rejected", category)
            return round(100.0 * live / target, 1)
        slot = _SLOT[key]
        if category == "employees":
            return self.flat[slot]
        if category == "pensioners":
            return self.flat[slot + 1]
        return self.flat[slot] + self.flat[slot + 1]

    def as_json(self) -> dict:
        return self.values

    def __eq__(self, other) -> bool:
        return isinstance(other, Figures) and self.flat == other.flat

    def __repr__(self) -> str:
        return f"Figures({self.values!r})"

    # Pickled as the bare list: the state-wide count is shared through the cache
    # (statewide.py), 24,000 offices' figures, and each process unpickles it.
    def __getstate__(self) -> list[int]:
        return self.flat

    def __setstate__(self, flat: list[int]) -> None:
        self.flat = flat


@dataclass
class Unit:
    """One scope's identity and figures, as a report row shows it."""

    kind: str
    key: str
    code: str = ""
    name_en: str = ""
    name_hi: str = ""
    office_id: int | None = None
    district_id: int | None = None
    division_id: int | None = None
    department_id: int | None = None
    figures: Figures = field(default_factory=Figures)
    token: str = ""

    @cached_property
    def t(self) -> dict[str, str]:
        """Every figure's total, formatted (for templates)."""
        from .tables import number

        return {key: number(self.figures.get(key)) for key, _label in FIGURES}

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "hi").startswith("en") else (self.name_hi or self.name_en)

    def __reduce__(self):
        # Positional fields only, without what a page formatted (`t`): a third of the size
        # and time of pickling each field by name.
        return (Unit, tuple(getattr(self, f.name) for f in fields(self)))


def _kind_index(kind: str) -> int:
    return PENSIONERS if kind in ("pensioner", Office.Kind.TREASURY) else EMPLOYEES


def count_offices(*, offices, start: datetime.datetime, cut: datetime.datetime) -> tuple[list[dict], dict[int, Figures]]:
    """The figures of every office in the queryset `offices` (metadata, {office pk: Figures}),
    in four GROUP BY queries whatever the number of offices or families."""
    whole_state = not offices.query.where  # no filter at all: skip the sub-select
    meta = list(offices.order_by().values("pk", "code", "name_en", "name_hi", "kind", "active", "created_at",
                                          "headcount", "district_id", "district__division_id", "department_id"))
    result = {row["pk"]: Figures() for row in meta}
    # A scope's offices by their ids when there are not too many (they are in hand): the
    # planner then estimates each office's rows from its statistics and reads them through the
    # office indexes; a sub-select leaves it guessing.
    office_ids = [row["pk"] for row in meta] if len(meta) <= 2000 else offices.order_by().values("pk")

    def within(queryset, field_name="office_id"):
        return queryset if whole_state else queryset.filter(**{f"{field_name}__in": office_ids})

    # Offices known and offices whose DDO/TO holds a live grant at the cut-off.
    held = set(within(Grant.objects.filter(
        office__isnull=False, user__role__in=[Role.DDO, Role.TO], user__is_active=True, granted_at__lte=cut,
    ).filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=cut))).values_list("office_id", flat=True).distinct())
    for row in meta:
        index = _kind_index(row["kind"])
        figures = result[row["pk"]]
        if row["active"] and row["created_at"] <= cut:
            figures.count("offices_known", index, 1)
            if row["pk"] in held:
                figures.count("offices_registered", index, 1)

    # Families: everything submitted by the cut-off, by where it stood at the cut-off.
    verified, rejected, returned = FamilyStatus.VERIFIED, FamilyStatus.REJECTED, FamilyStatus.RETURNED
    decided_later = Q(status__in=[verified, rejected], decided_at__gt=cut) | Q(status=returned, returned_at__gt=cut)
    pending = Q(status__in=PENDING) | decided_later
    aggregates = {
        "registered": Count("id"),
        "registered_in_period": Count("id", filter=Q(submitted_at__gte=start)),
        "pending": Count("id", filter=pending),
        "returned": Count("id", filter=Q(status=returned, returned_at__lte=cut)),
        "returned_in_period": Count("id", filter=Q(returned_at__gte=start, returned_at__lte=cut)),
        "rejected": Count("id", filter=Q(status=rejected, decided_at__lte=cut)),
        "rejected_in_period": Count("id", filter=Q(status=rejected, decided_at__gte=start, decided_at__lte=cut)),
        "verified": Count("id", filter=Q(status=verified, decided_at__lte=cut)),
        "verified_in_period": Count("id", filter=Q(status=verified, decided_at__gte=start, decided_at__lte=cut)),
    }
    for key, low, high in AGE_FIGURES:
        # Waited `low` to `high` whole days at the cut-off, as the DDO/TO's queue filter counts them.
        age = Q(submitted_at__lte=cut - datetime.timedelta(days=low))
        if high is not None:
            age &= Q(submitted_at__gt=cut - datetime.timedelta(days=high + 1))
        aggregates[key] = Count("id", filter=pending & age)
    families = within(Family.objects.filter(submitted_at__isnull=False, submitted_at__lte=cut))
    _add_rows(result, families.order_by().values("office_id", "kind").annotate(**aggregates), list(aggregates))

    # Cards: every card that reached each stage by the cut-off, and in the period.
    card_aggregates = {}
    for key, stamp in CARD_STAGES:
        card_aggregates[key] = Count("id", filter=Q(**{f"{stamp}__lte": cut}))
        card_aggregates[f"{key}_in_period"] = Count("id", filter=Q(**{f"{stamp}__gte": start, f"{stamp}__lte": cut}))
    reached = Q()
    for _key, stamp in CARD_STAGES:
        reached |= Q(**{f"{stamp}__lte": cut})
    cards = within(Card.objects.filter(reached))
    _add_rows(result, cards.order_by().values("office_id", "kind").annotate(**card_aggregates), list(card_aggregates))
    return meta, result


def _add_rows(result: dict[int, Figures], grouped, keys: list[str]) -> None:
    """Add each (office, kind) group's counts to its office. The queryset's own SQL, run on
    its own database (the replica when the page reads from it), with the rows taken as the
    driver gives them: Django's per-value converters (one call per count, 26,000 for a
    state-wide count at 1/200 scale) cost more than the arithmetic, and a count is already an
    int."""
    slots = [_SLOT[key] for key in keys]
    queryset = grouped.values_list("office_id", "kind", *keys)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a scope with no office: nothing to count
        return
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for office_id, kind, *counts in rows:
        figures = result.get(office_id)
        if figures is None:
            continue
        flat, index = figures.flat, _kind_index(kind)
        for slot, count in zip(slots, counts):
            flat[slot + index] += count


def targets_by_key() -> dict[str, tuple[int, int]]:
    return {key: (employees, pensioners)
            for key, employees, pensioners in Target.objects.values_list("key", "employees", "pensioners")}
