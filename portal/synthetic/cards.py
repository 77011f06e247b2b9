"""State Health Cards of a verified family, at whatever stage their dates lead to.

Each member's card is issued within the hour after verification. The state cell prints
weekly batches (every card issued the week before; a batch takes half a day to two days);
each office's cards of a batch go out in one dispatch 1-7 days later and are confirmed
received 2-16 days after that (15 % of offices take up to seven months; the same dates for
every card of that dispatch, computed from the seed, the batch and the office, so every
worker agrees); the DDO/TO hands most cards over within days of arrival, some only after
months, a few not yet. A card is at the last stage whose date has passed, so
timestamps are always ordered: issued ≤ printed ≤ dispatched ≤ received ≤ handed over.
About a quarter of the families also print their cards themselves (CardPrint "self").
"""

import datetime

from portal.cards import qr
from portal.cards.keys import keyring
from portal.cards.models import Card
from portal.cards.pdf import pack_modules

from .people import _between, _pick
from .world import DAY, unit

REPLACEMENT_REASONS = ("Name corrected: a new card was issued.", "Date of birth corrected: a new card was issued.")
SUSPENDED_SHARE = 0.001
WAITING_TO_PRINT = ("issued", "in_batch")


def _dispatch(builder, rng, out, batch: int, office_index: int, office, finished: int):
    """(dispatch pk, dispatched at, received at) of an office's share of a batch, or None
    while it has not left; the dispatch row itself (the first chunk to need it adds it;
    the loader drops the copies other chunks make)."""
    world = builder.world
    seed = world.seed
    dispatched = finished + int(DAY * (1 + 6 * unit(seed, batch, office_index, 2)))
    if dispatched > world.now:
        return None
    # Most offices confirm receipt within days; some take weeks.
    lag = unit(seed, batch, office_index, 3)
    received = dispatched + int(DAY * (2 + 14 * lag if lag < 0.85 else 16 + 200 * (lag - 0.85)))
    if received > world.now:
        received = None
    pk = world.dispatch_pk(batch, office_index)
    batch_pk = world.batches[batch - 1][0]
    day = datetime.date.fromordinal(719163 + (dispatched + 19800) // DAY)
    out["dispatches"].append((
        pk, office.pk, batch_pk, f"SHC/{batch_pk:05d}/{office.code}", day, world.state_user, dispatched,
        datetime.date.fromordinal(719163 + (received + 19800) // DAY) if received else None,
        office.officer if received else None, received,
    ))
    return pk, dispatched, received


def _card(builder, rng, ids, out, *, family, member, issued: int, replaces=None) -> list:
    world = builder.world
    family_pk, office, _decided, _user, ward, pensioner = family
    pk = ids["cards"]
    ids["cards"] += 1
    stage, batch_pk, printed, dispatch_pk, dispatched, received, handed, handed_by = "issued", None, None, None, None, \
        None, None, None
    acknowledged = False
    batch = world.batch_of(issued)
    if batch <= len(world.batches):
        batch_pk, created, finished = world.batches[batch - 1]
        if finished > world.now:
            stage = "in_batch"
        else:
            stage = "printed"
            printed = created + int((finished - created) * rng.random())
            office_index = builder.office_index[office.pk]
            sent = builder.dispatch_cache.get((batch, office_index), False)
            if sent is False:
                sent = _dispatch(builder, rng, out, batch, office_index, office, finished)
                builder.dispatch_cache[(batch, office_index)] = sent
            if sent:
                dispatch_pk, dispatched, received = sent
                stage = "dispatched"
                if received:
                    stage = "received"
                    # Most cards are collected within days; some lie at the office for months.
                    roll = rng.random()
                    mean = 8 * DAY if roll < 0.85 else 60 * DAY if roll < 0.97 else 10 * 365 * DAY
                    handed = received + int(rng.expovariate(1 / mean))
                    if handed <= world.now:
                        stage, handed_by, acknowledged = "handed_over", office.officer, rng.random() < 0.8
                    else:
                        handed = None
            out["cardprints"].append((pk, "batch", printed, world.state_user, batch_pk, ""))
    member_pk, relation, name_en, name_hi, born, gender, last4, photo = (
        member[0], member[2], member[3], member[4], member[6], member[7], member[13], member[14])
    number, key_id, payload = builder.signer.sign(pk, issued, name_en, born, relation, ward)
    # The portal encodes a card's QR once, at issue, and drops it once printed (cards.services,
    # cards.batches); a print batch of generated cards must find it there too.
    modules = pack_modules(payload) if payload and stage in WAITING_TO_PRINT else ""
    row = [pk, number, member_pk,
           family_pk, office.pk, stage, "active", name_en, name_hi, relation, born, gender, ward,
           "pensioner" if pensioner else "employee", last4, issued, batch_pk, printed, dispatch_pk, dispatched,
           received, handed, handed_by, acknowledged, None, None, "", replaces, photo, payload, key_id, modules]
    out["cards"].append(row)
    return row


class Signer:
    """Card number and signed QR payload, made as portal.cards.services.sign_card makes
    them (Card.number_for, qr.Payload, the cards keyring), with the keyring read once
    instead of once a card (a test checks both give the same payload)."""

    def __init__(self, sign: bool = True):
        self.ring = keyring() if sign else None

    def sign(self, pk: int, issued: int, name_en: str, born: datetime.date, relation: str, ward: str):
        issued_on = datetime.date.fromordinal(719163 + (issued + 19800) // DAY)  # India: UTC+5:30, no DST
        number = Card.number_for(pk, issued_on.year)
        if self.ring is None:
            return number, "", ""
        key_id = self.ring.current
        payload = qr.Payload(number=number, name=name_en, year_of_birth=born.year, relation=relation, ward=ward,
                             issued_on=issued_on, key_id=key_id)
        return number, key_id, self.ring.sign(payload)


def _last_event(card) -> int:
    return max(t for t in (card[15], card[17], card[19], card[20], card[21]) if t is not None)


def for_family(builder, rng, ids, out, *, family, members, replaced: bool) -> None:
    world = builder.world
    _pk, office, decided, user_pk, _ward, _pensioner = family
    issued = min(world.now - 30, decided + _between(rng, 120, 3600))
    cards = [_card(builder, rng, ids, out, family=family, member=m, issued=issued) for m in members]
    if replaced:
        # A correction after the card's last move so far: the old card is replaced, a new
        # one (new number) is issued and goes through printing again.
        old = _pick(rng, cards)
        last = _last_event(old)
        at = last + int((world.now - last) * rng.uniform(0.2, 0.8))
        old[6], old[25], old[26] = "replaced", at, _pick(rng, REPLACEMENT_REASONS)
        member = next(m for m in members if m[0] == old[2])
        cards.append(_card(builder, rng, ids, out, family=family, member=member, issued=at, replaces=old[0]))
    for card in cards:
        if card[6] == "active" and rng.random() < SUSPENDED_SHARE:
            last = _last_event(card)
            card[6], card[25], card[26] = "suspended", last + int((world.now - last) * rng.random()), \
                "Reported lost by the beneficiary."
    # Self-prints: the beneficiary logs in with an OTP and prints the family's cards.
    if rng.random() < 0.25:
        at = decided + 600 + int(rng.expovariate(1 / (4 * DAY)))
        times = [at] if at < world.now else []
        if times and rng.random() < 0.1:
            again = at + int(rng.uniform(1, 200) * DAY)
            if again < world.now:
                times.append(again)
        ip = f"10.{_between(rng, 0, 256)}.{_between(rng, 0, 256)}.{_between(rng, 1, 255)}"
        for card in cards:
            for t in times:
                if t >= card[15] and card[6] != "replaced":
                    out["cardprints"].append((card[0], "self", t, user_pk, None, ip))
                    if card[24] is None:
                        card[24] = t
