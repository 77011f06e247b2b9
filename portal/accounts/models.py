"""Users, their roles, and the scopes (grants) that decide what each one may see."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.identifiers import as_stored


class Role(models.TextChoices):
    STATE = "state", _("State cell")
    HELPDESK = "helpdesk", _("Helpdesk")
    DDO = "ddo", _("Drawing & Disbursing Officer (DDO)")
    TO = "to", _("Treasury Officer (TO)")
    OPERATOR = "operator", _("Office computer operator")
    DISTRICT = "district", _("District officer")
    DIVISION = "division", _("Division officer")
    DEPARTMENT = "department", _("Department officer")
    BENEFICIARY = "beneficiary", _("Employee / pensioner")
    # An empanelled hospital's desk: checks State Health Cards (and, later, pre-authorisations).
    HOSPITAL = "hospital", _("Empanelled hospital")


# User IDs start with a prefix that tells the helpdesk what kind of account it is.
USERNAME_PREFIX = {
    Role.STATE: "SC",
    Role.HELPDESK: "HD",
    Role.DDO: "DDO",
    Role.TO: "TO",
    Role.OPERATOR: "OP",
    Role.DISTRICT: "DM",
    Role.DIVISION: "DV",
    Role.DEPARTMENT: "DP",
    Role.BENEFICIARY: "BN",
    Role.HOSPITAL: "HP",
}
OFFICER_ROLES = {r for r in Role if r != Role.BENEFICIARY}


stored_username = as_stored  # portal/identifiers.py


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(username=stored_username(username))


class User(AbstractBaseUser):
    username = models.CharField(_("user ID"), max_length=30, unique=True)
    name_en = models.CharField(_("name in English"), max_length=150)
    name_hi = models.CharField(_("name in Hindi"), max_length=150, blank=True)
    designation = models.CharField(_("designation"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    mobile = models.CharField(_("mobile"), max_length=10)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("preferred language"), max_length=2, default="hi")
    is_active = models.BooleanField(_("active"), default=True)
    must_change_password = models.BooleanField(default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField()

    objects = UserManager()
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["name_en", "mobile", "role"]

    class Meta:
        indexes = [models.Index(fields=["mobile"]), models.Index(fields=["role"])]

    @property
    def name(self) -> str:
        if (get_language() or "hi").startswith("en"):
            return self.name_en
        return self.name_hi or self.name_en

    @property
    def audit_label(self) -> str:
        return self.username

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    def __str__(self) -> str:
        return f"{self.username} ({self.name_en})"


class Grant(models.Model):
    """One unit of a user's scope. Set fields combine (department + district = that
    department in that district); a user's scope is the union of their live grants.
    State-cell and helpdesk users need no unit: their role covers the state."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    office = models.ForeignKey("directory.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("directory.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey("directory.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "directory.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"]), models.Index(fields=["office", "revoked_at"])]

    def unit(self) -> dict[str, int]:
        return {
            name: getattr(self, f"{name}_id")
            for name in ("office", "district", "division", "department")
            if getattr(self, f"{name}_id")
        }
