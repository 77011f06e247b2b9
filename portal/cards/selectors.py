"""Scoped reads of cards, batches and dispatches."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from portal.accounts.access import get_scoped_or_404, scope_for, scoped
from portal.accounts.models import Role
from portal.audit.selectors import events_for
from portal.directory.models import Office
from portal.enrolment.models import Family, Member, Relation
from portal.enrolment.models import Status as FamilyStatus
from portal.identifiers import as_stored

from . import preview
from .search import common_name_key, newest_page, search_q, searched_page
from .models import Card, CardPrint, Dispatch, PrintBatch, Stage, State

CARD_PATHS = {"office": "office", "district": "office__district", "division": "office__district__division",
              "department": "office__department"}
DISPATCH_PATHS = CARD_PATHS
FACE_RELATED = ("family", "office", "photo")
# Roles that see every card of the state on the verify page (the others: their own scope).
STATEWIDE_CHECKERS = {Role.HOSPITAL, Role.STATE, Role.HELPDESK}
DETAIL_ROLES = STATEWIDE_CHECKERS | {Role.DDO, Role.TO, Role.OPERATOR, Role.DISTRICT, Role.DIVISION, Role.DEPARTMENT}


def cards_for(user, filters: dict | None = None, *, indexed: bool = True):
    """Cards an officer may see, newest first, with the list's filters (`indexed`: see search.search_q)."""
    filters = filters or {}
    qs = scoped(Card.objects.all(), user, CARD_PATHS).select_related("office", "family")
    if filters.get("stage"):
        qs = qs.filter(stage=filters["stage"])
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    query = (filters.get("q") or "").strip()
    if query:
        qs = qs.filter(search_q(query, indexed=indexed))
    return qs.order_by("-issued_at", "-id")


@dataclass(frozen=True)
class CardRow:
    """One line of the officers' card list, ready to print."""

    number: str
    url: str
    name_hi: str
    name_en: str
    relation_label: str
    family_number: str
    stage_label: str
    state: str
    state_label: str
    office: str


def card_page(user, filters: dict | None, page_number, *, per_page: int = 50) -> Page:
    """One page of the card list: the count, the page's keys in list order (from the cards
    alone: the name search's trigram index, no join; for a search both from one query), then
    those rows with only the columns the page shows, joined to their family and office for the
    page's rows only. No model objects are
    built (a page of Card + Family + Office objects cost ~20-30 ms of CPU); labels and links are
    made here once per page, as the enrolment queue does (`enrolment.selectors.queue_page`)."""
    scope = scope_for(user)
    # Inside offices the name is tested on each of their cards (the index with the names,
    # newest first); the trigram index would fetch every match in the state (namesearch.py).
    keys = cards_for(user, filters, indexed=not scope.offices_only)
    filters = filters or {}
    query = (filters.get("q") or "").strip()
    if query and not scope.state_wide:
        # Inside a scope the newest matches, at most the cap, from one query (search.newest_page).
        page = newest_page(keys, page_number, per_page)
    elif query:
        # Across the state a common name matches lakhs: counted apart, walked by date (searched_page).
        by_date = lambda: cards_for(user, filters, indexed=False)  # noqa: E731
        # Any other filter (stage, state) narrows the set to cards that may leave it again.
        every_card = not any(value for name, value in filters.items() if name != "q")
        page = searched_page(keys, page_number, per_page, by_date=by_date,
                             common_key=common_name_key(query) if every_card else None)
    else:
        page = Paginator(keys.values_list("id", flat=True), per_page).get_page(page_number)
        page.capped = False
    ids = list(page.object_list)
    # `ids` come from the scoped query above.
    rows = {row["id"]: row for row in Card.objects.filter(pk__in=ids).order_by().values(
        "id", "number", "name_hi", "name_en", "relation", "stage", "state", "family__number",
        "office__name_en", "office__name_hi")} if ids else {}
    relations, stages_ = _labels(Relation.choices), _labels(Stage.choices)
    states = _labels(State.choices)
    english = (get_language() or "hi").startswith("en")  # as Office.name: Hindi unless the page is English
    link = reverse("cards:card", args=["NUMBER"])
    page.object_list = [CardRow(
        number=r["number"], url=link.replace("NUMBER", r["number"]), name_hi=r["name_hi"], name_en=r["name_en"],
        relation_label=relations.get(r["relation"], r["relation"]), family_number=r["family__number"],
        stage_label=stages_.get(r["stage"], r["stage"]), state=r["state"],
        state_label=states.get(r["state"], r["state"]),
        office=r["office__name_en"] if english else (r["office__name_hi"] or r["office__name_en"]),
    ) for r in (rows[pk] for pk in ids if pk in rows)]
    return page


def _labels(choices) -> dict[str, str]:
    # What get_FOO_display shows: the label in the page's language, else the stored value.
    return {value: str(label) for value, label in choices}


