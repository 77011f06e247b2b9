import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.directory.forms import ImportForm
from portal.fields import PortalForm

from .figures import CATEGORIES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_DAYS = 731


class PeriodForm(PortalForm):
    """Any date range for the dashboard: from 00:00 of the first day to the end of the last, IST."""

    start = forms.DateField(label=_("First day"), widget=DATE, required=False)
    end = forms.DateField(label=_("Last day"), widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        today = clock.today()
        if end and end > today:
            self.add_error("end", _("The period cannot end after today."))
        if start and end and start > end:
            self.add_error("start", _("The first day must not be after the last day."))
        if start and end and (end - start).days > MAX_DAYS:
            self.add_error("start", _("Choose a period of at most two years."))
        if start and not end and start > today:
            self.add_error("start", _("The period cannot start after today."))
        return data


class CategoryForm(PortalForm):
    category = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("total", _("All registrations")), ("employees", _("Employees")), ("pensioners", _("Pensioners"))])

    def chosen(self) -> str:
        value = self.cleaned_data.get("category") if self.is_valid() else ""
        return value if value in CATEGORIES else "total"


class ReviewForm(PortalForm):
    remarks = forms.CharField(label=_("Review remarks"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What the review found: offices that lag, reasons, progress since the last "
                                          "fortnight."))
    action_taken = forms.CharField(label=_("Action taken"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("For example: DDOs called, letters issued, a camp held, a date set."))


class RegenerateForm(PortalForm):
    reason = forms.CharField(label=_("Why regenerate this fortnight's report?"), min_length=10, max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Written to the audit log and shown on the report."))


class TargetImportForm(ImportForm):
    pass


def default_period_dates() -> tuple[datetime.date, datetime.date]:
    from .periods import current_fortnight

    period = current_fortnight()
    return period.start, clock.today()
