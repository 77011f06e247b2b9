from django import forms
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.directory.models import Department, District, Office, Treasury
from portal.directory.selectors import use_cached_choices
from portal.fields import FastSelect, OtpField, PortalForm

from .batches import MAX_CARDS
from .models import Stage, State

DATE = forms.DateInput(attrs={"type": "date"})


class VerifyForm(PortalForm):
    q = forms.CharField(
        label=_("Card number, or the text of the card's QR code"), max_length=400,
        help_text=_("Type the 13-character number printed on the card (UP…), or scan the QR code with a scanner "
                    "into this box."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class CardFilterForm(PortalForm):
    q = forms.CharField(label=_("Card number, family number or name"), required=False, max_length=60)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any"))] + Stage.choices)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any"))] + State.choices)


SUSPEND_REASONS = [
    ("deceased", _("Death of the card holder")),
    ("dismissed", _("Dismissal or removal from service")),
    ("not_eligible", _("Dependent no longer eligible")),
    ("other", _("Other reason")),
]
REPLACE_REASONS = [("lost", _("Card lost")), ("damaged", _("Card damaged")), ("other", _("Other reason"))]


class CardActionForm(PortalForm):
    """A reason (chosen, with details) for suspending, reactivating or replacing a card."""

    kind = forms.ChoiceField(label=_("Reason"), choices=SUSPEND_REASONS)
    details = forms.CharField(label=_("Details (the beneficiary may see this)"), max_length=240,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices is None:
            del self.fields["kind"]
        else:
            self.fields["kind"].choices = choices

    def reason(self) -> str:
        details = self.cleaned_data["details"]
        if "kind" not in self.fields:
            return details
        label = dict(self.fields["kind"].choices)[self.cleaned_data["kind"]]
        return f"{label}: {details}"


class BatchFilterForm(PortalForm):
    district = forms.ModelChoiceField(District.objects.all(), label=_("District"), required=False, widget=FastSelect)
    treasury = forms.ModelChoiceField(Treasury.objects.all(), label=_("Treasury"), required=False, widget=FastSelect)
    department = forms.ModelChoiceField(Department.objects.all(), label=_("Department"), required=False,
                                        widget=FastSelect)
    office = forms.CharField(label=_("DDO code or office code"), required=False, max_length=16)
    verified_from = forms.DateField(label=_("Verified on or after"), required=False, widget=DATE)
    verified_to = forms.DateField(label=_("Verified on or before"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_cached_choices(self, {"district": District, "treasury": Treasury, "department": Department})

    def clean_office(self):
        code = (self.cleaned_data.get("office") or "").strip().upper()
        if not code:
            return None
        # Both codes are stored in capitals (OF0000123, DDO000123): exact matches on their indexes.
        office = Office.objects.filter(code=code).first() or Office.objects.filter(ddo_code=code).first()
        if office is None:
            raise forms.ValidationError(_("No office has this DDO code or office code."), code="office")
        return office

    def clean(self):
        data = super().clean()
        start, end = data.get("verified_from"), data.get("verified_to")
        if start and end and start > end:
            self.add_error("verified_to", _("This date is before the first one."))
        return data

    def filters(self) -> dict:
        """Primary keys and ISO dates: what the selection and the batch record keep."""
        data = self.cleaned_data
        out = {}
        for key in ("district", "treasury", "department", "office"):
            if data.get(key):
                out[key] = data[key].pk
        for key in ("verified_from", "verified_to"):
            if data.get(key):
                out[key] = data[key].isoformat()
        return out

    def labels(self) -> dict:
        data = self.cleaned_data
        out = {}
        for key in ("district", "treasury", "department"):
            if data.get(key):
                out[key] = data[key].name_en
        if data.get("office"):
            out["office"] = f"{data['office'].code} {data['office'].name_en}"
        for key in ("verified_from", "verified_to"):
            if data.get(key):
                out[key] = data[key].strftime("%d.%m.%Y")
        return out


class BatchStartForm(PortalForm):
    limit = forms.IntegerField(label=_("At most this many cards"), min_value=1, max_value=MAX_CARDS, initial=5000)
    token = forms.UUIDField(widget=forms.HiddenInput)


def past_date(value):
    if value and value > clock.today():
        raise forms.ValidationError(_("The date cannot be in the future."), code="future")
    return value


class DispatchForm(PortalForm):
    reference = forms.CharField(label=_("Dispatch reference (letter or consignment number)"), max_length=60)
    dispatched_on = forms.DateField(label=_("Date of dispatch"), widget=DATE, validators=[past_date])


class ReceiveForm(PortalForm):
    received_on = forms.DateField(label=_("Date received"), widget=DATE, validators=[past_date])


class HandoverForm(PortalForm):
    cards = forms.MultipleChoiceField(label=_("Cards handed over"), widget=forms.CheckboxSelectMultiple)
    handed_over_on = forms.DateField(label=_("Date of hand-over"), widget=DATE, validators=[past_date])
    otp = OtpField(label=_("The beneficiary's OTP (optional)"), required=False,
                   help_text=_("Press \"Send OTP\" and ask the beneficiary for the code their mobile received; it "
                               "records that they confirmed receipt."))

    def __init__(self, *args, cards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cards"].choices = [(c.number, f"{c.number} · {c.name_hi} / {c.name_en}") for c in cards]
        self.initial.setdefault("cards", [c.number for c in cards])
        self.initial.setdefault("handed_over_on", clock.today())
