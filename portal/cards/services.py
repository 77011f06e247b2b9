"""Issuing State Health Cards and their life: replacement, suspension, reactivation, self-prints.

Cards are issued by this app, never by enrolment (which must not know about cards):
`issue_cards` reconciles one verified family with its cards and is called when the
beneficiary opens the card page, when the state cell builds a print batch, and by the
Celery beat task `issue_cards_sweep` (portal/cards/tasks.py) for every family that needs it.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from portal import clock
from portal.audit.services import Actor, record, record_many
from portal.enrolment.models import Family, Member
from portal.enrolment.models import Status as FamilyStatus
from portal.i18n import later

from . import qr
from .pdf import pack_modules
from .keys import keyring
from .models import STAGE_TRANSITIONS, STATE_TRANSITIONS, Card, CardPrint, Stage, State

LIVE = [State.ACTIVE, State.SUSPENDED]
# What a card shows that comes from the member or the family; a change means a new card.
PRINTED = ("name_en", "name_hi", "relation", "date_of_birth", "gender", "ward", "kind", "aadhaar_last4", "photo_id")
PRINTED_LABELS = {
    "name_en": gettext_noop("name"), "name_hi": gettext_noop("name"), "relation": gettext_noop("relation"),
    "date_of_birth": gettext_noop("date of birth"), "gender": gettext_noop("gender"), "ward": gettext_noop("ward"),
    "kind": gettext_noop("employee or pensioner"), "aadhaar_last4": gettext_noop("Aadhaar"),
    "photo_id": gettext_noop("photo"),
}
SELF_PRINT_REPEAT_SECONDS = 30  # the same print asked for again within this (a double click) is one print


class CardError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def both_languages(text: str) -> str:
    """A reason the portal writes itself, stored in Hindi and English ("hi / en")."""
    parts = []
    for language in ("hi", "en"):
        with translation.override(language):
            parts.append(gettext(text))
    return parts[0] if parts[0] == parts[1] else f"{parts[0]} / {parts[1]}"


def _cannot(what, current, to):
    return CardError(later(lambda: gettext("This card is %(current)s; it cannot be %(to)s.") % {
        "current": str(what(current).label).lower(), "to": str(what(to).label).lower()}))


def check_stage(card: Card, to: str) -> None:
    if to not in STAGE_TRANSITIONS[card.stage]:
        raise _cannot(Stage, card.stage, to)


def move_stage(cards, *, source: str, to: str, **fields) -> int:
    """Move many cards along the delivery stages in one UPDATE, only as STAGE_TRANSITIONS allows."""
    if to not in STAGE_TRANSITIONS[source]:
        raise _cannot(Stage, source, to)
    return cards.filter(stage=source).update(stage=to, **fields)


def check_state(card: Card, to: str) -> None:
    if to not in STATE_TRANSITIONS[card.state]:
        raise _cannot(State, card.state, to)


# --- issuing -------------------------------------------------------------------------------

def printed_data(member: Member, family: Family) -> dict:
    return {"name_en": member.name_en, "name_hi": member.name_hi, "relation": member.relation,
            "date_of_birth": member.date_of_birth, "gender": member.gender, "ward": family.ward, "kind": family.kind,
            "aadhaar_last4": member.aadhaar_last4, "photo_id": member.photo_id}


def changed_fields(card: Card, member: Member, family: Family) -> list[str]:
    return [name for name, value in printed_data(member, family).items() if getattr(card, name) != value]


def _new_card(member: Member, family: Family, now, replaces: Card | None = None) -> Card:
    return Card(member=member, family=family, office_id=family.office_id, issued_at=now, replaces=replaces,
                **printed_data(member, family))


def sign_card(card: Card) -> None:
    """Number and QR payload, once the card has its row id."""
    ring = keyring()
    issued_on = timezone.localdate(card.issued_at)
    card.number = Card.number_for(card.pk, issued_on.year)
    card.key_id = ring.current
    card.qr_payload = ring.sign(qr.Payload(
        number=card.number, name=card.name_en, year_of_birth=card.date_of_birth.year, relation=card.relation,
        ward=card.ward, issued_on=issued_on, key_id=card.key_id))


def _insert(cards: list[Card]) -> list[Card]:
    if not cards:
        return []
    created = Card.objects.bulk_create(cards)  # PostgreSQL and SQLite return the new ids
    for card in created:
        sign_card(card)
        # Encoding the QR is a third of a card's time in a print batch: done here, once.
        card.qr_modules = pack_modules(card.qr_payload)
    Card.objects.bulk_update(created, ["number", "key_id", "qr_payload", "qr_modules"])
    return created


@dataclass
class Issued:
    new: list[Card] = field(default_factory=list)
    replaced: list[Card] = field(default_factory=list)
    suspended: list[Card] = field(default_factory=list)
    moved: list[Card] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.replaced or self.suspended or self.moved)


def _details_changed(fields: list[str]) -> str:
    labels = list(dict.fromkeys(PRINTED_LABELS[name] for name in fields))
    parts = []
    for language in ("hi", "en"):
        with translation.override(language):
            parts.append(gettext("Details changed") + ": " + ", ".join(gettext(label) for label in labels))
    return " / ".join(dict.fromkeys(parts))


@transaction.atomic
def issue_cards(*, family: Family, actor: Actor) -> Issued:
    """Bring a verified family's cards up to date, idempotently: a card for every active
    member without one; a new card (the old one replaced) where what the card shows has
    changed; the card of a member no longer in the family suspended; a card not yet printed
    follows the family to its new office."""
    family = Family.objects.select_for_update().get(pk=family.pk)
    if family.status != FamilyStatus.VERIFIED:
        raise CardError(_("State Health Cards are made once the DDO/TO has verified the registration."))
    now = clock.now()
    live = {c.member_id: c for c in Card.objects.select_for_update().filter(family=family, state__in=LIVE)}
    result = Issued()
    to_issue: list[Card] = []
    for member in family.members.all().order_by("id"):
        card = live.get(member.pk)
        if member.active:
            if card is None:
                to_issue.append(_new_card(member, family, now))
            elif card.state == State.ACTIVE and (fields := changed_fields(card, member, family)):
                card.state, card.state_changed_at, card.reason = State.REPLACED, now, _details_changed(fields)
                card.save(update_fields=["state", "state_changed_at", "reason"])
                result.replaced.append(card)
                to_issue.append(_new_card(member, family, now, replaces=card))
            elif card.stage == Stage.ISSUED and card.office_id != family.office_id:
                card.office_id = family.office_id
                card.save(update_fields=["office"])
                result.moved.append(card)
        elif card is not None and card.state == State.ACTIVE:
            reason = both_languages(gettext_noop("No longer a member of the family"))
            if member.removed_reason:
                reason = f"{reason}: {member.removed_reason}"
            card.state, card.state_changed_at, card.reason = State.SUSPENDED, now, reason[:300]
            card.save(update_fields=["state", "state_changed_at", "reason"])
            result.suspended.append(card)
    result.new = _insert(to_issue)
    record_many(actor=actor, action="cards.card.issued",
                items=[(c, {"member": c.member_id, "replaces": c.replaces.number if c.replaces else ""})
                       for c in result.new])
    record_many(actor=actor, action="cards.card.replaced",
                items=[(c, {"from": State.ACTIVE, "to": State.REPLACED, "reason": c.reason}) for c in result.replaced])
    record_many(actor=actor, action="cards.card.suspended",
                items=[(c, {"from": State.ACTIVE, "to": State.SUSPENDED, "reason": c.reason})
                       for c in result.suspended])
    record_many(actor=actor, action="cards.card.office_changed",
                items=[(c, {"office": family.office.code}) for c in result.moved])
    return result


def sweep_window_start() -> datetime.datetime:
    """Where the 5-minute sweep's look back begins (CARD_ISSUE_SWEEP_WINDOW_MINUTES ago)."""
    from django.conf import settings

    return clock.now() - datetime.timedelta(minutes=settings.CARD_ISSUE_SWEEP_WINDOW_MINUTES)


