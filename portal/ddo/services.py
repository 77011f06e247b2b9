"""Every write in the DDO/TO registration journey and the state cell's review."""

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.accounts.models import Role, User
from portal.accounts.services import assign_offices
from portal.audit.services import Actor, record
from portal.directory.models import Office
from portal.directory.services import create_office
from portal.i18n import later
from portal.lifecycle import move
from portal.notify.otp import send_otp, verify_otp
from portal.notify.outbox import queue_email, queue_sms
from portal.uploads import SCAN_TYPES, read_checked, server_name

from .models import (
    HOLDS_CODE,
    TRANSITIONS,
    Application,
    ApplicationOffice,
    Kind,
    Status,
)
from .selectors import stored_number

MAX_OFFICES = 25
ACCESS_PURPOSE = "ddo.access"
ACCESS_LABEL = _("open your DDO/TO registration application")
APPLICATION_FIELDS = (
    "kind", "officer_name_en", "officer_name_hi", "designation", "department", "district", "treasury",
    "ddo_code", "mobile", "mobile_kind", "no_cug_declared", "email", "controlling_officer_name",
    "controlling_officer_designation",
)


class ApplicationError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _move(application: Application, to: str, *, actor: Actor, reason: str = "", **details) -> None:
    move(application, to, transitions=TRANSITIONS, statuses=Status, error=ApplicationError, actor=actor,
         action="ddo.application", reason=reason, **details)


def _notify(application: Application, template: str, **context) -> None:
    context = {"number": application.number, **context}
    queue_sms(to=application.mobile, template=template, language=application.language, context=context)
    queue_email(to=application.email, template=template, language=application.language, context=context)


# --- the officer's side ------------------------------------------------------------

@transaction.atomic
def start_application(*, actor: Actor, data: dict, token: uuid.UUID, language: str) -> Application:
    """Save step 1 as a draft. The same form posted twice returns the first draft."""
    existing = Application.objects.filter(submit_token=token).first()
    if existing:
        return existing
    now = clock.now()
    application = Application(submit_token=token, language=language, created_at=now, updated_at=now)
    _assign(application, data)
    _refuse_if_registered(application)
    application.save()
    application.number = Application.number_for(application.pk, now.year)
    application.save(update_fields=["number"])
    record(actor=actor, action="ddo.application.started", target=application, details={"kind": application.kind})
    return application


def _assign(application: Application, data: dict) -> None:
    for name in APPLICATION_FIELDS:
        if name in data:
            setattr(application, name, data[name])
    if application.kind == Kind.TO:
        application.ddo_code = ""


@transaction.atomic
def update_application(*, actor: Actor, application: Application, data: dict) -> Application:
    if not application.is_editable:
        raise ApplicationError(_("This application can no longer be changed."))
    before = {name: str(getattr(application, name)) for name in APPLICATION_FIELDS}
    _assign(application, data)
    _refuse_if_registered(application)
    application.updated_at = clock.now()
    application.save()
    changed = sorted(n for n in APPLICATION_FIELDS if str(getattr(application, n)) != before[n])
    record(actor=actor, action="ddo.application.edited", target=application, details={"fields": changed})
    return application


@transaction.atomic
def add_office(*, actor: Actor, application: Application, data: dict) -> ApplicationOffice:
    if not application.is_editable:
        raise ApplicationError(_("This application can no longer be changed."))
    if application.offices.count() >= MAX_OFFICES:
        raise ApplicationError(later(lambda: _("An application can list at most %(n)d offices.") % {"n": MAX_OFFICES}))
    office = ApplicationOffice.objects.create(application=application, **data)
    record(actor=actor, action="ddo.application.office_added", target=application, details={"office": office.name_en})
    return office


@transaction.atomic
def remove_office(*, actor: Actor, application: Application, office_id: int) -> None:
    if not application.is_editable:
        raise ApplicationError(_("This application can no longer be changed."))
    office = application.offices.filter(pk=office_id).first()
    if office is None:
        raise ApplicationError(_("That office is not part of this application."))
    office.delete()
    record(actor=actor, action="ddo.application.office_removed", target=application, details={"office": office.name_en})


