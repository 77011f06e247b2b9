"""The vault keeps each Aadhaar number sealed, found again only by a keyed blind index;
keys can be rotated while the portal runs, and forms never echo the typed number."""

import datetime
import hashlib
import hmac
import io
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from portal.crypto import SealError, new_key_line
from portal.enrolment.forms import DependentForm
from portal.vault import services
from portal.vault.models import AadhaarRecord

pytestmark = pytest.mark.django_db

NUMBER = "234123412346"  # published test value (python-stdnum), not a person's
OTHER = "999999990019"  # UIDAI staging test UID


def _synthetic(n: int) -> str:
    from portal.checkdigit import verhoeff_digit

    body = f"9{n:010d}"
    return body + verhoeff_digit(body)


@pytest.fixture(autouse=True)
def _fresh_keys():
    services.keyring.cache_clear()
    services._index_key.cache_clear()
    yield
    services.keyring.cache_clear()
    services._index_key.cache_clear()


def use_keys(settings, **values):
    for name, value in values.items():
        setattr(settings, name, value)
    services.keyring.cache_clear()
    services._index_key.cache_clear()


def refused_token(token) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        services.store_token(token)
    return caught.value


# --- storing ---------------------------------------------------------------------------------

def test_sealed_bytes_do_not_contain_the_number():
    record = services.store("2341 2341 2346")
    record.refresh_from_db()
    sealed = bytes(record.sealed)
    assert NUMBER.encode() not in sealed
    assert NUMBER[:8].encode() not in sealed and NUMBER[-8:].encode() not in sealed
    assert services.keyring().open(sealed, purpose="aadhaar") == NUMBER.encode()


def test_record_keeps_only_last_four_digits_and_masks_the_rest():
    record = services.store(NUMBER)
    assert record.last4 == "2346"
    assert record.masked == "XXXX XXXX 2346"
    assert services.masked(record) == "XXXX XXXX 2346"
    assert str(record) == "Aadhaar XXXX XXXX 2346"
    assert services.masked(None) == ""


def test_the_same_number_twice_gives_the_same_record():
    first = services.store(NUMBER)
    again = services.store("2341-2341-2346")
    assert again.pk == first.pk
    assert AadhaarRecord.objects.count() == 1
    assert services.find("2341 2341 2346").pk == first.pk


def test_different_numbers_give_different_records():
    one, two = services.store(NUMBER), services.store(OTHER)
    assert one.pk != two.pk and one.blind_index != two.blind_index
    assert AadhaarRecord.objects.count() == 2


def test_put_says_whether_the_number_is_new_to_the_vault():
    record, new = services.put(NUMBER)
    assert new and record.pk and record.last4 == NUMBER[-4:]
    stored = AadhaarRecord.objects.get(pk=record.pk)
    assert services.keyring().open(bytes(stored.sealed), purpose="aadhaar").decode() == NUMBER
    again, new = services.put("2341-2341-2346")
    assert not new and again.pk == record.pk
    assert AadhaarRecord.objects.count() == 1


def test_storing_a_number_already_there_keeps_the_transaction_usable():
    from django.db import transaction

    first = services.store(NUMBER)
    with transaction.atomic():
        assert services.put(NUMBER) == (first, False)
        # No error reached the database: the same transaction goes on (PostgreSQL would refuse
        # every further statement after a unique violation without a savepoint).
        assert services.store(OTHER).pk != first.pk
    assert AadhaarRecord.objects.count() == 2


def test_find_returns_nothing_for_an_unknown_or_invalid_number():
    services.store(NUMBER)
    assert services.find(OTHER) is None
    assert services.find("234123412347") is None


def test_store_refuses_an_invalid_number():
    with pytest.raises(ValidationError):
        services.store("234123412347")
    assert not AadhaarRecord.objects.exists()


def test_blind_index_is_a_keyed_hmac_not_a_plain_hash():
    record = services.store(NUMBER)
    assert record.blind_index != hashlib.sha256(NUMBER.encode()).hexdigest()
    expected = hmac.new(services._index_key(), NUMBER.encode(), hashlib.sha256).hexdigest()
    assert record.blind_index == expected


def test_blind_index_changes_with_the_index_key(settings):
    use_keys(settings, VAULT_INDEX_KEY=new_key_line("i1"))
    before = services.blind_index(NUMBER)
    assert services.blind_index(NUMBER) == before  # stable under one key
    use_keys(settings, VAULT_INDEX_KEY=new_key_line("i1"))
    assert services.blind_index(NUMBER) != before


# --- key rotation ----------------------------------------------------------------------------

def test_rotation_reseals_every_record_and_old_key_can_then_go(settings):
    k1, k2 = new_key_line("k1"), new_key_line("k2")
    use_keys(settings, VAULT_KEYS=k1)
    numbers = [_synthetic(n) for n in range(1, 6)]
    records = [services.store(n) for n in numbers]
    assert {r.key_id for r in records} == {"k1"}

    use_keys(settings, VAULT_KEYS=f"{k2},{k1}")
    assert services.keyring().current == "k2"
    for record, number in zip(records, numbers):  # still readable before the rotation
        assert services.keyring().open(record.sealed, purpose="aadhaar") == number.encode()
    new = services.store(_synthetic(6))
    assert new.key_id == "k2"

    out = io.StringIO()
    call_command("rotate_vault_key", batch_size=2, stdout=out)
    report = out.getvalue()
    assert "re-sealed 2" in report and "re-sealed 4" in report and "re-sealed 5" in report
    assert "done: 5 record(s) re-sealed with key k2; 0 left on other keys" in report
    assert set(AadhaarRecord.objects.values_list("key_id", flat=True)) == {"k2"}

    use_keys(settings, VAULT_KEYS=k2)  # k1 removed
    ring = services.keyring()
    for number in numbers + [_synthetic(6)]:
        record = services.find(number)  # the blind index is unaffected by rotation
        assert ring.key_id_of(record.sealed) == "k2"
        assert ring.open(record.sealed, purpose="aadhaar") == number.encode()


