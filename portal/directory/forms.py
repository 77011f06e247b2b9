from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.fields import DevanagariField, FastSelect, PortalForm, PortalModelForm
from portal.i18n import later

from .models import Department, District, Office, Treasury


class DepartmentForm(PortalModelForm):
    name_hi = DevanagariField(label=_("name in Hindi"), max_length=200)

    class Meta:
        model = Department
        fields = ["code", "name_en", "name_hi", "aliases", "active"]


class TreasuryForm(PortalModelForm):
    name_hi = DevanagariField(label=_("name in Hindi"), max_length=200)
    district = forms.ModelChoiceField(
        District.objects.all(), to_field_name="lgd_code", required=False, label=_("district"), widget=FastSelect
    )

    class Meta:
        model = Treasury
        fields = ["code", "name_en", "name_hi", "kind", "district", "active"]


class OfficeForm(PortalModelForm):
    name_hi = DevanagariField(label=_("name in Hindi"), max_length=200)
    code = forms.CharField(
        label=_("office code"), max_length=16, required=False, help_text=_("Leave empty to have a code assigned.")
    )
    district = forms.ModelChoiceField(
        District.objects.all(), to_field_name="lgd_code", label=_("district"), widget=FastSelect
    )
    department = forms.ModelChoiceField(
        Department.objects.filter(active=True), to_field_name="code", label=_("department"), widget=FastSelect
    )
    treasury = forms.ModelChoiceField(
        Treasury.objects.filter(active=True), to_field_name="code", label=_("treasury"), widget=FastSelect
    )
    ddo_code = forms.RegexField(
        regex=r"^\d{4,10}$",
        required=False,
        label=_("DDO code"),
        error_messages={"invalid": _("A DDO code has 4 to 10 digits.")},
    )

    class Meta:
        model = Office
        fields = [
            "code", "name_en", "name_hi", "kind", "office_type", "address",
            "district", "department", "treasury", "ddo_code", "headcount", "active",
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Office.Kind.DDO and not data.get("ddo_code"):
            self.add_error("ddo_code", _("A DDO office needs its DDO code."))
        return data


class ImportForm(PortalForm):
    file = forms.FileField(label=_("CSV or XLSX file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            size, limit = upload.size / 1048576, settings.IMPORT_MAX_BYTES / 1048576
            raise forms.ValidationError(
                later(lambda: _("The file is %(size).1f MB; the limit is %(limit).0f MB.") % {"size": size, "limit": limit})
            )
        return upload
