from django.db.models import Q
from django.http import Http404

from .imports import SPECS


def spec_or_404(entity: str):
    spec = SPECS.get(entity)
    if spec is None:
        raise Http404
    return spec


def records(spec, query: str = ""):
    qs = spec.model.objects.all()
    if spec.model.__name__ == "Office":
        qs = qs.select_related("district", "department", "treasury")
    if spec.model.__name__ == "Treasury":
        qs = qs.select_related("district")
    if query:
        qs = qs.filter(Q(code__iexact=query) | Q(name_en__icontains=query) | Q(name_hi__icontains=query))
    return qs.order_by("name_en")


def record_or_404(spec, code: str):
    obj = spec.model.objects.filter(code=code).first()
    if obj is None:
        raise Http404
    return obj
