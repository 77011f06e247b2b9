"""The HTTPS SMS gateway backend, against a real HTTP server on 127.0.0.1."""

import datetime
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from portal.notify.backends import GatewayError, HttpSmsBackend, Outgoing
from portal.notify.models import Message
from portal.notify.outbox import open_body, queue_sms
from portal.notify.tasks import sweep_outbox

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 10, 1, 10, 0, tzinfo=datetime.UTC)
MOBILE = "9876543210"


class Recorder(BaseHTTPRequestHandler):
    """Records each POST and answers with the server's current `reply`."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
        status, reply = self.server.reply
        if status is None:  # not HTTP at all
            self.wfile.write(reply)
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.requests = []
    server.reply = (200, b'{"id": "abc"}')
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    settings.SMS_GATEWAY_TOKEN = "test-token"
    settings.SMS_SENDER_ID = "UPSECT"
    settings.SMS_GATEWAY_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def queue_submitted():
    return queue_sms(to=MOBILE, template="ddo_submitted", language="en", context={"number": "UP-2026-000123"})


def outgoing(body="Your application UP-1 is received. -SACHIS UP", message_id=41):
    return Outgoing(message_id=message_id, channel="sms", to=MOBILE, body=body, dlt_template_id="1107170000000000112")


def test_delivery_posts_json_with_dlt_id_sender_text_and_client_ref(gateway, settings):
    message = queue_submitted()
    body = open_body(message)
    assert sweep_outbox() == 1

    [request] = gateway.requests
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Authorization"] == "Bearer test-token"
    assert request["json"] == {
        "to": MOBILE,
        "sender": "UPSECT",
        "text": body,
        "unicode": False,
        "dlt_entity_id": settings.SMS_DLT_ENTITY_ID,
        "dlt_template_id": "1107170000000000112",
        "client_ref": str(message.pk),
    }
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_ref == "abc"
    assert message.sealed_body is None


def test_devanagari_text_is_sent_as_unicode(gateway):
    text = "आपका आवेदन UP-1 प्राप्त हो गया है। -SACHIS UP"
    assert HttpSmsBackend().send(outgoing(body=text)) == "abc"
    [request] = gateway.requests
    assert request["json"]["text"] == text
    assert request["json"]["unicode"] is True


def test_server_error_is_a_gateway_error(gateway):
    gateway.reply = (500, b'{"error": "down"}')
    with pytest.raises(GatewayError, match="500"):
        HttpSmsBackend().send(outgoing())
    assert len(gateway.requests) == 1


def test_server_error_keeps_the_message_queued_and_the_retry_carries_the_same_client_ref(gateway):
    gateway.reply = (500, b'{"error": "down"}')
    with time_machine.travel(T0, tick=False) as clock:
        message = queue_submitted()
        sweep_outbox()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Message.Status.QUEUED, 1)
        assert "500" in message.last_error and message.provider_ref == ""
        assert message.sealed_body is not None

        gateway.reply = (200, b'{"id": "abc"}')
        clock.move_to(message.next_attempt_at)
        sweep_outbox()
    message.refresh_from_db()
    assert (message.status, message.provider_ref, message.attempts) == (Message.Status.SENT, "abc", 2)
    assert [r["json"]["client_ref"] for r in gateway.requests] == [str(message.pk)] * 2


def test_closed_port_is_a_gateway_error_and_the_message_stays_queued(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/v1/sms"
    with pytest.raises(GatewayError, match="unreachable"):
        HttpSmsBackend().send(outgoing())

    message = queue_submitted()
    sweep_outbox()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.QUEUED, 1)
    assert message.last_error.startswith("gateway unreachable")
    assert message.sealed_body is not None


def test_missing_gateway_url_is_a_gateway_error(settings):
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(GatewayError, match="SMS_GATEWAY_URL is not set"):
        HttpSmsBackend().send(outgoing())


def test_reply_without_an_id_is_still_accepted(gateway):
    gateway.reply = (202, b"queued")
    assert HttpSmsBackend().send(outgoing()) == "accepted"
    gateway.reply = (200, b'{"message_id": "m-77"}')
    assert HttpSmsBackend().send(outgoing()) == "m-77"


def test_garbled_reply_is_a_gateway_error_and_the_message_stays_queued(gateway):
    gateway.reply = (None, b"GARBAGE\r\n\r\n")
    with pytest.raises(GatewayError):
        HttpSmsBackend().send(outgoing())

    message = queue_submitted()
    sweep_outbox()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.QUEUED, 1)
    assert message.last_error
