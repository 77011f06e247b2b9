"""Dashboards, drill-down and the fortnightly report (with its downloads and reviews).

Every page reads through `selectors` (scoped by the access helpers) and, being monitoring,
from the read replica when one is configured."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import clock
from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.replica import reads_from_replica

from . import charts, selectors, services, tables
from .forms import CategoryForm, PeriodForm, RegenerateForm, ReviewForm
from .periods import Period, current_fortnight, fortnight_from_slug, last_ended_fortnight


@login_required
def home(request):
    scopes = selectors.home_scopes(request.user)
    if not scopes:  # an officer whose grants were all revoked: nothing to monitor (yet)
        return render(request, "reports/no_scope.html")
    return redirect("reports:dashboard", scope=scopes[0].token)


def _trend_charts(series) -> list[charts.Chart]:
    labels = [f"{p.start:%d.%m}" for p, _f, _frozen in series]

    def values(key):
        return [f.get(key) for _p, f, _frozen in series]

    return [
        charts.Chart("trend-registered", _("Registered and verified, fortnight by fortnight"), labels, [
            charts.Series(_("Registered"), values("registered")), charts.Series(_("Verified"), values("verified"))]),
        charts.Chart("trend-pending", _("Pending with the DDO/TO by waiting time"), labels, [
            charts.Series(_("0–7 days"), values("pending_0_7")), charts.Series(_("8–15 days"), values("pending_8_15")),
            charts.Series(_("16–30 days"), values("pending_16_30")),
            charts.Series(_("Over 30 days"), values("pending_31"))], stacked=True),
        charts.Chart("trend-cards", _("State Health Cards"), labels, [
            charts.Series(_("Printed"), values("cards_printed")),
            charts.Series(_("Handed over"), values("cards_handed_over")),
            charts.Series(_("Self-printed"), values("cards_self_printed"))]),
    ]


FIGURE_GROUPS = [
    (_("At the end of the period"), ["offices_known", "offices_registered", "target", "pending", "pending_0_7",
                                     "pending_8_15", "pending_16_30", "pending_31", "returned", "coverage"]),
    (_("Up to the end of the period"), ["registered", "verified", "rejected", "cards_printed", "cards_dispatched",
                                        "cards_received", "cards_handed_over", "cards_self_printed"]),
    (_("Within the period"), ["registered_in_period", "verified_in_period", "returned_in_period",
                              "rejected_in_period", "cards_printed_in_period", "cards_dispatched_in_period",
                              "cards_received_in_period", "cards_handed_over_in_period",
                              "cards_self_printed_in_period"]),
]


def _figure_groups(figures):
    from .figures import LABELS

    return [(title, [(LABELS[key], [tables.number(figures.get(key, c)) for c in ("employees", "pensioners", "total")])
                     for key in keys]) for title, keys in FIGURE_GROUPS]


@login_required
@reads_from_replica
def dashboard(request, scope):
    scope = selectors.scope_or_404(request.user, scope)
    form = PeriodForm(request.GET or None)
    period = current_fortnight()
    period = Period(period.start, min(period.end, clock.today()))
    if request.GET and form.is_valid():
        start = form.cleaned_data.get("start") or period.start
        end = form.cleaned_data.get("end") or clock.today()
        if start <= end:
            period = Period(start, end)
    elif not request.GET:
        form = PeriodForm(initial={"start": period.start, "end": period.end})
    figured = selectors.live(request.user, scope, period)
    fortnight_now = current_fortnight()
    # The fortnight in progress joins the trend when this page shows exactly it, to date.
    in_progress = (fortnight_now, figured.total.figures) if (
        period.start == fortnight_now.start and period.end == clock.today()) else None
    return render(request, "reports/dashboard.html", {
        "scope": scope, "figured": figured, "form": form, "period": period,
        "groups": _figure_groups(figured.total.figures),
        "children": figured.children, "laggards": selectors.laggards(figured.offices, ranked=figured.ranked),
        "charts": _trend_charts(selectors.trend(request.user, scope, in_progress)),
        "trail": selectors.visible_trail(request.user, scope), "homes": selectors.home_scopes(request.user),
        "last_fortnight": last_ended_fortnight(),
        "officer": selectors.officers_of([scope.office.pk]).get(scope.office.pk) if scope.kind == "office" else None,
    })


def _period_or_404(slug: str | None) -> Period:
    if not slug:
        return last_ended_fortnight()
    period = fortnight_from_slug(slug)
    if period is None or period.start > clock.today():
        raise Http404
    return period


def _report(request, scope_token, period_slug):
    scope = selectors.scope_or_404(request.user, scope_token)
    period = _period_or_404(period_slug)
    current = selectors.fortnight(request.user, scope, period)
    previous = selectors.fortnight(request.user, scope, period.previous())
    return scope, period, current, previous


def _report_page(request, scope_token, period_slug, *, review_form=None, status=200):
    scope, period, current, previous = _report(request, scope_token, period_slug)
    category = CategoryForm(request.GET or None).chosen()
    review = selectors.review_of(scope, period)
    can_review = selectors.can_review(request.user, scope) and period.has_ended()
    table = tables.build(current, previous, category)
    if review_form is None:
        review_form = ReviewForm(initial={"remarks": review.remarks, "action_taken": review.action_taken}
                                 if review else None)
    return render(request, "reports/report.html", {
        "scope": scope, "period": period, "current": current, "previous": previous,
        "table": table, "table_body": tables.body_html(table, period_slug=period.slug), "category": category,
        "category_form": CategoryForm(initial={"category": category}),
        "status": tables.status_text(current, request.LANGUAGE_CODE),
        "previous_status": tables.status_text(previous, request.LANGUAGE_CODE),
        "periods": selectors.report_periods(), "trail": selectors.visible_trail(request.user, scope),
        "review": review, "can_review": can_review, "review_form": review_form,
        "can_regenerate": request.user.role == Role.STATE and period.has_ended(),
        "regenerate_form": RegenerateForm(), "generated_at": clock.now(),
    }, status=status)


@login_required
@reads_from_replica
def report(request, scope):
    return _report_page(request, scope, request.GET.get("period"))


@login_required
@reads_from_replica
def export(request, scope, period, fmt):
    if fmt not in ("xlsx", "csv", "pdf"):
        raise Http404
    scope, period, current, previous = _report(request, scope, period)
    name = f"fortnightly-report-{scope.token}-{period.slug}"
    if fmt == "xlsx":
        from .exports import xlsx

        body, content_type = xlsx(current, previous), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        from .exports import csv_bytes

        body, content_type = csv_bytes(current), "text/csv; charset=utf-8"
    else:
        from .pdf import render as render_pdf

        body, content_type = render_pdf(current, previous), "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_POST
def review(request, scope, period):
    require_role(request.user, *selectors.REVIEWERS)
    scope = selectors.scope_or_404(request.user, scope)
    period = _period_or_404(period)
    if not selectors.can_review(request.user, scope):
        raise PermissionDenied  # a district officer reviews a district, a division officer a division
    url = reverse("reports:report", kwargs={"scope": scope.token}) + f"?period={period.slug}"
    if not period.has_ended():
        messages.error(request, _("A fortnight is reviewed once it has ended."))
        return redirect(url)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        # The page again with the form as typed and each error at its field (nothing is lost).
        messages.error(request, _("Write both the review remarks and the action taken."))
        return _report_page(request, scope.token, period.slug, review_form=form, status=400)
    services.save_review(actor=actor_from_request(request), scope=scope, period=period,
                         remarks=form.cleaned_data["remarks"], action_taken=form.cleaned_data["action_taken"])
    messages.success(request, _("Your review of this fortnight has been recorded."))
    return redirect(url + "#review")


@login_required
@reads_from_replica
def reviews(request):
    require_role(request.user, Role.STATE, Role.HELPDESK, Role.DIVISION)
    period = _period_or_404(request.GET.get("period"))
    missing_only = request.GET.get("missing") == "1"
    rows = selectors.reviews_status(request.user, period, missing_only=missing_only)
    every = rows if not missing_only else selectors.reviews_status(request.user, period)
    return render(request, "reports/reviews.html", {
        "period": period, "rows": rows, "missing_only": missing_only,
        "missing": sum(1 for r in every if r["review"] is None), "total": len(every),
        "periods": selectors.report_periods(),
    })


@login_required
def snapshots(request):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    from .models import Snapshot

    return render(request, "reports/snapshots.html", {
        "snapshots": Snapshot.objects.select_related("taken_by").order_by("-period_start", "-version")[:100],
        "can_regenerate": request.user.role == Role.STATE, "form": RegenerateForm(),
    })


@login_required
@require_POST
def regenerate(request, period):
    require_role(request.user, Role.STATE)
    period = _period_or_404(period)
    form = RegenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for regenerating the report (at least 10 characters)."))
        return redirect("reports:snapshots")
    try:
        services.request_regeneration(actor=actor_from_request(request), period=period,
                                      reason=form.cleaned_data["reason"])
    except services.ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The report of %(period)s is being counted again; the new version appears "
                                    "here when it is ready.") % {"period": period.label()})
    return redirect("reports:snapshots")


@login_required
@reads_from_replica
def reminders(request):
    from django.core.paginator import Paginator

    page = Paginator(selectors.reminders_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "reports/reminders.html", {"page": page, "query": ""})
