from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.accounts import services as account_services
from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request, record
from portal.fields import normalise_mobile
from portal.notify import selectors as notify_selectors
from portal.notify.delivery import requeue_failed
from portal.notify.models import Message
from portal.notify.outbox import dispatch_many
from portal.ratelimit import client_ip


def home(request):
    return render(request, "web/home.html")


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in {"hi", "en"}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE, samesite="Lax",
        )
        if request.user.is_authenticated:
            account_services.set_language(user=request.user, language=language, ip=client_ip(request))
    return response


@login_required
def dashboard(request):
    """Each role starts from its own page."""
    role = request.user.role
    if role in {Role.DDO, Role.TO}:
        return redirect("ddo:officer_dashboard")
    if role in {Role.STATE, Role.HELPDESK}:
        return redirect("ddo:queue")
    if role in {Role.DISTRICT, Role.DIVISION, Role.DEPARTMENT}:
        return redirect("reports:home")
    if role == Role.OPERATOR:
        return redirect("enrolment:queue")
    if role == Role.HOSPITAL:
        return redirect("cards:verify")
    if role == Role.BENEFICIARY and hasattr(request.user, "family"):
        return redirect("enrolment:my_family")
    return render(request, "web/dashboard.html")


@login_required
def outbox(request):
    """What the portal sent or is trying to send: for the state cell and the helpdesk to
    answer "I did not get the SMS". Secrets (OTPs, passwords) are blanked in the preview."""
    require_role(request.user, Role.STATE, Role.HELPDESK)
    status, to = request.GET.get("status", ""), request.GET.get("to", "")
    page = Paginator(notify_selectors.outbox(status=status, to=normalise_mobile(to) if to and "@" not in to else to),
                     50).get_page(request.GET.get("page"))
    return render(request, "web/outbox.html", {
        "page": page, "status": status, "to": to, "statuses": Message.Status.choices,
        "query": urlencode({k: v for k, v in {"status": status, "to": to}.items() if v}),
    })


@login_required
@require_POST
def outbox_requeue(request):
    require_role(request.user, Role.STATE)
    ids = [int(i) for i in request.POST.getlist("message") if i.isdigit()]
    count = requeue_failed(message_ids=ids)
    record(actor=actor_from_request(request), action="notify.messages.requeued", details={"messages": ids[:100]})
    dispatch_many(ids)  # the task leaves alone any that were not failed; with the broker down, the sweep sends them
    messages.success(request, ngettext("%(n)d message queued again.", "%(n)d messages queued again.", count) % {"n": count})
    return redirect("web:outbox")
