"""What the public and the beneficiaries open costs the same number of queries with three
times the families, offices, applications and cards: every step of the Employee Gateway up
to the submitted family's form, every step of a DDO/TO's registration up to its form, the
card verify page (for the public and for a hospital, by card number and by the QR's text;
it is the hospital's start page), and the beneficiary's own pages: My family, the card
page and the self-printed PDF (one card, or all of them at card size).

Each journey is walked once before counting (per-process caches such as the dropdowns' choices
then hold in both runs alike), once in the small world and once in the grown one, with new
Aadhaar numbers, mobiles and DDO codes each time."""

import itertools
import uuid

import pytest
from django.test import Client

from portal.enrolment.models import Family
from portal.enrolment.tests.conftest import aadhaar, dependent_post, photo_file, primary_post  # noqa: F401  (fixtures)

from .query_count_world import counted, counted_and_undone, grow, hot_world  # noqa: F401  (hot_world: a fixture)

pytestmark = pytest.mark.django_db
_n = itertools.count(7000)
_ip = itertools.count(10)


def gateway_journey(geo, office, phone, primary_post, dependent_post) -> dict[str, int]:
    """An employee registers a family with one son through the public pages."""
    client, n = Client(), next(_n)
    mobile = f"93{n:08d}"
    counts = {
        "gateway start": counted(client, "/gateway/"),
        "gateway office found": counted(client, "/gateway/", {"kind": "employee", "treasury": geo["t_lucknow"].pk,
                                                              "ddo_code": office.ddo_code}, post=True),
        "gateway primary form": counted(client, f"/gateway/new/{office.code}/employee/"),
        "gateway primary saved": counted(client, f"/gateway/new/{office.code}/employee/", primary_post(
            aadhaar=aadhaar(2 * n), mobile=mobile, employee_id=f"GW{n}"), post=True),
    }
    family = Family.objects.get(mobile=mobile)
    base = f"/gateway/{family.number}/"
    counts["gateway family page"] = counted(client, base)
    counts["gateway dependent form"] = counted(client, base + "members/add/")
    counts["gateway dependent saved"] = counted(client, base + "members/add/",
                                                dependent_post(aadhaar=aadhaar(2 * n + 1)), post=True)
    for member in family.members.order_by("relation"):  # "self" before "son"
        counts[f"gateway photo of {member.relation}"] = counted(
            client, base + f"members/{member.pk}/photo/", {"photo": photo_file(size=(150, 200))}, post=True)
    counts["gateway family complete"] = counted(client, base)
    counts["registration submit"] = counted(client, base + "submit/", post=True)
    counts["gateway otp page"] = counted(client, "/gateway/access/otp/")
    counts["gateway otp given"] = counted(client, "/gateway/access/otp/", {"otp": phone.otp(mobile)}, post=True)
    counts["gateway form pdf"] = counted(client, base + "form.pdf")
    assert Family.objects.get(pk=family.pk).status == "submitted"
    return counts


def ddo_journey(geo, phone) -> dict[str, int]:
    """A DDO registers with one office through the public pages."""
    from portal.ddo.models import Application

    client, n = Client(), next(_n)
    mobile, code = f"94{n:08d}", str(n)
    form = {"kind": "ddo", "officer_name_en": "Ravi Kumar", "officer_name_hi": "रवि कुमार", "designation": "CMO",
            "department": geo["medical"].pk, "district": geo["lucknow"].pk, "treasury": geo["t_lucknow"].pk,
            "ddo_code": code, "mobile": mobile, "mobile_kind": "cug", "email": "cmo@example.in",
            "controlling_officer_name": "Dr A K Singh", "controlling_officer_designation": "Additional Director",
            "submit_token": str(uuid.uuid4())}
    office = {"name_en": "Office of the CMO", "name_hi": "मुख्य चिकित्सा अधिकारी कार्यालय", "address": "Lalbagh",
              "district": geo["lucknow"].pk, "department": geo["medical"].pk, "office_type": "district",
              "headcount": "250"}
    counts = {"ddo register form": counted(client, "/ddo/register/"),
              "ddo register saved": counted(client, "/ddo/register/", form, post=True)}
    application = Application.objects.get(ddo_code=code, mobile=mobile)
    base = f"/ddo/application/{application.number}/"
    counts["ddo offices form"] = counted(client, base + "offices/")
    counts["ddo office added"] = counted(client, base + "offices/", office, post=True)
    counts["ddo registration submit"] = counted(client, base + "submit/", post=True)
    counts["ddo otp given"] = counted(client, "/ddo/access/otp/", {"otp": phone.otp(mobile)}, post=True)
    counts["ddo application page"] = counted(client, base)
    counts["ddo form pdf"] = counted(client, base + "form.pdf")
    assert Application.objects.get(pk=application.pk).status == "form_printed"
    return counts


def card_pages(world, login) -> dict[str, int]:
    card = world.card
    counts = {}
    for q, how in ((card.number, "number"), (card.qr_payload, "qr")):
        # A new network address for each check: the public is rate-limited per address.
        public = Client(REMOTE_ADDR=f"10.0.0.{next(_ip)}")
        counts[f"verify public by {how}"] = counted(public, "/cards/verify/", {"q": q})
        counts[f"verify hospital by {how}"] = counted(login(world.users["hospital"]), "/cards/verify/", {"q": q})
    counts["hospital start page"] = counted(login(world.users["hospital"]), "/cards/verify/")
    beneficiary = login(world.beneficiary)
    counts["beneficiary start page"] = counted(beneficiary, "/my/")
    counts["beneficiary cards"] = counted(beneficiary, "/my/cards/")
    counts["self-print one card a4"] = counted_and_undone(beneficiary, "/my/cards/print/",
                                                          {"card": card.number, "layout": "a4"})
    counts["self-print all at card size"] = counted_and_undone(beneficiary, "/my/cards/print/", {"layout": "card"})
    return counts


@pytest.fixture
def ready_beneficiary(hot_world):
    user = hot_world.beneficiary
    user.must_change_password = False  # as after the first log-in
    user.save(update_fields=["must_change_password"])
    return hot_world


def test_registration_journeys_run_the_same_queries_for_three_times_the_data(hot_world, geo, phone, primary_post,
                                                                             dependent_post, submitted):
    def both():
        return {**gateway_journey(geo, hot_world.office, phone, primary_post, dependent_post),
                **ddo_journey(geo, phone)}

    both()  # warm
    small = both()
    grow(hot_world, submitted, geo)
    large = both()
    assert large == small
    assert max(small.values()) <= 60, small


def test_card_and_beneficiary_pages_run_the_same_queries_for_three_times_the_data(ready_beneficiary, login,
                                                                                  submitted, geo):
    world = ready_beneficiary
    assert login(world.beneficiary).get("/dashboard/").url == "/my/"
    assert login(world.users["hospital"]).get("/dashboard/").url == "/cards/verify/"
    small = card_pages(world, login)
    grow(world, submitted, geo)
    large = card_pages(world, login)
    assert large == small
    assert max(small.values()) <= 40, small
