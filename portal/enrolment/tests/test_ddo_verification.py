"""The DDO/TO verifies families of their own offices: the queue and its filters, verify, return
for correction, reject, the signed form, bulk verification, read-only viewers and duplicates."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from portal.accounts.models import Role
from portal.audit.models import Event
from portal.enrolment import services
from portal.enrolment.models import DuplicateFlag, Family, Member, Status

from .conftest import aadhaar, officer, photo_file, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def agra_office(submitted, geo):
    """A second approved DDO (code 4275, Agra treasury) and its office."""
    return submitted(stage="approved", ddo_code="4275", treasury=geo["t_agra"], district=geo["agra"],
                     mobile="9876500021").offices.get().office


def listed(client, **query) -> str:
    return client.get(reverse("enrolment:queue"), query).content.decode()


def test_queue_lists_only_the_own_offices_submitted_families(ddo_office, agra_office, login):
    mine = register(ddo_office, n=1, mobile="9812345670")
    draft = register(ddo_office, n=3, mobile="9812345671", submit=False)
    theirs = register(agra_office, n=5, mobile="9812345672")
    ddo = login(officer(ddo_office))
    page = listed(ddo, status="all")
    assert mine.number in page and draft.number not in page and theirs.number not in page
    member = theirs.members.first()
    assert ddo.get(reverse("enrolment:review", args=[theirs.number])).status_code == 404
    assert ddo.get(reverse("enrolment:photo", args=[member.pk])).status_code == 404
    assert ddo.get(reverse("enrolment:office_form_pdf", args=[theirs.number])).status_code == 404
    assert ddo.get(reverse("enrolment:review", args=[mine.number])).status_code == 200
    assert ddo.get(reverse("enrolment:photo", args=[mine.members.first().pk])).status_code == 200


def test_queue_filters_by_status_and_search(ddo_office, login, system):
    waiting = register(ddo_office, n=1, mobile="9812345670", name="Sunita Devi", employee_id="EMP1001")
    done = register(ddo_office, n=3, mobile="9812345671", name="Kamla Verma", employee_id="EMP2002")
    back = register(ddo_office, n=5, mobile="9812345672", name="Rekha Singh", employee_id="EMP3003")
    services.verify_family(actor=system, family=done)
    services.return_family(actor=system, family=back, reason="Photo unclear")
    ddo = login(officer(ddo_office))
    page = listed(ddo)
    assert waiting.number in page and done.number not in page and back.number not in page
    page = listed(ddo, status="verified")
    assert done.number in page and waiting.number not in page and back.number not in page
    page = listed(ddo, status="returned")
    assert back.number in page and waiting.number not in page
    page = listed(ddo, status="all")
    assert all(f.number in page for f in (waiting, done, back))
    for query, expected in (("kamla", done), ("EMP3003", back), ("9812345670", waiting), (done.number.lower(), done)):
        page = listed(ddo, status="all", q=query)
        assert expected.number in page, query
        assert [f.number for f in (waiting, done, back) if f.number in page] == [expected.number], query


def test_queue_age_buckets_count_days_since_submission(ddo_office, login):
    now = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(now - datetime.timedelta(days=40), tick=False):
        old = register(ddo_office, n=1, mobile="9812345670")
    with time_machine.travel(now - datetime.timedelta(days=10), tick=False):
        middle = register(ddo_office, n=3, mobile="9812345671")
    recent = register(ddo_office, n=5, mobile="9812345672")
    ddo = login(officer(ddo_office))
    families = (old, middle, recent)
    for bucket, expected in (("0-7", [recent]), ("8-15", [middle]), ("16-30", []), ("31-", [old])):
        page = listed(ddo, age=bucket)
        assert [f.number for f in families if f.number in page] == [f.number for f in expected], bucket


def test_verify_creates_the_beneficiary_account_and_sends_the_user_id(ddo_office, login, phone):
    family = register(ddo_office, n=1, mobile="9812345670", sons=[2])
    ddo_user = officer(ddo_office)
    login(ddo_user).post(reverse("enrolment:act", args=[family.number, "verify"]))
    family.refresh_from_db()
    assert family.status == Status.VERIFIED and family.verified_by == ddo_user
    assert family.user.role == Role.BENEFICIARY and re.fullmatch(r"BN\d{6}", family.user.username)
    assert family.user.mobile == "9812345670"
    assert family.user.username in phone.last("9812345670")


def test_returned_family_is_corrected_by_the_employee_with_an_otp_and_resubmitted(ddo_office, login, client, phone,
                                                                                  dependent_post):
    family = register(ddo_office, n=1, mobile="9812345670", sons=[2])
    ddo = login(officer(ddo_office))
    ddo.post(reverse("enrolment:act", args=[family.number, "return"]), {"reason": "Son's name is misspelt"})
    family.refresh_from_db()
    assert family.status == Status.RETURNED and family.reason == "Son's name is misspelt"
    assert "Son's name is misspelt" in phone.last("9812345670")

    employee = type(client)()
    assert employee.get(reverse("enrolment:family", args=[family.number])).status_code == 404
    response = employee.post(reverse("enrolment:access"), {"number": family.number.lower()})
    assert response.url == reverse("enrolment:access_verify")
    response = employee.post(reverse("enrolment:access_verify"), {"otp": phone.otp("9812345670")})
    assert response.url == reverse("enrolment:family", args=[family.number])
    son = family.members.get(relation="son")
    response = employee.post(reverse("enrolment:edit_member", args=[family.number, son.pk]),
                             dependent_post(name_en="Aman Kumar Singh", aadhaar=""))
    assert response.status_code == 302, response.context["form"].errors
    son.refresh_from_db()
    assert son.name_en == "Aman Kumar Singh" and son.aadhaar_last4 == aadhaar(2)[-4:]
    employee.post(reverse("enrolment:resubmit", args=[family.number]))
    family.refresh_from_db()
    assert family.status == Status.RESUBMITTED
    actions = list(Event.objects.filter(target_type="enrolment.family", target_id=str(family.pk))
                   .order_by("at", "id").values_list("action", flat=True))
    moves = [a for a in actions if a in ("enrolment.family.submitted", "enrolment.family.returned",
                                         "enrolment.family.resubmitted")]
    assert moves == ["enrolment.family.submitted", "enrolment.family.returned", "enrolment.family.resubmitted"]
    review = ddo.get(reverse("enrolment:review", args=[family.number])).content.decode()
    assert "Son&#x27;s name is misspelt" in review and "Aman Kumar Singh" in review
    assert family.number in listed(ddo)


def test_reject_needs_a_reason_and_frees_the_aadhaar_for_a_new_registration(ddo_office, login, client, phone,
                                                                            primary_post):
    family = register(ddo_office, n=1, mobile="9812345670")
    ddo = login(officer(ddo_office))
    ddo.post(reverse("enrolment:act", args=[family.number, "reject"]), {"reason": ""})
    family.refresh_from_db()
    assert family.status == Status.SUBMITTED
    ddo.post(reverse("enrolment:act", args=[family.number, "reject"]), {"reason": "Not an employee of this office"})
    family.refresh_from_db()
    assert family.status == Status.REJECTED
    assert not Member.objects.filter(family=family, holds_primary=True).exists()
    assert "Not an employee of this office" in phone.last("9812345670")

    employee = type(client)()
    response = employee.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]),
                             primary_post(aadhaar=aadhaar(1), mobile="9812345679"))
    assert response.status_code == 302, response.context["form"].errors
    assert Family.objects.exclude(pk=family.pk).get().members.get().aadhaar_last4 == aadhaar(1)[-4:]


def test_signed_form_receipt_is_recorded_with_its_date(ddo_office, login):
    family = register(ddo_office, n=1, mobile="9812345670")
    ddo = login(officer(ddo_office))
    ddo.post(reverse("enrolment:act", args=[family.number, "form-received"]), {"received_on": ""})
    family.refresh_from_db()
    assert family.form_received_on is None
    ddo.post(reverse("enrolment:act", args=[family.number, "form-received"]), {"received_on": "2026-11-20"})
    family.refresh_from_db()
    assert family.form_received_on == datetime.date(2026, 11, 20)
    assert Event.objects.filter(action="enrolment.family.form_received", target_id=str(family.pk)).exists()


def test_signed_form_cannot_be_received_on_a_day_still_to_come(ddo_office, login):
    from portal import clock

    family = register(ddo_office, n=1, mobile="9812345670")
    ddo = login(officer(ddo_office))
    ddo.cookies["portal_language"] = "en"
    tomorrow = (clock.today() + datetime.timedelta(days=1)).isoformat()
    response = ddo.post(reverse("enrolment:act", args=[family.number, "form-received"]), {"received_on": tomorrow},
                        follow=True)
    family.refresh_from_db()
    assert family.form_received_on is None
    assert "cannot have been received on a day still to come" in response.content.decode()


def test_bulk_verify_verifies_only_waiting_families_of_own_offices_and_reports_the_rest(ddo_office, agra_office,
                                                                                      login, system):
    first = register(ddo_office, n=1, mobile="9812345670")
    second = register(ddo_office, n=3, mobile="9812345671")
    returned = register(ddo_office, n=5, mobile="9812345672")
    services.return_family(actor=system, family=returned, reason="Photo unclear")
    elsewhere = register(agra_office, n=7, mobile="9812345673")
    ddo = login(officer(ddo_office))
    response = ddo.post(reverse("enrolment:bulk_verify"),
                        {"number": [first.number, second.number, returned.number, elsewhere.number]}, follow=True)
    statuses = {f.number: Family.objects.get(pk=f.pk).status for f in (first, second, returned, elsewhere)}
    assert statuses == {first.number: Status.VERIFIED, second.number: Status.VERIFIED,
                        returned.number: Status.RETURNED, elsewhere.number: Status.SUBMITTED}
    from django.utils import translation

    with translation.override("en"):
        notes = [str(m) for m in response.context["messages"]]
    assert any(returned.number in note for note in notes)
    # Another office's number is answered as if it did not exist: nothing about its state.
    from django.utils.translation import gettext

    expected = set()
    for language in ("hi", "en"):
        with translation.override(language):
            expected.add(f"{elsewhere.number}: " + gettext("not found among your office's registrations."))
    assert [n for n in notes if elsewhere.number in n] and all(n in expected for n in notes if elsewhere.number in n)


def test_treasury_officer_verifies_pensioners_of_their_treasury(submitted, geo, login, client, primary_post, phone):
    to_office = submitted(stage="approved", kind="to", ddo_code="", treasury=geo["t_agra"],
                          mobile="9876500031").offices.get().office
    response = client.post(reverse("enrolment:start"), {"kind": "pensioner", "treasury": geo["t_agra"].pk})
    assert response.url == reverse("enrolment:new", args=[to_office.code, "pensioner"])
    response = client.post(response.url, primary_post(ppo_number="PPO/UP/2024/771", retirement_date="2024-06-30"))
    assert response.status_code == 302, response.context["form"].errors
    family = Family.objects.get()
    client.post(reverse("enrolment:upload_photo", args=[family.number, family.members.get().pk]), {"photo": photo_file()})
    client.post(reverse("enrolment:submit", args=[family.number]))
    to = login(officer(to_office))
    assert family.number in listed(to)
    to.post(reverse("enrolment:act", args=[family.number, "verify"]))
    family.refresh_from_db()
    assert family.kind == "pensioner" and family.ppo_number == "PPO/UP/2024/771"
    assert family.status == Status.VERIFIED and family.user.username in phone.last("9812345670")


def test_operator_views_but_cannot_verify(ddo_office, make_user, login):
    family = register(ddo_office, n=1, mobile="9812345670")
    operator = login(make_user(Role.OPERATOR, office=ddo_office))
    assert operator.get(reverse("enrolment:review", args=[family.number])).status_code == 200
    assert operator.post(reverse("enrolment:act", args=[family.number, "verify"])).status_code == 403
    assert operator.post(reverse("enrolment:bulk_verify"), {"number": [family.number]}).status_code == 403
    family.refresh_from_db()
    assert family.status == Status.SUBMITTED and family.user is None


def test_district_officer_sees_families_of_their_district_read_only(ddo_office, make_user, geo, login):
    family = register(ddo_office, n=1, mobile="9812345670")
    lucknow = login(make_user(Role.DISTRICT, district=geo["lucknow"]))
    assert family.number in listed(lucknow)
    review = lucknow.get(reverse("enrolment:review", args=[family.number])).content.decode()
    assert family.number in review
    assert reverse("enrolment:act", args=[family.number, "verify"]) not in review
    assert lucknow.post(reverse("enrolment:act", args=[family.number, "verify"])).status_code == 403
    family.refresh_from_db()
    assert family.status == Status.SUBMITTED
    agra = login(make_user(Role.DISTRICT, district=geo["agra"]))
    assert agra.get(reverse("enrolment:review", args=[family.number])).status_code == 404
    assert family.number not in listed(agra)


def test_second_primary_registration_with_the_same_aadhaar_is_refused_naming_the_first(ddo_office, client,
                                                                                     primary_post):
    first = register(ddo_office, n=1, mobile="9812345670")
    response = client.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]),
                           primary_post(aadhaar=aadhaar(1), mobile="9812345679", name_en="Sunita Kumari"))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["aadhaar"])
    assert first.number in errors
    page = response.content.decode()
    assert first.number in page and aadhaar(1) not in page
    assert Family.objects.count() == 1


def test_dependent_in_another_live_family_is_flagged_both_ways_and_resolved(ddo_office, agra_office, login,
                                                                          make_user):
    first = register(ddo_office, n=1, mobile="9812345670", sons=[9])
    second = register(agra_office, n=3, mobile="9812345671", sons=[9])
    mine, theirs = first.members.get(relation="son"), second.members.get(relation="son")
    flags = DuplicateFlag.objects.filter(state=DuplicateFlag.State.OPEN)
    assert set(flags.values_list("member_id", "other_id")) == {(mine.pk, theirs.pk), (theirs.pk, mine.pk)}
    ddo = login(officer(ddo_office))
    review = ddo.get(reverse("enrolment:review", args=[first.number])).content.decode()
    assert second.number in review and f"XXXX XXXX {aadhaar(9)[-4:]}" in review and aadhaar(9) not in review
    page = ddo.get(reverse("enrolment:duplicates")).content.decode()
    assert first.number in page and second.number in page
    flag = flags.get(member=mine)
    ddo.post(reverse("enrolment:duplicate_resolve", args=[flag.pk]), {"reason": ""})
    assert flags.count() == 2
    ddo.post(reverse("enrolment:duplicate_resolve", args=[flag.pk]), {"reason": "Kept with the mother's family"})
    assert not flags.exists()
    assert DuplicateFlag.objects.filter(state="resolved", resolution="Kept with the mother's family").count() == 2


def test_state_cell_resolves_a_duplicate_and_helpdesk_cannot(ddo_office, agra_office, login, make_user):
    first = register(ddo_office, n=1, mobile="9812345670", sons=[9])
    register(agra_office, n=3, mobile="9812345671", sons=[9])
    flag = DuplicateFlag.objects.get(member__family=first)
    helpdesk = login(make_user(Role.HELPDESK))
    assert first.number in helpdesk.get(reverse("enrolment:duplicates")).content.decode()
    assert helpdesk.post(reverse("enrolment:duplicate_resolve", args=[flag.pk]), {"reason": "x"}).status_code == 403
    assert DuplicateFlag.objects.filter(state="open").count() == 2
    state = make_user(Role.STATE)
    login(state).post(reverse("enrolment:duplicate_resolve", args=[flag.pk]), {"reason": "Both parents agreed"})
    assert set(DuplicateFlag.objects.values_list("state", "resolved_by")) == {("resolved", state.pk)}
