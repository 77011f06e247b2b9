"""Where messages go. Services never call these: the outbox task does."""

import http.client
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from portal import clock

log = logging.getLogger(__name__)


class GatewayError(Exception):
    """The message was not accepted; it will be retried."""


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    channel: str
    to: str
    body: str
    subject: str = ""
    dlt_template_id: str = ""


class DemoInboxBackend:
    """Keeps the message where the demo inbox page shows it (the tester's 'phone')."""

    def send(self, msg: Outgoing) -> str:
        from .models import DemoInboxMessage

        row = DemoInboxMessage.objects.create(
            channel=msg.channel, to=msg.to, subject=msg.subject, body=msg.body,
            received_at=clock.now(), message_id=msg.message_id,
        )
        return f"demo-{row.pk}"


class ConsoleBackend:
    def send(self, msg: Outgoing) -> str:
        print(f"[{msg.channel} to {msg.to}] {msg.subject} {msg.body}", flush=True)
        return f"console-{msg.message_id}"


class LocmemBackend:
    """For tests: messages collect in `sent`; set `fail` to simulate a gateway outage."""

    sent: list[Outgoing] = []
    fail: bool = False

    def send(self, msg: Outgoing) -> str:
        if LocmemBackend.fail:
            raise GatewayError("simulated outage")
        LocmemBackend.sent.append(msg)
        return f"locmem-{msg.message_id}"


class HttpSmsBackend:
    """A generic HTTPS SMS gateway taking a JSON POST.

    The request carries our message id as `client_ref` so a gateway that deduplicates
    on it never delivers a retried message twice."""

    def send(self, msg: Outgoing) -> str:
        if not settings.SMS_GATEWAY_URL:
            raise GatewayError("SMS_GATEWAY_URL is not set")
        payload = {
            "to": msg.to,
            "sender": settings.SMS_SENDER_ID,
            "text": msg.body,
            "unicode": any(ord(c) > 127 for c in msg.body),
            "dlt_entity_id": settings.SMS_DLT_ENTITY_ID,
            "dlt_template_id": msg.dlt_template_id,
            "client_ref": str(msg.message_id),
        }
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
                body = response.read(4096)
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
            raise GatewayError(f"gateway unreachable: {exc}") from exc
        try:
            reply = json.loads(body or b"{}")
        except ValueError:
            reply = {}
        return str(reply.get("id") or reply.get("message_id") or "accepted")[:100]


class SmtpEmailBackend:
    def send(self, msg: Outgoing) -> str:
        email = EmailMessage(
            subject=msg.subject, body=msg.body, to=[msg.to], headers={"X-Portal-Message": str(msg.message_id)}
        )
        try:
            email.send(fail_silently=False)
        except OSError as exc:
            raise GatewayError(f"mail server: {exc}") from exc
        return f"smtp-{msg.message_id}"


_BACKENDS = {
    "demo": DemoInboxBackend,
    "console": ConsoleBackend,
    "locmem": LocmemBackend,
    "http": HttpSmsBackend,
    "smtp": SmtpEmailBackend,
}


def backend_for(channel: str):
    name = settings.SMS_BACKEND if channel == "sms" else settings.EMAIL_CHANNEL_BACKEND
    return _BACKENDS[name]()
