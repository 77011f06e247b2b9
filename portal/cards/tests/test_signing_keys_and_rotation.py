"""The keys that sign card QR codes: a demo key file made on first use, production refusing
to sign without a configured key, and rotation that keeps every old card verifiable."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from portal.cards import qr
from portal.cards.keys import keyring, new_key_line, parse_keys
from portal.cards.models import Card
from portal.cards.services import issue_cards, replace_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(settings, tmp_path):
    settings.CARD_SIGNING_KEYS = ""
    settings.CARD_SIGNING_KEY_FILE = str(tmp_path / "keys" / "card-signing.keys")
    return tmp_path / "keys" / "card-signing.keys"


def test_the_demo_makes_a_private_key_file_on_first_use(key_file):
    ring = keyring()
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert ring.current == "K1" and len(ring.public_keys()["K1"]) == 32


def test_production_refuses_to_sign_without_a_configured_key(settings, tmp_path):
    settings.PRODUCTION = True
    settings.CARD_SIGNING_KEYS = ""
    settings.CARD_SIGNING_KEY_FILE = ""
    with pytest.raises(ImproperlyConfigured):
        keyring()
    settings.CARD_SIGNING_KEY_FILE = str(tmp_path / "missing.keys")
    with pytest.raises(ImproperlyConfigured):
        keyring()
    assert not (tmp_path / "missing.keys").exists()  # never made up in production


def test_bad_key_lines_are_refused():
    for text in ("K1:notbase64!!", "K1:" + "QUJD", "K-1:" + new_key_line("K1").split(":")[1],
                 new_key_line("K1") + "," + new_key_line("K1")):
        with pytest.raises(ImproperlyConfigured):
            parse_keys(text)


def test_rotation_signs_new_cards_with_the_new_key_and_old_cards_still_verify(key_file, family, system, client):
    issue_cards(family=family, actor=system)
    old = Card.objects.filter(family=family).order_by("id").first()
    assert old.key_id == "K1"
    out = io.StringIO()
    call_command("rotate_card_signing_key", stdout=out)
    assert "K2" in out.getvalue() and key_file.read_text().startswith("K2:")
    new = replace_card(actor=system, card=Card.objects.filter(family=family).order_by("id").last(), reason="Lost")
    assert new.key_id == "K2"
    published = {k["id"]: k for k in client.get("/cards/keys/").json()["keys"]}
    assert set(published) == {"K1", "K2"} and published["K2"]["signs_new_cards"]
    assert not published["K1"]["signs_new_cards"]
    keys = keyring().public_keys()
    assert qr.verify(old.qr_payload, keys).key_id == "K1" and qr.verify(new.qr_payload, keys).key_id == "K2"
    assert client.get("/cards/verify/", {"q": old.qr_payload}).context["result"].valid
    listing = io.StringIO()
    call_command("rotate_card_signing_key", "--list", stdout=listing)
    assert "K2" in listing.getvalue() and "signs new cards" in listing.getvalue()
    assert "K1" in listing.getvalue() and "3 card(s)" in listing.getvalue()


def test_rotation_with_keys_in_the_environment_prints_the_new_value(settings):
    settings.CARD_SIGNING_KEYS = new_key_line("K1")
    out = io.StringIO()
    call_command("rotate_card_signing_key", stdout=out)
    value = out.getvalue().strip().splitlines()[-1]
    assert value.startswith("K2:") and value.endswith(settings.CARD_SIGNING_KEYS)
    assert list(parse_keys(value)) == ["K2", "K1"]
