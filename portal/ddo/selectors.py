"""Scoped reads for DDO/TO applications, offices in charge and hand-overs."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from portal.accounts.access import get_scoped_or_404, scope_for, scoped
from portal.audit.selectors import events_for
from portal.directory.models import Office
from portal.waiting import waited
from portal.identifiers import as_stored

from .models import IN_STATE_QUEUE, Application, Handover, Status

# How an application reaches each level of scope. It has no office until approval, so
# an office-level grant (DDO, operator) sees none through these views.
APPLICATION_PATHS = {"district": "district", "division": "district__division", "department": "department"}
OFFICE_PATHS = {"office": "pk", "district": "district", "division": "district__division", "department": "department"}


def applications_for(user, filters: dict | None = None):
    qs = scoped(Application.objects.exclude(status=Status.DRAFT), user, APPLICATION_PATHS)
    qs = qs.select_related("district", "department", "treasury")
    filters = filters or {}
    status = filters.get("status") or ""
    if status == "":
        qs = qs.filter(status__in=IN_STATE_QUEUE)
    elif status != "all":
        qs = qs.filter(status=status)
    if filters.get("district"):
        qs = qs.filter(district=filters["district"])
    if filters.get("department"):
        qs = qs.filter(department=filters["department"])
    qs = waited(qs, filters.get("age", ""))
    query = (filters.get("q") or "").strip()
    if query:
        qs = qs.filter(
            Q(number=stored_number(query)) | Q(ddo_code=query) | Q(mobile=query)
            | Q(officer_name_en__icontains=query) | Q(officer_name_hi__icontains=query)
        )
    return qs.order_by("submitted_at", "id")


stored_number = as_stored  # portal/identifiers.py


def application_or_404(user, number: str) -> Application:
    return get_scoped_or_404(
        Application.objects.exclude(status=Status.DRAFT).select_related("district", "department", "treasury", "officer"),
        user, APPLICATION_PATHS, number=stored_number(number),
    )


def history(application: Application) -> list[dict]:
    """Status changes, oldest first, from the audit trail (the single record of them)."""
    return [
        {"at": e.at, "status": Status(e.details["to"]).label, "reason": e.details.get("reason", "")}
        for e in events_for(application)
        if e.details.get("to") in Status.values
    ]


def offices_in_charge(user):
    scope = scope_for(user)
    return Office.objects.filter(pk__in=scope.office_ids).select_related("district", "department", "treasury")


def applications_of_officer(user):
    return Application.objects.filter(officer=user).order_by("-decided_at")


def handovers_for(user, state: str = Handover.State.PENDING):
    qs = Handover.objects.all() if scope_for(user).state_wide else Handover.objects.filter(from_user=user)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("from_user", "requested_by", "new_user").prefetch_related("offices")


def handover_or_404(user, pk: int) -> Handover:
    qs = Handover.objects.all() if scope_for(user).state_wide else Handover.objects.filter(from_user=user)
    return get_object_or_404(qs, pk=pk)


def form_data(application: Application):
    """Everything the printable form shows, as plain text in both languages."""
    from django.conf import settings

    from portal.pdf import bilingual

    from .models import Kind, MobileKind
    from .pdf import FormData, OfficeLine

    lang = application.language

    def both(obj) -> str:
        return f"{obj.name_hi} / {obj.name_en}" if lang == "hi" else f"{obj.name_en} / {obj.name_hi}"

    offices = [
        OfficeLine(
            name_hi=o.name_hi, name_en=o.name_en, address=o.address, district=both(o.district),
            department=both(o.department), office_type=bilingual(Office.OfficeType(o.office_type).label, lang),
            headcount=o.headcount,
        )
        for o in application.offices.select_related("district", "department")
    ]
    return FormData(
        number=application.number,
        kind=bilingual(Kind(application.kind).label, lang),
        status=bilingual(Status(application.status).label, lang),
        submitted_on=application.submitted_at.date() if application.submitted_at else None,
        officer_name_hi=application.officer_name_hi,
        officer_name_en=application.officer_name_en,
        designation=application.designation,
        department=both(application.department),
        district=both(application.district),
        treasury=both(application.treasury),
        ddo_code=application.ddo_code,
        mobile=application.mobile,
        mobile_kind=bilingual(MobileKind(application.mobile_kind).label, lang),
        email=application.email,
        controlling_officer_name=application.controlling_officer_name,
        controlling_officer_designation=application.controlling_officer_designation,
        language=lang,
        qr_text=f"{settings.SITE_URL}/ddo/access/?number={application.number}",
        support_email=settings.SUPPORT_EMAIL,
        state_cell_address=settings.STATE_CELL_ADDRESS,
        offices=offices,
    )
