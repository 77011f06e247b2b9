"""Who may be a dependent: the default rules, each refusal at its field and naming its rule,
rules the state can change, and the same refusal on the Employee Gateway's form."""

import datetime
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from portal.enrolment import services
from portal.enrolment.eligibility import Refusal, check_dependent
from portal.enrolment.models import EligibilityRule, Family, PayLevel
from portal.vault import services as vault

from .conftest import aadhaar

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata")), tick=False):
        yield TODAY


def born(years: int, days: int = 0) -> datetime.date:
    """The date of birth of someone exactly `years` old today (minus `days` days)."""
    return TODAY.replace(year=TODAY.year - years) + datetime.timedelta(days=days)


@pytest.fixture
def family(ddo_office, system):
    data = {
        "name_en": "Sunita Devi", "name_hi": "सुनीता देवी", "guardian_name": "Ramesh Kumar",
        "date_of_birth": datetime.date(1980, 5, 17), "gender": "female", "mobile": "9812345670",
        "email": "sunita@example.in", "address": "12 Hazratganj, Lucknow", "employee_id": "EMP1001",
        "designation": "Staff Nurse", "date_of_joining": datetime.date(2005, 7, 1),
        "pay_level": PayLevel.objects.get(code="7"),
    }
    return services.start_family(actor=system, office=ddo_office, kind="employee", data=data,
                                 aadhaar=vault.store(aadhaar(1)), photo=None, token=uuid.uuid4(), language="en")


def add_member(family, system, n: int, **fields):
    data = {"name_en": "Member Name", "name_hi": "सदस्य", "gender": "female", "marital_status": "married",
            "disabled": False, "dependent": True, "monthly_income": 0, **fields}
    return services.save_dependent(actor=system, family=family, data=data, aadhaar=vault.store(aadhaar(n)), photo=None)


def check(family, relation, *, date_of_birth, marital_status="unmarried", disabled=False, dependent=True,
          monthly_income=0):
    check_dependent(family=family, relation=relation, date_of_birth=date_of_birth, marital_status=marital_status,
                    disabled=disabled, dependent=dependent, monthly_income=monthly_income)


def refusal(family, relation, **person) -> tuple[str, str]:
    with pytest.raises(Refusal) as caught:
        check(family, relation, **person)
    with translation.override("en"):
        return caught.value.field, str(caught.value.message)


# --- the defaults loaded by the migration -----------------------------------------------------

def test_migration_loads_nine_rules_with_parents_in_law_disabled():
    rules = {r.code: r for r in EligibilityRule.objects.all()}
    assert set(rules) == {"R-SPOUSE", "R-SON", "R-DAUGHTER", "R-FATHER", "R-MOTHER", "R-FIL", "R-MIL",
                          "R-BROTHER", "R-SISTER"}
    assert {code for code, r in rules.items() if not r.enabled} == {"R-FIL", "R-MIL"}
    assert rules["R-SON"].max_age == 25 and rules["R-SON"].disability_lifts_age_limit
    assert rules["R-BROTHER"].max_age == 17
    assert rules["R-SPOUSE"].max_per_family == 1
    assert all(rules[c].monthly_income_limit == 9000 for c in ("R-SON", "R-DAUGHTER", "R-FATHER", "R-MOTHER"))


def test_migration_loads_nineteen_pay_levels_with_their_wards():
    wards = dict(PayLevel.objects.values_list("code", "ward"))
    assert len(wards) == 19 and "13A" in wards
    for code, ward in wards.items():
        level = int(code.rstrip("A"))
        expected = "general" if level <= 5 else "semi_private" if level <= 9 else "private"
        assert ward == expected, code


def test_family_ward_follows_the_pay_level(family):
    assert family.ward == "semi_private"


# --- each rule: allowed, and refused at the right field ---------------------------------------

def test_son_up_to_25_is_allowed_and_26_is_refused_at_date_of_birth(family):
    check(family, "son", date_of_birth=born(25))
    check(family, "son", date_of_birth=born(26, days=1))  # 26 tomorrow
    field, message = refusal(family, "son", date_of_birth=born(26))
    assert field == "date_of_birth"
    assert "R-SON" in message and "26" in message and "25" in message


def test_disabled_son_is_allowed_at_any_age(family):
    check(family, "son", date_of_birth=born(40), disabled=True)


def test_son_not_dependent_or_earning_is_refused(family):
    field, message = refusal(family, "son", date_of_birth=born(20), dependent=False)
    assert field == "dependent" and "R-SON" in message
    check(family, "son", date_of_birth=born(20), monthly_income=9000)
    field, message = refusal(family, "son", date_of_birth=born(20), monthly_income=9001)
    assert field == "monthly_income" and "R-SON" in message and "9000" in message


def test_married_daughter_is_refused_at_marital_status(family):
    field, message = refusal(family, "daughter", date_of_birth=born(28), marital_status="married")
    assert field == "marital_status" and "R-DAUGHTER" in message


@pytest.mark.parametrize("status", ["unmarried", "divorced", "widowed", "separated"])
def test_daughter_not_married_is_allowed_at_any_age(family, status):
    check(family, "daughter", date_of_birth=born(40), marital_status=status)