stored_number = as_stored  # portal/identifiers.py


def card_or_404(user, number: str) -> Card:
    cards = Card.objects.select_related("office", "family", "member", "photo", "replaces", "batch", "dispatch")
    if user.role == Role.BENEFICIARY:
        return get_object_or_404(cards, family__user=user, number=stored_number(number))
    return get_scoped_or_404(cards, user, CARD_PATHS, number=stored_number(number))


def family_cards(family: Family) -> list[Card]:
    """The family's cards the beneficiary sees: the live ones, then those replaced or ended."""
    cards = list(Card.objects.filter(family=family).select_related("member", "office", "replaces")
                 .annotate(self_prints=Count("prints", filter=Q(prints__kind=CardPrint.Kind.SELF)))
                 .order_by("member_id", "-id"))
    return sorted(cards, key=lambda c: (c.state == State.REPLACED, c.member_id, -c.pk))


def printable_family_cards(family: Family) -> list[Card]:
    """The family's active cards with what their faces show (`FACE_RELATED`), in one query."""
    return list(Card.objects.filter(family=family, state=State.ACTIVE).select_related(*FACE_RELATED, "member")
                .order_by("member_id"))


def history(card: Card) -> list[dict]:
    return [{"at": e.at, "action": e.action.rsplit(".", 1)[-1], "actor": e.actor_label, "details": e.details}
            for e in events_for(card)]


def stages(card: Card) -> list[dict]:
    """The card's journey so far, for the beneficiary and the office: each stage and its date."""
    when = {
        Stage.ISSUED: card.issued_at, Stage.IN_BATCH: None,
        Stage.PRINTED: card.printed_at, Stage.DISPATCHED: card.dispatched_at, Stage.RECEIVED: card.received_at,
        Stage.HANDED_OVER: card.handed_over_at,
    }
    order = [s.value for s in Stage]
    reached = order.index(card.stage)
    rows = []
    for index, stage in enumerate(order):
        if stage == Stage.IN_BATCH:
            continue  # the beneficiary needs "printed", not the state's internal step
        rows.append({"stage": stage, "label": Stage(stage).label, "done": index <= reached,
                     "at": timezone.localtime(when[stage]) if when[stage] else None,
                     "current": index == reached or (stage == Stage.ISSUED and reached == 1)})
    return rows


# --- what the state cell prints -----------------------------------------------------------------

def ready_cards(filters: dict):
    """Active cards not printed yet, of verified families and members still in them."""
    qs = Card.objects.filter(stage=Stage.ISSUED, state=State.ACTIVE, member__active=True,
                             family__status=FamilyStatus.VERIFIED)
    return _match(qs, filters, office="office", verified="family__decided_at")


def families_without_cards(filters: dict, *, changed_since=None):
    """Verified families of the selection with an active member who has no card yet (with
    `changed_since`, among the families changed since then: see services.families_needing_cards)."""
    missing = Member.objects.filter(family=OuterRef("pk"), active=True).exclude(
        cards__state__in=[State.ACTIVE, State.SUSPENDED])
    qs = Family.objects.filter(status=FamilyStatus.VERIFIED).filter(Exists(missing))
    order = ("pk",)
    if changed_since is not None:  # in the order of the index of changed families, not the whole table's
        qs, order = qs.filter(updated_at__gte=changed_since), ("updated_at", "pk")
    return _match(qs, filters, office="office", verified="decided_at").order_by(*order)


def _match(qs, filters: dict, *, office: str, verified: str):
    for key in ("district", "treasury", "department"):
        if filters.get(key):
            qs = qs.filter(**{f"{office}__{key}": filters[key]})
    if filters.get("office"):
        qs = qs.filter(**{office: filters["office"]})
    if filters.get("verified_from"):
        qs = qs.filter(**{f"{verified}__date__gte": filters["verified_from"]})
    if filters.get("verified_to"):
        qs = qs.filter(**{f"{verified}__date__lte": filters["verified_to"]})
    return qs


def ready_summary(filters: dict) -> dict:
    """The batch page's preview of a selection, kept for a while (see preview.py)."""
    return preview.kept(filters)


def count_preview(filters: dict) -> dict:
    ready = ready_cards(filters).order_by().aggregate(cards=Count("id"), offices=Count("office_id", distinct=True))
    return {**ready, "families_without_cards": families_without_cards(filters).order_by().count()}


def batches():
    return PrintBatch.objects.select_related("created_by").order_by("-created_at", "-id")


def batch_or_404(number: str) -> PrintBatch:
    return get_object_or_404(PrintBatch.objects.select_related("created_by"), number=stored_number(number))


# --- delivery ---------------------------------------------------------------------------------------

def _waiting_cards():
    # Exactly the partial index cards_card_waiting_dispatch (migration 0008).
    return Card.objects.filter(stage=Stage.PRINTED, state=State.ACTIVE)


