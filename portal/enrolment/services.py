"""Every write in an employee's or pensioner's registration, up to verification by the DDO/TO."""

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.accounts.models import Role
from portal.accounts.services import create_beneficiaries
from portal.audit.services import Actor, record, record_many
from portal.i18n import later
from portal.lifecycle import move
from portal.notify.otp import send_otp, verify_otp
from portal.notify.outbox import queue_sms, queue_sms_many
from portal.uploads import SCAN_TYPES, read_checked, server_name
from portal.vault import services as vault

from .eligibility import Refusal, check_dependent
from .models import (
    PENDING,
    TRANSITIONS,
    DuplicateFlag,
    Family,
    Member,
    Relation,
    Status,
)
from .selectors import stored_number

ACCESS_PURPOSE = "enrolment.access"
ACCESS_LABEL = _("open your registration for the cashless treatment scheme")
CONSENT_PURPOSE = "enrolment.consent"
CONSENT_LABEL = _("agree that the office computer operator registers your family")
FAMILY_FIELDS = ("mobile", "email", "address", "employee_id", "designation", "pay_level", "date_of_joining",
                 "ppo_number", "retirement_date")
MEMBER_FIELDS = ("relation", "name_en", "name_hi", "guardian_name", "date_of_birth", "gender", "marital_status",
                 "disabled", "dependent", "monthly_income")
MAX_MEMBERS = 15


class EnrolmentError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _move(family: Family, to: str, *, actor: Actor, reason: str = "", **details) -> None:
    move(family, to, transitions=TRANSITIONS, statuses=Status, error=EnrolmentError, actor=actor,
         action="enrolment.family", reason=reason, **details)


def _sms(family: Family, template: str, **context) -> None:
    queue_sms(to=family.mobile, template=template, language=family.language,
              context={"number": family.number, **context})


def _check_own_aadhaar(family: Family, aadhaar, member_id: int | None) -> None:
    """One person once per family."""
    same = Member.objects.filter(family=family, aadhaar=aadhaar, active=True)
    if member_id:
        same = same.exclude(pk=member_id)
    if same.exists():
        raise EnrolmentError(_("This Aadhaar number is already entered for another member of this family."),
                             field="aadhaar")


def _check_primary_elsewhere(family: Family, aadhaar) -> None:
    other = (Member.objects.filter(aadhaar=aadhaar, holds_primary=True).exclude(family=family)
             .select_related("family", "family__office").first())
    if other:
        number, office = other.family.number, other.family.office.name
        raise EnrolmentError(later(lambda: _(
            "This Aadhaar number is already registered as an employee or pensioner (application %(number)s, "
            "office %(office)s). Ask that office, or the helpdesk, if this is wrong.") % {"number": number, "office": office}),
            field="aadhaar")


def _record(aadhaar):
    """A vault record from what a form hands over (a sealed token: stored now; or a record),
    and whether the vault made it just now: then no member anywhere holds it yet, and the
    duplicate checks would only read nothing."""
    return vault.put_token(aadhaar) if isinstance(aadhaar, str) else (aadhaar, False)


def _member(family: Family, data: dict, *, aadhaar, photo, member: Member | None = None) -> Member:
    member = member or Member(family=family, created_at=clock.now())
    for name in MEMBER_FIELDS:
        if name in data:
            setattr(member, name, data[name])
    member.aadhaar = aadhaar
    member.aadhaar_last4 = aadhaar.last4
    if photo is not None:
        member.photo = photo
    member.save()
    return member


@transaction.atomic
def start_family(*, actor: Actor, office, kind: str, data: dict, aadhaar, photo, token: uuid.UUID,
                 language: str) -> Family:
    """Save the primary beneficiary as a draft. The same form posted twice returns one draft."""
    existing = Family.objects.filter(submit_token=token).first()
    if existing:
        return existing
    aadhaar, new = _record(aadhaar)
    if not new:
        _check_primary_elsewhere(Family(pk=0), aadhaar)
    now = clock.now()
    family = Family(office=office, kind=kind, language=language, submit_token=token, created_at=now, updated_at=now,
                    created_by=actor.user if actor.user and actor.user.role == Role.OPERATOR else None,
                    consent="" if actor.user else "self")
    for name in FAMILY_FIELDS:
        if name in data:
            setattr(family, name, data[name])
    family.ward = family.pay_level.ward
    family.save()
    family.number = Family.number_for(family.pk, now.year)
    family.save(update_fields=["number"])
    _member(family, {**data, "relation": Relation.SELF}, aadhaar=aadhaar, photo=photo)
    record(actor=actor, action="enrolment.family.started", target=family,
           details={"kind": kind, "office": office.code, "aadhaar": f"XXXX{aadhaar.last4}"})
    return family


