"""The state cell's review queue, and the read-only view for monitoring officers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from portal.accounts.access import require_role
from portal.accounts.models import Role, User, stored_username
from portal.audit.services import actor_from_request
from portal.csp import SCAN_FRAME_CSP
from portal.fields import bound_with_prefix

from . import handover as handovers
from . import selectors, services
from .forms import HandoverForm, HardcopyForm, QueueFilterForm, ReasonForm, ScanForm
from .models import Handover
from .views_public import pdf_response

VIEWERS = (Role.STATE, Role.HELPDESK, Role.DISTRICT, Role.DIVISION, Role.DEPARTMENT)


@login_required
def queue(request):
    require_role(request.user, *VIEWERS)
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.applications_for(request.user, filters), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "ddo/queue.html", {"form": form, "page": page, "query": query.urlencode(),
                                              "can_act": request.user.role == Role.STATE})


@login_required
def review(request, number):
    require_role(request.user, *VIEWERS)
    application = selectors.application_or_404(request.user, number)
    return render(request, "ddo/review.html", {
        "application": application,
        "offices": application.offices.select_related("district", "department", "office"),
        "history": selectors.history(application),
        "can_act": request.user.role == Role.STATE,
        "return_form": ReasonForm(prefix="return"), "reject_form": ReasonForm(prefix="reject"),
        "hardcopy_form": HardcopyForm(), "scan_form": ScanForm(),
    })


@login_required
@xframe_options_sameorigin
def scan(request, number):
    require_role(request.user, *VIEWERS)
    application = selectors.application_or_404(request.user, number)
    if not application.scan:
        raise Http404
    response = FileResponse(application.scan.open("rb"), content_type=application.scan_content_type)
    response["Content-Disposition"] = f'inline; filename="{application.number}-scan"'
    response["Content-Security-Policy"] = SCAN_FRAME_CSP  # shown inside the review page
    return response


@login_required
def form_pdf(request, number):
    require_role(request.user, *VIEWERS)
    return pdf_response(selectors.application_or_404(request.user, number))


@login_required
@require_POST
def act(request, number, action):
    require_role(request.user, Role.STATE)
    application = selectors.application_or_404(request.user, number)
    actor = actor_from_request(request)
    try:
        if action == "approve":
            officer = services.approve(actor=actor, application=application)
            messages.success(request, _("Approved. User ID %(user)s: the password has gone to the officer's mobile by SMS.")
                             % {"user": officer.username})
        elif action in {"return", "reject"}:
            form = bound_with_prefix(ReasonForm, request, action)
            if not form.is_valid():
                messages.error(request, _("Write the reason; the officer will see it."))
            elif action == "return":
                services.return_for_correction(actor=actor, application=application, reason=form.cleaned_data["reason"])
                messages.success(request, _("Returned for correction; the officer has been told by SMS."))
            else:
                services.reject(actor=actor, application=application, reason=form.cleaned_data["reason"])
                messages.success(request, _("Rejected; the officer has been told by SMS."))
        elif action == "attach-scan":
            form = ScanForm(request.POST, request.FILES)
            if form.is_valid():
                services.attach_scan(actor=actor, application=application, upload=form.cleaned_data["scan"], source="email")
                messages.success(request, _("The scan received by email has been attached."))
            else:
                messages.error(request, _("Choose the scan file to attach."))
        elif action == "hardcopy":
            form = HardcopyForm(request.POST)
            if form.is_valid():
                services.record_hardcopy(actor=actor, application=application, **form.cleaned_data)
                messages.success(request, _("Receipt of the hard copy has been recorded."))
            else:
                messages.error(request, _("Give the date of receipt and the postal reference."))
        else:
            raise Http404
    except services.ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("ddo:review", number=application.number)


@login_required
def handover_list(request):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    state = request.GET.get("state", Handover.State.PENDING)
    return render(request, "ddo/handover_list.html", {
        "handovers": [(h, ReasonForm(prefix=f"h{h.pk}"))
                      for h in selectors.handovers_for(request.user, state=state if state != "all" else "")],
        "state": state, "states": Handover.State.choices,
        "can_act": request.user.role == Role.STATE,
    })


@login_required
@require_POST
def handover_decide(request, pk, decision):
    require_role(request.user, Role.STATE)
    handover = selectors.handover_or_404(request.user, pk)
    form = bound_with_prefix(ReasonForm, request, f"h{pk}")
    if decision == "reject" and not form.is_valid():
        messages.error(request, _("Write the reason for rejecting."))
        return redirect("ddo:handover_list")
    try:
        handovers.decide_handover(actor=actor_from_request(request), handover=handover, approve=decision == "approve",
                                  reason=form.cleaned_data.get("reason", "") if form.is_valid() else "")
    except handovers.HandoverError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The hand-over has been decided."))
    return redirect("ddo:handover_list")


@login_required
def handover_by_state(request, username):
    require_role(request.user, Role.STATE)
    officer = User.objects.filter(username=stored_username(username), role__in=(Role.DDO, Role.TO)).first()
    if officer is None:
        raise Http404
    form = HandoverForm(request.POST or None, offices=selectors.offices_in_charge(officer))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        offices = list(data.pop("offices"))
        try:
            handovers.handover_by_state(actor=actor_from_request(request), from_user=officer, offices=offices, data=data)
        except handovers.HandoverError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Charge has been handed over; the incoming officer has been told by SMS."))
            return redirect("accounts:user_detail", username=officer.username)
    return render(request, "ddo/handover_form.html", {"form": form, "officer": officer, "by_state": True})
