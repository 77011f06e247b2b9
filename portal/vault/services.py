"""The only code that sees a full Aadhaar number."""

import base64
import functools
import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.checkdigit import verhoeff_valid
from portal.crypto import Keyring, SealError

from .models import AadhaarRecord

_PURPOSE = "aadhaar"


@functools.cache
def keyring() -> Keyring:
    return Keyring.load(env_value=settings.VAULT_KEYS, key_file=settings.VAULT_KEY_FILE,
                        create_demo_file=not settings.PRODUCTION)


@functools.cache
def _index_key() -> bytes:
    # The blind index has its own key, so a stolen database without it cannot be searched
    # by trying all 10^11 valid numbers.
    ring = Keyring.load(env_value=settings.VAULT_INDEX_KEY, key_file=settings.VAULT_INDEX_KEY_FILE,
                        create_demo_file=not settings.PRODUCTION)
    return ring.keys[ring.current]


def normalise(value: str) -> str:
    """Spaces and hyphens dropped; digits typed on a Hindi (०-९) or full-width keyboard read
    as the same ASCII digits, so one number always has one blind index."""
    value = re.sub(r"[\s\-]", "", value or "")
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in value)


def validate(value: str) -> str:
    """A well-formed Aadhaar number (12 digits, not starting 0/1, Verhoeff check digit), or
    a ValidationError that says which rule it breaks. The number is never in the message."""
    number = normalise(value)
    if not re.fullmatch(r"[0-9]+", number):
        raise ValidationError(_("An Aadhaar number has digits only."), code="aadhaar_digits")
    if len(number) != 12:
        raise ValidationError(_("An Aadhaar number has 12 digits."), code="aadhaar_length")
    if number[0] in "01":
        raise ValidationError(_("An Aadhaar number does not start with 0 or 1."), code="aadhaar_start")
    if number == number[::-1]:
        raise ValidationError(_("This is not a valid Aadhaar number."), code="aadhaar_palindrome")
    if not verhoeff_valid(number):
        raise ValidationError(_("This Aadhaar number is not valid: check the digits (the last digit is a check digit)."),
                              code="aadhaar_checksum")
    return number


def blind_index(number: str) -> str:
    return hmac.new(_index_key(), number.encode(), hashlib.sha256).hexdigest()


def put(value: str) -> tuple[AadhaarRecord, bool]:
    """The vault record for this number (one record per number) and whether it was made now.
    A new number costs one statement: INSERT … ON CONFLICT DO NOTHING RETURNING id, which a
    concurrent insert of the same number cannot turn into an error, so it needs no savepoint;
    a number already stored is read after it."""
    number = validate(value)
    index = blind_index(number)
    ring = keyring()
    record = AadhaarRecord(sealed=ring.seal(number.encode(), purpose=_PURPOSE), key_id=ring.current,
                           blind_index=index, last4=number[-4:], created_at=clock.now())
    alias = router.db_for_write(AadhaarRecord)
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:  # an old SQLite: the portable way
        return _put_with_savepoint(record)
    fields = [AadhaarRecord._meta.get_field(name) for name in ("sealed", "key_id", "blind_index", "last4", "created_at")]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(AadhaarRecord._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({quote('blind_index')}) DO NOTHING "
            f"RETURNING {quote('id')}",
            [f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields])
        row = cursor.fetchone()
    if row is None:
        return AadhaarRecord.objects.using(alias).get(blind_index=index), False
    record.pk = row[0]
    record._state.adding, record._state.db = False, alias
    return record, True


def _put_with_savepoint(record: AadhaarRecord) -> tuple[AadhaarRecord, bool]:
    existing = AadhaarRecord.objects.filter(blind_index=record.blind_index).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            record.save(force_insert=True)
            return record, True
    except IntegrityError:  # stored by a concurrent request a moment ago
        return AadhaarRecord.objects.get(blind_index=record.blind_index), False


def store(value: str) -> AadhaarRecord:
    """The vault record for this number, created if it is new (one record per number)."""
    return put(value)[0]


def find(value: str) -> AadhaarRecord | None:
    try:
        number = validate(value)
    except ValidationError:
        return None
    return AadhaarRecord.objects.filter(blind_index=blind_index(number)).first()


def reseal_batch(*, batch_size: int = 500) -> int:
    """Re-encrypt up to `batch_size` records sealed with an older key; returns how many.
    Rows are re-sealed one batch per transaction, so the portal keeps working meanwhile."""
    ring = keyring()
    with transaction.atomic():
        rows = list(AadhaarRecord.objects.select_for_update(skip_locked=True)
                    .exclude(key_id=ring.current).order_by("pk")[:batch_size])
        for row in rows:
            row.sealed = ring.seal(ring.open(row.sealed, purpose=_PURPOSE), purpose=_PURPOSE)
            row.key_id = ring.current
        AadhaarRecord.objects.bulk_update(rows, ["sealed", "key_id"])
    return len(rows)


def masked(record: AadhaarRecord | None) -> str:
    return record.masked if record else ""


# --- between attempts at a form -------------------------------------------------------------
# A page that shows a form again after an error must not echo the Aadhaar number. It carries
# this token instead: the number sealed with the vault key and signed with a time stamp.

_FORM_SALT = "vault.aadhaar-form"
_FORM_PURPOSE = "aadhaar-form"
FORM_TOKEN_MAX_AGE = 24 * 3600


def form_token(value: str) -> str:
    number = validate(value)
    sealed = keyring().seal(number.encode(), purpose=_FORM_PURPOSE)
    return signing.dumps(base64.urlsafe_b64encode(sealed).decode(), salt=_FORM_SALT)


def _token_number(token: str) -> str:
    try:
        sealed = base64.urlsafe_b64decode(signing.loads(token, salt=_FORM_SALT, max_age=FORM_TOKEN_MAX_AGE))
        return keyring().open(sealed, purpose=_FORM_PURPOSE).decode()
    except (signing.BadSignature, ValueError, SealError) as exc:
        raise ValidationError(_("Enter the Aadhaar number again."), code="aadhaar_token") from exc


def token_last4(token: str) -> str:
    return _token_number(token)[-4:]


def store_token(token: str) -> AadhaarRecord:
    return store(_token_number(token))


def put_token(token: str) -> tuple[AadhaarRecord, bool]:
    """`put` for a number a form handed over sealed."""
    return put(_token_number(token))


def find_token(token: str) -> AadhaarRecord | None:
    return AadhaarRecord.objects.filter(blind_index=blind_index(_token_number(token))).first()
