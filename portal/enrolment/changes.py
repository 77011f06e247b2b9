"""After verification: changes to the family, transfers between offices, and retirement.
Each goes back to a DDO/TO for a decision."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.audit.services import Actor, record
from portal.directory.models import Office
from portal.notify.outbox import queue_sms
from portal.vault import services as vault
from portal.vault.models import AadhaarRecord

from .models import (
    ChangeRequest,
    Family,
    Kind,
    Member,
    Photo,
    Relation,
    Status,
    Transfer,
)
from .services import (
    MEMBER_FIELDS,
    EnrolmentError,
    _check_own_aadhaar,
    _eligible,
    _flag_duplicates,
    _member,
)


def _verified(family: Family) -> None:
    if family.status != Status.VERIFIED:
        raise EnrolmentError(_("Changes can be asked for once the registration is verified; until then, correct the "
                               "application itself."))


def _serialisable(data: dict) -> dict:
    out = {}
    for name in MEMBER_FIELDS:
        if data.get(name) not in (None, ""):
            value = data[name]
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


@transaction.atomic
def request_change(*, actor: Actor, family: Family, type: str, member: Member | None = None, data: dict | None = None,
                   aadhaar: AadhaarRecord | None = None, photo: Photo | None = None, photo_upload=None,
                   reason: str = "") -> ChangeRequest:
    """`photo_upload` (an uploaded file) is stored only once the request has passed its checks,
    so a refused request leaves no photo behind."""
    _verified(family)
    data = dict(data or {})
    if isinstance(aadhaar, str):
        aadhaar = vault.store_token(aadhaar)
    if type == ChangeRequest.Type.ADD:
        if data.get("relation") == Relation.SELF:
            raise EnrolmentError(_("The employee or pensioner is already in the family."), field="relation")
        _eligible(family, data, None)
        _check_own_aadhaar(family, aadhaar, None)
    elif member is None or member.family_id != family.pk or not member.active:
        raise EnrolmentError(_("Choose a member of this family."), field="member")
    if type == ChangeRequest.Type.CORRECT and data.get("date_of_birth"):
        _corrected_birth_allowed(family, member, data["date_of_birth"])
    if type == ChangeRequest.Type.REMOVE and member.relation == Relation.SELF:
        raise EnrolmentError(_("The employee or pensioner cannot be removed; ask the DDO/TO to close the registration."),
                             field="member")
    if photo_upload is not None:
        from .photos import save_photo

        photo = save_photo(photo_upload)
    payload = _serialisable(data)
    if aadhaar is not None:
        payload["aadhaar_id"] = aadhaar.pk
    if photo is not None:
        payload["photo_id"] = photo.pk
    if reason:
        payload["reason"] = reason
    change = ChangeRequest.objects.create(family=family, type=type, member=member, data=payload,
                                          requested_by=actor.user, requested_at=clock.now())
    record(actor=actor, action="enrolment.change.requested", target=family, details={"change": change.pk, "type": type})
    return change


def _corrected_birth_allowed(family: Family, member: Member, date_of_birth) -> None:
    """A corrected date of birth passes the same checks as a new member's: not in the future,
    and for a dependent the rule of their relation (a son corrected to 30 years is refused,
    naming R-SON), so a correction cannot bring in someone the scheme does not cover. For the
    employee/pensioner only the dates are checked (18 to 120 years)."""
    facts = {name: getattr(member, name) for name in MEMBER_FIELDS}
    _eligible(family, {**facts, "date_of_birth": date_of_birth}, member.pk)


def _apply(change: ChangeRequest) -> None:
    import datetime

    data = dict(change.data)
    if isinstance(data.get("date_of_birth"), str):
        data["date_of_birth"] = datetime.date.fromisoformat(data["date_of_birth"])
    family = change.family
    if change.type == ChangeRequest.Type.ADD:
        _eligible(family, data, None)
        aadhaar = AadhaarRecord.objects.get(pk=data["aadhaar_id"])
        _check_own_aadhaar(family, aadhaar, None)
        photo = Photo.objects.filter(pk=data.get("photo_id")).first()
        _member(family, data, aadhaar=aadhaar, photo=photo)
        _flag_duplicates(family, clock.now())
    elif change.type == ChangeRequest.Type.REMOVE:
        Member.objects.filter(pk=change.member_id).update(active=False, holds_primary=False,
                                                          removed_reason=data.get("reason", "")[:200])
    elif change.type == ChangeRequest.Type.CORRECT:
        member = change.member
        if data.get("date_of_birth"):  # checked again: the rules may have changed since the request
            _corrected_birth_allowed(family, member, data["date_of_birth"])
        for name in ("name_en", "name_hi", "date_of_birth"):
            if data.get(name):
                setattr(member, name, data[name])
        member.save()
    elif change.type == ChangeRequest.Type.PHOTO:
        Member.objects.filter(pk=change.member_id).update(photo_id=data["photo_id"])


@transaction.atomic
def decide_change(*, actor: Actor, change: ChangeRequest, approve: bool, reason: str = "") -> None:
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.state != ChangeRequest.State.PENDING:
        raise EnrolmentError(_("This request has already been decided."))
    if approve:
        _apply(change)
        # What the family shows has changed: the cards app's sweep looks at families by this.
        Family.objects.filter(pk=change.family_id).update(updated_at=clock.now())
    change.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.REJECTED
    change.decided_by, change.decided_at, change.reason = actor.user, clock.now(), reason
    change.save()
    record(actor=actor, action=f"enrolment.change.{change.state}", target=change.family,
           details={"change": change.pk, "type": change.type, "reason": reason})
    family = change.family
    decision = _("approved") if approve else _("not approved")
    queue_sms(to=family.mobile, template="family_change_decided", language=family.language,
              context={"number": family.number, "decision": _in(decision, family.language), "reason": reason})


def _in(text, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return str(text)


# --- transfer and retirement --------------------------------------------------------------

def _no_pending_move(family: Family) -> None:
    if family.transfers.filter(state=Transfer.State.PENDING).exists():
        raise EnrolmentError(_("A transfer of this family is already waiting for the receiving office."))


@transaction.atomic
def request_transfer(*, actor: Actor, family: Family, to_office: Office) -> Transfer:
    _verified(family)
    _no_pending_move(family)
    if family.kind != Kind.EMPLOYEE or to_office.kind != Office.Kind.DDO:
        raise EnrolmentError(_("An employee moves to another DDO's office; a pensioner's family stays with the TO."),
                             field="to_office")
    if to_office.pk == family.office_id:
        raise EnrolmentError(_("The family already belongs to this office."), field="to_office")
    transfer = Transfer.objects.create(family=family, type=Transfer.Type.TRANSFER, from_office=family.office,
                                       to_office=to_office, requested_by=actor.user, requested_at=clock.now())
    record(actor=actor, action="enrolment.transfer.requested", target=family,
           details={"to": to_office.code, "transfer": transfer.pk})
    return transfer


@transaction.atomic
def request_retirement(*, actor: Actor, family: Family, to_office: Office, ppo_number: str, retirement_date) -> Transfer:
    _verified(family)
    _no_pending_move(family)
    if family.kind != Kind.EMPLOYEE or to_office.kind != Office.Kind.TREASURY:
        raise EnrolmentError(_("At retirement an employee's family moves to the Treasury Officer who pays the pension."),
                             field="to_office")
    transfer = Transfer.objects.create(family=family, type=Transfer.Type.RETIREMENT, from_office=family.office,
                                       to_office=to_office, ppo_number=ppo_number, retirement_date=retirement_date,
                                       requested_by=actor.user, requested_at=clock.now())
    record(actor=actor, action="enrolment.retirement.requested", target=family,
           details={"to": to_office.code, "transfer": transfer.pk})
    return transfer


@transaction.atomic
def decide_transfer(*, actor: Actor, transfer: Transfer, accept: bool, reason: str = "") -> None:
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != Transfer.State.PENDING:
        raise EnrolmentError(_("This transfer has already been decided."))
    transfer.state = Transfer.State.ACCEPTED if accept else Transfer.State.REJECTED
    transfer.decided_by, transfer.decided_at, transfer.reason = actor.user, clock.now(), reason
    transfer.save()
    family = transfer.family
    if accept:
        family.office = transfer.to_office
        if transfer.type == Transfer.Type.RETIREMENT:
            family.kind = Kind.PENSIONER
            family.ppo_number = transfer.ppo_number
            family.retirement_date = transfer.retirement_date
        family.updated_at = clock.now()
        family.save()
        office = transfer.to_office.name_hi if family.language == "hi" else transfer.to_office.name_en
        queue_sms(to=family.mobile, template="family_moved", language=family.language,
                  context={"number": family.number, "office": office})
    record(actor=actor, action=f"enrolment.{transfer.type}.{transfer.state}", target=family,
           details={"transfer": transfer.pk, "to": transfer.to_office.code, "reason": reason})
