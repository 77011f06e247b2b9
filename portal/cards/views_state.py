"""The state cell's printing and dispatch pages: print batches (selection, progress, files),
and the dispatch register of printed cards sent to each DDO/TO office."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.directory.models import District, Office
from portal.fields import bound_with_prefix

from . import batches, delivery, selectors
from .forms import BatchFilterForm, BatchStartForm, DispatchForm
from .models import PrintBatch
from .services import CardError

REFRESH_SECONDS = 5


def _state(request):
    require_role(request.user, Role.STATE)


@login_required
def batch_list(request):
    """Choose cards to print (preview of how many) and start a batch; earlier batches below."""
    _state(request)
    form = BatchFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    summary = selectors.ready_summary(form.filters() if form.is_bound else {}) if valid else None
    start = BatchStartForm(initial={"token": uuid.uuid4()})
    page = Paginator(selectors.batches(), 20).get_page(request.GET.get("page"))
    return render(request, "cards/batches.html", {"form": form, "summary": summary, "start": start, "page": page,
                                                  "query": request.GET.urlencode()})


@login_required
@require_POST
def batch_new(request):
    _state(request)
    form = BatchFilterForm(request.POST)
    start = BatchStartForm(request.POST)
    if not (form.is_valid() and start.is_valid()):
        page = Paginator(selectors.batches(), 20).get_page(1)
        return render(request, "cards/batches.html", {"form": form, "summary": None, "start": start, "page": page,
                                                      "query": ""}, status=400)
    try:
        batch = batches.create_batch(actor=actor_from_request(request), filters=form.filters(),
                                     limit=start.cleaned_data["limit"], token=start.cleaned_data["token"],
                                     labels=form.labels())
    except CardError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("cards:batches") + "?" + _query(form))
    left = getattr(batch, "left_to_sweep", 0)
    messages.success(request, ngettext("Print batch %(number)s started with %(n)d card.",
                                       "Print batch %(number)s started with %(n)d cards.", batch.card_count)
                     % {"number": batch.number, "n": batch.card_count})
    if left:
        messages.warning(request, ngettext(
            "Cards for %(n)d more verified family are still being issued; start another batch later for them.",
            "Cards for %(n)d more verified families are still being issued; start another batch later for them.",
            left) % {"n": left})
    return redirect("cards:batch", number=batch.number)


def _query(form) -> str:
    return urlencode({k: v for k, v in form.data.items() if k in form.fields and v})


@login_required
def batch_detail(request, number: str):
    _state(request)
    batch = selectors.batch_or_404(number)
    response = render(request, "cards/batch.html", {
        "batch": batch, "parts": batch.parts.all(), "dispatch_offices": selectors.offices_with_printed_cards(
            {"batch": batch.pk}).exists() if batch.status == PrintBatch.Status.DONE else False,
        "running": batch.status in (PrintBatch.Status.QUEUED, PrintBatch.Status.RUNNING),
        "refresh": REFRESH_SECONDS,
    })
    if batch.status in (PrintBatch.Status.QUEUED, PrintBatch.Status.RUNNING):
        response["Refresh"] = str(REFRESH_SECONDS)  # a plain auto-refresh while it runs (no script needed)
    return response


@login_required
def batch_progress(request, number: str):
    _state(request)
    batch = selectors.batch_or_404(number)
    return JsonResponse({"status": batch.status, "status_label": str(batch.get_status_display()), "done": batch.done,
                         "total": batch.total, "percent": batch.percent, "parts": batch.parts.count(),
                         "error": batch.error})


@login_required
def batch_file(request, number: str, part: int):
    _state(request)
    batch = selectors.batch_or_404(number)
    part = get_object_or_404(batch.parts, number=part)
    return FileResponse(part.file.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"{batch.number}-part-{part.number:04d}.pdf")


@login_required
def batch_manifest(request, number: str, kind: str):
    _state(request)
    batch = selectors.batch_or_404(number)
    field = {"csv": batch.manifest_csv, "xlsx": batch.manifest_xlsx}.get(kind)
    if not field:
        raise Http404
    content_type = "text/csv" if kind == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return FileResponse(field.open("rb"), content_type=content_type, as_attachment=True,
                        filename=f"{batch.number}-manifest.{kind}")


@login_required
@require_POST
def batch_action(request, number: str, action: str):
    _state(request)
    batch = selectors.batch_or_404(number)
    actor = actor_from_request(request)
    try:
        if action == "resume":
            batches.resume(actor=actor, batch=batch)
            messages.success(request, _("The batch continues from where it stopped."))
        elif action == "cancel":
            count = batches.cancel(actor=actor, batch=batch)
            messages.success(request, ngettext(
                "Batch cancelled; %(n)d card not printed is ready to print again.",
                "Batch cancelled; %(n)d cards not printed are ready to print again.", count) % {"n": count})
        else:
            raise Http404
    except CardError as exc:
        messages.error(request, exc.message)
    return redirect("cards:batch", number=batch.number)


# --- dispatch ---------------------------------------------------------------------------------------

@login_required
def dispatch_list(request):
    """Offices with printed cards to send, each with its own small dispatch form."""
    _state(request)
    district = request.GET.get("district", "")
    filters = {"district": int(district)} if district.isdigit() else {}
    page = Paginator(selectors.offices_with_printed_cards(filters), 50).get_page(request.GET.get("page"))
    page.object_list = selectors.with_waiting(page.object_list)
    return render(request, "cards/dispatch.html", {
        "page": page, "districts": District.objects.order_by("name_en"), "district": filters.get("district"),
        "query": f"district={filters['district']}" if filters else "",
    })


@login_required
@require_POST
def dispatch_office(request, code: str):
    _state(request)
    office = get_object_or_404(Office, code=code)
    form = bound_with_prefix(DispatchForm, request, f"o{office.pk}")
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{office.code}: {error}")
        return redirect("cards:dispatch")
    try:
        dispatch = delivery.dispatch_cards(actor=actor_from_request(request), office=office,
                                           reference=form.cleaned_data["reference"],
                                           dispatched_on=form.cleaned_data["dispatched_on"])
    except CardError as exc:
        messages.error(request, f"{office.code}: {exc.message}")
        return redirect("cards:dispatch")
    count = dispatch.cards.count()
    messages.success(request, ngettext("%(n)d card dispatched to %(office)s.", "%(n)d cards dispatched to %(office)s.",
                                       count) % {"n": count, "office": office.name})
    return redirect("cards:dispatch")


@login_required
def dispatch_register(request):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    page = Paginator(selectors.dispatches_for(request.user), 50).get_page(request.GET.get("page"))
    page.object_list = selectors.with_card_totals(page.object_list)
    return render(request, "cards/dispatch_register.html", {"page": page, "query": ""})
