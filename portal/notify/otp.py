"""One-time passwords: 6 digits from `secrets`, only an HMAC kept, one purpose and
target each, single use, 10 minutes, 5 attempts, 60 s between sends, an hourly cap."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import clock, ratelimit
from portal.i18n import later

from .models import OneTimePassword
from .outbox import queue_email, queue_sms


class OtpError(Exception):
    """A refusal the user can act on; `message` is translated for them."""

    def __init__(self, message, code: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field


@dataclass(frozen=True)
class SentOtp:
    target: str
    expires_at: datetime.datetime


def _hash(salt: str, purpose: str, target: str, code: str) -> str:
    material = f"{salt}|{purpose}|{target}|{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), material, hashlib.sha256).hexdigest()


def send_otp(*, purpose: str, target: str, purpose_label, language: str, ip: str = "", channel: str = "sms") -> SentOtp:
    """Send a fresh OTP, replacing any unused one for the same purpose and target."""
    now = clock.now()
    # The wait applies to asking again for an OTP not yet used; once used, the next step of
    # the journey may need a fresh one at once (the hourly cap still holds).
    last = (OneTimePassword.objects.filter(purpose=purpose, target=target, used_at__isnull=True)
            .order_by("-created_at").first())
    if last and (now - last.created_at).total_seconds() < settings.OTP_RESEND_SECONDS:
        wait = settings.OTP_RESEND_SECONDS - int((now - last.created_at).total_seconds())
        raise OtpError(later(lambda: ngettext(
            "An OTP was sent just now. You can ask for another in %(n)d second.",
            "An OTP was sent just now. You can ask for another in %(n)d seconds.",
            wait,
        ) % {"n": wait}), "cooldown")
    hour_ago = now - datetime.timedelta(hours=1)
    if OneTimePassword.objects.filter(target=target, created_at__gte=hour_ago).count() >= settings.OTP_HOURLY_CAP:
        raise OtpError(_("Too many OTPs were sent to this number in the last hour. Please try again later."), "cap")
    if ip and not ratelimit.hit("otp-ip", ip, limit=settings.OTP_RATE_PER_IP, window_seconds=3600):
        raise OtpError(_("Too many OTP requests from this network. Please try again later."), "ip")
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    with transaction.atomic():
        OneTimePassword.objects.filter(purpose=purpose, target=target, used_at__isnull=True).update(superseded=True)
        otp = OneTimePassword.objects.create(
            purpose=purpose, target=target, salt=salt, code_hash=_hash(salt, purpose, target, code),
            created_at=now, expires_at=now + datetime.timedelta(minutes=settings.OTP_VALID_MINUTES), ip=ip[:64],
        )
        from django.utils import translation

        with translation.override(language):
            label = str(purpose_label)
        queue = queue_email if channel == "email" else queue_sms
        queue(to=target, template="otp", language=language, context={"otp": code, "purpose": label})
    return SentOtp(target=target, expires_at=otp.expires_at)


def wrong_code_error(left: int) -> OtpError:
    if left <= 0:
        return OtpError(_("The OTP is not correct. No attempts left: ask for a new OTP."), "wrong")
    return OtpError(later(lambda: ngettext(
        "The OTP is not correct. %(n)d attempt left.", "The OTP is not correct. %(n)d attempts left.", left
    ) % {"n": left}), "wrong")


def verify_otp(*, purpose: str, target: str, code: str, consume: bool = True) -> None:
    """Accept the code once, or raise OtpError saying exactly why not. With
    consume=False a right code is only checked (for flows that need two OTPs, so a
    typo in the second does not spend the first)."""
    now = clock.now()
    error = None
    with transaction.atomic():
        otp = (
            OneTimePassword.objects.select_for_update()
            .filter(purpose=purpose, target=target)
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            error = OtpError(_("No OTP has been sent for this. Ask for an OTP first."), "none")
        elif otp.used_at is not None:
            error = OtpError(_("This OTP has already been used. Ask for a new OTP."), "used")
        elif otp.expires_at <= now:
            error = OtpError(_("This OTP has expired (OTPs are valid for 10 minutes). Ask for a new OTP."), "expired")
        elif otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            error = OtpError(_("Too many wrong attempts. Ask for a new OTP."), "attempts")
        elif not hmac.compare_digest(otp.code_hash, _hash(otp.salt, purpose, target, code)):
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            error = wrong_code_error(settings.OTP_MAX_ATTEMPTS - otp.attempts)
        elif consume:
            otp.used_at = now
            otp.save(update_fields=["used_at"])
    # Raised after the block so a wrong attempt is counted even though we refuse.
    if error:
        raise error