def existing_registration(application: Application) -> Application | None:
    """Another live application for the same DDO code in the same treasury (or the same treasury, for a TO)."""
    others = Application.objects.filter(treasury=application.treasury, kind=application.kind, status__in=HOLDS_CODE)
    if application.kind == Kind.DDO:
        others = others.filter(ddo_code=application.ddo_code)
    return others.exclude(pk=application.pk).first()


def _conflict(other: Application) -> ApplicationError:
    """Another live registration holds this DDO code (a TO: this treasury); say where it stands."""
    number, status = other.number, other.status

    def values():
        return {"number": number, "status": Status(status).label}

    if other.kind == Kind.TO:
        field = "treasury"
        if other.status == Status.APPROVED:
            message = later(lambda: _("A Treasury Officer of this treasury is already registered (application %(number)s, "
                        "approved). If charge has changed, the present officer can hand it over from their "
                        "dashboard, or the state cell can do it.") % values())
        else:
            message = later(lambda: _("A Treasury Officer's application for this treasury already exists: %(number)s, status: "
                        "%(status)s. Continue that application with its number instead of starting a new one.") % values())
    else:
        field = "ddo_code"
        if other.status == Status.APPROVED:
            message = later(lambda: _("This DDO code is already registered at this treasury (application %(number)s, approved). "
                        "If charge has changed, the present officer can hand it over from their dashboard, "
                        "or the state cell can do it.") % values())
        else:
            message = later(lambda: _("An application for this DDO code at this treasury already exists: %(number)s, status: "
                        "%(status)s. Continue that application with its number instead of starting a new one.") % values())
    return ApplicationError(message, field=field)


def _refuse_if_registered(application: Application) -> None:
    """Said as early as step 1, so nobody fills in offices for a code already taken."""
    other = existing_registration(application)
    if other:
        raise _conflict(other)


