"""Checking a card: by its number or by the text of its QR code (signature checked)."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.checkdigit import verhoeff_valid

from . import qr, selectors
from .keys import keyring
from .models import Card, State
from .services import honoured

_NUMBER = re.compile(r"^UP\d{11}$")


@dataclass(frozen=True)
class Result:
    query: str
    valid: bool
    status: str  # active | suspended | replaced | ended | unknown | bad_number | not_a_card | tampered | unknown_key
    message: object  # a lazy translation
    card: Card | None = None
    payload: qr.Payload | None = None  # from a QR whose signature verified

    @property
    def from_qr(self) -> bool:
        return self.payload is not None


MESSAGES = {
    "active": _("Valid: the card is active."),
    "suspended": _("Not valid: the card is suspended."),
    "replaced": _("Not valid: this card has been replaced by a new card."),
    "ended": _("Not valid any more: the card holder is no longer in a verified family registration."),
    "unknown": _("No card has this number. Check the number on the card."),
    "bad_number": _("This is not a valid card number. A card number is UP followed by 11 digits; check each digit."),
    "not_a_card": _("This is not the QR code of a State Health Card."),
    "tampered": _("Not valid: the QR code has been altered (its signature does not match). Do not accept this card."),
    "unknown_key": _("Not valid: the QR code is signed with a key this portal never published."),
}


def normalise_number(text: str) -> str:
    return re.sub(r"[\s\-]", "", text or "").upper()


def _status(card: Card) -> str:
    if card.state == State.REPLACED:
        return "replaced"
    if card.state == State.SUSPENDED:
        return "suspended"
    return "active" if honoured(card) else "ended"


def _result(query: str, status: str, card: Card | None = None, payload=None) -> Result:
    return Result(query=query, valid=status == "active", status=status, message=MESSAGES[status], card=card,
                  payload=payload)


def check(text: str) -> Result:
    text = (text or "").strip()
    if qr.looks_like_payload(text):
        try:
            payload = qr.verify(text, keyring().public_keys())
        except qr.InvalidPayload as exc:
            status = {"format": "not_a_card", "key": "unknown_key", "signature": "tampered"}[exc.reason]
            return _result(text, status)
        card = selectors.find_card(payload.number)
        if card is None:
            return _result(text, "unknown", payload=payload)
        return _result(text, _status(card), card, payload)
    number = normalise_number(text)
    if not _NUMBER.match(number) or not verhoeff_valid(number[2:]):
        return _result(number, "bad_number")
    card = selectors.find_card(number)
    if card is None:
        return _result(number, "unknown")
    return _result(number, _status(card), card)
