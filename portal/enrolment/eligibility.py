"""Who may be enrolled as a dependent, by the rules in EligibilityRule. Every refusal says
which rule refused and why, at the field the officer or employee must change."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.i18n import later

from .models import EligibilityRule, Marital, Member, Relation


@dataclass
class Refusal(Exception):
    field: str
    message: str


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_dates(*, relation: str, date_of_birth: datetime.date) -> None:
    today = clock.today()
    if date_of_birth > today:
        raise Refusal("date_of_birth", _("The date of birth cannot be in the future."))
    if age_on(date_of_birth, today) > 120:
        raise Refusal("date_of_birth", _("Check the date of birth: the age would be over 120 years."))
    if relation == Relation.SELF and age_on(date_of_birth, today) < 18:
        raise Refusal("date_of_birth", _("Check the date of birth: an employee or pensioner is at least 18 years old."))


def check_dependent(*, family, relation: str, date_of_birth: datetime.date, marital_status: str, disabled: bool,
                    dependent: bool, monthly_income: int, member_id: int | None = None) -> None:
    check_dates(relation=relation, date_of_birth=date_of_birth)
    if relation == Relation.SELF:
        return
    rule = EligibilityRule.objects.filter(relation=relation).first()
    if rule is None or not rule.enabled:
        code = rule.code if rule else "—"
        raise Refusal("relation", later(lambda: _("Rule %(code)s: this relation is not covered by the scheme.")
                                        % {"code": code}))

    def refuse(field: str, why) -> Refusal:
        return Refusal(field, later(lambda: _("Rule %(code)s (%(rule)s): %(why)s")
                                    % {"code": rule.code, "rule": rule.name, "why": str(why)}))

    age = age_on(date_of_birth, clock.today())
    if rule.max_age is not None and age > rule.max_age and not (disabled and rule.disability_lifts_age_limit):
        raise refuse("date_of_birth", later(lambda: _("the age is %(age)d years; the limit is %(max)d.")
                                            % {"age": age, "max": rule.max_age}))
    allowed = [m.strip() for m in rule.allowed_marital.split(",") if m.strip() in Marital.values]
    if allowed and marital_status not in allowed:
        labels = ", ".join(str(Marital(m).label) for m in allowed)
        raise refuse("marital_status", later(lambda: _("the marital status must be: %(allowed)s.") % {"allowed": labels}))
    if rule.requires_dependency and not dependent:
        raise refuse("dependent", _("the person must be wholly dependent on the employee or pensioner."))
    if rule.monthly_income_limit is not None and monthly_income > rule.monthly_income_limit:
        raise refuse("monthly_income", later(lambda: _("the monthly income may be at most ₹%(limit)d.")
                                             % {"limit": rule.monthly_income_limit}))
    if rule.max_per_family:
        same = Member.objects.filter(family=family, relation=relation, active=True)
        if member_id:
            same = same.exclude(pk=member_id)
        if same.count() >= rule.max_per_family:
            raise refuse("relation", later(lambda: _("at most %(n)d such member per family.")
                                           % {"n": rule.max_per_family}))
