"""Master data pages for the state cell: list, add, edit, import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from portal.accounts.access import require_role
from portal.accounts.models import Role
from portal.audit.services import actor_from_request

from . import selectors, services
from .forms import ImportForm
from .imports import ImportRejected


def _titles():
    return {"departments": _("Departments"), "treasuries": _("Treasuries"), "offices": _("Offices")}


@login_required
def index(request):
    require_role(request.user, Role.STATE)
    return redirect("directory:list", entity="departments")


@login_required
def record_list(request, entity):
    require_role(request.user, Role.STATE)
    spec = selectors.spec_or_404(entity)
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.records(spec, query), 50).get_page(request.GET.get("page"))
    return render(request, "directory/list.html", {
        "entity": entity, "title": _titles()[entity], "page": page, "q": query, "entities": _titles(),
        "query": urlencode({"q": query}) if query else "",
    })


@login_required
def record_edit(request, entity, code=None):
    require_role(request.user, Role.STATE)
    spec = selectors.spec_or_404(entity)
    instance = selectors.record_or_404(spec, code) if code else None
    initial = {}
    if instance is not None and entity == "offices":
        initial = {"district": instance.district.lgd_code, "department": instance.department.code,
                   "treasury": instance.treasury.code}
    if instance is not None and entity == "treasuries" and instance.district:
        initial = {"district": instance.district.lgd_code}
    form = spec.form(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        obj = services.save_master_record(actor=actor_from_request(request), form=form)
        messages.success(request, _("Saved: %(name)s") % {"name": obj})
        return redirect("directory:list", entity=entity)
    return render(request, "directory/edit.html", {
        "entity": entity, "title": _titles()[entity], "form": form, "instance": instance, "entities": _titles(),
    })


@login_required
def record_import(request, entity):
    require_role(request.user, Role.STATE)
    spec = selectors.spec_or_404(entity)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.import_master_records(actor=actor_from_request(request), spec=spec,
                                                    upload=form.cleaned_data["file"])
        except ImportRejected as exc:
            report = exc.report
            status = 400
        else:
            messages.success(request, _("Imported %(total)d rows: %(created)d new, %(updated)d updated.")
                             % {"total": result.total, "created": result.created, "updated": result.updated})
            return redirect("directory:list", entity=entity)
    return render(request, "directory/import.html", {
        "entity": entity, "title": _titles()[entity], "form": form, "report": report, "spec": spec, "entities": _titles(),
    }, status=status)


@login_required
def import_template(request, entity):
    require_role(request.user, Role.STATE)
    spec = selectors.spec_or_404(entity)
    response = HttpResponse(",".join(spec.columns) + "\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{entity}-template.csv"'
    return response