def _editable(family: Family) -> None:
    if not family.is_editable:
        raise EnrolmentError(_("This application can no longer be changed here."))


@transaction.atomic
def update_primary(*, actor: Actor, family: Family, data: dict, aadhaar, photo) -> Family:
    _editable(family)
    aadhaar, new = _record(aadhaar)
    primary = family.members.get(relation=Relation.SELF, active=True)
    if not new:
        _check_own_aadhaar(family, aadhaar, primary.pk)
        _check_primary_elsewhere(family, aadhaar)
    for name in FAMILY_FIELDS:
        if name in data:
            setattr(family, name, data[name])
    family.ward = family.pay_level.ward
    family.updated_at = clock.now()
    family.save()
    _member(family, {**data, "relation": Relation.SELF}, aadhaar=aadhaar, photo=photo, member=primary)
    record(actor=actor, action="enrolment.family.edited", target=family, details={"member": "self"})
    return family


def _eligible(family: Family, data: dict, member_id: int | None) -> None:
    try:
        check_dependent(family=family, relation=data["relation"], date_of_birth=data["date_of_birth"],
                        marital_status=data.get("marital_status", ""), disabled=data.get("disabled", False),
                        dependent=data.get("dependent", False), monthly_income=data.get("monthly_income") or 0,
                        member_id=member_id)
    except Refusal as refusal:
        raise EnrolmentError(refusal.message, field=refusal.field) from None


@transaction.atomic
def save_dependent(*, actor: Actor, family: Family, data: dict, aadhaar, photo, member: Member | None = None) -> Member:
    """Add a dependent, or change one, while the application can be edited."""
    _editable(family)
    if member is None and family.members.filter(active=True).count() >= MAX_MEMBERS:
        raise EnrolmentError(later(lambda: _("A family can have at most %(n)d members.") % {"n": MAX_MEMBERS}))
    if data["relation"] == Relation.SELF:
        raise EnrolmentError(_("The employee or pensioner is entered once, as the primary beneficiary."),
                             field="relation")
    _eligible(family, data, member.pk if member else None)
    aadhaar, new = _record(aadhaar)
    if not new:
        _check_own_aadhaar(family, aadhaar, member.pk if member else None)
    member = _member(family, data, aadhaar=aadhaar, photo=photo, member=member)
    family.updated_at = clock.now()
    family.save(update_fields=["updated_at"])
    record(actor=actor, action="enrolment.member.saved", target=family,
           details={"member": member.pk, "relation": member.relation})
    return member


@transaction.atomic
def set_photo(*, actor: Actor, family: Family, member: Member, upload) -> Member:
    """A photo for one member (its own small form, so a slow upload never costs typed data)."""
    from .photos import save_photo

    if not family.is_editable:
        raise EnrolmentError(_("This application can no longer be changed here."))
    member.photo = save_photo(upload)
    member.save(update_fields=["photo"])
    record(actor=actor, action="enrolment.member.photo", target=family, details={"member": member.pk})
    return member


@transaction.atomic
def delete_dependent(*, actor: Actor, family: Family, member: Member) -> None:
    _editable(family)
    if member.relation == Relation.SELF:
        raise EnrolmentError(_("The employee or pensioner cannot be removed from their own application."))
    member.delete()
    record(actor=actor, action="enrolment.member.deleted", target=family, details={"relation": member.relation})


def _flag_duplicates(family: Family, now) -> int:
    """Aadhaar numbers that also stand in another live family: flagged for both DDOs and the state."""
    created = 0
    for member in family.members.filter(active=True):
        others = (Member.objects.filter(aadhaar_id=member.aadhaar_id, active=True).exclude(family=family)
                  .exclude(family__status__in=[Status.DRAFT, Status.REJECTED]))
        for other in others:
            for a, b in ((member, other), (other, member)):
                _, new = DuplicateFlag.objects.get_or_create(member=a, other=b, defaults={"created_at": now})
                created += new
    return created


