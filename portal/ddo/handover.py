"""Hand-over of charge: an office passes to a new officer; history is kept in the grants."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.accounts.access import live_grants_for_offices
from portal.accounts.models import Role, User
from portal.accounts.services import assign_offices, revoke_grant
from portal.audit.services import Actor, record
from portal.notify.otp import send_otp, verify_otp
from portal.notify.outbox import queue_sms

from .models import Handover

OTP_PURPOSE = "ddo.handover"
OTP_LABEL = _("confirm that you are taking over charge of a DDO/TO office")


class HandoverError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def send_incoming_otp(*, mobile: str, language: str, ip: str) -> None:
    """The incoming officer's mobile must be real: they read out the OTP to the outgoing one."""
    send_otp(purpose=OTP_PURPOSE, target=mobile, purpose_label=OTP_LABEL, language=language, ip=ip)


def check_handover(*, from_user: User, offices: list, new_mobile: str) -> None:
    """Everything that would make the request fail, checked before an OTP is spent on it."""
    if not offices:
        raise HandoverError(_("Choose at least one office."))
    held = {g.office_id for g in live_grants_for_offices(offices) if g.user_id == from_user.pk}
    if any(o.pk not in held for o in offices):
        raise HandoverError(_("Only offices in the outgoing officer's charge can be handed over."))
    if new_mobile == from_user.mobile:
        raise HandoverError(_("The incoming officer's mobile must differ from the outgoing officer's."))
    if Handover.objects.filter(state=Handover.State.PENDING, offices__in=offices).exists():
        raise HandoverError(_("A hand-over of one of these offices is already awaiting approval."))


def request_handover(*, actor: Actor, from_user: User, offices: list, data: dict, otp: str | None) -> Handover:
    """Filed by the outgoing officer (with the incoming officer's OTP) or by the state cell."""
    check_handover(from_user=from_user, offices=offices, new_mobile=data["new_mobile"])
    if otp is not None:
        verify_otp(purpose=OTP_PURPOSE, target=data["new_mobile"], code=otp)
    with transaction.atomic():
        handover = Handover.objects.create(from_user=from_user, requested_by=actor.user, requested_at=clock.now(), **data)
        handover.offices.set(offices)
        record(actor=actor, action="ddo.handover.requested", target=handover,
               details={"offices": [o.code for o in offices], "from": from_user.username})
    return handover


@transaction.atomic
def decide_handover(*, actor: Actor, handover: Handover, approve: bool, reason: str = "") -> None:
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.state != Handover.State.PENDING:
        raise HandoverError(_("This hand-over has already been decided."))
    handover.decided_by = actor.user
    handover.decided_at = clock.now()
    handover.reason = reason
    if not approve:
        handover.state = Handover.State.REJECTED
        handover.save()
        record(actor=actor, action="ddo.handover.rejected", target=handover, details={"reason": reason})
        return
    offices = list(handover.offices.all())
    role = handover.from_user.role
    note = f"handover {handover.pk}"
    for grant in live_grants_for_offices(offices).filter(user=handover.from_user):
        revoke_grant(actor=actor, grant=grant, note=note)
    incoming = assign_offices(actor=actor, role=role, offices=offices, note=note, person={
        "name_en": handover.new_name_en, "name_hi": handover.new_name_hi, "designation": handover.new_designation,
        "mobile": handover.new_mobile, "email": handover.new_email, "language": handover.from_user.language,
    })
    handover.new_user = incoming
    handover.state = Handover.State.APPROVED
    handover.save()
    record(actor=actor, action="ddo.handover.approved", target=handover,
           details={"to": incoming.username, "offices": [o.code for o in offices]})
    if not live_grants_for_offices(None).filter(user=handover.from_user).exists() and role in (Role.DDO, Role.TO):
        handover.from_user.is_active = False
        handover.from_user.save(update_fields=["is_active"])
        record(actor=actor, action="accounts.user.deactivated", target=handover.from_user,
               details={"reason": "no office left in charge after hand-over"})
    date = handover.effective_date.strftime("%d.%m.%Y")
    for person in {handover.from_user, incoming}:
        for office in offices:
            name = office.name_hi if person.language == "hi" else office.name_en
            queue_sms(to=person.mobile, template="charge_handed_over", language=person.language,
                      context={"office": name, "officer": incoming.name_en, "date": date})


def handover_by_state(*, actor: Actor, from_user: User, offices: list, data: dict) -> Handover:
    """The state cell records and approves a hand-over itself (the outgoing officer is not available)."""
    handover = request_handover(actor=actor, from_user=from_user, offices=offices, data=data, otp=None)
    decide_handover(actor=actor, handover=handover, approve=True, reason="recorded by the state cell")
    return handover
