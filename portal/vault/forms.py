"""The Aadhaar input: typed once, never written back into a page."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services


class NoEchoInput(forms.TextInput):
    """A text input that never puts the submitted value back into the HTML."""

    def format_value(self, value):
        return None


class AadhaarFormMixin:
    """Adds `aadhaar` (typed; validated: length, first digit, Verhoeff) and a hidden
    `aadhaar_token` that keeps a valid number, sealed, when the form comes back with
    another field's error. `cleaned_data["aadhaar_token"]` is what services store; for an
    existing member who does not retype it, `existing` (a vault record) is kept."""

    def __init__(self, *args, existing=None, aadhaar_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_aadhaar = existing
        self.aadhaar_required = aadhaar_required
        self.aadhaar_last4 = existing.last4 if existing else ""
        self.fields["aadhaar"] = forms.CharField(
            label=_("Aadhaar number"), required=False, max_length=16,
            widget=NoEchoInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
            help_text=_("12 digits, as printed on the Aadhaar card. It is stored encrypted and shown only as "
                        "XXXX XXXX and the last four digits."),
        )
        self.fields["aadhaar_token"] = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_aadhaar(self):
        typed = self.cleaned_data.get("aadhaar", "")
        return services.form_token(typed) if typed.strip() else ""

    def clean(self):
        data = super().clean()
        token = data.get("aadhaar") or data.get("aadhaar_token") or ""
        if "aadhaar" in self.errors:
            return data
        if token:
            try:
                self.aadhaar_last4 = services.token_last4(token)
            except ValidationError as exc:
                self.add_error("aadhaar", exc)
                return data
            data["aadhaar_token"] = token
            # Shown again with another error: keep the sealed number, not the digits.
            self.data = self.data.copy()
            self.data[self.add_prefix("aadhaar_token")] = token
        elif self.existing_aadhaar is None and self.aadhaar_required:
            self.add_error("aadhaar", _("Enter the Aadhaar number."))
        return data

    def aadhaar_value(self):
        """What to hand to a service: the sealed token of a newly typed number, or the
        existing vault record when the number was not retyped."""
        return self.cleaned_data.get("aadhaar_token") or self.existing_aadhaar
