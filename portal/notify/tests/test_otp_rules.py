"""One-time passwords: how they are made, kept, checked and limited."""

import datetime
import hashlib

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext_lazy

from portal.notify import otp as otp_module
from portal.notify.catalog import TEMPLATES
from portal.notify.models import Message, OneTimePassword
from portal.notify.otp import OtpError, send_otp, verify_otp

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 10, 1, 10, 0, 5, tzinfo=datetime.UTC)
MOBILE = "9876543210"
OTHER = "9123456780"
OTP_TEXT = ("{otp} is your OTP to {purpose} on the State Employees Cashless Treatment portal. "
            "Valid for 10 minutes. Do not share it with anyone.")


def send(target=MOBILE, purpose="login", *, ip="", language="en", label="log in"):
    return send_otp(purpose=purpose, target=target, purpose_label=label, language=language, ip=ip)


def refusal(call, **kwargs) -> tuple[str, str]:
    """(code, English message) of the OtpError the call raises."""
    with translation.override("en"):
        with pytest.raises(OtpError) as info:
            call(**kwargs)
        return info.value.code, str(info.value.message)


def verify(code, target=MOBILE, purpose="login"):
    return verify_otp(purpose=purpose, target=target, code=code)


@pytest.fixture
def codes(monkeypatch):
    """Make `secrets.randbelow` hand out the given codes in order, recording its bound."""
    bounds = []

    def use(*values):
        stream = iter(values)
        monkeypatch.setattr(otp_module.secrets, "randbelow", lambda n: bounds.append(n) or next(stream))
        return bounds

    return use


@pytest.fixture
def hindi(monkeypatch):
    """Extra Hindi translations, without depending on the committed catalogue."""
    extra = {}
    catalogue = translation.trans_real.translation("hi")
    original = catalogue.gettext
    monkeypatch.setattr(catalogue, "gettext", lambda message: extra.get(message, original(message)))
    return extra


def test_code_is_six_digits_from_secrets_and_is_what_the_sms_carries(phone, codes):
    bounds = codes(4217)
    send()
    assert bounds == [10**6]
    assert phone.otp(MOBILE) == "004217"
    verify("004217")
    assert OneTimePassword.objects.get().used_at is not None


def test_real_codes_are_six_digits(phone):
    send()
    send(OTHER)
    for target in (MOBILE, OTHER):
        code = phone.otp(target)
        assert len(code) == 6 and code.isdigit()


def test_only_a_keyed_hash_of_the_code_is_stored(codes, settings):
    codes(482913)
    send()
    row = OneTimePassword.objects.get()
    for field in OneTimePassword._meta.concrete_fields:
        assert "482913" not in str(getattr(row, field.attname)), field.name
    assert len(row.code_hash) == 64
    assert row.code_hash != hashlib.sha256(b"482913").hexdigest()
    assert row.code_hash != hashlib.sha256(f"{row.salt}|login|{MOBILE}|482913".encode()).hexdigest()
    # The hash depends on the server's secret key: with another key the right code fails.
    settings.SECRET_KEY = "a-different-secret-key-for-this-test-only-0123456789"
    assert refusal(verify, code="482913")[0] == "wrong"


def test_code_is_bound_to_its_purpose_and_its_target(codes):
    codes(111111, 222222, 333333)
    send(MOBILE, "login")
    send(MOBILE, "reset")
    send(OTHER, "login")

    assert refusal(verify, code="111111", purpose="reset")[0] == "wrong"
    assert refusal(verify, code="111111", target=OTHER)[0] == "wrong"
    assert refusal(verify, code="111111", target="9000000001") == (
        "none", "No OTP has been sent for this. Ask for an OTP first.")

    verify("111111", MOBILE, "login")
    verify("222222", MOBILE, "reset")
    verify("333333", OTHER, "login")


def test_code_works_once_and_then_is_refused_as_used(phone):
    with time_machine.travel(T0, tick=False):
        send()
        code = phone.otp(MOBILE)
        verify(code)
        assert OneTimePassword.objects.get().used_at == T0
        assert refusal(verify, code=code) == ("used", "This OTP has already been used. Ask for a new OTP.")


def test_code_is_valid_for_ten_minutes_and_refused_after(codes):
    codes(111111, 222222)
    with time_machine.travel(T0, tick=False) as clock:
        send(purpose="login")
        send(purpose="reset")
        clock.shift(datetime.timedelta(minutes=10) - datetime.timedelta(seconds=1))
        verify("111111", purpose="login")
        clock.shift(datetime.timedelta(seconds=2))
        assert refusal(verify, code="222222", purpose="reset") == (
            "expired", "This OTP has expired (OTPs are valid for 10 minutes). Ask for a new OTP.")
    assert OneTimePassword.objects.get(purpose="reset").used_at is None