def test_without_rotation_removing_the_old_key_makes_records_unreadable(settings):
    k1, k2 = new_key_line("k1"), new_key_line("k2")
    use_keys(settings, VAULT_KEYS=k1)
    record = services.store(NUMBER)
    use_keys(settings, VAULT_KEYS=k2)
    with pytest.raises(SealError):
        services.keyring().open(record.sealed, purpose="aadhaar")


def test_rotation_with_nothing_to_do_reports_zero(settings):
    use_keys(settings, VAULT_KEYS=new_key_line("k1"))
    services.store(NUMBER)
    out = io.StringIO()
    call_command("rotate_vault_key", stdout=out)
    assert "done: 0 record(s) re-sealed with key k1; 0 left on other keys" in out.getvalue()


# --- the form token --------------------------------------------------------------------------

def test_form_token_round_trip_stores_the_number():
    token = services.form_token("2341 2341 2346")
    assert NUMBER not in token
    assert services.token_last4(token) == "2346"
    record = services.store_token(token)
    assert record == services.find(NUMBER)
    assert services.find_token(token) == record


def test_tampered_token_is_refused():
    token = services.form_token(NUMBER)
    i = len(token) // 3
    tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    error = refused_token(tampered)
    assert error.code == "aadhaar_token"
    with translation.override("en"):
        assert error.messages == ["Enter the Aadhaar number again."]
    assert refused_token("not-a-token").code == "aadhaar_token"
    assert not AadhaarRecord.objects.exists()


def test_token_sealed_for_the_form_cannot_be_replaced_by_a_vault_blob():
    # A signed blob that is not a form seal (wrong purpose) is refused too.
    import base64

    from django.core import signing

    sealed = services.keyring().seal(NUMBER.encode(), purpose="aadhaar")
    forged = signing.dumps(base64.urlsafe_b64encode(sealed).decode(), salt="vault.aadhaar-form")
    assert refused_token(forged).code == "aadhaar_token"


def test_token_expires_after_a_day():
    start = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        token = services.form_token(NUMBER)
        traveller.shift(datetime.timedelta(hours=23))
        assert services.token_last4(token) == "2346"
        traveller.shift(datetime.timedelta(hours=2))  # 25 h after it was made
        error = refused_token(token)
    assert error.code == "aadhaar_token"
    with translation.override("en"):
        assert error.messages == ["Enter the Aadhaar number again."]
    assert not AadhaarRecord.objects.exists()


# --- AadhaarFormMixin ------------------------------------------------------------------------

def dependent_data(**overrides):
    data = {
        "relation": "son", "name_en": "Aman Kumar", "name_hi": "अमन कुमार", "date_of_birth": "2008-02-01",
        "gender": "male", "marital_status": "unmarried", "aadhaar": "2341 2341 2346", "dependent": "on",
        "monthly_income": "0",
    }
    data.update(overrides)
    return data


def test_dependent_form_with_valid_fields_gives_a_token():
    form = DependentForm(dependent_data())
    assert form.is_valid(), form.errors
    token = form.aadhaar_value()
    assert isinstance(token, str) and services.token_last4(token) == "2346"


def test_form_shown_again_keeps_the_number_sealed_not_typed_and_needs_no_retyping():
    form = DependentForm(dependent_data(name_hi="Aman"))  # Hindi name typed in English: an error
    assert not form.is_valid()
    assert set(form.errors) == {"name_hi"}
    html = str(form)
    assert NUMBER not in html and "2341 2341 2346" not in html and NUMBER[:8] not in html
    hidden = re.search(r'<input type="hidden" name="aadhaar_token" value="([^"]+)"', html)
    assert hidden, html
    assert re.search(r'<input type="text" name="aadhaar"(?![^>]*value=)[^>]*>', html)
    token = hidden.group(1)
    assert services.token_last4(token) == "2346"

    second = DependentForm(dependent_data(aadhaar="", aadhaar_token=token))
    assert second.is_valid(), second.errors
    assert services.store_token(second.aadhaar_value()) == services.find(NUMBER)


def test_form_with_a_bad_token_and_no_number_asks_for_the_number_again():
    form = DependentForm(dependent_data(aadhaar="", aadhaar_token="broken"))
    assert not form.is_valid()
    with translation.override("en"):
        assert form.errors["aadhaar"] == ["Enter the Aadhaar number again."]


def test_form_with_an_invalid_number_does_not_echo_it():
    form = DependentForm(dependent_data(aadhaar="2341 2341 2347"))
    assert not form.is_valid()
    assert "aadhaar" in form.errors
    html = str(form)
    assert "234123412347" not in html and "2341 2341 2347" not in html
    assert not re.search(r'name="aadhaar_token" value="[^"]+"', html)


def test_the_number_in_devanagari_digits_is_not_a_second_person():
    record = services.store(NUMBER)
    try:
        again = services.store("२३४१ २३४१ २३४६")
    except ValidationError:
        return  # refused: acceptable
    assert again.pk == record.pk
    assert AadhaarRecord.objects.count() == 1


def test_form_with_a_digit_like_character_gives_an_error_not_a_crash():
    form = DependentForm(dependent_data(aadhaar="²341 2341 2346"))  # a superscript two
    assert not form.is_valid()
    assert "aadhaar" in form.errors
