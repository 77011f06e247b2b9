"""Writes to the scheme's rules (eligibility of dependents, ward by pay level), audited."""

from django.db import transaction

from portal.audit.services import Actor, record


@transaction.atomic
def save_rule(*, actor: Actor, form) -> None:
    rule = form.save()
    record(actor=actor, action="enrolment.rule.changed", target=rule,
           details={field: str(form.cleaned_data[field]) for field in form.changed_data})


@transaction.atomic
def save_pay_level(*, actor: Actor, form) -> None:
    level = form.save()
    record(actor=actor, action="enrolment.pay_level.changed", target=level, details={"ward": level.ward})
