"""Every generated Aadhaar number is valid for the portal, recognisably synthetic, unique,
sealed by the vault and found again through its blind index."""

import random

import pytest

from portal.checkdigit import verhoeff_digit, verhoeff_valid
from portal.enrolment.models import Member, Relation
from portal.synthetic import aadhaar
from portal.vault import services as vault
from portal.vault.models import AadhaarRecord

pytestmark = pytest.mark.django_db


def test_every_number_is_valid_synthetic_decryptable_and_indexed(population):
    ring = vault.keyring()
    numbers = set()
    records = list(AadhaarRecord.objects.all())
    assert len(records) == Member.objects.count() == population.rows["aadhaar"]
    for record in records:
        number = ring.open(record.sealed, purpose="aadhaar").decode()
        assert vault.validate(number) == number
        assert aadhaar.is_synthetic(number)
        assert record.last4 == number[-4:]
        assert record.blind_index == vault.blind_index(number)
        assert record.key_id == ring.current
        numbers.add(number)
    assert len(numbers) == len(records)
    sample = random.Random(3).sample(sorted(numbers), 20)
    for number in sample:
        assert vault.find(number) is not None


def test_members_show_only_the_last_four_digits_of_their_own_record(population):
    for last4, record_last4 in Member.objects.values_list("aadhaar_last4", "aadhaar__last4"):
        assert last4 == record_last4


def test_no_aadhaar_is_the_primary_beneficiary_twice(population):
    primaries = list(Member.objects.filter(relation=Relation.SELF).values_list("aadhaar_id", flat=True))
    assert len(primaries) == len(set(primaries))
    assert Member.objects.values("aadhaar_id").distinct().count() == Member.objects.count()


def test_the_fast_check_digit_agrees_with_the_portals_verhoeff():
    rng = random.Random(5)
    for serial in [0, 1, 9999, 10000, aadhaar.MAX_SERIAL] + [rng.randrange(aadhaar.MAX_SERIAL) for _ in range(3000)]:
        number = aadhaar.number(serial)
        assert verhoeff_valid(number)
        assert number[-1] == verhoeff_digit(number[:-1])
        assert number[3:11] == f"{serial:08d}"
        assert vault.validate(number) == number


def test_serials_that_would_read_the_same_backwards_get_the_other_prefix():
    # 12 3 3 2 1 9 9 -> "999" + "12332199" + check: a palindrome when the check digit is 9.
    found = 0
    for a in range(1, 10):
        for b in range(10):
            for c in range(10):
                serial = int(f"{a}{b}{c}{c}{b}{a}99")
                number = aadhaar.number(serial)
                assert number != number[::-1]
                assert vault.validate(number) == number
                found += number.startswith(aadhaar.PALINDROME_PREFIX)
    assert found > 0