def _submit(family: Family, actor: Actor, to: str) -> Family:
    if not family.members.filter(relation=Relation.SELF, active=True).exists():
        raise EnrolmentError(_("Enter the employee or pensioner first."))
    without_photo = [m.name_en for m in family.members.filter(active=True, photo__isnull=True)]
    if without_photo:
        names = ", ".join(without_photo)
        raise EnrolmentError(later(lambda: _("Add a photo for: %(names)s.") % {"names": names}))
    primary = family.members.get(relation=Relation.SELF, active=True)
    _check_primary_elsewhere(family, primary.aadhaar)
    now = clock.now()
    family.submitted_at = family.submitted_at if to == Status.RESUBMITTED else now
    try:
        with transaction.atomic():
            Member.objects.filter(pk=primary.pk).update(holds_primary=True)
            _move(family, to, actor=actor)
    except IntegrityError:  # the same Aadhaar submitted as primary elsewhere a moment ago
        raise EnrolmentError(_("This Aadhaar number has just been registered as an employee or pensioner elsewhere."),
                             field="aadhaar") from None
    flags = _flag_duplicates(family, now)
    if flags:
        record(actor=actor, action="enrolment.family.duplicates_flagged", target=family, details={"flags": flags})
    return family


def submit_family(*, actor: Actor, family: Family, ip: str = "") -> Family:
    """The employee submits: the DDO/TO can now verify; an OTP opens the printable form."""
    with transaction.atomic():
        family = Family.objects.select_for_update().get(pk=family.pk)
        if family.status != Status.DRAFT:
            return family
        _submit(family, actor, Status.SUBMITTED)
        _sms(family, "family_submitted", office=family.office.name_hi if family.language == "hi" else family.office.name_en)
    send_access_otp(family=family, ip=ip)
    return family


def send_consent_otp(*, family: Family, ip: str = ""):
    return send_otp(purpose=f"{CONSENT_PURPOSE}:{family.number}", target=family.mobile, purpose_label=CONSENT_LABEL,
                    language=family.language, ip=ip)


def submit_assisted(*, actor: Actor, family: Family, otp: str = "", consent_upload=None) -> Family:
    """An operator submits for an employee, with the employee's OTP or their signed consent form."""
    if otp:
        # Checked before the transaction: a wrong code must stay counted when we refuse.
        verify_otp(purpose=f"{CONSENT_PURPOSE}:{family.number}", target=family.mobile, code=otp)
    elif consent_upload is None:
        raise EnrolmentError(_("Give the employee's OTP, or upload the consent form they signed."), field="otp")
    else:
        consent_data, kind = read_checked(consent_upload, allowed=SCAN_TYPES, max_bytes=settings.SCAN_MAX_BYTES)
    with transaction.atomic():
        family = Family.objects.select_for_update().get(pk=family.pk)
        if family.status != Status.DRAFT:
            return family
        if otp:
            family.consent = "employee_otp"
        else:
            family.consent_file.save(server_name(kind), ContentFile(consent_data), save=False)
            family.consent = "signed_form"
        _submit(family, actor, Status.SUBMITTED)
        _sms(family, "family_submitted",
             office=family.office.name_hi if family.language == "hi" else family.office.name_en)
    return family


@transaction.atomic
def resubmit_family(*, actor: Actor, family: Family) -> Family:
    family = Family.objects.select_for_update().get(pk=family.pk)
    if family.status != Status.RETURNED:
        raise EnrolmentError(_("Only an application returned for correction can be resubmitted."))
    return _submit(family, actor, Status.RESUBMITTED)


def find_for_access(number: str) -> Family | None:
    """The Employee Gateway's "open with an OTP": by the number as stored, on its unique index."""
    return Family.objects.filter(number=stored_number(number)).first()


def send_access_otp(*, family: Family, ip: str = ""):
    return send_otp(purpose=f"{ACCESS_PURPOSE}:{family.number}", target=family.mobile, purpose_label=ACCESS_LABEL,
                    language=family.language, ip=ip)


def verify_access(*, family: Family, code: str, actor: Actor) -> None:
    verify_otp(purpose=f"{ACCESS_PURPOSE}:{family.number}", target=family.mobile, code=code)
    record(actor=actor, action="enrolment.family.opened_with_otp", target=family)


# --- the DDO/TO's side ----------------------------------------------------------------

def _pending(family: Family) -> Family:
    family = Family.objects.select_for_update().get(pk=family.pk)
    if family.status not in PENDING:
        raise EnrolmentError(_("This application is not waiting for verification."))
    return family


