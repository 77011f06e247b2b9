"""The DDO's / TO's side: the verification queue, decisions, bulk verification, photos,
changes, transfers and duplicate Aadhaar numbers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.accounts.access import require_role, scope_for
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.directory.models import Office
from portal.fields import bound_with_prefix

from . import changes as change_services
from . import selectors, services
from .forms import (
    FormReceivedForm,
    QueueFilterForm,
    ReasonForm,
    RetirementForm,
    TransferForm,
    TransferReasonForm,
)
from .models import Kind, Status
from .views_gateway import family_pdf_response

DECIDERS = (Role.DDO, Role.TO)
VIEWERS = (Role.DDO, Role.TO, Role.OPERATOR, Role.STATE, Role.HELPDESK, Role.DISTRICT, Role.DIVISION, Role.DEPARTMENT)


@login_required
def queue(request):
    require_role(request.user, *VIEWERS)
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.queue_page(request.user, filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "enrolment/queue.html", {
        "form": form, "page": page, "query": query.urlencode(), "can_act": request.user.role in DECIDERS,
    })


@login_required
def review(request, number: str):
    require_role(request.user, *VIEWERS)
    family = selectors.family_or_404(request.user, number)
    return render(request, "enrolment/review.html", {
        "family": family, "members": selectors.members(family), "history": selectors.history(family),
        "flags": selectors.duplicate_flags(family), "can_act": request.user.role in DECIDERS,
        "transfers": selectors.transfers_of(family),
        "return_form": ReasonForm(prefix="return"), "reject_form": ReasonForm(prefix="reject"),
        "received_form": FormReceivedForm(),
    })


@login_required
def photo(request, member_id: int):
    require_role(request.user, *VIEWERS, Role.BENEFICIARY)
    member = selectors.member_photo_or_404(request.user, member_id)
    if not member.photo_id:
        raise Http404
    return FileResponse(member.photo.file.open("rb"), content_type="image/jpeg")


@login_required
def form_pdf(request, number: str):
    require_role(request.user, *VIEWERS, Role.BENEFICIARY)
    family = selectors.family_or_404(request.user, number)
    if family.status == Status.DRAFT:
        raise Http404
    return family_pdf_response(family)


@login_required
@require_POST
def act(request, number: str, action: str):
    require_role(request.user, *DECIDERS)
    family = selectors.family_or_404(request.user, number)
    actor = actor_from_request(request)
    try:
        if action == "verify":
            services.verify_family(actor=actor, family=family)
            messages.success(request, _("Verified. The employee/pensioner's user ID has been sent by SMS."))
        elif action in ("return", "reject"):
            form = bound_with_prefix(ReasonForm, request, action)
            if not form.is_valid():
                messages.error(request, _("Write the reason; the applicant will see it."))
            elif action == "return":
                services.return_family(actor=actor, family=family, reason=form.cleaned_data["reason"])
                messages.success(request, _("Returned for correction; the applicant has been told by SMS."))
            else:
                services.reject_family(actor=actor, family=family, reason=form.cleaned_data["reason"])
                messages.success(request, _("Rejected; the applicant has been told by SMS."))
        elif action == "form-received":
            form = FormReceivedForm(request.POST)
            if form.is_valid():
                services.mark_form_received(actor=actor, family=family, received_on=form.cleaned_data["received_on"])
                messages.success(request, _("Receipt of the signed form has been recorded."))
            elif form.has_error("received_on", "future"):
                messages.error(request, form.errors["received_on"][0])
            else:
                messages.error(request, _("Give the date the signed form was received."))
        else:
            raise Http404
    except services.EnrolmentError as exc:
        messages.error(request, exc.message)
    return redirect("enrolment:review", number=family.number)


@login_required
@require_POST
def bulk_verify(request):
    require_role(request.user, *DECIDERS)
    numbers = [n.strip().upper() for n in request.POST.getlist("number") if n.strip()][:500]
    families = selectors.families_by_number(request.user, numbers)
    done, skipped = services.verify_families(actor=actor_from_request(request), families=families)
    if done:
        messages.success(request, ngettext("%(n)d application verified.", "%(n)d applications verified.",
                                           len(done)) % {"n": len(done)})
    for family, why in skipped:
        messages.warning(request, f"{family.number}: {why}")
    for number in sorted(set(numbers) - {f.number for f in families}):
        messages.warning(request, f"{number}: " + _("not found among your office's registrations."))
    if not numbers:
        messages.error(request, _("Select the applications to verify."))
    return redirect("enrolment:queue")


@login_required
def changes(request):
    require_role(request.user, *DECIDERS)
    return render(request, "enrolment/changes.html", {
        "changes": [(c, ReasonForm(prefix=f"c{c.change.pk}")) for c in selectors.change_views(request.user)],
        "transfers": [(t, TransferReasonForm(prefix=f"t{t.pk}")) for t in selectors.transfers_incoming(request.user)],
    })


@login_required
@require_POST
def change_decide(request, pk: int, decision: str):
    require_role(request.user, *DECIDERS)
    change = selectors.change_or_404(request.user, pk)
    form = bound_with_prefix(ReasonForm, request, f"c{pk}")
    if decision == "reject" and not form.is_valid():
        messages.error(request, _("Write the reason; the applicant will see it."))
        return redirect("enrolment:changes")
    try:
        change_services.decide_change(actor=actor_from_request(request), change=change, approve=decision == "approve",
                                      reason=form.cleaned_data.get("reason", "") if form.is_valid() else "")
    except services.EnrolmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request has been decided."))
    return redirect("enrolment:changes")


@login_required
@require_POST
def transfer_decide(request, pk: int, decision: str):
    require_role(request.user, *DECIDERS)
    transfer = selectors.transfer_or_404(request.user, pk)
    form = bound_with_prefix(TransferReasonForm, request, f"t{pk}")
    if decision == "reject" and not form.is_valid():  # the sending office is told why
        messages.error(request, _("Write the reason; the sending office will see it."))
        return redirect("enrolment:changes")
    try:
        change_services.decide_transfer(actor=actor_from_request(request), transfer=transfer,
                                        accept=decision == "accept",
                                        reason=form.cleaned_data.get("reason", "") if form.is_valid() else "")
    except services.EnrolmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The transfer has been decided."))
    return redirect("enrolment:changes")


def _move_form(request, number: str, form_class, template: str):
    require_role(request.user, *DECIDERS)
    family = selectors.family_or_404(request.user, number)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind = Kind.EMPLOYEE if form_class is TransferForm else Kind.PENSIONER
        offices = list(selectors.registered_offices(kind=kind, treasury=data["treasury"], ddo_code=data.get("ddo_code", "")))
        if not offices:
            form.add_error("ddo_code" if "ddo_code" in form.fields else "treasury",
                           gettext_lazy("No registered DDO/TO was found for this."))
        else:
            try:
                if form_class is TransferForm:
                    change_services.request_transfer(actor=actor_from_request(request), family=family, to_office=offices[0])
                else:
                    change_services.request_retirement(actor=actor_from_request(request), family=family,
                                                       to_office=offices[0], ppo_number=data["ppo_number"],
                                                       retirement_date=data["retirement_date"])
            except services.EnrolmentError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Sent to the receiving office for acceptance."))
                return redirect("enrolment:review", number=family.number)
    return render(request, template, {"form": form, "family": family})


@login_required
def transfer(request, number: str):
    return _move_form(request, number, TransferForm, "enrolment/transfer.html")


@login_required
def retire(request, number: str):
    return _move_form(request, number, RetirementForm, "enrolment/transfer.html")


@login_required
def duplicates(request):
    require_role(request.user, Role.DDO, Role.TO, Role.STATE, Role.HELPDESK)
    return render(request, "enrolment/duplicates.html", {"flags": [(f, ReasonForm(prefix=f"d{f.pk}"))
                                                                   for f in selectors.open_duplicates_for(request.user)],
                                                         "can_act": request.user.role in (Role.DDO, Role.TO, Role.STATE)})


@login_required
@require_POST
def duplicate_resolve(request, pk: int):
    require_role(request.user, Role.DDO, Role.TO, Role.STATE)
    flag = selectors.duplicate_or_404(request.user, pk)
    form = bound_with_prefix(ReasonForm, request, f"d{pk}")
    if not form.is_valid():
        messages.error(request, _("Say how it was resolved."))
    else:
        services.resolve_duplicate(actor=actor_from_request(request), flag=flag, resolution=form.cleaned_data["reason"])
        messages.success(request, _("Marked as resolved."))
    return redirect("enrolment:duplicates")


@login_required
def operator_start(request):
    """An operator registers an employee of their own office."""
    require_role(request.user, Role.OPERATOR)
    offices = Office.objects.filter(pk__in=scope_for(request.user).office_ids, active=True)
    if len(offices) == 1:
        office = offices[0]
        return redirect("enrolment:new", code=office.code,
                        kind=Kind.EMPLOYEE if office.kind == "ddo" else Kind.PENSIONER)
    return render(request, "enrolment/operator_start.html", {"offices": offices})

