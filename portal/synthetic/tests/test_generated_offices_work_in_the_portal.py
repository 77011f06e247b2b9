"""Offices are spread over districts and departments in proportion, each with an approved
DDO/TO, and the portal's own pages work on them."""

import math
import random
from collections import Counter

import pytest
from django.db.models import Count

from portal.accounts.models import Grant, Role, User
from portal.ddo.models import Application, ApplicationOffice
from portal.directory.models import District, Office
from portal.enrolment.models import PENDING, Family, Status
from portal.enrolment.selectors import registered_offices
from portal.synthetic import plan, reference, services, world

pytestmark = pytest.mark.django_db


def _correlation(xs, ys) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def test_families_spread_over_districts_and_departments_in_proportion():
    """The plan for 60,000 families (no rows written): each district's share follows its
    population, each department's its staff, within sampling noise."""
    ref = reference.load()
    master = services._master()
    ids = world.Ids({k: 1 for k in ("users", "offices", "applications", "batches", "dispatches")})
    employees = 46_000
    the_world = world.build(ref=ref, master=master, seed=3, now=1_790_000_000, employees=employees,
                            pensioners=14_000, offices=None, ids=ids, password="!", rng=random.Random(3))
    the_plan = plan.make(the_world, families=60_000, seed=3)
    by_district, by_department = Counter(), Counter()
    for i in range(the_plan.n):
        office = the_world.offices[the_plan.office[i]]
        lgd = master.districts[office.district][1]
        by_district[lgd] += 1
        if office.kind == "ddo":
            by_department[office.department_code] += 1
    assert len(by_district) == 75
    weights = ref.district_weights
    districts = [lgd for lgd in weights if lgd != world.LUCKNOW]  # Lucknow also hosts the head offices
    assert _correlation([weights[d] for d in districts], [by_district[d] for d in districts]) > 0.85
    assert by_district[world.LUCKNOW] == max(by_district.values())
    staff = ref.department_employees
    big = sorted(staff, key=staff.get, reverse=True)[:10]
    total_staff = sum(staff.values())
    employee_families = sum(by_department.values())
    for code in big:
        expected = staff[code] / total_staff * employee_families
        assert abs(by_department[code] - expected) < 0.25 * expected + 60, code


def test_every_office_has_an_approved_officer_with_a_live_grant(population):
    offices = list(Office.objects.all())
    assert len(offices) == population.rows["offices"]
    assert Office.objects.filter(kind="treasury").count() == 77
    approved = {a.officer_id: a for a in Application.objects.filter(status="approved")}
    for office in offices:
        grant = Grant.objects.get(office=office, revoked_at__isnull=True, user__role__in=[Role.DDO, Role.TO])
        assert grant.user.role == (Role.DDO if office.kind == "ddo" else Role.TO)
        application = approved[grant.user_id]
        assert ApplicationOffice.objects.filter(application=application, office=office).exists()
        assert grant.note == f"application {application.number}"
        assert application.treasury_id == office.treasury_id
        if office.kind == "ddo":
            assert office.ddo_code == application.ddo_code and 4 <= len(office.ddo_code) <= 10
            assert office in registered_offices(kind="employee", treasury=office.treasury, ddo_code=office.ddo_code)
        else:
            assert office in registered_offices(kind="pensioner", treasury=office.treasury)
    assert Application.objects.exclude(status="approved").exists()  # some still with the state cell


def test_monitoring_officers_cover_every_district_division_and_department(population):
    assert Grant.objects.filter(user__role=Role.DISTRICT).values("district").distinct().count() == District.objects.count()
    assert Grant.objects.filter(user__role=Role.DIVISION).count() == 18
    assert Grant.objects.filter(user__role=Role.DEPARTMENT).count() == 100
    assert User.objects.filter(role=Role.STATE).exists()


def test_a_ddo_of_a_generated_office_sees_its_pending_families(population, client):
    office_id = (Family.objects.filter(status__in=PENDING, office__kind="ddo").values("office")
                 .annotate(n=Count("id")).order_by("-n")[0]["office"])
    ddo = Grant.objects.get(office_id=office_id, user__role=Role.DDO, revoked_at__isnull=True).user
    client.force_login(ddo)
    response = client.get("/office/families/")
    assert response.status_code == 200
    html = response.content.decode()
    waiting = list(Family.objects.filter(office_id=office_id, status__in=PENDING).order_by("submitted_at", "id")
                   .values_list("number", flat=True)[:20])
    assert waiting and all(number in html for number in waiting)
    other = Family.objects.filter(status__in=PENDING).exclude(office__in=ddo.grants.values("office")).first()
    assert other.number not in html
    review = client.get(f"/office/families/{waiting[0]}/")
    assert review.status_code == 200
    assert "XXXX XXXX" in review.content.decode()
    assert client.get(f"/office/families/{other.number}/").status_code == 404


def test_a_treasury_officer_sees_the_pensioners_of_the_treasury(population, client):
    family = Family.objects.filter(status=Status.SUBMITTED, kind="pensioner").first()
    to = Grant.objects.get(office=family.office, user__role=Role.TO, revoked_at__isnull=True).user
    client.force_login(to)
    response = client.get("/office/families/")
    assert response.status_code == 200 and family.number in response.content.decode()
