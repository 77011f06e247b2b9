"""Access helpers: every fetch of a record is scoped to the user's grants.

A selector describes how its model reaches an office, district, division and
department (`paths`); `scope_q` turns the user's scope into a filter. A record outside
the scope is simply not found (404), so another office's URL reveals nothing.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .models import Grant, Role

STATE_WIDE = {Role.STATE, Role.HELPDESK}


@dataclass(frozen=True)
class Scope:
    role: str
    state_wide: bool
    units: tuple[tuple[tuple[str, int], ...], ...]

    @property
    def offices_only(self) -> bool:
        """Every grant is to one office (a DDO, TO or operator): a few thousand records at most."""
        return not self.state_wide and all(key == "office" for unit in self.units for key, _ in unit)

    @property
    def office_ids(self) -> set[int]:
        return {value for unit in self.units for key, value in unit if key == "office"}


def scope_for(user) -> Scope:
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = Scope(role="", state_wide=False, units=())
    elif user.role in STATE_WIDE:
        scope = Scope(role=user.role, state_wide=True, units=())
    else:
        units = tuple(
            tuple(sorted(g.unit().items()))
            for g in Grant.objects.filter(user=user, revoked_at__isnull=True)
            if g.unit()
        )
        scope = Scope(role=user.role, state_wide=user.role in STATE_WIDE, units=units)
    user._portal_scope = scope
    return scope


def scope_q(scope: Scope, paths: dict[str, str]) -> Q:
    """A filter for what `scope` may see. Units that use a level the model cannot be
    reached by (`paths` lacks it) grant nothing, never everything."""
    if scope.state_wide:
        return Q()
    q = Q(pk__in=[])
    for unit in scope.units:
        if all(key in paths for key, _ in unit):
            q |= Q(**{paths[key]: value for key, value in unit})
    return q


def scoped(queryset, user, paths: dict[str, str], *, distinct: bool = False):
    """`distinct` only for paths through a to-many relation: on a plain foreign-key path it
    would make PostgreSQL de-duplicate every row of a large list for nothing."""
    queryset = queryset.filter(scope_q(scope_for(user), paths))
    return queryset.distinct() if distinct else queryset


def get_scoped_or_404(queryset, user, paths: dict[str, str], **lookup):
    try:
        return scoped(queryset, user, paths).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def require_role(user, *roles) -> None:
    if not user.is_authenticated:
        raise PermissionDenied
    if user.role not in roles:
        raise PermissionDenied


def live_grants_for_offices(offices):
    """Live office grants, for these offices or (None) for any office."""
    grants = Grant.objects.filter(revoked_at__isnull=True, office__isnull=False)
    return grants if offices is None else grants.filter(office__in=offices)
