"""Every state change of a registration leaves an audit event naming who did it: entering and
editing the family, photos, submission, the DDO/TO's decisions, the signed form, changes after
verification, transfers and duplicate Aadhaar numbers."""

import datetime
import uuid

import pytest

from portal.audit.models import Event
from portal.audit.services import Actor
from portal.enrolment import changes, services
from portal.enrolment.models import DuplicateFlag, Family, PayLevel
from portal.vault import services as vault

from .conftest import SON, aadhaar, officer, photo_file, register

pytestmark = pytest.mark.django_db


def as_actor(user) -> Actor:
    return Actor(user=user, role=user.role, label=user.username)


def actions(family: Family) -> list[str]:
    return list(Event.objects.filter(target_type="enrolment.family", target_id=str(family.pk))
                .order_by("at", "id").values_list("action", flat=True))


def test_the_applicants_work_and_the_ddos_decisions_are_each_audited(ddo_office):
    applicant = Actor.system("applicant")
    ddo = as_actor(officer(ddo_office))
    data = {"name_en": "Sunita Devi", "name_hi": "सुनीता देवी", "guardian_name": "Ramesh Kumar",
            "date_of_birth": datetime.date(1980, 5, 17), "gender": "female", "mobile": "9812345670", "email": "",
            "address": "Lucknow", "pay_level": PayLevel.objects.get(code="7"), "employee_id": "EMP1001",
            "designation": "Staff Nurse", "date_of_joining": datetime.date(2005, 7, 1)}
    family = services.start_family(actor=applicant, office=ddo_office, kind="employee", data=data,
                                   aadhaar=vault.store(aadhaar(1)), photo=None, token=uuid.uuid4(), language="hi")
    services.update_primary(actor=applicant, family=family, data={**data, "address": "Hazratganj, Lucknow"},
                            aadhaar=family.primary.aadhaar, photo=None)
    son = services.save_dependent(actor=applicant, family=family, data=SON, aadhaar=vault.store(aadhaar(2)), photo=None)
    extra = services.save_dependent(actor=applicant, family=family, data={**SON, "name_en": "Vivek Kumar"},
                                    aadhaar=vault.store(aadhaar(3)), photo=None)
    services.delete_dependent(actor=applicant, family=family, member=extra)
    for member in family.members.all():
        services.set_photo(actor=applicant, family=family, member=member, upload=photo_file(size=(150, 200)))
    services.submit_family(actor=applicant, family=family)
    services.return_family(actor=ddo, family=family, reason="Photo unclear")
    services.resubmit_family(actor=applicant, family=Family.objects.get(pk=family.pk))
    services.mark_form_received(actor=ddo, family=Family.objects.get(pk=family.pk), received_on=datetime.date(2026, 11, 20))
    services.verify_family(actor=ddo, family=Family.objects.get(pk=family.pk))
    assert actions(family) == [
        "enrolment.family.started", "enrolment.family.edited", "enrolment.member.saved", "enrolment.member.saved",
        "enrolment.member.deleted", "enrolment.member.photo", "enrolment.member.photo", "enrolment.family.submitted",
        "enrolment.family.returned", "enrolment.family.resubmitted", "enrolment.family.form_received",
        "enrolment.family.verified",
    ]
    returned = Event.objects.get(target_id=str(family.pk), action="enrolment.family.returned")
    assert returned.details["reason"] == "Photo unclear" and returned.actor_id == ddo.user.pk
    assert Event.objects.get(target_id=str(family.pk), action="enrolment.family.verified").actor_id == ddo.user.pk
    assert family.members.filter(pk=son.pk, active=True).exists()


def test_rejection_changes_transfers_and_duplicates_are_each_audited(ddo_office, submitted, geo, system):
    agra = submitted(stage="approved", ddo_code="4275", treasury=geo["t_agra"], district=geo["agra"],
                     mobile="9876500021").offices.get().office
    rejected = register(ddo_office, n=5, mobile="9812345679")
    services.reject_family(actor=system, family=rejected, reason="Not an employee of this office")
    assert actions(rejected)[-1] == "enrolment.family.rejected"

    family = register(ddo_office, n=1, mobile="9812345670", sons=[2])
    services.verify_family(actor=system, family=family)
    family.refresh_from_db()
    son = family.members.get(relation="son")
    change = changes.request_change(actor=as_actor(family.user), family=family, type="correct", member=son,
                                    data={"name_en": "Aman Kumar Verma"}, reason="Surname missing")
    changes.decide_change(actor=system, change=change, approve=True)
    other = register(agra, n=7, mobile="9812345671", sons=[2], employee_id="EMP7007")  # the same son
    flag = DuplicateFlag.objects.filter(member__family=other).first()
    assert flag is not None
    services.resolve_duplicate(actor=system, flag=flag, resolution="Stays with the mother's family")
    transfer = changes.request_transfer(actor=as_actor(officer(ddo_office)), family=family, to_office=agra)
    changes.decide_transfer(actor=as_actor(officer(agra)), transfer=transfer, accept=True)
    tail = [a for a in actions(family) if a.startswith(("enrolment.change", "enrolment.transfer"))]
    assert tail == ["enrolment.change.requested", "enrolment.change.approved", "enrolment.transfer.requested",
                    "enrolment.transfer.accepted"]
    assert "enrolment.duplicate.resolved" in actions(other)
    assert "enrolment.family.duplicates_flagged" in actions(other)
