"""A registered DDO/TO's own pages: dashboard and hand-over of charge."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.notify.otp import OtpError
from portal.ratelimit import client_ip

from . import handover as handovers
from . import operators as operator_services
from . import selectors
from .forms import HandoverForm, OperatorForm, OtpForm

_PENDING = "ddo_handover_pending"


@login_required
def dashboard(request):
    require_role(request.user, Role.DDO, Role.TO)
    return render(request, "ddo/officer_dashboard.html", {
        "offices": selectors.offices_in_charge(request.user),
        "applications": selectors.applications_of_officer(request.user),
        "handovers": selectors.handovers_for(request.user, state=""),
    })


@login_required
def handover_start(request):
    require_role(request.user, Role.DDO, Role.TO)
    offices = selectors.offices_in_charge(request.user)
    form = HandoverForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handovers.check_handover(from_user=request.user, offices=list(data["offices"]), new_mobile=data["new_mobile"])
            handovers.send_incoming_otp(mobile=data["new_mobile"], language=request.user.language, ip=client_ip(request))
        except handovers.HandoverError as exc:
            form.add_error(None, exc.message)
        except OtpError as exc:
            form.add_error("new_mobile", exc.message)
        else:
            request.session[_PENDING] = {
                **{k: v for k, v in data.items() if k not in ("offices", "effective_date")},
                "offices": [o.pk for o in data["offices"]],
                "effective_date": data["effective_date"].isoformat(),
            }
            return redirect("ddo:handover_confirm")
    return render(request, "ddo/handover_form.html", {"form": form, "by_state": False})


@login_required
def handover_confirm(request):
    require_role(request.user, Role.DDO, Role.TO)
    pending = request.session.get(_PENDING)
    if not pending:
        return redirect("ddo:handover_start")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in pending.items() if k != "offices"}
        data["effective_date"] = datetime.date.fromisoformat(pending["effective_date"])
        offices = list(selectors.offices_in_charge(request.user).filter(pk__in=pending["offices"]))
        try:
            handovers.request_handover(actor=actor_from_request(request), from_user=request.user, offices=offices,
                                       data=data, otp=form.cleaned_data["otp"])
        except OtpError as exc:
            form.add_error("otp", exc.message)
        except handovers.HandoverError as exc:
            form.add_error(None, exc.message)
        else:
            del request.session[_PENDING]
            messages.success(request, _("The hand-over has been sent to the state cell for approval."))
            return redirect("ddo:officer_dashboard")
    return render(request, "ddo/handover_confirm.html", {"form": form, "pending": pending})


@login_required
def operators(request):
    """A DDO/TO adds the computer operators who type in their office's registrations."""
    require_role(request.user, Role.DDO, Role.TO)
    offices = selectors.offices_in_charge(request.user)
    form = OperatorForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operator = operator_services.create_operator(
                actor=actor_from_request(request), office=data["office"], name_en=data["name_en"],
                name_hi=data["name_hi"], mobile=data["mobile"], language=data["language"])
        except operator_services.OperatorError as exc:
            form.add_error("mobile", exc.message)
        else:
            messages.success(request, _("Operator account %(user)s created; the password has gone to the operator's "
                                        "mobile by SMS.") % {"user": operator.username})
            return redirect("ddo:operators")
    return render(request, "ddo/operators.html", {"form": form, "operators": operator_services.operators_of(offices)})


@login_required
@require_POST
def operator_remove(request, username):
    require_role(request.user, Role.DDO, Role.TO)
    offices = selectors.offices_in_charge(request.user)
    operator = operator_services.operators_of(offices).filter(username=username).first()
    if operator is None:
        raise Http404
    operator_services.remove_operator(actor=actor_from_request(request), operator=operator, offices=offices)
    messages.success(request, _("The operator can no longer work for your office."))
    return redirect("ddo:operators")
