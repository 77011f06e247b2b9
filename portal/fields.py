"""Form fields and the base form every portal form uses.

Errors are linked to their input (aria-describedby, aria-invalid) so screen readers
announce them, and every message is translatable.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_LATIN = re.compile(r"[A-Za-z]")
_ENGLISH_NAME = re.compile(r"^[A-Za-z][A-Za-z .'\-]*$")


class PortalFormMixin:
    """Marks invalid inputs and points them at their error text."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                described = [f"{self[name].auto_id}_error"]
                if self.fields[name].help_text:
                    described.append(f"{self[name].auto_id}_helptext")
                widget.attrs["aria-describedby"] = " ".join(described)


class PortalForm(PortalFormMixin, forms.Form):
    pass


class PortalModelForm(PortalFormMixin, forms.ModelForm):
    pass


class FastSelect(forms.Select):
    """A <select> built in Python. Django renders one template per option, which for the
    75 districts, 77 treasuries and 100 departments on the registration form and the
    state-cell queue cost more than the rest of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = set(self.format_value(value))
        options = [
            format_html('<option value="{}"{}>{}</option>', key, mark_safe(" selected") if key in selected else "", label)
            for key, label in ((("" if v is None else str(v)), label) for v, label in self.choices)
        ]
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options)))


class DevanagariField(forms.CharField):
    default_error_messages = {"script": _("Type this in Hindi (Devanagari script).")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("lang", "hi")

    def clean(self, value):
        value = super().clean(value)
        value = " ".join(value.split())
        if value and (not _DEVANAGARI.search(value) or _LATIN.search(value)):
            raise ValidationError(self.error_messages["script"], code="script")
        return value


class EnglishNameField(forms.CharField):
    default_error_messages = {
        "latin": _("Type this in English letters (A–Z); dots, apostrophes and hyphens are allowed."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        kwargs.setdefault("min_length", 2)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("lang", "en")

    def clean(self, value):
        value = " ".join(super().clean(value).split())
        if value and not _ENGLISH_NAME.match(value):
            raise ValidationError(self.error_messages["latin"], code="latin")
        return value


def normalise_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    return digits


class MobileField(forms.CharField):
    default_error_messages = {
        "mobile": _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "tel-national"})

    def clean(self, value):
        value = normalise_mobile(super().clean(value))
        if value and not re.fullmatch(r"[6-9]\d{9}", value):
            raise ValidationError(self.error_messages["mobile"], code="mobile")
        return value


class OtpField(forms.CharField):
    default_error_messages = {"otp": _("The OTP has 6 digits.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("OTP"))
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"\d{6}", "maxlength": "6"}
        )

    def clean(self, value):
        value = super().clean((value or "").strip())
        if value and not re.fullmatch(r"\d{6}", value):
            raise ValidationError(self.error_messages["otp"], code="otp")
        return value


def bound_with_prefix(form_class, request, prefix: str):
    """A form posted from a page that shows several copies of it (one reason box per
    action or per row), told apart by prefix. A client posting the plain field names
    (no prefix) is understood too."""
    names = [f"{prefix}-{name}" for name in form_class.base_fields]
    if not any(name in request.POST for name in names) and any(n in request.POST for n in form_class.base_fields):
        return form_class(request.POST)
    return form_class(request.POST, prefix=prefix)
