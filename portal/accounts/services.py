"""Every write to accounts: creating officers, passwords, lockout, contact changes."""

import datetime
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal import clock, ratelimit
from portal.audit.services import Actor, record, record_many
from portal.i18n import later
from portal.notify.otp import OtpError, send_otp, verify_otp, wrong_code_error
from portal.notify.outbox import queue_email, queue_sms

from .models import OFFICER_ROLES, USERNAME_PREFIX, Grant, Role, User, stored_username

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


class AccountError(Exception):
    def __init__(self, message, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code


def temporary_password() -> str:
    # 12 characters from 57 symbols: about 70 bits, and no 0/O or 1/l/I to misread on a phone.
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def _send_credentials(user: User, password: str) -> None:
    queue_sms(
        to=user.mobile,
        template="credentials",
        language=user.language,
        context={"user_id": user.username, "password": password, "url": settings.SITE_URL + "/accounts/login/"},
    )


@transaction.atomic
def create_user(
    *,
    actor: Actor,
    role: str,
    name_en: str,
    mobile: str,
    name_hi: str = "",
    designation: str = "",
    email: str = "",
    language: str = "hi",
    units: list[dict] | None = None,
    send_credentials: bool = True,
    note: str = "",
) -> User:
    """Create an account with a one-time password that only the user's phone receives."""
    now = clock.now()
    user = User(
        username=f"new-{uuid.uuid4().hex[:20]}",
        role=role, name_en=name_en, name_hi=name_hi, designation=designation,
        mobile=mobile, email=email, language=language, date_joined=now, must_change_password=True,
    )
    password = temporary_password()
    user.set_password(password) if role in OFFICER_ROLES else user.set_unusable_password()
    user.save()
    user.username = f"{USERNAME_PREFIX[role]}{user.pk:06d}"
    user.save(update_fields=["username"])
    for unit in units or []:
        Grant.objects.create(user=user, granted_at=now, granted_by=actor.user, note=note[:200], **unit)
    record(actor=actor, action="accounts.user.created", target=user, details={"role": role, "units": _unit_ids(units)})
    if send_credentials and role in OFFICER_ROLES:
        _send_credentials(user, password)
    return user


def _unit_ids(units) -> list[dict]:
    return [{k: getattr(v, "pk", v) for k, v in unit.items()} for unit in units or []]


@transaction.atomic
def create_beneficiaries(*, actor: Actor, people: list[dict], note: str = "") -> list[User]:
    """Accounts for employees/pensioners (log-in by OTP: no password), in two queries
    however many (bulk verification). `people`: name_en, name_hi, designation, mobile,
    email, language."""
    now = clock.now()
    users = []
    for person in people:
        user = User(username=f"new-{uuid.uuid4().hex[:20]}", role=Role.BENEFICIARY, date_joined=now,
                    must_change_password=False, **person)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    if any(u.pk is None for u in users):  # no ids from a bulk insert on this database: one at a time
        users = list(User.objects.filter(username__in=[u.username for u in users]).order_by("pk"))
    for user in users:
        user.username = f"{USERNAME_PREFIX[Role.BENEFICIARY]}{user.pk:06d}"
    User.objects.bulk_update(users, ["username"])
    record_many(actor=actor, action="accounts.user.created",
                items=[(u, {"role": Role.BENEFICIARY, "note": note}) for u in users])
    return users


@transaction.atomic
def assign_offices(*, actor: Actor, role: str, offices: list, person: dict, note: str) -> User:
    """Give offices to the officer with this mobile: their live account of this kind if
    they have one (they hold charge elsewhere too), else a new account whose one-time
    password goes to that mobile by SMS. `person`: name_en, name_hi, designation, mobile,
    email, language."""
    officer = User.objects.filter(role=role, mobile=person["mobile"], is_active=True).first()
    if officer is None:
        return create_user(actor=actor, role=role, units=[{"office": o} for o in offices], note=note, **person)
    for office in offices:
        add_grant(actor=actor, user=officer, office=office, note=note)
    return officer


@transaction.atomic
def add_grant(*, actor: Actor, user: User, note: str = "", **unit) -> Grant:
    grant = Grant.objects.create(user=user, granted_at=clock.now(), granted_by=actor.user, note=note[:200], **unit)
    record(actor=actor, action="accounts.grant.added", target=user, details={"unit": _unit_ids([unit])[0], "note": note})
    return grant


@transaction.atomic
def revoke_grant(*, actor: Actor, grant: Grant, note: str = "") -> None:
    grant.revoked_at = clock.now()
    grant.save(update_fields=["revoked_at"])
    record(actor=actor, action="accounts.grant.revoked", target=grant.user, details={"unit": grant.unit(), "note": note})


@transaction.atomic
def issue_temporary_password(*, actor: Actor, user: User) -> None:
    """A reset by the state cell or helpdesk: new one-time password by SMS, change forced."""
    if not user.is_officer:
        raise AccountError(_("Employees and pensioners log in with an OTP; they have no password."))
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "must_change_password", "failed_logins", "locked_until"])
    record(actor=actor, action="accounts.password.reset_by_staff", target=user)
    _send_credentials(user, password)


