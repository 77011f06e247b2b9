"""Synthetic Aadhaar numbers: "999", an eight-digit serial, and the Verhoeff check digit.

The portal's own rules accept them (12 digits, not starting with 0 or 1, valid check digit,
not a palindrome), so every page and service treats them as real numbers; the fixed prefix
and the ledger of serials in `synthetic.Run` make them recognisably ours and never reused.
Numbers go into the vault sealed by the vault's own keyring and blind index, as
`portal.vault.services.store` does, only many at a time.
"""

import functools

from portal.checkdigit import _D, _INV, _P
from portal.vault import services as vault

PREFIX = "999"
# The few serials whose "999" number reads the same backwards (about 1,000 of the 10^8) use
# this prefix instead: still one number per serial, and never a palindrome.
PALINDROME_PREFIX = "998"
SERIAL_DIGITS = 8
MAX_SERIAL = 10**SERIAL_DIGITS - 1


@functools.cache
def _tables():
    """Partial Verhoeff states, so a check digit costs three lookups instead of twelve.

    verhoeff_digit(body) runs over body + "0" from the right: position 0 is that "0",
    positions 1-4 the serial's last four digits, 5-8 its first four, 9-11 the prefix."""
    def run(c: int, digits: str, first_position: int) -> int:
        for i, ch in enumerate(reversed(digits)):
            c = _D[c][_P[(first_position + i) % 8][int(ch)]]
        return c

    start = run(0, "0", 0)
    low = [run(start, f"{v:04d}", 1) for v in range(10000)]
    high = [[run(c, f"{v:04d}", 5) for v in range(10000)] for c in range(10)]
    prefixes = {p: [run(c, p, 9) for c in range(10)] for p in (PREFIX, PALINDROME_PREFIX)}
    return low, high, prefixes


def number(serial: int) -> str:
    """The synthetic Aadhaar number with this serial (one number per serial)."""
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError("synthetic Aadhaar serials run from 0 to 99,999,999")
    low, high, prefixes = _tables()
    hi, lo = divmod(serial, 10000)
    state = high[low[lo]][hi]
    digits = f"{PREFIX}{serial:08d}{_INV[prefixes[PREFIX][state]]}"
    if digits == digits[::-1]:
        digits = f"{PALINDROME_PREFIX}{serial:08d}{_INV[prefixes[PALINDROME_PREFIX][state]]}"
    return digits


def is_synthetic(value: str) -> bool:
    return len(value) == 12 and value[:3] in (PREFIX, PALINDROME_PREFIX)


class Sealer:
    """Seals numbers with the vault's current key and computes their blind index."""

    def __init__(self):
        self.ring = vault.keyring()
        self.key_id = self.ring.current
        self.purpose = vault._PURPOSE

    def seal(self, value: str) -> tuple[bytes, str]:
        return self.ring.seal(value.encode(), purpose=self.purpose), vault.blind_index(value)
