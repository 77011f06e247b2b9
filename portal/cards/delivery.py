"""Delivery of printed cards: the state cell dispatches them to each DDO/TO office (the
dispatch register), the office records receipt (each family is told by SMS), then hands
each card over to the beneficiary, optionally confirmed with the beneficiary's OTP.

Dates typed by officers (dispatch, receipt, hand-over) set the card's timestamps: today's
date is "now", an earlier date is noon of that day (reports count cards per day)."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.audit.services import Actor, record, record_many
from portal.i18n import later
from portal.notify.otp import send_otp, verify_otp
from portal.notify.outbox import queue_sms_many

from .models import Card, Dispatch, Stage, State
from .services import CardError, check_stage, move_stage

HANDOVER_PURPOSE = "cards.handover"
HANDOVER_LABEL = _("confirm that you received your State Health Cards")


def moment(day: datetime.date) -> datetime.datetime:
    """The timestamp a typed date stands for."""
    if day == clock.today():
        return clock.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def _check_date(day: datetime.date, *, not_before: datetime.date | None = None, field: str) -> None:
    if day > clock.today():
        raise CardError(_("The date cannot be in the future."), field=field)
    if not_before and day < not_before:
        earliest = not_before.strftime("%d.%m.%Y")
        raise CardError(later(lambda: gettext("The date cannot be before %(date)s.") % {"date": earliest}), field=field)


@transaction.atomic
def dispatch_cards(*, actor: Actor, office, reference: str, dispatched_on: datetime.date, batch=None) -> Dispatch:
    """Send every printed, active card of `office` (of one batch if given) in one dispatch."""
    _check_date(dispatched_on, field="dispatched_on")
    cards = Card.objects.select_for_update().filter(office=office, stage=Stage.PRINTED, state=State.ACTIVE)
    if batch is not None:
        cards = cards.filter(batch=batch)
    cards = list(cards.only("pk", "number", "printed_at"))
    if not cards:
        raise CardError(_("No printed cards are waiting to be sent to this office."))
    latest_print = max(timezone.localdate(c.printed_at) for c in cards)
    _check_date(dispatched_on, not_before=latest_print, field="dispatched_on")
    now = clock.now()
    dispatch = Dispatch.objects.create(office=office, batch=batch, reference=reference.strip(),
                                       dispatched_on=dispatched_on, dispatched_by=actor.user, created_at=now)
    move_stage(Card.objects.filter(pk__in=[c.pk for c in cards]), source=Stage.PRINTED, to=Stage.DISPATCHED,
               dispatch=dispatch, dispatched_at=moment(dispatched_on))
    record(actor=actor, action="cards.dispatch.created", target=dispatch,
           details={"office": office.code, "reference": dispatch.reference, "cards": len(cards),
                    "dispatched_on": dispatched_on.isoformat()})
    record_many(actor=actor, action="cards.card.dispatched",
                items=[(c, {"from": Stage.PRINTED, "to": Stage.DISPATCHED, "dispatch": dispatch.reference})
                       for c in cards])
    return dispatch


def _office_name(office, language: str) -> str:
    return office.name_hi if language == "hi" and office.name_hi else office.name_en


@transaction.atomic
def receive_dispatch(*, actor: Actor, dispatch: Dispatch, received_on: datetime.date) -> int:
    """The office has the cards: each family whose cards arrived gets an SMS in its language."""
    dispatch = Dispatch.objects.select_for_update().select_related("office").get(pk=dispatch.pk)
    if dispatch.received_at:
        raise CardError(_("The receipt of this dispatch has already been recorded."))
    _check_date(received_on, not_before=dispatch.dispatched_on, field="received_on")
    cards = list(Card.objects.select_for_update().filter(dispatch=dispatch, stage=Stage.DISPATCHED)
                 .select_related("family"))
    now = clock.now()
    dispatch.received_on, dispatch.received_by, dispatch.received_at = received_on, actor.user, now
    dispatch.save(update_fields=["received_on", "received_by", "received_at"])
    move_stage(Card.objects.filter(pk__in=[c.pk for c in cards]), source=Stage.DISPATCHED, to=Stage.RECEIVED,
               received_at=moment(received_on))
    by_family = defaultdict(list)
    for card in cards:
        by_family[card.family_id].append(card)
    queue_sms_many([{
        "to": family_cards[0].family.mobile, "template": "card_received", "language": family_cards[0].family.language,
        "context": {"count": len(family_cards), "number": family_cards[0].family.number,
                    "office": _office_name(dispatch.office, family_cards[0].family.language)},
    } for family_cards in by_family.values() if family_cards[0].family.mobile])
    record(actor=actor, action="cards.dispatch.received", target=dispatch,
           details={"received_on": received_on.isoformat(), "cards": len(cards), "families": len(by_family)})
    record_many(actor=actor, action="cards.card.received",
                items=[(c, {"from": Stage.DISPATCHED, "to": Stage.RECEIVED}) for c in cards])
    return len(cards)


def send_handover_otp(*, family, ip: str = ""):
    return send_otp(purpose=f"{HANDOVER_PURPOSE}:{family.number}", target=family.mobile, purpose_label=HANDOVER_LABEL,
                    language=family.language, ip=ip)


def hand_over(*, actor: Actor, family, cards: list[Card], handed_over_on: datetime.date, otp: str = "") -> int:
    """Hand these received cards of one family to the beneficiary. With `otp`, the
    beneficiary's OTP confirms it (checked first, so a wrong code stays counted)."""
    if not cards:
        raise CardError(_("Choose the cards you are handing over."), field="cards")
    if otp:
        verify_otp(purpose=f"{HANDOVER_PURPOSE}:{family.number}", target=family.mobile, code=otp)
    with transaction.atomic():
        locked = list(Card.objects.select_for_update().filter(pk__in=[c.pk for c in cards]).order_by("pk"))
        for card in locked:
            if card.family_id != family.pk:
                raise CardError(_("Choose cards of this family only."), field="cards")
            if card.stage != Stage.RECEIVED:
                number, stage = card.number, card.get_stage_display()
                raise CardError(later(lambda: gettext("Card %(number)s is not waiting at the office (%(stage)s).") % {
                    "number": number, "stage": str(stage).lower()}), field="cards")
            check_stage(card, Stage.HANDED_OVER)
            if card.state != State.ACTIVE:
                number, state = card.number, card.get_state_display()
                raise CardError(later(lambda: gettext("Card %(number)s is %(state)s: do not hand it over.") % {
                    "number": number, "state": str(state).lower()}), field="cards")
        received = min(timezone.localdate(c.received_at) for c in locked if c.received_at)
        _check_date(handed_over_on, not_before=received, field="handed_over_on")
        move_stage(Card.objects.filter(pk__in=[c.pk for c in locked]), source=Stage.RECEIVED, to=Stage.HANDED_OVER,
                   handed_over_at=moment(handed_over_on), handed_over_by=actor.user, handover_acknowledged=bool(otp))
        record_many(actor=actor, action="cards.card.handed_over",
                    items=[(c, {"from": Stage.RECEIVED, "to": Stage.HANDED_OVER, "acknowledged_with_otp": bool(otp),
                                "on": handed_over_on.isoformat()}) for c in locked])
    return len(locked)