@transaction.atomic
def set_language(*, user: User, language: str, ip: str) -> None:
    """The officer's language for SMS and PDFs follows the switch they use on the pages."""
    if language not in ("hi", "en") or user.language == language:
        return
    User.objects.filter(pk=user.pk).update(language=language)
    record(actor=Actor(user=user, role=user.role, ip=ip), action="accounts.language.changed", target=user,
           details={"from": user.language, "to": language})
    user.language = language


@transaction.atomic
def set_active(*, actor: Actor, user: User, active: bool, reason: str) -> None:
    if actor.user is not None and actor.user.pk == user.pk:
        raise AccountError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(actor=actor, action="accounts.user.activated" if active else "accounts.user.deactivated",
           target=user, details={"reason": reason})


@transaction.atomic
def unlock(*, actor: Actor, user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["failed_logins", "locked_until"])
    record(actor=actor, action="accounts.user.unlocked", target=user)


# --- log-in -------------------------------------------------------------------

LOGIN_FAILED = _("The user ID or password is not correct.")


def authenticate_officer(*, username: str, password: str, ip: str) -> User:
    """Check a password log-in; every attempt is audited, whatever its outcome."""
    actor = Actor(role="public", label=username[:150], ip=ip)
    if not ratelimit.hit("login-ip", ip, limit=settings.LOGIN_RATE_PER_IP, window_seconds=600):
        record(actor=actor, action="auth.login.rate_limited", details={"username": username[:30]})
        raise AccountError(_("Too many log-in attempts from this network. Please wait 10 minutes."), "rate")
    user = User.objects.filter(username=stored_username(username)).first()
    now = clock.now()
    if user is None or not user.is_officer:
        record(actor=actor, action="auth.login.failed", details={"reason": "unknown_user"})
        raise AccountError(LOGIN_FAILED, "failed")
    actor = Actor(user=user, role=user.role, label=user.username, ip=ip)
    if not user.is_active:
        record(actor=actor, action="auth.login.failed", target=user, details={"reason": "inactive"})
        raise AccountError(_("This account is not active. Contact the helpdesk."), "inactive")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        record(actor=actor, action="auth.login.failed", target=user, details={"reason": "locked"})
        raise AccountError(later(lambda: _(
            "This account is locked after repeated wrong passwords. Try again in %(m)d minutes or reset your password."
        ) % {"m": minutes}), "locked")
    if not user.check_password(password):
        _count_failure(user, actor)
        raise AccountError(LOGIN_FAILED, "failed")
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    record(actor=actor, action="auth.login.succeeded", target=user)
    return user


@transaction.atomic
def _count_failure(user: User, actor: Actor) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.failed_logins += 1
    details = {"reason": "wrong_password", "failures": user.failed_logins}
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = clock.now() + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        user.failed_logins = 0
        details["locked_until"] = user.locked_until.isoformat()
        queue_sms(
            to=user.mobile, template="account_locked", language=user.language,
            context={"user_id": user.username, "minutes": settings.LOGIN_LOCKOUT_MINUTES, "helpline": settings.HELPLINE},
        )
    user.save(update_fields=["failed_logins", "locked_until"])
    record(actor=actor, action="auth.login.failed", target=user, details=details)


@transaction.atomic
def change_password(*, user: User, new_password: str, ip: str) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record(actor=Actor(user=user, role=user.role, ip=ip), action="accounts.password.changed", target=user)


# --- password reset by OTP ----------------------------------------------------

RESET_PURPOSE = "password.reset"
RESET_LABEL = _("reset your password")


def _send_quietly(*, user, purpose: str, label, ip: str) -> None:
    """A refused send (cooldown, hourly cap) answers like an unknown user ID does: the
    first OTP is still on its way, and the page says nothing about the ID."""
    try:
        send_otp(purpose=purpose, target=user.mobile, purpose_label=label, language=user.language, ip=ip)
    except OtpError as exc:
        record(actor=Actor(user=user, role=user.role, ip=ip), action=f"auth.{purpose}.otp_refused", target=user,
               details={"reason": exc.code})


def _verify(*, user, username: str, purpose: str, code: str, ip: str) -> None:
    """Every refusal is explained; for an unknown user ID a wrong code is answered
    exactly as for a real one (same attempt count), so guessing IDs learns nothing."""
    if user is None:
        key = f"otp-unknown:{purpose}:{username.lower()}"
        cache.add(key, 0, timeout=settings.OTP_VALID_MINUTES * 60)
        raise wrong_code_error(settings.OTP_MAX_ATTEMPTS - cache.incr(key))
    try:
        verify_otp(purpose=purpose, target=user.mobile, code=code)
    except OtpError as exc:
        record(actor=Actor(user=user, role=user.role, ip=ip), target=user, details={"reason": f"otp_{exc.code}"},
               action="auth.login.failed" if purpose == LOGIN_PURPOSE else f"auth.{purpose}.otp_failed")
        raise


