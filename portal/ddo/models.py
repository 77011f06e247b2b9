"""DDO/TO registration applications and hand-overs of charge."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.checkdigit import verhoeff_digit
from portal.directory.models import Office


class Kind(models.TextChoices):
    DDO = "ddo", _("Drawing & Disbursing Officer (DDO)")
    TO = "to", _("Treasury Officer (TO)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft (not submitted)")
    SUBMITTED = "submitted", _("Submitted: form to be printed")
    FORM_PRINTED = "form_printed", _("Form printed: signed scan awaited")
    SCAN_RECEIVED = "scan_received", _("Signed form received: with the state cell")
    RETURNED = "returned", _("Returned for correction")
    RESUBMITTED = "resubmitted", _("Corrected and resubmitted: with the state cell")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# The only moves an application can make; services refuse anything else.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.FORM_PRINTED, Status.SCAN_RECEIVED, Status.RETURNED, Status.REJECTED},
    Status.FORM_PRINTED: {Status.SCAN_RECEIVED, Status.RETURNED, Status.REJECTED},
    Status.SCAN_RECEIVED: {Status.APPROVED, Status.RETURNED, Status.REJECTED},
    Status.RETURNED: {Status.RESUBMITTED, Status.REJECTED},
    Status.RESUBMITTED: {Status.APPROVED, Status.RETURNED, Status.REJECTED},
    Status.APPROVED: set(),
    Status.REJECTED: set(),
}
# A submitted application holds its DDO code (or treasury, for a TO) until it is rejected.
HOLDS_CODE = [s for s in Status if s not in (Status.DRAFT, Status.REJECTED)]
IN_STATE_QUEUE = [Status.SUBMITTED, Status.FORM_PRINTED, Status.SCAN_RECEIVED, Status.RESUBMITTED]
EDITABLE = [Status.DRAFT, Status.RETURNED]


class MobileKind(models.TextChoices):
    CUG = "cug", _("CUG (official) mobile")
    PERSONAL = "personal", _("Personal mobile (only if there is no CUG number)")


class Application(models.Model):
    number = models.CharField(_("application number"), max_length=16, unique=True, null=True, blank=True)
    kind = models.CharField(_("registering as"), max_length=4, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    officer_name_en = models.CharField(_("officer's name in English"), max_length=150)
    officer_name_hi = models.CharField(_("officer's name in Hindi"), max_length=150)
    designation = models.CharField(_("designation"), max_length=150)
    department = models.ForeignKey("directory.Department", verbose_name=_("department"), on_delete=models.PROTECT)
    district = models.ForeignKey("directory.District", verbose_name=_("district"), on_delete=models.PROTECT)
    treasury = models.ForeignKey("directory.Treasury", verbose_name=_("treasury"), on_delete=models.PROTECT)
    ddo_code = models.CharField(_("DDO code"), max_length=10, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=10)
    mobile_kind = models.CharField(_("type of mobile number"), max_length=10, choices=MobileKind.choices)
    no_cug_declared = models.BooleanField(default=False)
    email = models.EmailField(_("email"))
    controlling_officer_name = models.CharField(_("controlling officer's name"), max_length=150)
    controlling_officer_designation = models.CharField(_("controlling officer's designation"), max_length=150)
    language = models.CharField(max_length=2, default="hi")
    submit_token = models.UUIDField(unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    scan = models.FileField(upload_to="ddo/scans/", blank=True)
    scan_content_type = models.CharField(max_length=40, blank=True)
    scan_uploaded_at = models.DateTimeField(null=True, blank=True)
    scan_source = models.CharField(max_length=10, blank=True)  # "upload" or "email"
    hardcopy_received_on = models.DateField(null=True, blank=True)
    hardcopy_reference = models.CharField(max_length=60, blank=True)
    officer = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["treasury", "ddo_code"],
                condition=Q(kind="ddo", status__in=HOLDS_CODE),
                name="ddo_one_live_application_per_code",
            ),
            models.UniqueConstraint(
                fields=["treasury"],
                condition=Q(kind="to", status__in=HOLDS_CODE),
                name="ddo_one_live_to_application_per_treasury",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            # The state cell's queue: waiting applications, oldest first (migration 0002).
            models.Index(fields=["submitted_at", "id"], condition=Q(status__in=IN_STATE_QUEUE), name="ddo_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def audit_label(self) -> str:
        return str(self)

    @staticmethod
    def number_for(pk: int, year: int) -> str:
        digits = f"{year % 100:02d}{pk:06d}"
        return f"DR{digits}{verhoeff_digit(digits)}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def can_upload_scan(self) -> bool:
        return self.status in (Status.SUBMITTED, Status.FORM_PRINTED, Status.SCAN_RECEIVED, Status.RETURNED)


class ApplicationOffice(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offices")
    name_en = models.CharField(_("office name in English"), max_length=200)
    name_hi = models.CharField(_("office name in Hindi"), max_length=200)
    address = models.TextField(_("address"))
    district = models.ForeignKey("directory.District", verbose_name=_("district"), on_delete=models.PROTECT)
    department = models.ForeignKey("directory.Department", verbose_name=_("department"), on_delete=models.PROTECT)
    office_type = models.CharField(_("office type"), max_length=20, choices=Office.OfficeType.choices)
    headcount = models.PositiveIntegerField(_("approximate number of employees or pensioners"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]


class Handover(models.Model):
    """Charge of one or more offices passing to another officer; the state cell approves."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting state cell approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    from_user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    offices = models.ManyToManyField(Office, related_name="+")
    new_name_en = models.CharField(_("incoming officer's name in English"), max_length=150)
    new_name_hi = models.CharField(_("incoming officer's name in Hindi"), max_length=150)
    new_designation = models.CharField(_("designation"), max_length=150)
    new_mobile = models.CharField(_("mobile number"), max_length=10)
    new_mobile_kind = models.CharField(_("type of mobile number"), max_length=10, choices=MobileKind.choices)
    new_email = models.EmailField(_("email"))
    effective_date = models.DateField(_("charge taken over on"))
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    new_user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-requested_at"]

    @property
    def audit_label(self) -> str:
        return f"handover {self.pk}"
