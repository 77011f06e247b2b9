from django.db import models
from django.utils.translation import gettext_lazy as _


class OneTimePassword(models.Model):
    """An OTP: only its keyed hash is kept; bound to one purpose and one mobile/email."""

    purpose = models.CharField(max_length=40)
    target = models.CharField(max_length=254)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)
    ip = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["target", "purpose", "-created_at"]),
            models.Index(fields=["target", "-created_at"]),
        ]


class Message(models.Model):
    """One SMS or email in the outbox. The full text is sealed until it is sent,
    then wiped; `preview` keeps it with secrets (OTPs, passwords) blanked."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired before it could be sent")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254, db_index=True)
    template = models.CharField(max_length=40)
    language = models.CharField(max_length=8)
    dlt_template_id = models.CharField(max_length=32, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    preview = models.TextField()
    sealed_body = models.BinaryField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        ordering = ["-created_at", "-id"]


class DemoInboxMessage(models.Model):
    """What a phone or mailbox would have received, for the demo and browser tests only."""

    channel = models.CharField(max_length=8)
    to = models.CharField(max_length=254, db_index=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    received_at = models.DateTimeField()
    message_id = models.BigIntegerField()

    class Meta:
        ordering = ["-received_at", "-id"]
