"""The generated families look like the state's: every status, plausible shapes and ages,
names in both scripts, and dependents the portal's own eligibility rules accept."""

import re
from collections import Counter

import pytest
import time_machine
from django.db.models import Count
from django.utils import timezone

from portal import clock
from portal.enrolment import eligibility, selectors
from portal.enrolment.models import PENDING, Family, Member, PayLevel, Relation, Status
from portal.enrolment.eligibility import age_on
from portal.synthetic.plan import CHUNK
from portal.waiting import AGE_BUCKETS, waited

pytestmark = pytest.mark.django_db

LATIN = re.compile(r"^[A-Za-z][A-Za-z .'-]*$")
DEVANAGARI = re.compile(r"^[\u0900-\u097F][\u0900-\u097F .]*$")


def test_every_status_is_generated_in_plausible_shares(population):
    counts = dict(Family.objects.values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    assert total == 900 == population.rows["families"]
    assert set(counts) == set(Status.values)
    assert 0.70 < counts[Status.VERIFIED] / total < 0.90
    assert 0.04 < (counts[Status.SUBMITTED] + counts[Status.RESUBMITTED]) / total < 0.14
    assert counts[Status.RETURNED] and counts[Status.REJECTED] and counts[Status.DRAFT]


def test_pending_registrations_fill_every_waiting_time_bucket(population):
    pending = Family.objects.filter(status__in=PENDING)
    for bucket, _label in AGE_BUCKETS:
        assert waited(pending, bucket).exists(), bucket


def test_families_have_one_to_six_people_and_about_three_point_four_on_average(population):
    sizes = Counter(Family.objects.annotate(n=Count("members")).values_list("kind", "n"))
    employee_sizes = {n for (kind, n) in sizes if kind == "employee"}
    pensioner_sizes = {n for (kind, n) in sizes if kind == "pensioner"}
    assert employee_sizes <= set(range(1, 7)) and {1, 4, 6} <= employee_sizes
    assert pensioner_sizes <= {1, 2, 3}
    members = Member.objects.count()
    assert 3.1 < members / Family.objects.count() < 3.7
    pensioners = Family.objects.filter(kind="pensioner").count()
    assert 0.15 < pensioners / 900 < 0.32


def test_every_family_has_one_primary_and_statuses_hold_their_aadhaar(population):
    primaries = Member.objects.filter(relation=Relation.SELF)
    assert primaries.count() == 900
    assert set(primaries.values_list("family_id", flat=True)) == set(Family.objects.values_list("pk", flat=True))
    live = {Status.SUBMITTED, Status.RESUBMITTED, Status.RETURNED, Status.VERIFIED}
    for status, holds in primaries.values_list("family__status", "holds_primary"):
        assert holds == (status in live)
    assert not Member.objects.exclude(relation=Relation.SELF).filter(holds_primary=True).exists()


def test_ages_are_plausible_on_the_day_of_registration(population):
    for family in Family.objects.prefetch_related("members"):
        registered = timezone.localdate(family.created_at)
        primary = next(m for m in family.members.all() if m.relation == Relation.SELF)
        age = age_on(primary.date_of_birth, registered)
        if family.kind == "employee":
            assert 21 <= age <= 60, (family.number, age)
            assert age_on(primary.date_of_birth, clock.today()) <= 61
            assert family.date_of_joining <= registered
            assert age_on(primary.date_of_birth, family.date_of_joining) >= 20
        else:
            assert 60 <= age <= 91, (family.number, age)
            assert family.retirement_date <= registered
        for member in family.members.all():
            assert member.date_of_birth <= registered
            if member.relation in (Relation.SON, Relation.DAUGHTER):
                assert age - age_on(member.date_of_birth, registered) >= 18
            if member.relation in (Relation.FATHER, Relation.MOTHER):
                assert age_on(member.date_of_birth, registered) - age >= 18


def test_every_dependent_passes_the_portals_eligibility_rules_when_registered(population):
    families = list(Family.objects.prefetch_related("members").order_by("pk")[:300])
    checked = 0
    for family in families:
        with time_machine.travel(family.created_at, tick=False):
            for member in family.members.all():
                eligibility.check_dependent(
                    family=family, relation=member.relation, date_of_birth=member.date_of_birth,
                    marital_status=member.marital_status, disabled=member.disabled, dependent=member.dependent,
                    monthly_income=member.monthly_income, member_id=member.pk)
                checked += 1
    assert checked > 600


def test_names_are_in_english_and_devanagari(population):
    for name_en, name_hi, guardian in Member.objects.values_list("name_en", "name_hi", "guardian_name"):
        assert LATIN.match(name_en), name_en
        assert DEVANAGARI.match(name_hi), name_hi
        assert not guardian or LATIN.match(guardian)
    assert Member.objects.filter(name_en__endswith=" Khan").exists() or Member.objects.filter(
        name_en__endswith=" Ansari").exists()


def test_employment_details_and_wards_follow_the_pay_level(population):
    wards = dict(PayLevel.objects.values_list("pk", "ward"))
    levels = Counter()
    for family in Family.objects.all():
        assert family.ward == wards[family.pay_level_id]
        assert re.fullmatch(r"6\d{9}", family.mobile)
        levels[family.pay_level_id] += 1
        if family.kind == "employee":
            assert family.employee_id and family.designation and not family.ppo_number
        else:
            assert family.ppo_number and family.retirement_date and not family.employee_id
    assert len(levels) >= 8  # a spread of levels, not one


def test_registrations_leave_the_history_the_services_would_have_written(population):
    family = Family.objects.filter(status=Status.RESUBMITTED).first()
    moves = [step["status"] for step in selectors.history(family)]
    assert [str(Status(s).label) for s in ("submitted", "returned", "resubmitted")] == [str(m) for m in moves]


def test_application_numbers_grow_with_time(population):
    assert population.rows["families"] > 0
    created = list(Family.objects.order_by("pk").values_list("created_at", flat=True))
    # Chunk by chunk the plan is in order of creation.
    assert created[:CHUNK] == sorted(created[:CHUNK])
    for number, pk in Family.objects.values_list("number", "pk"):
        assert Family.number_for(pk, int("20" + number[2:4])) == number