def submit_application(*, actor: Actor, application: Application, ip: str = "") -> Application:
    """Submit the draft: it now holds its DDO code, and an OTP opens the printable form."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Status.DRAFT:
            return application  # a second click on Submit: nothing more to do
        if not application.offices.exists():
            raise ApplicationError(_("Add at least one office before submitting."))
        _refuse_if_registered(application)
        application.submitted_at = clock.now()
        try:
            with transaction.atomic():
                _move(application, Status.SUBMITTED, actor=actor)
        except IntegrityError:  # another submission of the same code won the race
            other = existing_registration(application)
            raise (_conflict(other) if other else ApplicationError(_("Please try again."))) from None
        _notify(application, "ddo_submitted")
    send_access_otp(application=application, ip=ip)
    return application


def find_for_access(number: str) -> Application | None:
    # get(), not first(): the number is unique, and first() would sort by the model's
    # ordering, which lets PostgreSQL walk the submission-date index instead of the number's.
    try:
        return Application.objects.exclude(status=Status.DRAFT).get(number=stored_number(number))
    except Application.DoesNotExist:
        return None


def send_access_otp(*, application: Application, ip: str = ""):
    # The OTP is bound to this application as well as to the mobile it goes to.
    return send_otp(
        purpose=f"{ACCESS_PURPOSE}:{application.number}", target=application.mobile,
        purpose_label=ACCESS_LABEL, language=application.language, ip=ip,
    )


def verify_access(*, application: Application, code: str, actor: Actor) -> None:
    verify_otp(purpose=f"{ACCESS_PURPOSE}:{application.number}", target=application.mobile, code=code)
    record(actor=actor, action="ddo.application.opened_with_otp", target=application)


@transaction.atomic
def mark_form_printed(*, actor: Actor, application: Application) -> None:
    if application.status == Status.SUBMITTED:
        _move(application, Status.FORM_PRINTED, actor=actor)


@transaction.atomic
def attach_scan(*, actor: Actor, application: Application, upload, source: str = "upload") -> None:
    """Store the signed, controlling-officer-verified form under a name we choose."""
    if not application.can_upload_scan:
        raise ApplicationError(_("A scan cannot be added to this application now."), field="scan")
    data, kind = read_checked(upload, allowed=SCAN_TYPES, max_bytes=settings.SCAN_MAX_BYTES)
    old = application.scan.name if application.scan else ""
    application.scan.save(server_name(kind), ContentFile(data), save=False)
    application.scan_content_type = kind
    application.scan_uploaded_at = clock.now()
    application.scan_source = source
    application.save()
    record(actor=actor, action="ddo.application.scan_attached", target=application,
           details={"source": source, "type": kind, "bytes": len(data), "replaced": bool(old)})
    if application.status in (Status.SUBMITTED, Status.FORM_PRINTED):
        _move(application, Status.SCAN_RECEIVED, actor=actor)


@transaction.atomic
def resubmit(*, actor: Actor, application: Application) -> None:
    if application.status != Status.RETURNED:
        raise ApplicationError(_("Only an application returned for correction can be resubmitted."))
    if not application.offices.exists():
        raise ApplicationError(_("Add at least one office before submitting."))
    if not application.scan_uploaded_at or application.scan_uploaded_at < application.returned_at:
        raise ApplicationError(
            _("Print the corrected form, have it signed and verified again, and upload the new scan before resubmitting."),
            field="scan",
        )
    _refuse_if_registered(application)
    _move(application, Status.RESUBMITTED, actor=actor)


# --- the state cell's side -----------------------------------------------------------

@transaction.atomic
def record_hardcopy(*, actor: Actor, application: Application, received_on, reference: str) -> None:
    if application.status == Status.DRAFT:
        raise ApplicationError(_("This application has not been submitted."))
    application.hardcopy_received_on = received_on
    application.hardcopy_reference = reference
    application.save(update_fields=["hardcopy_received_on", "hardcopy_reference"])
    record(actor=actor, action="ddo.application.hardcopy_received", target=application,
           details={"received_on": received_on.isoformat(), "reference": reference})


def _send_back(*, actor: Actor, application: Application, to: str, reason: str, stamp: str, template: str) -> None:
    application = Application.objects.select_for_update().get(pk=application.pk)
    setattr(application, stamp, clock.now())
    _move(application, to, actor=actor, reason=reason)
    _notify(application, template, reason=reason)


@transaction.atomic
def return_for_correction(*, actor: Actor, application: Application, reason: str) -> None:
    _send_back(actor=actor, application=application, to=Status.RETURNED, reason=reason, stamp="returned_at",
               template="ddo_returned")


@transaction.atomic
def reject(*, actor: Actor, application: Application, reason: str) -> None:
    _send_back(actor=actor, application=application, to=Status.REJECTED, reason=reason, stamp="decided_at",
               template="ddo_rejected")


@transaction.atomic
def approve(*, actor: Actor, application: Application) -> User:
    """Create the offices and the officer's account; credentials go to the officer's phone only."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in (Status.SCAN_RECEIVED, Status.RESUBMITTED):
        raise ApplicationError(_("Only an application whose signed form has been received can be approved."))
    role = Role.DDO if application.kind == Kind.DDO else Role.TO
    offices = []
    for item in application.offices.all():
        office = create_office(
            actor=actor,
            name_en=item.name_en, name_hi=item.name_hi, address=item.address, district=item.district,
            department=item.department, treasury=application.treasury, office_type=item.office_type,
            kind=Office.Kind.DDO if role == Role.DDO else Office.Kind.TREASURY,
            ddo_code=application.ddo_code, headcount=item.headcount,
        )
        item.office = office
        item.save(update_fields=["office"])
        offices.append(office)
    officer = assign_offices(actor=actor, role=role, offices=offices, note=f"application {application.number}", person={
        "name_en": application.officer_name_en, "name_hi": application.officer_name_hi,
        "designation": application.designation, "mobile": application.mobile, "email": application.email,
        "language": application.language,
    })
    application.officer = officer
    application.decided_at = clock.now()
    _move(application, Status.APPROVED, actor=actor, user_id=officer.username)
    _notify(application, "ddo_approved")
    return officer
