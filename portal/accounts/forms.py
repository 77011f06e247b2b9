from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.directory.models import Department, District, Division
from portal.fields import (
    DevanagariField,
    EnglishNameField,
    FastSelect,
    MobileField,
    OtpField,
    PortalForm,
)
from portal.i18n import later

from .models import Role


class LoginForm(PortalForm):
    username = forms.CharField(
        label=_("User ID"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class UserIdForm(PortalForm):
    username = forms.CharField(
        label=_("User ID"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )


class OtpForm(PortalForm):
    otp = OtpField()


class NewPasswordMixin:
    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords do not match."))
        elif first:
            try:
                validate_password(first, self.user)
            except ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


def _new_password_fields():
    return (
        forms.CharField(
            label=_("New password"), strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=_("At least 10 characters; not only digits; not a common password; not like your user ID or name."),
        ),
        forms.CharField(
            label=_("New password again"), strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


class PasswordChangeForm(NewPasswordMixin, PortalForm):
    old_password = forms.CharField(
        label=_("Current password (the one you logged in with)"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1, new_password2 = _new_password_fields()

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("The current password is not correct."), code="password_incorrect")
        return value

    def clean(self):
        data = super().clean()
        if data.get("old_password") and data.get("old_password") == data.get("new_password1"):
            self.add_error("new_password1", _("Choose a password different from the current one."))
        return data


class ResetCompleteForm(NewPasswordMixin, PortalForm):
    otp = OtpField()
    new_password1, new_password2 = _new_password_fields()

    def __init__(self, user=None, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ContactChangeForm(PortalForm):
    KIND_CHOICES = [("mobile", _("Mobile number")), ("email", _("Email address"))]
    kind = forms.ChoiceField(label=_("What to change"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    new_mobile = MobileField(label=_("New mobile number"), required=False)
    new_email = forms.EmailField(label=_("New email address"), required=False)
    old_unavailable = forms.BooleanField(
        label=_("I no longer have my current mobile number (an OTP will go only to the new number)"), required=False
    )
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "mobile" and not data.get("new_mobile") and "new_mobile" not in self.errors:
            self.add_error("new_mobile", _("Enter the new mobile number."))
        if kind == "email" and not data.get("new_email") and "new_email" not in self.errors:
            self.add_error("new_email", _("Enter the new email address."))
        data["new_value"] = (data.get("new_mobile") if kind == "mobile" else (data.get("new_email") or "").lower())
        return data


class ContactConfirmForm(PortalForm):
    new_otp = OtpField(label=_("OTP sent to the new mobile number or email"))
    old_otp = OtpField(label=_("OTP sent to your current mobile number"), required=False)

    def __init__(self, *args, need_old: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_otp"].required = need_old
        if not need_old:
            del self.fields["old_otp"]


class OfficerAccountForm(PortalForm):
    """The state cell creates accounts for monitoring officers, helpdesk and state-cell staff,
    and for the card-checking desks of empanelled hospitals."""

    ROLES = [Role.STATE, Role.HELPDESK, Role.DISTRICT, Role.DIVISION, Role.DEPARTMENT, Role.HOSPITAL]
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in ROLES])
    name_en = EnglishNameField(label=_("Name in English"))
    name_hi = DevanagariField(label=_("Name in Hindi"))
    designation = forms.CharField(label=_("Designation"), max_length=150)
    mobile = MobileField(label=_("Mobile number"))
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.ChoiceField(label=_("Language for SMS"), choices=[("hi", "हिन्दी"), ("en", "English")])
    district = forms.ModelChoiceField(District.objects.all(), label=_("District"), required=False, widget=FastSelect)
    division = forms.ModelChoiceField(Division.objects.all(), label=_("Division"), required=False, widget=FastSelect)
    department = forms.ModelChoiceField(
        Department.objects.filter(active=True), label=_("Department"), required=False, widget=FastSelect
    )

    def clean(self):
        data = super().clean()
        role = data.get("role")
        needs = {Role.DISTRICT: "district", Role.DIVISION: "division", Role.DEPARTMENT: "department"}.get(role)
        if needs and not data.get(needs):
            label = self.fields[needs].label
            self.add_error(needs, later(lambda: _("Choose the %(scope)s this officer looks after.") % {"scope": label}))
        unit = {}
        if role == Role.DISTRICT:
            unit = {"district": data.get("district")}
        elif role == Role.DIVISION:
            unit = {"division": data.get("division")}
        elif role == Role.DEPARTMENT:
            unit = {"department": data.get("department")}
            if data.get("district"):  # a district-level departmental officer
                unit["district"] = data["district"]
        data["units"] = [unit] if unit else []
        return data


class ReasonForm(PortalForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

