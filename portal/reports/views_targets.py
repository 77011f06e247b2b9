"""The state cell's target headcounts: the list, the upload (CSV/XLSX) and its template."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request
from portal.directory.imports import ImportRejected

from . import services
from .forms import TargetImportForm
from .models import Target
from .targets import COLUMNS


@login_required
def targets(request):
    require_role(request.user, Role.STATE, Role.HELPDESK)
    form = TargetImportForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST":
        require_role(request.user, Role.STATE)
        if form.is_valid():
            try:
                result = services.import_targets(actor=actor_from_request(request), upload=form.cleaned_data["file"])
            except ImportRejected as exc:
                report, status = exc.report, 400
            else:
                messages.success(request, _("Imported %(total)d rows: %(created)d new, %(updated)d updated.")
                                 % {"total": result.total, "created": result.created, "updated": result.updated})
                return redirect("reports:targets")
        else:
            status = 400
    page = Paginator(Target.objects.select_related("office", "district", "department", "uploaded_by"), 50)
    return render(request, "reports/targets.html", {
        "form": form, "report": report, "columns": COLUMNS, "page": page.get_page(request.GET.get("page")),
        "query": "", "can_upload": request.user.role == Role.STATE,
    }, status=status)


@login_required
def targets_template(request):
    require_role(request.user, Role.STATE)
    response = HttpResponse(",".join(COLUMNS) + "\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="targets-template.csv"'
    return response