def families_needing_cards(limit: int | None = None, *, changed_since: datetime.datetime | None = None) -> list[int]:
    """Verified families whose cards are not up to date (what `issue_cards` would change); with
    `changed_since`, only among families changed since then (verified, transferred, a change
    approved: everything that changes a card moves `Family.updated_at`). Across the whole
    state this reads every member and every live card (about 30 s at full scale); since a
    moment, a range of the families' index."""
    from django.db.models import F, Q

    verified = Q(family__status=FamilyStatus.VERIFIED)
    if changed_since is not None:
        verified &= Q(family__updated_at__gte=changed_since)
    ids: list[int] = []

    def add(queryset) -> None:
        for family_id in queryset.values_list("family_id", flat=True).distinct()[: (limit or 10**9)]:
            if family_id not in seen:
                seen.add(family_id)
                ids.append(family_id)

    seen: set[int] = set()
    add(Member.objects.filter(verified, active=True).exclude(cards__state__in=LIVE))
    active = Card.objects.filter(verified, state=State.ACTIVE)
    add(active.filter(member__active=False))
    add(active.filter(
        ~Q(name_en=F("member__name_en")) | ~Q(name_hi=F("member__name_hi")) | ~Q(relation=F("member__relation"))
        | ~Q(date_of_birth=F("member__date_of_birth")) | ~Q(gender=F("member__gender"))
        | ~Q(aadhaar_last4=F("member__aadhaar_last4")) | ~Q(ward=F("family__ward")) | ~Q(kind=F("family__kind"))
        | Q(photo__isnull=True, member__photo__isnull=False) | Q(photo__isnull=False, member__photo__isnull=True)
        | (Q(photo__isnull=False, member__photo__isnull=False) & ~Q(photo=F("member__photo")))))
    add(active.filter(stage=Stage.ISSUED).exclude(office=F("family__office")))
    return ids[:limit] if limit else ids


