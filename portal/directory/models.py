"""Master data: where offices are and whom they belong to."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Bilingual(models.Model):
    name_en = models.CharField(_("name in English"), max_length=200)
    name_hi = models.CharField(_("name in Hindi"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "hi").startswith("en"):
            return self.name_en
        return self.name_hi or self.name_en

    def __str__(self) -> str:
        return self.name


class Division(Bilingual):
    code = models.CharField(max_length=8, unique=True)
    hq_en = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name_en"]


class District(Bilingual):
    lgd_code = models.PositiveIntegerField(_("LGD code"), unique=True)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="districts")
    census2011_code = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["name_en"]


class Department(Bilingual):
    code = models.CharField(_("code"), max_length=16, unique=True)
    aliases = models.TextField(_("other names"), blank=True, help_text=_("Separate names with |"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_en"]


class Treasury(Bilingual):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("District treasury")
        JAWAHAR_BHAWAN = "jawahar_bhawan", _("Jawahar Bhawan Treasury, Lucknow")
        PAO = "pao", _("Pay and Accounts Office, New Delhi")
        OTHER = "other", _("Other treasury")

    code = models.CharField(_("code"), max_length=16, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, related_name="treasuries"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_en"]


class Office(Bilingual):
    """A DDO's office (pays employees) or a treasury office (pays pensioners)."""

    class Kind(models.TextChoices):
        DDO = "ddo", _("DDO office (employees)")
        TREASURY = "treasury", _("Treasury office (pensioners)")

    class OfficeType(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat")
        DIRECTORATE = "directorate", _("Directorate / head office")
        DIVISIONAL = "divisional", _("Divisional office")
        DISTRICT = "district", _("District office")
        SUBDIVISION = "subdivision", _("Tehsil / block / sub-divisional office")
        INSTITUTION = "institution", _("School, college or institute")
        HOSPITAL = "hospital", _("Hospital or health centre")
        POLICE = "police", _("Police unit")
        TREASURY = "treasury", _("Treasury")
        OTHER = "other", _("Other")

    code = models.CharField(_("office code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DDO)
    office_type = models.CharField(_("office type"), max_length=20, choices=OfficeType.choices)
    address = models.TextField(_("address"))
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="offices")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="offices"
    )
    treasury = models.ForeignKey(Treasury, verbose_name=_("treasury"), on_delete=models.PROTECT, related_name="offices")
    ddo_code = models.CharField(_("DDO code"), max_length=10, blank=True, db_index=True)
    headcount = models.PositiveIntegerField(_("approximate number of employees or pensioners"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_en"]
        indexes = [models.Index(fields=["treasury", "ddo_code"])]

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.name_en}"
