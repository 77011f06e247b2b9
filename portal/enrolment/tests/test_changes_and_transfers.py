"""After verification: the beneficiary asks for changes that the DDO decides; a family moves to
another DDO's office, or at retirement to the Treasury Officer who pays the pension."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from portal import clock
from portal.enrolment.models import ChangeRequest, Family, Member, Status, Transfer
from portal.notify.models import Message

from .conftest import aadhaar, officer, photo_file, register

pytestmark = pytest.mark.django_db

MOBILE = "9812345670"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def family(ddo_office):
    """A verified family of the DDO office: Sunita (self) and her son Aman."""
    family = register(ddo_office, n=1, mobile=MOBILE, sons=[2])
    signed_in(officer(ddo_office)).post(reverse("enrolment:act", args=[family.number, "verify"]))
    family.refresh_from_db()
    assert family.status == Status.VERIFIED
    return family


@pytest.fixture
def ddo(ddo_office):
    return signed_in(officer(ddo_office))


@pytest.fixture
def beneficiary(family):
    return signed_in(family.user)


@pytest.fixture
def agra_office(submitted, geo):
    return submitted(stage="approved", ddo_code="4275", treasury=geo["t_agra"], district=geo["agra"],
                     mobile="9876500021").offices.get().office


def ask(client, kind, data):
    return client.post(reverse("enrolment:change_new", args=[kind]), data)


def decide(client, change, decision, reason=""):
    return client.post(reverse("enrolment:change_decide", args=[change.pk, decision]), {"reason": reason})


def test_newborn_son_is_added_once_the_ddo_approves(family, beneficiary, ddo, dependent_post, phone):
    born = (clock.today() - datetime.timedelta(days=20)).isoformat()
    response = ask(beneficiary, "add", dependent_post(name_en="Baby Kumar", name_hi="बेबी कुमार", date_of_birth=born,
                                                      aadhaar=aadhaar(7)))
    assert response.status_code == 302, response.context["form"].errors
    change = ChangeRequest.objects.get(family=family)
    assert change.type == "add" and change.state == ChangeRequest.State.PENDING
    assert not family.members.filter(name_en="Baby Kumar").exists()
    assert family.number in ddo.get(reverse("enrolment:changes")).content.decode()
    decide(ddo, change, "approve")
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.APPROVED
    baby = family.members.get(name_en="Baby Kumar")
    assert baby.active and baby.relation == "son" and baby.aadhaar_last4 == aadhaar(7)[-4:]
    decided = Message.objects.get(to=MOBILE, template="family_change_decided")
    assert decided.created_at >= change.decided_at and family.number in phone.last(MOBILE)
    assert "Baby Kumar" in beneficiary.get(reverse("enrolment:my_family")).content.decode()


def test_deceased_dependent_is_removed_after_approval(family, beneficiary, ddo):
    son = family.members.get(relation="son")
    response = ask(beneficiary, "remove", {"member": son.pk, "reason": "Deceased on 01.11.2026"})
    assert response.status_code == 302, response.context["form"].errors
    son.refresh_from_db()
    assert son.active
    decide(ddo, ChangeRequest.objects.get(family=family), "approve")
    son.refresh_from_db()
    assert not son.active and son.removed_reason == "Deceased on 01.11.2026"
    assert "Aman Kumar" not in beneficiary.get(reverse("enrolment:my_family")).content.decode()


def test_the_primary_cannot_be_removed_by_a_change(family, beneficiary):
    primary = family.members.get(relation="self")
    response = ask(beneficiary, "remove", {"member": primary.pk, "reason": "Retired"})
    assert response.status_code == 200 and "member" in response.context["form"].errors
    assert not ChangeRequest.objects.exists()


def test_name_correction_applies_after_approval(family, beneficiary, ddo):
    son = family.members.get(relation="son")
    response = ask(beneficiary, "correct", {"member": son.pk, "name_en": "Aman Kumar Verma", "name_hi": "",
                                            "date_of_birth": "", "reason": "Surname missing"})
    assert response.status_code == 302, response.context["form"].errors
    son.refresh_from_db()
    assert son.name_en == "Aman Kumar"
    decide(ddo, ChangeRequest.objects.get(family=family), "approve")
    son.refresh_from_db()
    assert son.name_en == "Aman Kumar Verma" and son.date_of_birth == datetime.date(2008, 2, 1)


def test_new_photo_replaces_the_old_one_after_approval(family, beneficiary, ddo):
    son = family.members.get(relation="son")
    old = son.photo_id
    response = beneficiary.post(reverse("enrolment:change_new", args=["photo"]),
                                {"member": son.pk, "photo": photo_file(color=(20, 200, 20))})
    assert response.status_code == 302, response.context["form"].errors
    son.refresh_from_db()
    assert son.photo_id == old
    decide(ddo, ChangeRequest.objects.get(family=family), "approve")
    son.refresh_from_db()
    assert son.photo_id not in (None, old)


def test_ineligible_addition_is_refused_at_once_naming_the_rule(family, beneficiary, dependent_post):
    response = ask(beneficiary, "add", dependent_post(name_en="Vikas Kumar", date_of_birth="1995-01-01",
                                                      aadhaar=aadhaar(7)))
    assert response.status_code == 200
    assert "R-SON" in " ".join(response.context["form"].errors["date_of_birth"])
    assert not ChangeRequest.objects.exists()


def test_ddo_rejects_a_change_only_with_a_reason(family, beneficiary, ddo, dependent_post, phone):
    born = (clock.today() - datetime.timedelta(days=20)).isoformat()
    ask(beneficiary, "add", dependent_post(name_en="Baby Kumar", date_of_birth=born, aadhaar=aadhaar(7)))
    change = ChangeRequest.objects.get(family=family)
    decide(ddo, change, "reject")
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.PENDING
    decide(ddo, change, "reject", "Birth certificate not attached")
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.REJECTED and change.reason == "Birth certificate not attached"
    assert "Birth certificate not attached" in phone.last(MOBILE)
    assert not family.members.filter(name_en="Baby Kumar").exists()


def test_another_offices_ddo_cannot_decide_a_change(family, beneficiary, agra_office):
    son = family.members.get(relation="son")
    ask(beneficiary, "remove", {"member": son.pk, "reason": "Married"})
    change = ChangeRequest.objects.get(family=family)
    other = signed_in(officer(agra_office))
    assert family.number not in other.get(reverse("enrolment:changes")).content.decode()
    assert decide(other, change, "approve").status_code == 404
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.PENDING


def request_transfer(ddo, family, geo):
    return ddo.post(reverse("enrolment:transfer", args=[family.number]),
                    {"treasury": geo["t_agra"].pk, "ddo_code": "4275"})


def test_transfer_is_accepted_by_the_receiving_ddo_only(family, ddo, ddo_office, agra_office, geo, phone):
    response = request_transfer(ddo, family, geo)
    assert response.status_code == 302, response.context["form"].errors
    transfer = Transfer.objects.get(family=family)
    assert transfer.to_office == agra_office and transfer.state == Transfer.State.PENDING
    receiving = signed_in(officer(agra_office))
    assert family.number in receiving.get(reverse("enrolment:changes")).content.decode()
    assert family.number not in ddo.get(reverse("enrolment:changes")).content.decode()
    assert ddo.post(reverse("enrolment:transfer_decide", args=[transfer.pk, "accept"])).status_code == 404
    family.refresh_from_db()
    assert family.office == ddo_office
    receiving.post(reverse("enrolment:transfer_decide", args=[transfer.pk, "accept"]))
    family.refresh_from_db()
    assert family.office == agra_office and Transfer.objects.get().state == Transfer.State.ACCEPTED
    assert ddo.get(reverse("enrolment:review", args=[family.number])).status_code == 404
    assert receiving.get(reverse("enrolment:review", args=[family.number])).status_code == 200
    assert family.number in phone.last(MOBILE) and agra_office.name_en in phone.last(MOBILE)


def test_transfer_not_accepted_leaves_the_family_where_it_was(family, ddo, ddo_office, agra_office, geo):
    request_transfer(ddo, family, geo)
    transfer = Transfer.objects.get(family=family)
    receiving = signed_in(officer(agra_office))
    assert 'name="t%d-reason"' % transfer.pk in receiving.get(reverse("enrolment:changes")).content.decode()
    receiving.post(reverse("enrolment:transfer_decide", args=[transfer.pk, "reject"]), {})  # no reason: refused
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.PENDING
    receiving.post(reverse("enrolment:transfer_decide", args=[transfer.pk, "reject"]),
                   {f"t{transfer.pk}-reason": "Not posted here"})
    family.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.REJECTED and family.office == ddo_office
    review = ddo.get(reverse("enrolment:review", args=[family.number]))
    assert review.status_code == 200 and "Not posted here" in review.content.decode()  # the sender learns why


def test_retirement_moves_the_family_to_the_treasury_officer_as_pensioners(family, ddo, submitted, geo):
    to_office = submitted(stage="approved", kind="to", ddo_code="", treasury=geo["t_agra"],
                          mobile="9876500031").offices.get().office
    members = set(family.members.filter(active=True).values_list("pk", flat=True))
    response = ddo.post(reverse("enrolment:retire", args=[family.number]),
                        {"treasury": geo["t_agra"].pk, "ppo_number": "PPO/UP/2026/5521", "retirement_date": "2026-10-31"})
    assert response.status_code == 302, response.context["form"].errors
    transfer = Transfer.objects.get(family=family)
    assert transfer.type == Transfer.Type.RETIREMENT and transfer.to_office == to_office
    to = signed_in(officer(to_office))
    waiting = to.get(reverse("enrolment:changes")).content.decode()
    assert family.number in waiting and "पीपीओ संख्या PPO/UP/2026/5521" in waiting  # labelled in Hindi too
    to.post(reverse("enrolment:transfer_decide", args=[transfer.pk, "accept"]))
    family = Family.objects.get(pk=family.pk)
    assert family.kind == "pensioner" and family.office == to_office
    assert family.ppo_number == "PPO/UP/2026/5521" and family.retirement_date == datetime.date(2026, 10, 31)
    assert set(Member.objects.filter(family=family, active=True).values_list("pk", flat=True)) == members
    assert family.status == Status.VERIFIED
    assert to.get(reverse("enrolment:review", args=[family.number])).status_code == 200
    assert ddo.get(reverse("enrolment:review", args=[family.number])).status_code == 404


def test_transfer_to_a_ddo_code_with_no_registered_ddo_is_explained_at_the_field_in_both_languages(family, ddo, geo):
    response = ddo.post(reverse("enrolment:transfer", args=[family.number]),
                        {"treasury": geo["t_agra"].pk, "ddo_code": "9999"})
    assert response.status_code == 200 and not Transfer.objects.exists()
    page = response.content.decode()
    error = page[page.index('id="id_ddo_code_error"'):]
    error = error[:error.index("</p>")]
    assert "No registered DDO/TO was found for this." in error and "पंजीकृत" in error


def test_corrected_date_of_birth_in_the_future_is_refused_at_the_field(family, beneficiary):
    son = family.members.get(relation="son")
    tomorrow = (clock.today() + datetime.timedelta(days=1)).isoformat()
    response = ask(beneficiary, "correct", {"member": son.pk, "date_of_birth": tomorrow, "reason": "Wrong year"})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["date_of_birth"])
    assert "future" in errors or "भविष्य" in errors
    assert not ChangeRequest.objects.exists()


def test_corrected_date_of_birth_that_breaks_the_relations_rule_is_refused_naming_it(family, beneficiary):
    son = family.members.get(relation="son")
    response = ask(beneficiary, "correct", {"member": son.pk, "date_of_birth": "1990-02-01", "reason": "Typo"})
    assert response.status_code == 200
    assert "R-SON" in " ".join(response.context["form"].errors["date_of_birth"])
    assert not ChangeRequest.objects.exists()
    primary = family.members.get(relation="self")
    too_young = (clock.today() - datetime.timedelta(days=365 * 10)).isoformat()
    response = ask(beneficiary, "correct", {"member": primary.pk, "date_of_birth": too_young, "reason": "Typo"})
    assert response.status_code == 200 and "date_of_birth" in response.context["form"].errors


def test_correction_is_checked_again_when_the_ddo_decides_under_a_changed_rule(family, beneficiary, ddo):
    from portal.enrolment.models import EligibilityRule

    son = family.members.get(relation="son")
    corrected = datetime.date(clock.today().year - 20, 2, 1)
    response = ask(beneficiary, "correct", {"member": son.pk, "date_of_birth": corrected.isoformat(), "reason": "Typo"})
    assert response.status_code == 302, response.context["form"].errors
    EligibilityRule.objects.filter(code="R-SON").update(max_age=18)  # a new government order meanwhile
    change = ChangeRequest.objects.get(family=family)
    decide(ddo, change, "approve")
    change.refresh_from_db()
    son.refresh_from_db()
    assert change.state == ChangeRequest.State.PENDING and son.date_of_birth == datetime.date(2008, 2, 1)


def test_ddo_sees_an_added_member_in_words_with_the_photo_and_masked_aadhaar(family, beneficiary, ddo,
                                                                              dependent_post):
    born = clock.today() - datetime.timedelta(days=20)
    response = beneficiary.post(reverse("enrolment:change_new", args=["add"]), {
        **dependent_post(name_en="Baby Kumar", name_hi="बेबी कुमार", date_of_birth=born.isoformat(),
                         aadhaar=aadhaar(7)), "photo": photo_file(color=(200, 30, 30))})
    assert response.status_code == 302, response.context["form"].errors
    ddo.cookies["portal_language"] = "en"
    page = ddo.get(reverse("enrolment:changes")).content.decode()
    assert "Son" in page and born.strftime("%d.%m.%Y") in page and "Unmarried" in page
    assert f"XXXX XXXX {aadhaar(7)[-4:]}" in page and aadhaar(7) not in page
    assert 'src="data:image/jpeg;base64,' in page
    assert ">son<" not in page and born.isoformat() not in page  # no stored codes
    decide(ddo, ChangeRequest.objects.get(family=family), "approve")
    baby = family.members.get(name_en="Baby Kumar")
    assert baby.photo_id is not None


def test_ddo_sees_the_photo_now_beside_the_new_one_and_a_correction_as_before_and_after(family, beneficiary, ddo):
    son = family.members.get(relation="son")
    beneficiary.post(reverse("enrolment:change_new", args=["photo"]), {"member": son.pk, "photo": photo_file()})
    ask(beneficiary, "correct", {"member": son.pk, "name_en": "Aman Kumar Verma", "reason": "Surname missing"})
    ddo.cookies["portal_language"] = "en"
    page = ddo.get(reverse("enrolment:changes")).content.decode()
    assert f'src="{reverse("enrolment:photo", args=[son.pk])}"' in page and 'src="data:image/jpeg;base64,' in page
    assert "Aman Kumar → Aman Kumar Verma" in page and "Surname missing" in page


def test_changes_page_reads_the_same_number_of_queries_for_2_and_5_changes(family, beneficiary, ddo, dependent_post):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert ddo.get(reverse("enrolment:changes")).status_code == 200
        return len(seen)

    son = family.members.get(relation="son")
    beneficiary.post(reverse("enrolment:change_new", args=["photo"]), {"member": son.pk, "photo": photo_file()})
    ask(beneficiary, "add", dependent_post(name_en="Baby Kumar", date_of_birth=clock.today().isoformat(),
                                           aadhaar=aadhaar(7)))
    queries()  # the first page of a session also writes the session
    two = queries()
    ask(beneficiary, "add", dependent_post(name_en="Baby Verma", date_of_birth=clock.today().isoformat(),
                                           aadhaar=aadhaar(8)))
    ask(beneficiary, "correct", {"member": son.pk, "name_en": "Aman Kumar Verma", "reason": "Surname missing"})
    beneficiary.post(reverse("enrolment:change_new", args=["photo"]), {"member": son.pk, "photo": photo_file()})
    assert ChangeRequest.objects.count() == 5
    assert queries() == two


def test_a_refused_addition_leaves_no_photo_behind(family, beneficiary, dependent_post):
    from portal.enrolment.models import Photo

    before = Photo.objects.count()
    response = beneficiary.post(reverse("enrolment:change_new", args=["add"]), {
        **dependent_post(name_en="Vikas Kumar", date_of_birth="1995-01-01", aadhaar=aadhaar(7)), "photo": photo_file()})
    assert response.status_code == 200 and "R-SON" in " ".join(response.context["form"].errors["date_of_birth"])
    assert Photo.objects.count() == before and not ChangeRequest.objects.exists()


def test_member_added_after_verification_who_is_in_another_family_is_flagged_both_ways(
        family, beneficiary, ddo, agra_office, dependent_post):
    from portal.enrolment.models import DuplicateFlag

    other = register(agra_office, n=9, mobile="9812345679", sons=[7], employee_id="EMP9009")  # the other parent
    born = (clock.today() - datetime.timedelta(days=20)).isoformat()
    ask(beneficiary, "add", dependent_post(name_en="Baby Kumar", date_of_birth=born, aadhaar=aadhaar(7)))
    assert not DuplicateFlag.objects.exists()  # nothing changes before the DDO verifies
    decide(ddo, ChangeRequest.objects.get(family=family), "approve")
    baby = family.members.get(name_en="Baby Kumar")
    theirs = other.members.get(relation="son")
    assert set(DuplicateFlag.objects.values_list("member", "other")) == {(baby.pk, theirs.pk), (theirs.pk, baby.pk)}
    page = ddo.get(reverse("enrolment:duplicates")).content.decode()
    assert other.number in page and f"XXXX XXXX {aadhaar(7)[-4:]}" in page and aadhaar(7) not in page
