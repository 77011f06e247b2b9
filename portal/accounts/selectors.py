from django.db.models import Q
from django.http import Http404

from portal.audit.models import Event

from .models import Grant, User


def users_for_staff(*, role: str = "", query: str = ""):
    users = User.objects.all().order_by("username")
    if role:
        users = users.filter(role=role)
    if query:
        query = query.strip()
        users = users.filter(
            Q(username__iexact=query) | Q(name_en__icontains=query) | Q(name_hi__icontains=query) | Q(mobile=query)
        )
    return users


def user_for_staff_or_404(username: str) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise Http404
    return user


def grants_of(user: User):
    return Grant.objects.filter(user=user).select_related("office", "district", "division", "department").order_by("-granted_at")


def login_events(user: User, limit: int = 20):
    return Event.objects.filter(target_type="accounts.user", target_id=str(user.pk)).order_by("-at")[:limit]
