"""The Employee Gateway: an employee or pensioner (or their office's computer operator)
enters the family, submits it, and prints the form for the DDO/TO."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.accounts.access import scope_for
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.directory.models import Office
from portal.notify.otp import OtpError
from portal.otp_access import OtpAccess
from portal.ratelimit import client_ip

from . import selectors, services
from .forms import (
    ConsentForm,
    DependentForm,
    NumberForm,
    OtpForm,
    PhotoForm,
    PrimaryForm,
    StartForm,
)
from .models import Family, Kind, Member, Relation, Status
from .pdf import render_family_form

ACCESS = OtpAccess(
    key="enrolment_access",
    find=services.find_for_access,
    send=lambda family, ip: services.send_access_otp(family=family, ip=ip),
    verify=lambda family, code, actor: services.verify_access(family=family, code=code, actor=actor),
    number_form=NumberForm, otp_form=OtpForm,
    not_found=gettext_lazy("No application has this number. Check it on your form or SMS."),
    access_template="enrolment/access.html", verify_template="enrolment/access_verify.html", context_name="family",
    access_view_name="enrolment:access", verify_view_name="enrolment:access_verify",
    open_view_name="enrolment:family",
)


def _is_operator(request) -> bool:
    return request.user.is_authenticated and request.user.role == Role.OPERATOR


def _family(request, number: str) -> Family:
    """The family this browser opened (a draft it made, or after an OTP), or one of an
    operator's own office. Anything else is not found."""
    family = Family.objects.filter(number=selectors.stored_number(number)).select_related("office", "pay_level").first()
    if family is None:
        raise Http404
    if _is_operator(request):
        if family.office_id not in scope_for(request.user).office_ids:
            raise Http404
    elif not ACCESS.allows(request, family.number):
        raise Http404
    return family


def _office_for_new(request, code: str, kind: str) -> Office:
    """The office a new registration goes to: for an operator, their own; for anyone else, an
    office whose DDO/TO is registered and approved (one query). Employees register with a DDO
    office, pensioners with a treasury office; any other pairing is not found."""
    if _is_operator(request):
        office = Office.objects.filter(code=code, active=True, kind=selectors.OFFICE_KIND[kind]).first()
        if office is None or office.pk not in scope_for(request.user).office_ids:
            raise Http404
        return office
    office = selectors.office_taking_registrations(code=code, kind=kind)
    if office is None:
        raise Http404
    return office


def start(request):
    form = StartForm(request.POST or None)
    offices, not_registered = None, False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        offices = list(selectors.registered_offices(kind=data["kind"], treasury=data["treasury"],
                                                    ddo_code=data.get("ddo_code", "")))
        if not offices:
            not_registered = True
            field = "ddo_code" if data["kind"] == Kind.EMPLOYEE else "treasury"
            # Lazy, so the field shows it in both languages (an applicant may read either better).
            form.add_error(field, gettext_lazy("No registered DDO/TO was found for this. Ask your DDO/TO to register "
                                               "on this portal first; registration opens for you once the state cell "
                                               "approves them."))
        elif len(offices) == 1:
            return redirect("enrolment:new", code=offices[0].code, kind=data["kind"])
    choices = [(o, selectors.officer_of(o)) for o in offices or []]
    return render(request, "enrolment/start.html", {"form": form, "offices": choices, "not_registered": not_registered,
                                                    "kind": form.cleaned_data.get("kind") if form.is_bound and form.is_valid() else ""})


