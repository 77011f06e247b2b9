"""The state cell keeps the rules: a changed rule or ward applies at once, and is audited."""

import pytest
from django.urls import reverse

from portal.audit.models import Event
from portal.enrolment.models import EligibilityRule, PayLevel

pytestmark = pytest.mark.django_db


def test_state_cell_lowers_the_age_limit_for_sons_and_it_is_audited(users, login):
    client = login(users["state"])
    page = client.get(reverse("enrolment:rules")).content.decode()
    assert "R-SON" in page and "R-FIL" in page
    response = client.post(reverse("enrolment:rule_edit", args=["R-SON"]), {
        "name_en": "Son up to 21 years", "name_hi": "पुत्र: 21 वर्ष तक", "enabled": "on", "max_age": "21",
        "disability_lifts_age_limit": "on", "requires_dependency": "on", "monthly_income_limit": "9000",
        "allowed_marital": ["unmarried"],
    })
    assert response.status_code == 302
    rule = EligibilityRule.objects.get(code="R-SON")
    assert rule.max_age == 21 and rule.allowed_marital == "unmarried"
    assert Event.objects.filter(action="enrolment.rule.changed", target_id=str(rule.pk)).exists()


def test_a_rule_needs_both_names(users, login):
    response = login(users["state"]).post(reverse("enrolment:rule_edit", args=["R-SON"]), {"name_en": "", "max_age": "x"})
    assert response.status_code == 200
    assert {"name_en", "name_hi", "max_age"} <= set(response.context["form"].errors)
    assert EligibilityRule.objects.get(code="R-SON").max_age == 25


def test_state_cell_changes_the_ward_of_a_pay_level(users, login):
    level = PayLevel.objects.get(code="5")
    login(users["state"]).post(reverse("enrolment:pay_level_edit", args=[level.pk]), {f"l{level.pk}-ward": "semi_private"})
    level.refresh_from_db()
    assert level.ward == "semi_private"
    assert Event.objects.filter(action="enrolment.pay_level.changed").exists()


def test_helpdesk_reads_the_rules_but_cannot_change_them(users, login):
    client = login(users["helpdesk"])
    assert client.get(reverse("enrolment:rules")).status_code == 200
    assert client.get(reverse("enrolment:rule_edit", args=["R-SON"])).status_code == 403
    level = PayLevel.objects.get(code="5")
    assert client.post(reverse("enrolment:pay_level_edit", args=[level.pk]),
                       {f"l{level.pk}-ward": "private"}).status_code == 403
    level.refresh_from_db()
    assert level.ward == "general"


@pytest.mark.parametrize("role", ["ddo", "to", "operator", "district", "division", "department", "beneficiary"])
def test_other_roles_cannot_change_a_rule(users, login, role):
    client = login(users[role])
    assert client.post(reverse("enrolment:rule_edit", args=["R-SON"]), {"name_en": "x", "name_hi": "य",
                                                                         "max_age": "99"}).status_code == 403
    assert EligibilityRule.objects.get(code="R-SON").max_age == 25