@transaction.atomic
def verify_families(*, actor: Actor, families) -> tuple[list[Family], list[tuple[Family, str]]]:
    """Verify applications waiting with the DDO/TO, any number at once in a fixed number of
    queries: each primary beneficiary gets an account and an SMS with the user ID, and the
    family is ready for State Health Cards. Returns (verified, [(family, why not)])."""
    now = clock.now()
    locked = list(Family.objects.select_for_update().filter(pk__in=[f.pk for f in families]).order_by("pk"))
    ready = [f for f in locked if f.status in PENDING]
    skipped = [(f, str(_("This application is not waiting for verification."))) for f in locked if f not in ready]
    needs_user = [f for f in ready if f.user_id is None]
    primaries = {m.family_id: m for m in Member.objects.filter(family__in=needs_user, relation=Relation.SELF,
                                                                active=True).only("family_id", "name_en", "name_hi")}
    users = create_beneficiaries(actor=actor, note="verified registration", people=[
        {"name_en": primaries[f.pk].name_en, "name_hi": primaries[f.pk].name_hi, "designation": f.designation,
         "mobile": f.mobile, "email": f.email, "language": f.language} for f in needs_user
    ])
    for family, user in zip(needs_user, users):
        family.user = user
    previous = {f.pk: f.status for f in ready}
    # The same values for every row: one UPDATE, not a CASE per row and field; only the
    # accounts differ per family.
    Family.objects.filter(pk__in=[f.pk for f in ready]).update(
        status=Status.VERIFIED, decided_at=now, updated_at=now, verified_by=actor.user)
    Family.objects.bulk_update(needs_user, ["user"])
    for family in ready:
        family.status, family.decided_at, family.updated_at, family.verified_by = Status.VERIFIED, now, now, actor.user
    record_many(actor=actor, action="enrolment.family.verified",
                items=[(f, {"from": previous[f.pk], "to": Status.VERIFIED, "reason": ""}) for f in ready])
    url = settings.SITE_URL + "/accounts/otp-login/"
    queue_sms_many([{"to": f.mobile, "template": "family_verified", "language": f.language,
                     "context": {"number": f.number, "user_id": f.user.username, "url": url}} for f in ready])
    return ready, skipped


def verify_family(*, actor: Actor, family: Family) -> Family:
    verified, skipped = verify_families(actor=actor, families=[family])
    if skipped:
        raise EnrolmentError(skipped[0][1])
    return verified[0]


@transaction.atomic
def return_family(*, actor: Actor, family: Family, reason: str) -> None:
    family = _pending(family)
    family.returned_at = clock.now()
    _move(family, Status.RETURNED, actor=actor, reason=reason)
    _sms(family, "family_returned", reason=reason)


@transaction.atomic
def reject_family(*, actor: Actor, family: Family, reason: str) -> None:
    family = Family.objects.select_for_update().get(pk=family.pk)
    family.decided_at = clock.now()
    _move(family, Status.REJECTED, actor=actor, reason=reason)
    family.members.update(holds_primary=False)
    # A rejected registration no longer competes for its members: their flags are settled.
    DuplicateFlag.objects.filter(Q(member__family=family) | Q(other__family=family),
                                 state=DuplicateFlag.State.OPEN).update(
        state=DuplicateFlag.State.RESOLVED, resolved_at=clock.now(), resolved_by=actor.user,
        resolution="registration rejected")
    _sms(family, "family_rejected", reason=reason)


@transaction.atomic
def mark_form_received(*, actor: Actor, family: Family, received_on) -> None:
    if family.status == Status.DRAFT:
        raise EnrolmentError(_("This application has not been submitted yet."))
    family.form_received_on = received_on
    family.save(update_fields=["form_received_on"])
    record(actor=actor, action="enrolment.family.form_received", target=family,
           details={"received_on": received_on.isoformat()})


@transaction.atomic
def resolve_duplicate(*, actor: Actor, flag: DuplicateFlag, resolution: str) -> None:
    now = clock.now()
    DuplicateFlag.objects.filter(pk__in=[flag.pk]).update(
        state=DuplicateFlag.State.RESOLVED, resolved_at=now, resolved_by=actor.user, resolution=resolution)
    DuplicateFlag.objects.filter(member=flag.other, other=flag.member).update(
        state=DuplicateFlag.State.RESOLVED, resolved_at=now, resolved_by=actor.user, resolution=resolution)
    record(actor=actor, action="enrolment.duplicate.resolved", target=flag.member.family,
           details={"flag": flag.pk, "resolution": resolution})
