"""The outbox: what a queued message records, and how delivery, retries and expiry behave."""

import datetime
import json
import re
import runpy
import string
from pathlib import Path

import pytest
import time_machine
from django.utils import translation

from portal.notify.backends import LocmemBackend
from portal.notify.catalog import TEMPLATES
from portal.notify.delivery import deliver_message, requeue_failed
from portal.notify.models import Message
from portal.notify.outbox import REDACTED, open_body, queue_sms, render
from portal.notify.tasks import sweep_outbox

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 10, 1, 10, 0, tzinfo=datetime.UTC)
MOBILE = "9876543210"
NUMBER = "UP-2026-000123"
OTP_CONTEXT = {"otp": "135790", "purpose": "log in"}
SUBMITTED_TEXT = ("Your DDO/TO registration application {number} is received. Print the form, get it verified "
                  "by your controlling officer and upload the scan on the portal.")


def submitted_sms(language="en", **kwargs):
    return queue_sms(to=MOBILE, template="ddo_submitted", language=language, context={"number": NUMBER}, **kwargs)


def fresh(message) -> Message:
    return Message.objects.get(pk=message.pk)


@pytest.fixture
def hindi(monkeypatch):  # Hindi texts of our own, whatever the committed catalogue holds
    extra = {}
    catalogue = translation.trans_real.translation("hi")
    original = catalogue.gettext
    monkeypatch.setattr(catalogue, "gettext", lambda message: extra.get(message, original(message)))
    return extra


def test_queued_sms_records_template_language_dlt_id_and_blanks_the_password():
    message = queue_sms(
        to=MOBILE, template="credentials", language="en",
        context={"user_id": "ddo2661", "password": "Xy7pQ9-secret", "url": "https://sects.example/login"},
    )
    message = fresh(message)
    assert (message.channel, message.to, message.template, message.language) == ("sms", MOBILE, "credentials", "en")
    assert message.dlt_template_id == TEMPLATES["credentials"].dlt["en"] == "1107170000000000142"
    assert message.status == Message.Status.QUEUED and message.attempts == 0
    assert f"User ID ddo2661 Password {REDACTED} ." in message.preview
    assert "Xy7pQ9-secret" not in message.preview
    assert message.expires_at is None

    sealed = bytes(message.sealed_body)
    for secret in (b"Xy7pQ9-secret", b"ddo2661", b"State Employees"):
        assert secret not in sealed
    body = open_body(message)
    assert "User ID ddo2661 Password Xy7pQ9-secret ." in body
    assert body.endswith(" -SACHIS UP")


def test_queued_otp_is_blanked_in_the_preview_and_valid_for_ten_minutes():
    with time_machine.travel(T0, tick=False):
        message = fresh(queue_sms(to=MOBILE, template="otp", language="en", context=OTP_CONTEXT))
    assert message.preview.startswith(f"{REDACTED} is your OTP to log in")
    assert "135790" not in message.preview
    assert b"135790" not in bytes(message.sealed_body)
    assert open_body(message).startswith("135790 is your OTP to log in")
    assert message.dlt_template_id == "1107170000000000102"
    assert message.expires_at == T0 + datetime.timedelta(minutes=10)


def test_sweep_sends_the_message_records_the_reference_and_wipes_the_sealed_text():
    with time_machine.travel(T0, tick=False):
        message = submitted_sms()
        body = open_body(message)
        assert sweep_outbox() == 1
    message = fresh(message)
    assert message.status == Message.Status.SENT
    assert message.provider_ref == f"locmem-{message.pk}"
    assert message.sealed_body is None
    assert message.sent_at == T0 and message.attempts == 1 and message.last_error == ""
    assert NUMBER in message.preview
    [sent] = LocmemBackend.sent
    assert (sent.to, sent.body, sent.message_id) == (MOBILE, body, message.pk)
    assert sent.dlt_template_id == "1107170000000000112"


def test_queueing_hands_the_message_to_the_worker_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = submitted_sms()
        assert LocmemBackend.sent == []
    assert fresh(message).status == Message.Status.SENT
    assert len(LocmemBackend.sent) == 1


def test_delivering_twice_sends_once():
    message = submitted_sms()
    assert deliver_message(message.pk) == "sent"
    assert deliver_message(message.pk) == "skipped"
    assert sweep_outbox() == 0
    assert len(LocmemBackend.sent) == 1