def offices_with_printed_cards(filters: dict | None = None):
    """Offices with printed, active cards not yet dispatched, by district and name. Found
    from the waiting cards alone (a few lakh at most, in their own partial index) rather than
    by joining every office to its cards: that grouped all 60 lakh cards (11 s at state scale).
    `with_waiting` adds how many each office has, for one page of them."""
    filters = filters or {}
    qs = Office.objects.filter(pk__in=_waiting_cards().values("office_id"))
    if filters.get("district"):
        qs = qs.filter(district=filters["district"])
    if filters.get("batch"):
        qs = qs.filter(pk__in=Card.objects.filter(batch=filters["batch"]).values("office_id"))
    return qs.select_related("district").order_by("district__name_en", "name_en", "pk")


def with_waiting(offices) -> list[Office]:
    """The offices, each with `waiting`: its printed, active cards not yet dispatched."""
    offices = list(offices)
    counts = dict(_waiting_cards().filter(office_id__in=[o.pk for o in offices]).order_by()
                  .values("office_id").annotate(n=Count("*")).values_list("office_id", "n"))
    for office in offices:
        office.waiting = counts.get(office.pk, 0)
    return offices


def dispatches_for(user):
    """The dispatches the user may see, newest first (`cards_dispatch_register_idx`); their
    card counts come from `with_card_totals`, for the rows shown only: counting the cards of
    every dispatch grouped all 60 lakh cards (7 s at state scale)."""
    return (scoped(Dispatch.objects.all(), user, DISPATCH_PATHS).select_related("office", "batch")
            .order_by("-dispatched_on", "-id"))


def with_card_totals(dispatches) -> list[Dispatch]:
    """The dispatches, each with `card_total`. COUNT(*), not COUNT(id): counted from the
    dispatch_id index alone, without reading the cards (a treasury's 22 dispatches: 12,000)."""
    dispatches = list(dispatches)
    counts = dict(Card.objects.filter(dispatch_id__in=[d.pk for d in dispatches]).order_by()
                  .values("dispatch_id").annotate(n=Count("*")).values_list("dispatch_id", "n"))
    for dispatch in dispatches:
        dispatch.card_total = counts.get(dispatch.pk, 0)
    return dispatches


def dispatch_or_404(user, pk: int) -> Dispatch:
    return get_scoped_or_404(Dispatch.objects.select_related("office"), user, DISPATCH_PATHS, pk=pk)


def awaiting_handover(user):
    """Families with cards received at the user's offices and not yet handed over, each with
    its hand-over link and its cards' numbers and names (a district treasury holds thousands:
    plain values, the link made once, not a Card, Member and Family object and a `{% url %}`
    per row)."""
    rows = (Card.objects.filter(office_id__in=scope_for(user).office_ids, stage=Stage.RECEIVED)
            .order_by("family_id", "id").values_list("family_id", "family__number", "number", "name_hi", "name_en"))
    link = reverse("cards:handover", args=["NUMBER"])
    families: dict[int, dict] = {}
    for family_id, family_number, number, name_hi, name_en in rows:
        family = families.get(family_id)
        if family is None:
            family = families[family_id] = {"family": {"number": family_number},
                                            "url": link.replace("NUMBER", family_number), "cards": []}
        family["cards"].append({"number": number, "name_hi": name_hi, "name_en": name_en})
    return list(families.values())


def office_family_or_404(user, number: str) -> Family:
    """A family with cards at one of the user's offices (DDO/TO), for the hand-over."""
    return get_object_or_404(Family.objects.filter(cards__office_id__in=scope_for(user).office_ids).distinct(),
                             number=stored_number(number))


def received_cards(user, family: Family) -> list[Card]:
    return list(Card.objects.filter(family=family, office_id__in=scope_for(user).office_ids, stage=Stage.RECEIVED)
                .select_related("member").order_by("id"))


# --- checking a card ----------------------------------------------------------------------------------

def find_card(number: str) -> Card | None:
    """The card checked on the verify page (and whose photo it shows), by its unique number:
    with what the check reads (member and family for `services.honoured`, the office, the
    photo's file). `get`, not `first`: no ORDER BY to build and sort; the replacement card is
    not joined here (32 more columns, most cards have none): the page reads it for a replaced
    card only."""
    try:
        return Card.objects.select_related("member", "family", "office", "photo").get(number=stored_number(number))
    except Card.DoesNotExist:
        return None


def may_see_details(user, card: Card) -> bool:
    """Hospitals and the state see any card's details on the verify page; other officers
    only the cards of their scope; the public and beneficiaries never."""
    if not user.is_authenticated or user.role not in DETAIL_ROLES:
        return False
    if user.role in STATEWIDE_CHECKERS:
        return True
    return scoped(Card.objects.filter(pk=card.pk), user, CARD_PATHS).exists()