def new_family(request, code: str, kind: str):
    if kind not in Kind.values:
        raise Http404
    office = _office_for_new(request, code, kind)
    form = PrimaryForm(request.POST or None, kind=kind, initial={"submit_token": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        try:
            family = services.start_family(
                actor=actor_from_request(request), office=office, kind=kind, data=form.cleaned_data,
                aadhaar=form.aadhaar_value(), photo=None,
                token=form.cleaned_data.get("submit_token") or uuid.uuid4(), language=request.LANGUAGE_CODE,
            )
        except services.EnrolmentError as exc:
            form.add_error(exc.field, exc.message)
        else:
            if family.status != Status.DRAFT:  # the form posted again after submission
                return redirect(reverse("enrolment:access") + f"?number={family.number}")
            if not _is_operator(request):
                ACCESS.allow(request, family.number)
            return redirect("enrolment:family", number=family.number)
    return render(request, "enrolment/primary.html", {"form": form, "office": office, "kind": kind,
                                                      "officer": selectors.officer_of(office)})


def edit_primary(request, number: str):
    family = _family(request, number)
    if not family.is_editable:
        return redirect("enrolment:family", number=family.number)
    primary = family.members.select_related("aadhaar").get(relation=Relation.SELF, active=True)
    initial = {name: getattr(family, name) for name in services.FAMILY_FIELDS}
    initial.update({name: getattr(primary, name) for name in ("name_en", "name_hi", "guardian_name", "date_of_birth",
                                                              "gender")})
    form = PrimaryForm(request.POST or None, kind=family.kind, initial=initial, existing=primary.aadhaar)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_primary(actor=actor_from_request(request), family=family, data=form.cleaned_data,
                                    aadhaar=form.aadhaar_value(), photo=None)
        except services.EnrolmentError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("enrolment:family", number=family.number)
    return render(request, "enrolment/primary.html", {"form": form, "office": family.office, "kind": family.kind,
                                                      "family": family, "officer": selectors.officer_of(family.office)})


def family_page(request, number: str):
    family = _family(request, number)
    return render(request, "enrolment/family.html", {
        "family": family, "members": selectors.members(family), "photo_form": PhotoForm(),
        "history": selectors.history(family), "is_operator": _is_operator(request),
    })


def dependent(request, number: str, member_id: int | None = None):
    family = _family(request, number)
    if not family.is_editable:
        return redirect("enrolment:family", number=family.number)
    member = None
    if member_id:
        member = get_object_or_404(Member.objects.select_related("aadhaar"), pk=member_id, family=family, active=True)
        if member.relation == Relation.SELF:
            return redirect("enrolment:primary", number=family.number)
    initial = {name: getattr(member, name) for name in services.MEMBER_FIELDS} if member else {}
    form = DependentForm(request.POST or None, initial=initial, existing=member.aadhaar if member else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_dependent(actor=actor_from_request(request), family=family, data=form.cleaned_data,
                                    aadhaar=form.aadhaar_value(), photo=None, member=member)
        except services.EnrolmentError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Saved. Now add this member's photo."))
            return redirect("enrolment:family", number=family.number)
    return render(request, "enrolment/dependent.html", {"form": form, "family": family, "member": member})


@require_POST
def delete_member(request, number: str, member_id: int):
    family = _family(request, number)
    member = get_object_or_404(Member, pk=member_id, family=family)
    try:
        services.delete_dependent(actor=actor_from_request(request), family=family, member=member)
    except services.EnrolmentError as exc:
        messages.error(request, exc.message)
    return redirect("enrolment:family", number=family.number)


@require_POST
def upload_photo(request, number: str, member_id: int):
    family = _family(request, number)
    member = get_object_or_404(Member, pk=member_id, family=family, active=True)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_photo(actor=actor_from_request(request), family=family, member=member,
                               upload=form.cleaned_data["photo"])
        except ValidationError as exc:
            form.add_error("photo", exc)
        except services.EnrolmentError as exc:
            form.add_error("photo", exc.message)
        else:
            messages.success(request, _("The photo is saved."))
            return redirect("enrolment:family", number=family.number)
    return render(request, "enrolment/family.html", {
        "family": family, "members": selectors.members(family), "photo_form": PhotoForm(),
        "failed_photo": member.pk, "failed_form": form, "history": selectors.history(family),
        "is_operator": _is_operator(request),
    }, status=400)


def member_photo(request, number: str, member_id: int):
    family = _family(request, number)
    member = get_object_or_404(Member.objects.select_related("photo"), pk=member_id, family=family)
    if not member.photo_id:
        raise Http404
    return FileResponse(member.photo.file.open("rb"), content_type="image/jpeg")


@require_POST
def submit(request, number: str):
    if ACCESS.awaiting(request, number):  # a second click on Submit
        return redirect("enrolment:access_verify")
    family = _family(request, number)
    if _is_operator(request):
        return redirect("enrolment:consent", number=family.number)
    try:
        services.submit_family(actor=actor_from_request(request), family=family, ip=client_ip(request))
    except services.EnrolmentError as exc:
        messages.error(request, exc.message)
        return redirect("enrolment:family", number=family.number)
    except OtpError as exc:
        messages.warning(request, exc.message)
    ACCESS.await_otp(request, family.number)
    messages.success(request, _("Application %(number)s is submitted. Note this number. An OTP has been sent to your "
                                "mobile.") % {"number": family.number})
    return redirect("enrolment:access_verify")


def consent(request, number: str):
    """Operator only: the employee agrees with an OTP on their phone, or a signed form."""
    if not _is_operator(request):
        raise Http404
    family = _family(request, number)
    if family.status != Status.DRAFT:
        return redirect("enrolment:family", number=family.number)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("action") == "send":
        form = ConsentForm()
        try:
            services.send_consent_otp(family=family, ip=client_ip(request))
            messages.success(request, _("An OTP has been sent to the employee's mobile."))
        except OtpError as exc:
            messages.error(request, exc.message)
    elif request.method == "POST" and form.is_valid():
        try:
            services.submit_assisted(actor=actor_from_request(request), family=family, otp=form.cleaned_data["otp"],
                                     consent_upload=form.cleaned_data["consent_file"])
        except OtpError as exc:
            form.add_error("otp", exc.message)
        except ValidationError as exc:
            form.add_error("consent_file", exc)
        except services.EnrolmentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Application %(number)s is submitted to the DDO.") % {"number": family.number})
            return redirect("enrolment:family", number=family.number)
    return render(request, "enrolment/consent.html", {"form": form, "family": family})


def form_pdf(request, number: str):
    family = _family(request, number)
    if family.status == Status.DRAFT:
        raise Http404
    return family_pdf_response(family)


def family_pdf_response(family: Family) -> HttpResponse:
    response = HttpResponse(render_family_form(selectors.family_form(family)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{family.number}.pdf"'
    return response


@require_POST
def resubmit(request, number: str):
    family = _family(request, number)
    try:
        services.resubmit_family(actor=actor_from_request(request), family=family)
    except services.EnrolmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your corrected application has been sent to the DDO/TO."))
    return redirect("enrolment:family", number=family.number)