def test_gateway_outage_keeps_the_message_queued_with_growing_delays_and_it_is_sent_afterwards():
    with time_machine.travel(T0, tick=False) as clock:
        message = submitted_sms()
        body = open_body(message)
        LocmemBackend.fail = True
        sweep_outbox()
        message = fresh(message)
        assert (message.status, message.attempts, message.last_error) == ("queued", 1, "simulated outage")
        assert message.next_attempt_at == T0 + datetime.timedelta(seconds=30)
        assert message.sealed_body is not None and message.claimed_at is None

        clock.shift(datetime.timedelta(seconds=29))
        assert sweep_outbox() == 0
        assert fresh(message).attempts == 1

        delays = []
        for _ in range(2):
            clock.move_to(fresh(message).next_attempt_at)
            sweep_outbox()
            delays.append(fresh(message).next_attempt_at - datetime.datetime.now(datetime.UTC))
        assert delays == [datetime.timedelta(seconds=60), datetime.timedelta(seconds=120)]
        assert fresh(message).attempts == 3 and LocmemBackend.sent == []

        LocmemBackend.fail = False
        clock.move_to(fresh(message).next_attempt_at)
        sweep_outbox()
    message = fresh(message)
    assert message.status == Message.Status.SENT and message.attempts == 4
    assert [m.body for m in LocmemBackend.sent] == [body]


def test_message_fails_after_the_last_attempt_keeps_its_text_and_can_be_requeued(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with time_machine.travel(T0, tick=False) as clock:
        message = submitted_sms()
        body = open_body(message)
        LocmemBackend.fail = True
        for _ in range(3):
            sweep_outbox()
            clock.shift(datetime.timedelta(hours=1, seconds=1))
        message = fresh(message)
        assert (message.status, message.attempts, message.last_error) == ("failed", 3, "simulated outage")
        assert open_body(message) == body
        assert sweep_outbox() == 0

        LocmemBackend.fail = False
        assert requeue_failed(message_ids=[message.pk]) == 1
        assert fresh(message).status == Message.Status.QUEUED
        sweep_outbox()
    assert fresh(message).status == Message.Status.SENT
    assert [m.body for m in LocmemBackend.sent] == [body]
    assert requeue_failed(message_ids=[message.pk]) == 0


def test_otp_that_could_not_be_sent_in_time_expires_instead_of_arriving_late():
    with time_machine.travel(T0, tick=False) as clock:
        message = queue_sms(to=MOBILE, template="otp", language="en", context=OTP_CONTEXT)
        LocmemBackend.fail = True
        sweep_outbox()
        LocmemBackend.fail = False
        clock.shift(datetime.timedelta(minutes=10, seconds=1))
        sweep_outbox()
    message = fresh(message)
    assert message.status == Message.Status.EXPIRED
    assert message.sealed_body is None and message.sent_at is None
    assert LocmemBackend.sent == []


def test_sweep_releases_a_claim_left_by_a_dead_worker_after_three_send_timeouts(settings):
    settings.SMS_GATEWAY_TIMEOUT, settings.EMAIL_TIMEOUT = 10, 20  # a live worker holds it at most 20 s
    with time_machine.travel(T0, tick=False) as clock:
        message = submitted_sms()
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, claimed_at=T0)
        clock.shift(datetime.timedelta(seconds=59))
        assert sweep_outbox() == 0
        assert fresh(message).status == Message.Status.SENDING and LocmemBackend.sent == []

        clock.shift(datetime.timedelta(seconds=2))  # past 3 × 20 s: an OTP still arrives well inside its 10 minutes
        assert sweep_outbox() == 1
    assert fresh(message).status == Message.Status.SENT
    assert len(LocmemBackend.sent) == 1


def test_a_slow_gateway_setting_keeps_the_claim_longer(settings):
    settings.SMS_GATEWAY_TIMEOUT, settings.EMAIL_TIMEOUT = 60, 20
    with time_machine.travel(T0, tick=False) as clock:
        message = submitted_sms()
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, claimed_at=T0)
        clock.shift(datetime.timedelta(seconds=179))
        assert sweep_outbox() == 0 and LocmemBackend.sent == []
        clock.shift(datetime.timedelta(seconds=2))
        assert sweep_outbox() == 1
    assert len(LocmemBackend.sent) == 1


