"""The state cell keeps the scheme's rules: who may be a dependent, and the ward of each pay level."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.fields import PortalModelForm

from . import rules as rule_services
from .models import EligibilityRule, Marital, PayLevel


class RuleForm(PortalModelForm):
    allowed_marital = forms.MultipleChoiceField(label=gettext_lazy("Allowed marital status (none ticked: any)"),
                                                choices=Marital.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = EligibilityRule
        fields = ["name_en", "name_hi", "enabled", "max_age", "disability_lifts_age_limit", "allowed_marital",
                  "requires_dependency", "monthly_income_limit", "max_per_family"]
        labels = {
            "name_en": gettext_lazy("Rule in English"), "name_hi": gettext_lazy("Rule in Hindi"), "enabled": gettext_lazy("In force"),
            "max_age": gettext_lazy("Age limit in years (empty: none)"),
            "disability_lifts_age_limit": gettext_lazy("No age limit for a person with disability"),
            "requires_dependency": gettext_lazy("Must be wholly dependent"),
            "monthly_income_limit": gettext_lazy("Own income limit, ₹ a month (empty: none)"),
            "max_per_family": gettext_lazy("At most this many per family (empty: any)"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["allowed_marital"] = [m for m in self.instance.allowed_marital.split(",") if m]

    def clean_allowed_marital(self):
        return ",".join(self.cleaned_data["allowed_marital"])


class PayLevelForm(PortalModelForm):
    class Meta:
        model = PayLevel
        fields = ["ward"]


@login_required
def rules(request):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    return render(request, "enrolment/rules.html", {
        "rules": EligibilityRule.objects.all(), "levels": [(level, PayLevelForm(instance=level, prefix=f"l{level.pk}"))
                                                          for level in PayLevel.objects.all()],
        "can_edit": request.user.role == Role.STATE,
    })


@login_required
def rule_edit(request, code: str):
    require_role(request.user, Role.STATE)
    rule = get_object_or_404(EligibilityRule, code=code)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        rule_services.save_rule(actor=actor_from_request(request), form=form)
        messages.success(request, _("The rule is saved and applies from now on."))
        return redirect("enrolment:rules")
    return render(request, "enrolment/rule_edit.html", {"form": form, "rule": rule})


@login_required
@require_POST
def pay_level_edit(request, pk: int):
    require_role(request.user, Role.STATE)
    level = get_object_or_404(PayLevel, pk=pk)
    form = PayLevelForm(request.POST, instance=level, prefix=f"l{level.pk}")
    if form.is_valid():
        rule_services.save_pay_level(actor=actor_from_request(request), form=form)
        messages.success(request, _("The ward of pay level %(level)s is saved; it applies to registrations from now on.")
                         % {"level": level.code})
    else:
        messages.error(request, _("Choose a ward."))
    return redirect("enrolment:rules")
