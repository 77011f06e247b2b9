from django import forms
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.directory.models import Treasury
from portal.directory.selectors import use_cached_choices
from portal.fields import (
    DevanagariField,
    EnglishNameField,
    FastSelect,
    MobileField,
    OtpField,
    PortalForm,
)
from portal.vault.forms import AadhaarFormMixin
from portal.waiting import AGE_BUCKETS

from .eligibility import Refusal, age_on, check_dates
from .models import Gender, Kind, Marital, PayLevel, Relation

DATE = forms.DateInput(attrs={"type": "date"})


class StartForm(PortalForm):
    """Whose employee or pensioner: the DDO code (employees) or the treasury (pensioners)."""

    kind = forms.ChoiceField(label=_("I am"), choices=Kind.choices, widget=forms.RadioSelect)
    treasury = forms.ModelChoiceField(
        Treasury.objects.filter(active=True), label=_("Treasury"), widget=FastSelect,
        help_text=_("Employees: the treasury of your DDO. Pensioners: the treasury that pays your pension."),
    )
    ddo_code = forms.RegexField(
        regex=r"^\d{4,10}$", required=False, label=_("DDO code of your office"),
        help_text=_("Ask your office or see your pay slip. Pensioners leave this empty."),
        error_messages={"invalid": _("A DDO code has 4 to 10 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_cached_choices(self, {"treasury": Treasury})

    def clean(self):
        data = super().clean()
        if data.get("kind") == Kind.EMPLOYEE and not data.get("ddo_code") and "ddo_code" not in self.errors:
            self.add_error("ddo_code", _("Enter the DDO code of your office."))
        return data


class PersonFields(forms.Form):
    name_en = EnglishNameField(label=_("Name in English (as in Aadhaar)"))
    name_hi = DevanagariField(label=_("Name in Hindi"))
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)


class PrimaryForm(AadhaarFormMixin, PersonFields, PortalForm):
    guardian_name = forms.CharField(label=_("Father's / husband's name"), max_length=150)
    mobile = MobileField(label=_("Mobile number"),
                         help_text=_("OTPs, your user ID and news of your registration come to this number."))
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    address = forms.CharField(label=_("Address"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    employee_id = forms.CharField(label=_("Employee ID"), max_length=30, required=False,
                                  help_text=_("As on the pay slip or in Manav Sampada."))
    designation = forms.CharField(label=_("Designation"), max_length=150, required=False)
    date_of_joining = forms.DateField(label=_("Date of joining service"), required=False, widget=DATE)
    ppo_number = forms.CharField(label=_("PPO number"), max_length=30, required=False)
    retirement_date = forms.DateField(label=_("Date of retirement"), required=False, widget=DATE)
    pay_level = forms.ModelChoiceField(PayLevel.objects.all(), label=_("Pay level (7th pay commission)"),
                                       help_text=_("Pensioners: the pay level at retirement. It decides the hospital ward."))
    submit_token = forms.UUIDField(required=False, widget=forms.HiddenInput)  # one draft per form, however often posted

    field_order = ["name_en", "name_hi", "guardian_name", "date_of_birth", "gender", "aadhaar", "mobile", "email",
                   "address", "employee_id", "designation", "date_of_joining", "ppo_number", "retirement_date",
                   "pay_level"]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        employee = kind == Kind.EMPLOYEE
        for name in ("employee_id", "designation", "date_of_joining"):
            if employee:
                self.fields[name].required = True
            else:
                del self.fields[name]
        for name in ("ppo_number", "retirement_date"):
            if employee:
                del self.fields[name]
            else:
                self.fields[name].required = True

    def clean(self):
        data = super().clean()
        born, joined, retired = data.get("date_of_birth"), data.get("date_of_joining"), data.get("retirement_date")
        if born:
            try:  # the same date checks as for every dependent: not in the future, 18 to 120 years
                check_dates(relation=Relation.SELF, date_of_birth=born)
            except Refusal as refusal:
                self.add_error(refusal.field, refusal.message)
        today = clock.today()
        if joined and joined > today:
            self.add_error("date_of_joining", _("The date of joining cannot be in the future."))
        if retired and retired > today:
            self.add_error("retirement_date", _("A pensioner's date of retirement cannot be in the future."))
        if born and joined and age_on(born, joined) < 18:
            self.add_error("date_of_joining", _("The date of joining must be at least 18 years after the date of birth."))
        if born and retired and retired <= born:
            self.add_error("retirement_date", _("The date of retirement must be after the date of birth."))
        return data


class DependentForm(AadhaarFormMixin, PersonFields, PortalForm):
    relation = forms.ChoiceField(label=_("Relation to the employee / pensioner"),
                                 choices=[("", "---------")] + [c for c in Relation.choices if c[0] != Relation.SELF])
    marital_status = forms.ChoiceField(label=_("Marital status"), choices=Marital.choices)
    disabled = forms.BooleanField(label=_("Person with disability (certified)"), required=False)
    dependent = forms.BooleanField(label=_("I declare that this person is wholly dependent on me"), required=False)
    monthly_income = forms.IntegerField(label=_("This person's own monthly income (₹)"), min_value=0, initial=0,
                                        max_value=10_000_000, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    field_order = ["relation", "name_en", "name_hi", "date_of_birth", "gender", "marital_status", "aadhaar",
                   "disabled", "dependent", "monthly_income"]


class AddMemberForm(DependentForm):
    """A member added after verification (a newborn, a spouse): the photo can come with the
    request, so the DDO/TO sees it and the card can carry it."""

    photo = forms.FileField(
        label=_("Photo (JPEG or PNG, optional)"), required=False,
        help_text=_("A newborn's photo can also be sent later, as a new photo."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class PhotoForm(PortalForm):
    photo = forms.FileField(
        label=_("Photo (JPEG or PNG)"),
        help_text=_("A recent passport-style photo, face clearly visible. The portal crops it and makes it small."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class NumberForm(PortalForm):
    number = forms.RegexField(
        regex=r"^\s*[Ee][Nn]\d{10,}\s*$", label=_("Application number"),
        help_text=_("As printed on your form or sent by SMS, e.g. EN260000127X"),
        error_messages={"invalid": _("An application number looks like EN2600001273.")},
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class OtpForm(PortalForm):
    otp = OtpField()


class ConsentForm(PortalForm):
    """The employee's consent to an operator's registration: their OTP, or their signed form."""

    otp = OtpField(label=_("OTP sent to the employee's mobile"), required=False)
    consent_file = forms.FileField(
        label=_("Or: the consent form signed by the employee (PDF, JPEG or PNG)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("otp") and not data.get("consent_file") and not self.errors:
            self.add_error("otp", _("Give the employee's OTP, or upload the consent form they signed."))
        return data



class QueueFilterForm(PortalForm):
    # FastSelect: the queue is the DDO/TO's most visited page; Django's per-option templates
    # cost more than the rest of its filter form.
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect, choices=[
        ("", _("Waiting for verification")), ("returned", _("Returned for correction")), ("verified", _("Verified")),
        ("rejected", _("Rejected")), ("all", _("All"))])
    age = forms.ChoiceField(label=_("Waiting for"), required=False, widget=FastSelect,
                            choices=[("", _("Any time"))] + AGE_BUCKETS)
    q = forms.CharField(label=_("Name, employee ID, PPO, mobile or application number"), required=False, max_length=60)


class ReasonForm(PortalForm):
    reason = forms.CharField(label=_("Reason (the applicant will see this)"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))


class TransferReasonForm(PortalForm):
    reason = forms.CharField(label=_("Reason (the sending office will see this)"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))


class FormReceivedForm(PortalForm):
    received_on = forms.DateField(label=_("Signed form received on"), widget=DATE)

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > clock.today():
            raise forms.ValidationError(_("The signed form cannot have been received on a day still to come."),
                                        code="future")
        return day


class RemoveMemberForm(PortalForm):
    member = forms.ModelChoiceField(queryset=None, label=_("Family member"))
    reason = forms.CharField(label=_("Why (for example: deceased on 12.03.2026, married, now earning)"), max_length=200)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class CorrectMemberForm(RemoveMemberForm):
    name_en = EnglishNameField(label=_("Correct name in English"), required=False)
    name_hi = DevanagariField(label=_("Correct name in Hindi"), required=False)
    date_of_birth = forms.DateField(label=_("Correct date of birth"), required=False, widget=DATE)
    reason = forms.CharField(label=_("What is wrong now"), max_length=200)

    def clean(self):
        data = super().clean()
        if not any(data.get(k) for k in ("name_en", "name_hi", "date_of_birth")) and not self.errors:
            self.add_error(None, _("Give at least one corrected value."))
        return data


class MemberPhotoForm(PhotoForm):
    member = forms.ModelChoiceField(queryset=None, label=_("Family member"))
    field_order = ["member", "photo"]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class TransferForm(PortalForm):
    treasury = forms.ModelChoiceField(Treasury.objects.filter(active=True), label=_("Treasury of the new office"),
                                      widget=FastSelect)
    ddo_code = forms.RegexField(regex=r"^\d{4,10}$", label=_("DDO code of the new office"),
                                error_messages={"invalid": _("A DDO code has 4 to 10 digits.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_cached_choices(self, {"treasury": Treasury})


class RetirementForm(PortalForm):
    treasury = forms.ModelChoiceField(Treasury.objects.filter(active=True), label=_("Treasury that pays the pension"),
                                      widget=FastSelect)
    ppo_number = forms.CharField(label=_("PPO number"), max_length=30)
    retirement_date = forms.DateField(label=_("Date of retirement"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_cached_choices(self, {"treasury": Treasury})