def test_a_message_that_cannot_be_opened_does_not_stop_the_sweep_sending_the_others():
    with time_machine.travel(T0, tick=False) as clock:
        broken = submitted_sms()
        clock.shift(datetime.timedelta(seconds=1))
        good = queue_sms(to="9123456780", template="ddo_submitted", language="en", context={"number": "UP-2"})
        # e.g. its key was taken out of the keyring: the text can never be opened again.
        Message.objects.filter(pk=broken.pk).update(sealed_body=b"\x01\x02k9" + bytes(40))
        sweep_outbox()
    assert fresh(good).status == Message.Status.SENT
    assert [m.to for m in LocmemBackend.sent] == ["9123456780"]
    broken = fresh(broken)
    assert broken.status == Message.Status.FAILED and broken.last_error


def test_idempotency_key_returns_the_same_row_and_sends_once():
    first = submitted_sms(key="application-7-submitted")
    again = queue_sms(to=MOBILE, template="ddo_submitted", language="en", context={"number": "X"},
                      key="application-7-submitted")
    assert again.pk == first.pk and Message.objects.count() == 1
    sweep_outbox()
    assert submitted_sms(key="application-7-submitted").pk == first.pk
    assert submitted_sms(key="application-8-submitted").pk != first.pk
    sweep_outbox()
    assert [m.message_id for m in LocmemBackend.sent].count(first.pk) == 1 and len(LocmemBackend.sent) == 2
    assert all(NUMBER in m.body for m in LocmemBackend.sent)


def test_text_and_dlt_id_follow_the_recipients_language_not_the_active_one(hindi):
    hindi[SUBMITTED_TEXT] = "आपका डीडीओ/टीओ पंजीकरण आवेदन {number} प्राप्त हो गया है।"
    with translation.override("en"):
        in_hindi = submitted_sms(language="hi")
    with translation.override("hi"):
        in_english = submitted_sms(language="en")
    hindi_body, english_body = open_body(in_hindi), open_body(in_english)
    assert hindi_body != english_body
    assert f"आपका डीडीओ/टीओ पंजीकरण आवेदन {NUMBER} प्राप्त" in hindi_body
    assert english_body.startswith(f"Your DDO/TO registration application {NUMBER} is received.")
    assert (in_hindi.language, in_hindi.dlt_template_id) == ("hi", "1107170000000000111")
    assert (in_english.language, in_english.dlt_template_id) == ("en", "1107170000000000112")
    # A language the portal does not speak falls back to the default (Hindi).
    assert submitted_sms(language="fr").language == "hi"


def test_each_hindi_template_text_keeps_the_placeholders_and_renders_in_devanagari():
    """Checks the committed catalogue as far as it is translated (the .mo must be compiled)."""
    formatter = string.Formatter()
    for code, template in TEMPLATES.items():
        texts = {}
        for language in ("en", "hi"):
            with translation.override(language):
                texts[language] = str(template.text)
        if texts["hi"] == texts["en"]:
            continue  # not translated yet: the English text goes out
        fields = {language: {f for _, f, _, _ in formatter.parse(text) if f} for language, text in texts.items()}
        assert fields["hi"] == fields["en"], code
        context = {name: f"<{name}>" for name in fields["en"]}
        hindi_text = render(code, "hi", context)[1]
        assert re.search("[\u0900-\u097f]", hindi_text), code
        assert all(value in hindi_text for value in context.values()), code


def test_registered_dlt_ids_from_settings_replace_the_reference_ids(settings):
    settings.SMS_DLT_TEMPLATE_IDS = json.dumps({"ddo_submitted": {"hi": "1707000000000000001"}})
    assert submitted_sms(language="hi").dlt_template_id == "1707000000000000001"
    assert submitted_sms(language="en").dlt_template_id == "1107170000000000112"


def test_registered_dlt_ids_are_read_from_the_environment(monkeypatch):
    # catalog.py documents the SMS_DLT_TEMPLATE_IDS environment variable as the way
    # the agency supplies its registered template ids.
    value = json.dumps({"otp": {"hi": "1707000000000000009", "en": "1707000000000000010"}})
    monkeypatch.setenv("SMS_DLT_TEMPLATE_IDS", value)
    loaded = runpy.run_path(str(Path(__file__).resolve().parents[2] / "settings.py"))
    assert loaded.get("SMS_DLT_TEMPLATE_IDS") == value
