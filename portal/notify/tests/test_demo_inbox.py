"""The demo inbox page: the demo's stand-in for the recipient's phone or mailbox."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from portal.notify.models import DemoInboxMessage, Message
from portal.notify.outbox import open_body, queue_email, queue_sms
from portal.notify.tasks import sweep_outbox

pytestmark = pytest.mark.django_db

MOBILE = "9876543210"
OTHER = "9123456780"


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = "demo"
    settings.EMAIL_CHANNEL_BACKEND = "demo"


def submitted(to, number):
    return queue_sms(to=to, template="ddo_submitted", language="en", context={"number": number})


def inbox(client, to):
    response = client.get(reverse("notify:demo_inbox"), {"to": to})
    assert response.status_code == 200
    return response.content.decode()


def test_delivered_sms_appears_in_the_inbox_of_that_mobile_only(demo, client):
    mine = submitted(MOBILE, "UP-2026-000123")
    theirs = submitted(OTHER, "UP-2026-000999")
    body = open_body(mine)
    sweep_outbox()

    row = DemoInboxMessage.objects.get(to=MOBILE)
    assert (row.body, row.channel, row.message_id) == (body, "sms", mine.pk)
    mine.refresh_from_db()
    assert (mine.status, mine.provider_ref) == (Message.Status.SENT, f"demo-{row.pk}")

    page = inbox(client, MOBILE)
    assert escape(body) in page
    assert "UP-2026-000999" not in page
    assert "UP-2026-000999" in inbox(client, OTHER)
    assert theirs.pk != mine.pk


def test_inbox_shows_the_full_otp_the_phone_received(demo, client):
    queue_sms(to=MOBILE, template="otp", language="en", context={"otp": "135790", "purpose": "log in"})
    sweep_outbox()
    assert "135790 is your OTP to log in" in inbox(client, MOBILE)


@pytest.mark.parametrize("typed", ["+919876543210", "+91 98765 43210", "+91-98765-43210", "09876543210"])
def test_mobile_typed_with_a_prefix_is_normalised(demo, client, typed):
    message = submitted(MOBILE, "UP-2026-000123")
    body = open_body(message)
    sweep_outbox()
    assert escape(body) in inbox(client, typed)


def test_queued_but_undelivered_sms_is_not_in_the_inbox(demo, client):
    submitted(MOBILE, "UP-2026-000123")
    assert "UP-2026-000123" not in inbox(client, MOBILE)
    sweep_outbox()
    assert "UP-2026-000123" in inbox(client, MOBILE)


def test_page_without_a_number_lists_nothing(demo, client):
    submitted(MOBILE, "UP-2026-000123")
    sweep_outbox()
    response = client.get(reverse("notify:demo_inbox"))
    assert response.status_code == 200
    assert "UP-2026-000123" not in response.content.decode()


def test_delivered_email_appears_with_its_subject(demo, client):
    queue_email(to="cmo@example.in", template="ddo_submitted", language="en", context={"number": "UP-2026-000123"})
    sweep_outbox()
    page = inbox(client, "CMO@example.in")
    assert "DDO/TO registration application received" in page
    assert "UP-2026-000123" in page


def test_email_address_stored_with_capitals_is_found_when_typed_the_same_way(demo, client):
    # Registration keeps the address as the officer typed it (EmailField does not lower-case it).
    queue_email(to="Ravi.Kumar@Example.in", template="ddo_submitted", language="en",
                context={"number": "UP-2026-000123"})
    sweep_outbox()
    assert "UP-2026-000123" in inbox(client, "Ravi.Kumar@Example.in")


def test_inbox_is_not_found_outside_the_demo(demo, client, settings):
    submitted(MOBILE, "UP-2026-000123")
    sweep_outbox()
    settings.DEMO_MODE = False
    response = client.get(reverse("notify:demo_inbox"), {"to": MOBILE})
    assert response.status_code == 404
    assert "UP-2026-000123" not in response.content.decode()
