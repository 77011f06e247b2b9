"""Families: the employee or pensioner, their dependents, and what happens to them."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.checkdigit import verhoeff_digit


class Kind(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    PENSIONER = "pensioner", _("Pensioner")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft (not submitted)")
    SUBMITTED = "submitted", _("Submitted: with the DDO/TO for verification")
    RETURNED = "returned", _("Returned for correction")
    RESUBMITTED = "resubmitted", _("Corrected and resubmitted: with the DDO/TO")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.VERIFIED, Status.RETURNED, Status.REJECTED},
    Status.RETURNED: {Status.RESUBMITTED, Status.REJECTED},
    Status.RESUBMITTED: {Status.VERIFIED, Status.RETURNED, Status.REJECTED},
    Status.VERIFIED: set(),
    Status.REJECTED: set(),
}
PENDING = [Status.SUBMITTED, Status.RESUBMITTED]
EDITABLE = [Status.DRAFT, Status.RETURNED]


class Relation(models.TextChoices):
    SELF = "self", _("Self (employee / pensioner)")
    SPOUSE = "spouse", _("Husband / wife")
    SON = "son", _("Son")
    DAUGHTER = "daughter", _("Daughter")
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    FATHER_IN_LAW = "father_in_law", _("Father-in-law")
    MOTHER_IN_LAW = "mother_in_law", _("Mother-in-law")
    BROTHER = "brother", _("Brother")
    SISTER = "sister", _("Sister")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    TRANSGENDER = "transgender", _("Transgender")


class Marital(models.TextChoices):
    UNMARRIED = "unmarried", _("Unmarried")
    MARRIED = "married", _("Married")
    WIDOWED = "widowed", _("Widowed")
    DIVORCED = "divorced", _("Divorced")
    SEPARATED = "separated", _("Judicially separated")


class Ward(models.TextChoices):
    GENERAL = "general", _("General ward")
    SEMI_PRIVATE = "semi_private", _("Semi-private ward")
    PRIVATE = "private", _("Private ward")


class PayLevel(models.Model):
    """7th pay commission levels and the hospital ward each is entitled to (editable)."""

    code = models.CharField(_("pay level"), max_length=4, unique=True)
    order = models.PositiveSmallIntegerField()
    entry_pay = models.PositiveIntegerField(null=True, blank=True)
    ward = models.CharField(_("ward entitlement"), max_length=12, choices=Ward.choices)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{_('Level')} {self.code}"


class EligibilityRule(models.Model):
    """Who may be a dependent. One row per relation, kept in the database so the state
    can follow a new government order without a code change; every refusal names its rule."""

    code = models.CharField(max_length=12, unique=True)
    relation = models.CharField(max_length=16, choices=Relation.choices, unique=True)
    name_en = models.CharField(max_length=200)
    name_hi = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="years; empty: any age")
    disability_lifts_age_limit = models.BooleanField(default=False)
    allowed_marital = models.CharField(max_length=100, blank=True, help_text="comma-separated; empty: any")
    requires_dependency = models.BooleanField(default=False)
    monthly_income_limit = models.PositiveIntegerField(null=True, blank=True, help_text="rupees a month; empty: none")
    max_per_family = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "hi").startswith("en") else self.name_hi

    @property
    def audit_label(self) -> str:
        return self.code

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Photo(models.Model):
    """A passport-style photo, normalised by the portal; served only by checked views."""

    file = models.FileField(upload_to="enrolment/photos/")
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()


class Family(models.Model):
    number = models.CharField(_("application number"), max_length=16, unique=True, null=True, blank=True)
    kind = models.CharField(_("employee or pensioner"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    office = models.ForeignKey("directory.Office", verbose_name=_("office"), on_delete=models.PROTECT,
                               related_name="families")
    language = models.CharField(max_length=2, default="hi")
    mobile = models.CharField(_("mobile number"), max_length=10)
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"))
    employee_id = models.CharField(_("employee ID"), max_length=30, blank=True)
    designation = models.CharField(_("designation"), max_length=150, blank=True)
    pay_level = models.ForeignKey(PayLevel, verbose_name=_("pay level"), on_delete=models.PROTECT)
    date_of_joining = models.DateField(_("date of joining service"), null=True, blank=True)
    ppo_number = models.CharField(_("PPO number"), max_length=30, blank=True)
    retirement_date = models.DateField(_("date of retirement"), null=True, blank=True)
    ward = models.CharField(_("ward entitlement"), max_length=12, choices=Ward.choices)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    consent = models.CharField(max_length=16, blank=True)  # "self", "employee_otp" or "signed_form"
    consent_file = models.FileField(upload_to="enrolment/consent/", blank=True)
    submit_token = models.UUIDField(unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    form_received_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="family")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["office", "status", "submitted_at"]),
            # The DDO/TO's waiting queue in its order: a page of 50 is an index range scan,
            # and the count an index-only scan, however many families the office has verified.
            models.Index(fields=["office", "submitted_at", "id"], condition=Q(status__in=["submitted", "resubmitted"]),
                         name="enrolment_family_waiting"),
            models.Index(fields=["mobile"]),
            # The cards app's sweep looks only at verified families changed lately (cards.services.
            # families_needing_cards): a range of this index, not every verified family in the state.
            models.Index(fields=["updated_at"], condition=Q(status="verified"), name="enrolment_family_changed"),
            # The queue's search matches these case-insensitively (selectors._search).
            models.Index(Upper("employee_id"), name="enrolment_family_empid_upper"),
            models.Index(Upper("ppo_number"), name="enrolment_family_ppo_upper"),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def audit_label(self) -> str:
        return str(self)

    @staticmethod
    def number_for(pk: int, year: int) -> str:
        digits = f"{year % 100:02d}{pk:07d}"
        return f"EN{digits}{verhoeff_digit(digits)}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def primary(self):
        return next((m for m in self.members.all() if m.relation == Relation.SELF and m.active), None)


class Member(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="members")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    name_en = models.CharField(_("name in English (as in Aadhaar)"), max_length=150)
    name_hi = models.CharField(_("name in Hindi"), max_length=150)
    guardian_name = models.CharField(_("father's / husband's name"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices)
    marital_status = models.CharField(_("marital status"), max_length=10, choices=Marital.choices, blank=True)
    disabled = models.BooleanField(_("person with disability"), default=False)
    dependent = models.BooleanField(_("wholly dependent on the employee / pensioner"), default=False)
    monthly_income = models.PositiveIntegerField(_("own monthly income (₹)"), default=0)
    aadhaar = models.ForeignKey("vault.AadhaarRecord", on_delete=models.PROTECT, related_name="members")
    aadhaar_last4 = models.CharField(max_length=4)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # True while this member is the primary beneficiary of a live (submitted, not rejected)
    # family: the database then refuses the same Aadhaar as a second primary.
    holds_primary = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    removed_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["aadhaar"], condition=Q(holds_primary=True),
                                    name="enrolment_one_live_primary_per_aadhaar"),
        ]
        indexes = [
            # The primary beneficiary of a family, with what the queue shows and searches: its
            # name subqueries and an office's name search read only this index (PostgreSQL keeps
            # the included columns in it; elsewhere it is an index on family_id).
            models.Index(fields=["family"], include=["active", "name_en", "name_hi"], condition=Q(relation="self"),
                         name="enrolment_member_primary_names"),
            # Members no longer in their family (a few in lakhs): the cards app's sweep finds
            # their cards to suspend here instead of reading every member.
            models.Index(fields=["family"], condition=Q(active=False), name="enrolment_member_removed"),
        ]

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "hi").startswith("en") else (self.name_hi or self.name_en)

    @property
    def aadhaar_masked(self) -> str:
        return f"XXXX XXXX {self.aadhaar_last4}"

    @property
    def audit_label(self) -> str:
        return f"{self.family} {self.relation}"


class DuplicateFlag(models.Model):
    """The same Aadhaar in two families (a child of two employee parents, say): the DDOs and
    the state cell decide which family keeps the person."""

    class State(models.TextChoices):
        OPEN = "open", _("To be resolved")
        RESOLVED = "resolved", _("Resolved")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="duplicate_flags")
    other = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "other"], name="enrolment_flag_once")]


class ChangeRequest(models.Model):
    """After verification, changes go back to the DDO/TO."""

    class Type(models.TextChoices):
        ADD = "add", _("Add a family member")
        REMOVE = "remove", _("Remove a family member")
        CORRECT = "correct", _("Correct a name or date of birth")
        PHOTO = "photo", _("New photo")

    class State(models.TextChoices):
        PENDING = "pending", _("With the DDO/TO")
        APPROVED = "approved", _("Verified")
        REJECTED = "rejected", _("Rejected")

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="changes")
    type = models.CharField(max_length=8, choices=Type.choices)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    @property
    def audit_label(self) -> str:
        return f"change {self.pk} of {self.family}"


class Transfer(models.Model):
    """A family moving to another office: a transfer between DDOs, or retirement to a TO."""

    class Type(models.TextChoices):
        TRANSFER = "transfer", _("Transfer to another office")
        RETIREMENT = "retirement", _("Retirement: to the Treasury Officer")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting the receiving office")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not accepted")

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="transfers")
    type = models.CharField(max_length=12, choices=Type.choices)
    from_office = models.ForeignKey("directory.Office", on_delete=models.PROTECT, related_name="+")
    to_office = models.ForeignKey("directory.Office", on_delete=models.PROTECT, related_name="+")
    ppo_number = models.CharField(max_length=30, blank=True)
    retirement_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    @property
    def audit_label(self) -> str:
        return f"{self.type} {self.pk} of {self.family}"