def test_five_wrong_attempts_lock_the_code_even_against_the_right_one(codes):
    codes(123456, 654321)
    with time_machine.travel(T0, tick=False) as clock:
        send()
        said = [refusal(verify, code="000000") for _ in range(5)]
        assert said == [
            ("wrong", "The OTP is not correct. 4 attempts left."),
            ("wrong", "The OTP is not correct. 3 attempts left."),
            ("wrong", "The OTP is not correct. 2 attempts left."),
            ("wrong", "The OTP is not correct. 1 attempt left."),
            ("wrong", "The OTP is not correct. No attempts left: ask for a new OTP."),
        ]
        assert refusal(verify, code="123456") == ("attempts", "Too many wrong attempts. Ask for a new OTP.")
        row = OneTimePassword.objects.get()
        assert row.attempts == 5 and row.used_at is None

        clock.shift(datetime.timedelta(seconds=61))
        send()
        verify("654321")


def test_resend_within_sixty_seconds_is_refused_and_a_later_resend_replaces_the_code(codes, phone):
    codes(111111, 222222)
    with time_machine.travel(T0, tick=False) as clock:
        send()
        clock.shift(datetime.timedelta(seconds=20))
        assert refusal(send) == (
            "cooldown", "An OTP was sent just now. You can ask for another in 40 seconds.")
        clock.shift(datetime.timedelta(seconds=39))
        assert refusal(send) == ("cooldown", "An OTP was sent just now. You can ask for another in 1 second.")
        assert OneTimePassword.objects.count() == 1
        assert Message.objects.filter(to=MOBILE).count() == 1

        clock.shift(datetime.timedelta(seconds=2))
        send()
        assert phone.otp(MOBILE) == "222222"
        assert OneTimePassword.objects.get(created_at=T0).superseded is True
        assert refusal(verify, code="111111")[0] == "wrong"
        verify("222222")


def test_hourly_cap_per_mobile_counts_every_purpose(settings):
    settings.OTP_HOURLY_CAP = 3
    with time_machine.travel(T0, tick=False) as clock:
        send(purpose="login")
        clock.shift(datetime.timedelta(seconds=61))
        send(purpose="login")
        clock.shift(datetime.timedelta(seconds=61))
        send(purpose="reset")
        clock.shift(datetime.timedelta(seconds=61))
        assert refusal(send, purpose="handover") == (
            "cap", "Too many OTPs were sent to this number in the last hour. Please try again later.")
        assert OneTimePassword.objects.filter(target=MOBILE).count() == 3
        send(OTHER)  # another mobile is not affected

        clock.move_to(T0 + datetime.timedelta(hours=1, seconds=1))
        send(purpose="handover")
    assert OneTimePassword.objects.filter(target=MOBILE).count() == 4


def test_requests_from_one_address_are_limited_per_hour(settings):
    settings.OTP_RATE_PER_IP = 2
    third = "9000000003"
    with time_machine.travel(T0, tick=False) as clock:
        send(MOBILE, ip="203.0.113.7")
        send(OTHER, ip="203.0.113.7")
        assert refusal(send, target=third, ip="203.0.113.7") == (
            "ip", "Too many OTP requests from this network. Please try again later.")
        assert not OneTimePassword.objects.filter(target=third).exists()
        assert not Message.objects.filter(to=third).exists()

        send(third, ip="198.51.100.1")  # another address is not affected
        assert OneTimePassword.objects.get(target=third).ip == "198.51.100.1"

        clock.shift(datetime.timedelta(hours=1))
        send(third, purpose="reset", ip="203.0.113.7")


def test_otp_sms_is_written_in_the_recipients_language_not_the_active_one(hindi, phone):
    hindi[OTP_TEXT] = "{otp} आपका ओटीपी है, कैशलेस चिकित्सा पोर्टल पर {purpose} के लिए। 10 मिनट तक मान्य।"
    hindi["log in"] = "लॉग इन करने"
    label = gettext_lazy("log in")

    with translation.override("en"):
        send(MOBILE, label=label, language="hi")
    with translation.override("hi"):
        send(OTHER, label=label, language="en")

    in_hindi, in_english = phone.last(MOBILE), phone.last(OTHER)
    assert "आपका ओटीपी है, कैशलेस चिकित्सा पोर्टल पर लॉग इन करने के लिए" in in_hindi
    assert "is your OTP to log in on the State Employees Cashless Treatment portal" in in_english
    assert Message.objects.get(to=MOBILE).language == "hi"
    assert Message.objects.get(to=OTHER).language == "en"
    assert Message.objects.get(to=MOBILE).dlt_template_id == TEMPLATES["otp"].dlt["hi"]
    assert Message.objects.get(to=OTHER).dlt_template_id == TEMPLATES["otp"].dlt["en"]
