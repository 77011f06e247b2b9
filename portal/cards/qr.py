"""The signed QR payload of a State Health Card (docs/formats.md#state-health-card-qr-payload).

    SHC1/UP26000012345/KSHAMA TRIPATHI/1985/SPOUSE/SEMI-PRIVATE/20261201/K1/<signature>

Fields are separated by "/": format tag, card number, name (English, upper case), year of
birth, relation, ward entitlement, issue date (YYYYMMDD), key id, then the Ed25519 signature
of everything before the last "/" (ASCII bytes), in base32 without padding. Every character
is in the QR alphanumeric set (0-9 A-Z space $ % * + - . / :), so the code stays small
(version 7 or 8 at error level M).

This module needs only the `cryptography` package, not Django: a hospital can copy it to
verify cards offline with the public keys published at /cards/keys/.
"""

import base64
import datetime
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TAG = "SHC1"
SEP = "/"
NAME_MAX = 40
RELATIONS = {
    "self": "SELF", "spouse": "SPOUSE", "son": "SON", "daughter": "DAUGHTER", "father": "FATHER",
    "mother": "MOTHER", "father_in_law": "FATHER-IN-LAW", "mother_in_law": "MOTHER-IN-LAW",
    "brother": "BROTHER", "sister": "SISTER",
}
WARDS = {"general": "GENERAL", "semi_private": "SEMI-PRIVATE", "private": "PRIVATE"}
_NUMBER = re.compile(r"^UP\d{11}$")
_KEY_ID = re.compile(r"^[A-Z0-9]{1,16}$")


class InvalidPayload(Exception):
    """Not a State Health Card QR, altered, or signed with a key that is not published."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "format", "key" or "signature"


@dataclass(frozen=True)
class Payload:
    number: str
    name: str
    year_of_birth: int
    relation: str  # enrolment.Relation value, e.g. "spouse"
    ward: str  # enrolment.Ward value, e.g. "semi_private"
    issued_on: datetime.date
    key_id: str


def qr_name(name_en: str) -> str:
    """The name as the QR carries it: upper case, only A-Z, space, "." and "-", at most 40."""
    cleaned = re.sub(r"[^A-Z .\-]", "", (name_en or "").upper())
    return " ".join(cleaned.split())[:NAME_MAX].strip()


def message(payload: Payload) -> str:
    """The signed part of the payload."""
    return SEP.join([
        TAG, payload.number, qr_name(payload.name), f"{payload.year_of_birth:04d}", RELATIONS[payload.relation],
        WARDS[payload.ward], f"{payload.issued_on:%Y%m%d}", payload.key_id.upper(),
    ])


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_PAIRS = [a + b for a in _B32 for b in _B32]  # every 10 bits as two characters


def encode_signature(signature: bytes) -> str:
    """RFC 4648 base32 without padding, as base64.b32encode gives it. Written out because
    the generator signs millions of cards and b32encode (pure Python in 3.11, one loop
    step per 5 bytes) costs a third more than this one integer walked 10 bits at a time."""
    bits = len(signature) * 8
    chars = -(-bits // 5)
    shift = -bits % 10
    n = int.from_bytes(signature, "big") << shift
    pairs = "".join([_B32_PAIRS[(n >> s) & 1023] for s in range(bits + shift - 10, -1, -10)])
    return pairs[:chars]


def sign(payload: Payload, private_key: Ed25519PrivateKey) -> str:
    text = message(payload)
    return text + SEP + encode_signature(private_key.sign(text.encode("ascii")))


def parse(text: str) -> tuple[Payload, str, bytes]:
    """(payload, signed text, signature) or InvalidPayload("format")."""
    text = (text or "").strip()
    head, sep, signature_text = text.rpartition(SEP)
    parts = head.split(SEP)
    if not sep or len(parts) != 8 or parts[0] != TAG:
        raise InvalidPayload("format")
    _, number, name, year, relation, ward, issued, key_id = parts
    relations = {v: k for k, v in RELATIONS.items()}
    wards = {v: k for k, v in WARDS.items()}
    try:
        if not (_NUMBER.match(number) and year.isdigit() and len(year) == 4 and _KEY_ID.match(key_id)):
            raise ValueError
        issued_on = datetime.datetime.strptime(issued, "%Y%m%d").date()
        signature = base64.b32decode(signature_text + "=" * (-len(signature_text) % 8))
        payload = Payload(number=number, name=name, year_of_birth=int(year), relation=relations[relation],
                          ward=wards[ward], issued_on=issued_on, key_id=key_id)
    except (ValueError, KeyError, base64.binascii.Error):
        raise InvalidPayload("format") from None
    if len(signature) != 64:
        raise InvalidPayload("format")
    return payload, head, signature


def verify(text: str, public_keys: dict[str, bytes]) -> Payload:
    """The payload if its signature verifies with the published key it names.
    `public_keys`: key id -> 32-byte raw Ed25519 public key."""
    payload, signed, signature = parse(text)
    raw = {k.upper(): v for k, v in public_keys.items()}.get(payload.key_id)
    if raw is None:
        raise InvalidPayload("key")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, signed.encode("ascii"))
    except InvalidSignature:
        raise InvalidPayload("signature") from None
    return payload


def looks_like_payload(text: str) -> bool:
    return (text or "").strip().upper().startswith(TAG + SEP)
