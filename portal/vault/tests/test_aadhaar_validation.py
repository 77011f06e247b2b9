"""Aadhaar numbers are checked (12 digits, no leading 0/1, not a palindrome, Verhoeff check
digit) against published test vectors, and a refusal never repeats the number."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.checkdigit import verhoeff_digit, verhoeff_valid
from portal.vault.services import validate

# Copied from the shared workspace file verhoeff_vectors.txt (collected from Wikipedia
# "Verhoeff algorithm", the Perl Algorithm::CheckDigits::MXX_006 manual, python-stdnum 2.2
# stdnum/verhoeff.py, tests/test_verhoeff.doctest, stdnum/in_/aadhaar.py, stdnum/in_/vid.py
# and a UIDAI staging test UID). None of these is a real person's number.
CHECK_DIGIT = [  # digits without the check digit -> the check digit
    ("236", "3"),  # Wikipedia worked example
    ("1456789", "4"),  # Algorithm::CheckDigits MXX_006: complete('1456789') = '14567894'
    ("1234", "0"),  # python-stdnum stdnum/verhoeff.py
    ("654", "8"),  # python-stdnum tests/test_verhoeff.doctest
    ("1428570", "8"),  # python-stdnum tests/test_verhoeff.doctest
    ("398438246238642378648236487236482734", "7"),  # python-stdnum tests/test_verhoeff.doctest
]
VALID = [
    "2363",  # Wikipedia worked example
    "1428570",  # Wikipedia (older revision) worked example
    "14567894",  # Algorithm::CheckDigits MXX_006
    "12340",  # python-stdnum stdnum/verhoeff.py
    "6548",  # python-stdnum tests/test_verhoeff.doctest
    "3984382462386423786482364872364827347",  # python-stdnum tests/test_verhoeff.doctest
]
INVALID = [
    "1234",  # python-stdnum stdnum/verhoeff.py (checksum 1)
    "654",  # python-stdnum tests/test_verhoeff.doctest (checksum 1)
    "398438246238642378648236487236482734",  # python-stdnum tests/test_verhoeff.doctest (checksum 3)
    "65a4",  # python-stdnum tests/test_verhoeff.doctest: a non-digit is refused, not a crash
]
AADHAAR_VALID = [
    "234123412346",  # python-stdnum stdnum/in_/aadhaar.py doctest
    "999999990019",  # UIDAI staging test UID as cited in public sandbox docs
]
AADHAAR_INVALID = [  # number, reason code here (python-stdnum's exception in the comment)
    ("234123412347", "aadhaar_checksum"),  # InvalidChecksum
    ("123412341234", "aadhaar_start"),  # InvalidFormat (starts with 1)
    ("643343121", "aadhaar_length"),  # InvalidLength
    ("222222222222", "aadhaar_palindrome"),  # InvalidFormat (palindrome)
    ("6433435VH", "aadhaar_digits"),  # InvalidFormat (non-digits)
]
VID_VALID = ["2341234123412341"]  # python-stdnum stdnum/in_/vid.py: a 16-digit Virtual ID


def refusal(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate(value)
    return caught.value


@pytest.mark.parametrize("digits, expected", CHECK_DIGIT)
def test_check_digit_matches_published_vector(digits, expected):
    assert verhoeff_digit(digits) == expected


@pytest.mark.parametrize("number", VALID)
def test_published_valid_number_passes_verhoeff(number):
    assert verhoeff_valid(number) is True


@pytest.mark.parametrize("number", INVALID)
def test_published_invalid_number_fails_verhoeff(number):
    assert verhoeff_valid(number) is False


@pytest.mark.parametrize("digits, expected", CHECK_DIGIT)
def test_appending_the_check_digit_makes_a_valid_number(digits, expected):
    assert verhoeff_valid(digits + verhoeff_digit(digits))
    wrong = str((int(expected) + 1) % 10)
    assert not verhoeff_valid(digits + wrong)


def test_check_digit_of_non_digits_is_an_error():
    with pytest.raises(ValueError):
        verhoeff_digit("65a")


@pytest.mark.parametrize("number", AADHAAR_VALID)
def test_published_aadhaar_test_number_is_accepted(number):
    assert validate(number) == number


@pytest.mark.parametrize("number, code", AADHAAR_INVALID)
def test_published_invalid_aadhaar_is_refused_with_its_reason(number, code):
    assert refusal(number).code == code


@pytest.mark.parametrize("number", VID_VALID)
def test_virtual_id_is_not_accepted_as_an_aadhaar_number(number):
    assert verhoeff_valid(number)  # a well-formed VID ...
    assert refusal(number).code == "aadhaar_length"  # ... but not an Aadhaar number


@pytest.mark.parametrize("typed", ["2341 2341 2346", "2341-2341-2346", " 234123412346 ", "2341  2341-2346"])
def test_spaces_and_hyphens_in_the_input_are_accepted(typed):
    assert validate(typed) == "234123412346"


@pytest.mark.parametrize("typed, code", [
    ("2341 2341 2347", "aadhaar_checksum"),
    ("0341-2341-2346", "aadhaar_start"),
    ("2341 2341 234", "aadhaar_length"),
    ("2341.2341.2346", "aadhaar_digits"),
])
def test_separators_do_not_hide_a_wrong_number(typed, code):
    assert refusal(typed).code == code


def test_empty_input_is_refused():
    assert refusal("").code == "aadhaar_digits"


def test_a_single_wrong_digit_or_swap_is_caught():
    number = "234123412346"
    for i in range(len(number)):
        changed = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1:]
        assert not verhoeff_valid(changed), changed
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
            assert not verhoeff_valid(swapped), swapped


@pytest.mark.parametrize("typed", [n for n, _ in AADHAAR_INVALID] + ["2341 2341 2347", "9999-9999-0018"])
@pytest.mark.parametrize("language", ["en", "hi"])
def test_error_message_never_contains_the_number(typed, language):
    error = refusal(typed)
    digits = "".join(ch for ch in typed if ch.isalnum())
    with translation.override(language):
        for message in error.messages:
            assert message  # a real message was given
            assert typed.strip() not in message
            assert digits not in message.replace(" ", "").replace("-", "")
            assert digits[-8:] not in message


@pytest.mark.parametrize("typed", ["२३४१२३४१२३४६", "２３４１２３４１２３４６"], ids=["devanagari", "fullwidth"])
def test_non_ascii_digits_are_read_as_the_same_number_or_refused(typed):
    # Hindi keyboards type Devanagari digits. Either they mean the same number (and must come out
    # as ASCII, so the blind index finds the same person) or they are refused; never a second form.
    try:
        number = validate(typed)
    except ValidationError as error:
        assert error.code == "aadhaar_digits"
    else:
        assert number == "234123412346"


def test_digit_like_characters_are_refused_not_a_crash():
    assert refusal("²34123412346").code == "aadhaar_digits"
    assert verhoeff_valid("2²") is False