def start_password_reset(*, username: str, ip: str) -> None:
    """Send an OTP to the registered mobile."""
    user = User.objects.filter(username=stored_username(username), is_active=True).first()
    if user is None or not user.is_officer:
        record(actor=Actor(label=username[:150], ip=ip), action="auth.reset.unknown_user")
        return
    _send_quietly(user=user, purpose=RESET_PURPOSE, label=RESET_LABEL, ip=ip)
    record(actor=Actor(user=user, role=user.role, ip=ip), action="auth.reset.otp_sent", target=user)


def complete_password_reset(*, username: str, code: str, new_password: str, ip: str) -> User:
    user = User.objects.filter(username=stored_username(username), is_active=True).first()
    if user is not None and not user.is_officer:
        user = None
    if user is not None:
        validate_password(new_password, user)  # before the OTP is spent on a password we would refuse
    _verify(user=user, username=username, purpose=RESET_PURPOSE, code=code, ip=ip)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = clock.now()
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["password", "must_change_password", "password_changed_at", "failed_logins", "locked_until"])
        record(actor=Actor(user=user, role=user.role, ip=ip), action="accounts.password.reset_by_otp", target=user)
    return user


# --- log-in by OTP (employees and pensioners) -----------------------------------

LOGIN_PURPOSE = "login"
LOGIN_LABEL = _("log in")


def start_otp_login(*, username: str, ip: str) -> None:
    user = User.objects.filter(username=stored_username(username), is_active=True, role=Role.BENEFICIARY).first()
    if user is None:
        record(actor=Actor(label=username[:150], ip=ip), action="auth.otp_login.unknown_user")
        return
    _send_quietly(user=user, purpose=LOGIN_PURPOSE, label=LOGIN_LABEL, ip=ip)


def complete_otp_login(*, username: str, code: str, ip: str) -> User:
    user = User.objects.filter(username=stored_username(username), is_active=True, role=Role.BENEFICIARY).first()
    if user is None:
        record(actor=Actor(label=username[:150], ip=ip), action="auth.login.failed", details={"reason": "unknown_user"})
    _verify(user=user, username=username, purpose=LOGIN_PURPOSE, code=code, ip=ip)
    record(actor=Actor(user=user, role=user.role, ip=ip), action="auth.login.succeeded", target=user,
           details={"method": "otp"})
    return user


# --- change of mobile or email ---------------------------------------------------

CONTACT_LABEL = _("confirm the change of your contact details")


def start_contact_change(*, user: User, kind: str, new_value: str, password: str, old_unavailable: bool, ip: str) -> None:
    """Check the password, then send OTPs: to the new mobile/email, and to the
    current mobile unless the officer says they no longer have it."""
    if not user.check_password(password):
        record(actor=Actor(user=user, role=user.role, ip=ip), action="accounts.contact.wrong_password", target=user)
        raise AccountError(_("The password is not correct."), "password")
    current = user.mobile if kind == "mobile" else user.email
    if new_value == current:
        raise AccountError(_("This is already your registered contact."), "same")
    send_otp(purpose=f"contact.{kind}.new", target=new_value, purpose_label=CONTACT_LABEL, language=user.language,
             ip=ip, channel="email" if kind == "email" else "sms")
    if kind == "email" or not old_unavailable:
        send_otp(purpose=f"contact.{kind}.old", target=user.mobile, purpose_label=CONTACT_LABEL,
                 language=user.language, ip=ip)


def complete_contact_change(
    *, user: User, kind: str, new_value: str, new_code: str, old_code: str, old_unavailable: bool, ip: str
) -> None:
    checks = [(f"contact.{kind}.new", new_value, new_code)]
    if kind == "email" or not old_unavailable:
        checks.append((f"contact.{kind}.old", user.mobile, old_code))
    for (purpose, target, code), field in zip(checks, ("new_otp", "old_otp")):
        try:  # both must be right before either is spent
            verify_otp(purpose=purpose, target=target, code=code, consume=False)
        except OtpError as exc:
            exc.field = field
            raise
    for purpose, target, code in checks:
        verify_otp(purpose=purpose, target=target, code=code)
    with transaction.atomic():
        previous = user.mobile if kind == "mobile" else user.email
        setattr(user, kind, new_value)
        user.save(update_fields=[kind])
        record(
            actor=Actor(user=user, role=user.role, ip=ip),
            action=f"accounts.{kind}.changed",
            target=user,
            details={"old_verified": kind == "email" or not old_unavailable, "previous_last4": previous[-4:]},
        )
        context = {"user_id": user.username, "last4": new_value[-4:], "helpline": settings.HELPLINE}
        if kind == "mobile":
            # Both numbers hear of it: the old one is how a hijacked account gets noticed.
            queue_sms(to=previous, template="mobile_changed", language=user.language, context=context)
            queue_sms(to=new_value, template="mobile_changed", language=user.language, context=context)
        else:
            queue_sms(to=user.mobile, template="email_changed", language=user.language, context=context)
            if previous:
                queue_email(to=previous, template="email_changed", language=user.language, context=context)
