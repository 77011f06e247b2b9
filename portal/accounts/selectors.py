from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404

from portal.audit.models import Event

from .models import Grant, User, stored_username


# The user list counts its accounts only up to this many: the state has 17.8 lakh (nearly all
# employees and pensioners), and counting them cost 190 ms a page (a common name: 1.1 s).
# Past it the page says "more than 1,000" and shows the first 1,000 by user ID (20 pages).
LIST_COUNT_CAP = 1000

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def _search(query: str) -> Q:
    """A term with a digit is a user ID (prefix and digits, stored in capitals) or a mobile
    number: matched exactly on their indexes, however the ID was typed. Any other term is part
    of a name, looked for only in the field of its script (the forms keep one script per
    field), which on PostgreSQL a trigram index serves (migration 0003). Before, one OR of
    UPPER(username) = ..., both names and the mobile read every account, for the count and
    again for the page."""
    query = query.translate(_DEVANAGARI_DIGITS)
    if any(ch.isdigit() for ch in query):
        return Q(username=stored_username(query)) | Q(mobile=query)
    field = "name_hi__icontains" if any("\u0900" <= ch <= "\u097f" for ch in query) else "name_en__icontains"
    return Q(**{field: query})


def users_for_staff(*, role: str = "", query: str = ""):
    users = User.objects.all().order_by("username")
    if role:
        users = users.filter(role=role)
    query = (query or "").strip()
    if query:
        users = users.filter(_search(query))
    return users


def user_page(*, role: str = "", query: str = "", page_number=None, per_page: int = 50) -> Page:
    """A page of the state cell's user list, by user ID, with the count capped at
    LIST_COUNT_CAP (`page.capped` is True when more match): the count reads at most CAP + 1
    keys, and a page at most the rows up to its last."""
    users = users_for_staff(role=role, query=query)
    found = users.order_by().values_list("id", flat=True)[:LIST_COUNT_CAP + 1].count()
    paginator = Paginator(users, per_page)
    paginator.count = min(found, LIST_COUNT_CAP)  # primes the cached_property: no COUNT(*)
    page = paginator.get_page(page_number)
    page.capped = found > LIST_COUNT_CAP
    return page


def user_for_staff_or_404(username: str) -> User:
    user = User.objects.filter(username=stored_username(username)).first()
    if user is None:
        raise Http404
    return user


def grants_of(user: User):
    return Grant.objects.filter(user=user).select_related("office", "district", "division", "department").order_by("-granted_at")


def login_events(user: User, limit: int = 20):
    return Event.objects.filter(target_type="accounts.user", target_id=str(user.pk)).order_by("-at")[:limit]
