from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.directory.models import Department, District, Office, Treasury
from portal.directory.selectors import use_cached_choices
from portal.fields import (
    DevanagariField,
    EnglishNameField,
    FastSelect,
    MobileField,
    OtpField,
    PortalForm,
    PortalModelForm,
)
from portal.waiting import AGE_BUCKETS

from .models import Application, ApplicationOffice, Kind, MobileKind, Status


class ApplicationForm(PortalForm):
    """Step 1: the officer. Hindi fields carry lang="hi" so phones offer a Hindi keyboard."""

    officer_name_en = EnglishNameField(label=_("Officer's name in English"))
    officer_name_hi = DevanagariField(label=_("Officer's name in Hindi"))
    kind = forms.ChoiceField(label=_("Registering as"), choices=Kind.choices, widget=forms.RadioSelect)
    department = forms.ModelChoiceField(
        Department.objects.filter(active=True), label=_("Department"), widget=FastSelect
    )
    district = forms.ModelChoiceField(District.objects.all(), label=_("District"), widget=FastSelect)
    treasury = forms.ModelChoiceField(
        Treasury.objects.filter(active=True), label=_("Treasury"), widget=FastSelect,
        help_text=_("The treasury that issued your DDO code; a TO chooses their own treasury."),
    )
    ddo_code = forms.RegexField(
        regex=r"^\d{4,10}$", required=False, label=_("DDO code"),
        help_text=_("As issued by the treasury (4 to 10 digits). Not needed for a Treasury Officer."),
        error_messages={"invalid": _("A DDO code has 4 to 10 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    mobile = MobileField(label=_("Mobile number"), help_text=_("The OTP and your log-in details will come to this number."))
    mobile_kind = forms.ChoiceField(label=_("This mobile number is"), choices=MobileKind.choices, widget=forms.RadioSelect)
    no_cug_declared = forms.BooleanField(
        required=False,
        label=_("I declare that no CUG (official) mobile number has been issued to this post."),
    )
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    designation = forms.CharField(label=_("Designation"), max_length=150)
    controlling_officer_name = forms.CharField(label=_("Controlling officer's name"), max_length=150)
    controlling_officer_designation = forms.CharField(label=_("Controlling officer's designation"), max_length=150)
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    field_order = [
        "kind", "officer_name_en", "officer_name_hi", "designation", "department", "district", "treasury",
        "ddo_code", "mobile", "mobile_kind", "no_cug_declared", "email",
        "controlling_officer_name", "controlling_officer_designation",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_cached_choices(self, {"department": Department, "district": District, "treasury": Treasury})

    @classmethod
    def initial_from(cls, application: Application) -> dict:
        return {name: getattr(application, name) for name in cls.field_order}

    def clean(self):
        data = super().clean()
        if data.get("kind") == Kind.DDO and not data.get("ddo_code") and "ddo_code" not in self.errors:
            self.add_error("ddo_code", _("Enter the DDO code issued by your treasury."))
        if data.get("mobile_kind") == MobileKind.PERSONAL and not data.get("no_cug_declared"):
            self.add_error(
                "no_cug_declared",
                _("A personal mobile number can be used only if no CUG number exists: tick the declaration or give the CUG number."),
            )
        if data.get("mobile_kind") == MobileKind.CUG:
            data["no_cug_declared"] = False
        district, treasury = data.get("district"), data.get("treasury")
        if (
            data.get("kind") == Kind.TO and district and treasury
            and treasury.kind == Treasury.Kind.DISTRICT and treasury.district_id != district.pk
        ):
            self.add_error("treasury", _("A Treasury Officer's treasury must be in the district chosen."))
        return data


class OfficeForm(PortalModelForm):
    name_en = forms.CharField(label=_("Office name in English"), max_length=200)
    name_hi = DevanagariField(label=_("Office name in Hindi"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    district = forms.ModelChoiceField(District.objects.all(), label=_("District"), widget=FastSelect)
    department = forms.ModelChoiceField(
        Department.objects.filter(active=True), label=_("Department"), widget=FastSelect
    )
    office_type = forms.ChoiceField(label=_("Office type"), choices=[("", "---------")] + list(Office.OfficeType.choices))
    headcount = forms.IntegerField(
        label=_("Approximate number of employees (DDO) or pensioners (TO)"), min_value=1, max_value=500000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = ApplicationOffice
        fields = ["name_en", "name_hi", "address", "district", "department", "office_type", "headcount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_cached_choices(self, {"department": Department, "district": District})


class NumberForm(PortalForm):
    number = forms.RegexField(
        regex=r"^\s*[Dd][Rr]\d{9,}\s*$", label=_("Application number"),
        help_text=_("As printed on your form, e.g. DR260000427"),
        error_messages={"invalid": _("An application number looks like DR260000427.")},
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class OtpForm(PortalForm):
    otp = OtpField()


class ScanForm(PortalForm):
    scan = forms.FileField(
        label=_("Signed and verified form (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan"].help_text = _("Up to %(mb).0f MB.") % {"mb": settings.SCAN_MAX_BYTES / 1048576}


class ReasonForm(PortalForm):
    reason = forms.CharField(label=_("Reason (the officer will see this)"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))


class HardcopyForm(PortalForm):
    received_on = forms.DateField(label=_("Hard copy received on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Postal reference (speed post / registry number)"), max_length=60)



class QueueFilterForm(PortalForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All waiting with the state cell"))] + [
                                   (s.value, s.label) for s in Status if s != Status.DRAFT] + [("all", _("All"))])
    district = forms.ModelChoiceField(District.objects.all(), label=_("District"), required=False, widget=FastSelect)
    department = forms.ModelChoiceField(Department.objects.all(), label=_("Department"), required=False, widget=FastSelect)
    age = forms.ChoiceField(label=_("Waiting for"), required=False, choices=[("", _("Any time"))] + AGE_BUCKETS)
    q = forms.CharField(label=_("Application number, DDO code, name or mobile"), required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_cached_choices(self, {"department": Department, "district": District})


class HandoverForm(PortalForm):
    offices = forms.ModelMultipleChoiceField(Office.objects.none(), label=_("Offices to hand over"),
                                             widget=forms.CheckboxSelectMultiple)
    new_name_en = EnglishNameField(label=_("Incoming officer's name in English"))
    new_name_hi = DevanagariField(label=_("Incoming officer's name in Hindi"))
    new_designation = forms.CharField(label=_("Designation"), max_length=150)
    new_mobile = MobileField(label=_("Incoming officer's mobile number"))
    new_mobile_kind = forms.ChoiceField(label=_("This mobile number is"), choices=MobileKind.choices, widget=forms.RadioSelect)
    new_email = forms.EmailField(label=_("Incoming officer's email"))
    effective_date = forms.DateField(label=_("Charge taken over on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offices"].queryset = offices if offices is not None else Office.objects.none()


class OperatorForm(PortalForm):
    office = forms.ModelChoiceField(Office.objects.none(), label=_("Office"))
    name_en = EnglishNameField(label=_("Operator's name in English"))
    name_hi = DevanagariField(label=_("Operator's name in Hindi"))
    mobile = MobileField(label=_("Operator's mobile number"))
    language = forms.ChoiceField(label=_("Language for SMS"), choices=[("hi", "हिन्दी"), ("en", "English")])

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices if offices is not None else Office.objects.none()
        if offices is not None and len(offices) == 1:
            self.fields["office"].initial = offices[0].pk