def honoured(card: Card) -> bool:
    """Live check (not waiting for the sweep): active, its member still in the family, and
    the family still verified."""
    return (card.state == State.ACTIVE and card.member.active
            and card.family.status == FamilyStatus.VERIFIED)


# --- life cycle ------------------------------------------------------------------------------

def _locked(card: Card) -> Card:
    return Card.objects.select_for_update().select_related("member", "family", "family__office").get(pk=card.pk)


@transaction.atomic
def suspend_card(*, actor: Actor, card: Card, reason: str) -> Card:
    card = _locked(card)
    check_state(card, State.SUSPENDED)
    card.state, card.state_changed_at, card.reason = State.SUSPENDED, clock.now(), reason[:300]
    card.save(update_fields=["state", "state_changed_at", "reason"])
    record(actor=actor, action="cards.card.suspended", target=card,
           details={"from": State.ACTIVE, "to": State.SUSPENDED, "reason": reason})
    return card


@transaction.atomic
def reactivate_card(*, actor: Actor, card: Card, reason: str) -> Card:
    card = _locked(card)
    check_state(card, State.ACTIVE)
    if not card.member.active:
        raise CardError(_("This person is no longer a member of the family; the card cannot be reactivated."))
    if card.family.status != FamilyStatus.VERIFIED:
        raise CardError(_("The family's registration is not verified; the card cannot be reactivated."))
    card.state, card.state_changed_at, card.reason = State.ACTIVE, clock.now(), reason[:300]
    card.save(update_fields=["state", "state_changed_at", "reason"])
    record(actor=actor, action="cards.card.reactivated", target=card,
           details={"from": State.SUSPENDED, "to": State.ACTIVE, "reason": reason})
    issue_cards(family=card.family, actor=actor)  # details that changed meanwhile: a new card at once
    card.refresh_from_db()
    return card


@transaction.atomic
def replace_card(*, actor: Actor, card: Card, reason: str) -> Card:
    """A new card for a lost or damaged one: a new number and QR; the old card is replaced."""
    card = _locked(card)
    check_state(card, State.REPLACED)
    if not card.member.active or card.family.status != FamilyStatus.VERIFIED:
        raise CardError(_("This person is no longer a member of a verified family; no new card can be made."))
    now = clock.now()
    card.state, card.state_changed_at, card.reason = State.REPLACED, now, reason[:300]
    card.save(update_fields=["state", "state_changed_at", "reason"])
    new = _insert([_new_card(card.member, card.family, now, replaces=card)])[0]
    record(actor=actor, action="cards.card.replaced", target=card,
           details={"from": State.ACTIVE, "to": State.REPLACED, "reason": reason, "new_card": new.number})
    record(actor=actor, action="cards.card.issued", target=new, details={"member": new.member_id,
                                                                         "replaces": card.number})
    return new


# --- self-printing ---------------------------------------------------------------------------

def printable(cards: list[Card]) -> None:
    for card in cards:
        if card.state != State.ACTIVE:
            number, state = card.number, card.get_state_display()
            raise CardError(later(lambda: gettext("Card %(number)s is %(state)s and cannot be printed.") % {
                "number": number, "state": str(state).lower()}))
        if not honoured(card):
            raise CardError(_("This card is no longer valid: the family's details have changed. Open the card page "
                              "again for the current cards."))


@transaction.atomic
def record_self_prints(*, actor: Actor, cards: list[Card], layout: str) -> int:
    """Every print by the beneficiary is a CardPrint row and an audit event; the same print
    (same cards, same layout) asked for again within 30 seconds — a double click — counts
    once. Returns the rows added."""
    cards = list(Card.objects.select_for_update().select_related("member", "family").filter(
        pk__in=[c.pk for c in cards]).order_by("pk"))
    printable(cards)
    now = clock.now()
    recent = set(CardPrint.objects.filter(
        card__in=cards, kind=CardPrint.Kind.SELF, by=actor.user, layout=layout,
        at__gte=now - datetime.timedelta(seconds=SELF_PRINT_REPEAT_SECONDS)).values_list("card_id", flat=True))
    fresh = [c for c in cards if c.pk not in recent]
    CardPrint.objects.bulk_create([CardPrint(card=c, kind=CardPrint.Kind.SELF, at=now, by=actor.user, layout=layout,
                                             ip=actor.ip[:64]) for c in fresh])
    Card.objects.filter(pk__in=[c.pk for c in fresh], first_self_printed_at__isnull=True).update(
        first_self_printed_at=now)
    record_many(actor=actor, action="cards.card.self_printed",
                items=[(c, {"layout": layout}) for c in fresh])
    return len(fresh)