@pytest.mark.parametrize("relation, code", [("father", "R-FATHER"), ("mother", "R-MOTHER")])
def test_parent_must_be_dependent_with_income_within_the_limit(family, relation, code):
    check(family, relation, date_of_birth=born(70), marital_status="widowed", monthly_income=9000)
    field, message = refusal(family, relation, date_of_birth=born(70), dependent=False)
    assert field == "dependent" and code in message
    field, message = refusal(family, relation, date_of_birth=born(70), monthly_income=9001)
    assert field == "monthly_income" and code in message


def test_second_spouse_is_refused_at_relation(family, system):
    check(family, "spouse", date_of_birth=born(45), marital_status="married")
    add_member(family, system, 2, relation="spouse", gender="male", date_of_birth=born(45))
    field, message = refusal(family, "spouse", date_of_birth=born(40), marital_status="married")
    assert field == "relation" and "R-SPOUSE" in message
    with pytest.raises(services.EnrolmentError) as caught:
        add_member(family, system, 3, relation="spouse", gender="male", date_of_birth=born(40))
    assert caught.value.field == "relation"
    assert family.members.filter(relation="spouse").count() == 1


def test_editing_the_only_spouse_is_not_a_second_spouse(family, system):
    spouse = add_member(family, system, 2, relation="spouse", gender="male", date_of_birth=born(45))
    check_dependent(family=family, relation="spouse", date_of_birth=born(46), marital_status="married",
                    disabled=False, dependent=True, monthly_income=0, member_id=spouse.pk)


def test_unmarried_spouse_is_refused_at_marital_status(family):
    field, message = refusal(family, "spouse", date_of_birth=born(45), marital_status="unmarried")
    assert field == "marital_status" and "R-SPOUSE" in message


def test_second_father_is_refused_at_relation(family, system):
    add_member(family, system, 2, relation="father", gender="male", date_of_birth=born(72), marital_status="widowed")
    field, message = refusal(family, "father", date_of_birth=born(70), marital_status="married")
    assert field == "relation" and "R-FATHER" in message


def test_brother_of_17_is_allowed_and_18_is_refused(family):
    check(family, "brother", date_of_birth=born(18, days=1))  # 18 tomorrow
    field, message = refusal(family, "brother", date_of_birth=born(18))
    assert field == "date_of_birth" and "R-BROTHER" in message
    field, message = refusal(family, "brother", date_of_birth=born(17), dependent=False)
    assert field == "dependent" and "R-BROTHER" in message


def test_sister_must_not_be_married(family):
    check(family, "sister", date_of_birth=born(35), marital_status="divorced")
    field, message = refusal(family, "sister", date_of_birth=born(30), marital_status="married")
    assert field == "marital_status" and "R-SISTER" in message


@pytest.mark.parametrize("relation, code", [("father_in_law", "R-FIL"), ("mother_in_law", "R-MIL")])
def test_disabled_relation_is_refused_at_relation(family, relation, code):
    field, message = refusal(family, relation, date_of_birth=born(70), marital_status="married")
    assert field == "relation" and code in message


@pytest.mark.parametrize("relation", ["self", "spouse", "son", "daughter", "father", "mother", "brother", "sister",
                                      "father_in_law"])
def test_date_of_birth_in_the_future_is_refused_for_everyone(family, relation):
    field, message = refusal(family, relation, date_of_birth=TODAY + datetime.timedelta(days=1),
                             marital_status="married")
    assert field == "date_of_birth" and "future" in message


def test_born_today_is_not_in_the_future(family):
    check(family, "son", date_of_birth=TODAY)


def test_state_can_change_a_rule_and_it_applies_at_once(family):
    check(family, "son", date_of_birth=born(22))
    EligibilityRule.objects.filter(code="R-SON").update(max_age=21)
    field, message = refusal(family, "son", date_of_birth=born(22))
    assert field == "date_of_birth" and "R-SON" in message and "21" in message
    check(family, "son", date_of_birth=born(21))


def test_state_can_enable_a_disabled_rule(family):
    EligibilityRule.objects.filter(code="R-FIL").update(enabled=True)
    check(family, "father_in_law", date_of_birth=born(70), marital_status="married")


# --- on the Employee Gateway ------------------------------------------------------------------

def test_gateway_shows_the_refusal_beside_date_of_birth_in_both_languages(client, ddo_office, primary_post,
                                                                          dependent_post):
    response = client.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]), primary_post())
    assert response.status_code == 302, response.context["form"].errors
    family = Family.objects.get()
    response = client.post(reverse("enrolment:add_member", args=[family.number]),
                           dependent_post(name_en="Rahul Verma", date_of_birth=born(26).isoformat()))
    assert response.status_code == 200
    page = response.content.decode()
    error = re.search(r'<p class="error" id="id_date_of_birth_error">(.*?)</p>', page, re.DOTALL)
    assert error, "no error beside the date of birth"
    text = error.group(1)
    assert "नियम R-SON" in text and "Rule R-SON" in text
    assert "Son up to 25 years" in text and "पुत्र: 25 वर्ष तक" in text  # the rule by name, in both languages
    assert "the limit is 25" in text
    assert re.search(r'<input[^>]*name="name_en"[^>]*value="Rahul Verma"', page)
    assert aadhaar(2) not in page
    assert re.search(r'name="aadhaar_token" value="[^"]+"', page)  # kept sealed, not retyped
    assert family.members.count() == 1  # only the primary beneficiary
