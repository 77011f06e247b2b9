from django.core.cache import cache
from django.db.models import Q
from django.http import Http404
from django.utils.translation import get_language

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


_CHOICES_VERSION = "directory:choices-version"


def choices(model) -> list[tuple[int, str]]:
    """(pk, name) of every active row of a small master table, in the page's language,
    cached: the registration form and the state-cell queue list 75 districts and 100
    departments on every view. Any master-data save clears the cache (forget_choices)."""
    version = cache.get_or_set(_CHOICES_VERSION, 1, timeout=None)
    key = f"directory:choices:{model._meta.model_name}:{get_language()}:{version}"
    cached = cache.get(key)
    if cached is None:
        rows = model.objects.all()
        if hasattr(model, "active"):
            rows = rows.filter(active=True)
        cached = [(row.pk, row.name) for row in rows]
        cache.set(key, cached, timeout=3600)
    return cached


def forget_choices() -> None:
    try:
        cache.incr(_CHOICES_VERSION)
    except ValueError:
        cache.set(_CHOICES_VERSION, 1, timeout=None)


def use_cached_choices(form, fields: dict) -> None:
    """Let a form's master-data dropdowns render from the cached lists; validation still
    goes through each field's queryset."""
    for name, model in fields.items():
        if name in form.fields:
            field = form.fields[name]
            field.widget.choices = [("", field.empty_label or "")] + choices(model)
