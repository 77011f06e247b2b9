"""Monitoring: target headcounts, frozen fortnightly snapshots, review remarks and reminders.

The figures themselves are not stored for live views: they are counted from families,
cards, offices and grants when asked (portal/reports/figures.py). Only a fortnight that
has ended is frozen, so a past report never changes when data changes later.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Target(models.Model):
    """A target headcount the state cell uploaded for one unit: an office, a district, a
    department across the state, or a department in one district (`key` says which)."""

    key = models.CharField(max_length=40, unique=True)  # "office:12", "district:3", "department:5", "deptdist:3:5"
    office = models.ForeignKey("directory.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("directory.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("directory.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    employees = models.PositiveIntegerField(_("target: employees"), default=0)
    pensioners = models.PositiveIntegerField(_("target: pensioners"), default=0)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["key"]

    @property
    def audit_label(self) -> str:
        return self.key


class Snapshot(models.Model):
    """The frozen figures of one fortnight for every scope. A regeneration (state cell only,
    with a reason) adds a new version and keeps the old one, no longer current."""

    period_start = models.DateField()
    period_end = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    cut_at = models.DateTimeField()  # the figures are as at this instant: the end of the fortnight
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    current = models.BooleanField(default=True)
    request_id = models.UUIDField(null=True, blank=True, unique=True)  # a regeneration request, done once
    seconds = models.FloatField(default=0)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-period_start", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period_start", "version"], name="reports_snapshot_version_once"),
            models.UniqueConstraint(fields=["period_start"], condition=Q(current=True),
                                    name="reports_one_current_snapshot"),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y} v{self.version}"

    @property
    def audit_label(self) -> str:
        return f"snapshot {self}"


class SnapshotRow(models.Model):
    """The figures of one scope in one snapshot. The unit's ids are copied onto the row, so
    the access helpers can scope rows as they scope offices, and so are its names."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=10)  # state, division, district, department, deptdist, office
    key = models.CharField(max_length=40)
    code = models.CharField(max_length=20, blank=True)
    name_en = models.CharField(max_length=200, blank=True)
    name_hi = models.CharField(max_length=200, blank=True)
    office_id = models.BigIntegerField(null=True, blank=True)
    district_id = models.BigIntegerField(null=True, blank=True)
    division_id = models.BigIntegerField(null=True, blank=True)
    department_id = models.BigIntegerField(null=True, blank=True)
    figures = models.JSONField(default=dict)  # {"registered": [employees, pensioners], ...}

    class Meta:
        # A report reads one district's, department's or office's rows of a snapshot (28,000
        # rows at state scale): without these it filtered every row of the snapshot (13 ms).
        indexes = [models.Index(fields=["snapshot", "kind"]), models.Index(fields=["key", "snapshot"]),
                   models.Index(fields=["snapshot", "district_id"], name="reports_row_snap_district"),
                   models.Index(fields=["snapshot", "department_id"], name="reports_row_snap_department"),
                   models.Index(fields=["snapshot", "office_id"], name="reports_row_snap_office")]

    @property
    def name(self) -> str:
        if (get_language() or "hi").startswith("en"):
            return self.name_en
        return self.name_hi or self.name_en


class Review(models.Model):
    """A district or division officer's review of one fortnight: remarks and action taken."""

    period_start = models.DateField()
    period_end = models.DateField()
    key = models.CharField(max_length=40)  # "district:3" or "division:2"
    district = models.ForeignKey("directory.District", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    division = models.ForeignKey("directory.Division", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    remarks = models.TextField(_("review remarks"), max_length=2000)
    action_taken = models.TextField(_("action taken"), max_length=2000)
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-period_start", "key"]
        constraints = [models.UniqueConstraint(fields=["period_start", "key"], name="reports_one_review_per_scope")]

    @property
    def audit_label(self) -> str:
        return f"review {self.key} {self.period_start:%d.%m.%Y}"


class Reminder(models.Model):
    """A reminder or digest the portal sent (or is about to send): one per recipient, unit
    and day (reminders) or week (digests). `key` makes each one happen once."""

    class Kind(models.TextChoices):
        PENDING = "pending", _("Reminder: applications pending verification")
        DIGEST = "digest", _("Weekly digest of laggard offices")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=80, unique=True)
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("directory.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("directory.District", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    due_on = models.DateField()  # the day (reminder) or the Monday (digest) it belongs to
    pending = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    deferred_until = models.DateTimeField(null=True, blank=True)  # made in quiet hours: sent after them
    sms = models.ForeignKey("notify.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    email = models.ForeignKey("notify.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["district", "-created_at"])]

    @property
    def audit_label(self) -> str:
        return self.key
