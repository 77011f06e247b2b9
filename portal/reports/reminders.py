"""Reminders to DDOs/TOs about old pending registrations, and the weekly digest of laggard
offices to district officers. Through the outbox, in the recipient's language, once per
day (reminders) or week (digests), and never delivered in quiet hours.

A reminder made during quiet hours is recorded and queued at once, but its messages are
held in the outbox until the quiet hours end (`next_attempt_at`): the outbox's delivery
and its sweep send only messages that are due.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal import clock
from portal.accounts.models import Grant, Role
from portal.directory.models import Office
from portal.enrolment.models import PENDING, Family
from portal.notify.models import Message
from portal.notify.outbox import queue_email, queue_sms

from .figures import count_offices, targets_by_key
from .models import Reminder
from .periods import current_fortnight
from .rollup import roll_up
from .scopes import ReportScope
from .selectors import laggards, officers_of

log = logging.getLogger(__name__)


def quiet_until(now: datetime.datetime) -> datetime.datetime | None:
    """When the quiet hours (REMINDER_QUIET_HOURS, "21-8": 21:00 to 08:00 IST) that `now` falls
    in end; None outside them (or with no quiet hours configured)."""
    spec = (settings.REMINDER_QUIET_HOURS or "").strip()
    if not spec:
        return None
    start, _sep, end = spec.partition("-")
    start, end = int(start) % 24, int(end) % 24
    if start == end:
        return None
    local = timezone.localtime(now)
    inside = (local.hour >= start or local.hour < end) if start > end else (start <= local.hour < end)
    if not inside:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += datetime.timedelta(days=1)
    return until


def _hold(messages, until) -> None:
    """Keep these outbox messages back until `until` (quiet hours)."""
    ids = [m.pk for m in messages if m is not None]
    if until and ids:
        Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(next_attempt_at=until)


def _send(*, reminder: Reminder, user, sms: tuple[str, dict], email: tuple[str, dict] | None, until) -> None:
    key = f"reports:{reminder.key}"
    reminder.sms = queue_sms(to=user.mobile, template=sms[0], language=user.language, context=sms[1],
                             key=f"{key}:sms")
    if email and user.email:
        reminder.email = queue_email(to=user.email, template=email[0], language=user.language, context=email[1],
                                     key=f"{key}:email")
    _hold([reminder.sms, reminder.email], until)
    reminder.deferred_until = until
    reminder.save(update_fields=["sms", "email", "deferred_until"])


def _once(**fields) -> Reminder | None:
    """Create the reminder row unless one with this key exists (then None: already sent)."""
    if Reminder.objects.filter(key=fields["key"]).exists():
        return None
    try:
        with transaction.atomic():
            return Reminder.objects.create(**fields)
    except IntegrityError:  # made by another worker a moment ago
        return None


def _name(obj, language: str) -> str:
    return obj.name_en if language == "en" else (obj.name_hi or obj.name_en)


def send_pending_reminders(*, now: datetime.datetime | None = None) -> list[Reminder]:
    """Each DDO/TO whose office has registrations waiting more than REMINDER_PENDING_DAYS
    days gets one SMS (and an email) per office and day."""
    now = now or clock.now()
    until = quiet_until(now)
    # A reminder belongs to the day it is delivered: one made at night counts for the morning.
    today, days = timezone.localdate(until or now), settings.REMINDER_PENDING_DAYS
    waiting = (Family.objects.filter(status__in=PENDING, submitted_at__lt=now - datetime.timedelta(days=days))
               .order_by().values("office_id").annotate(n=Count("id"), oldest=Min("submitted_at")))
    by_office = {row["office_id"]: row for row in waiting}
    if not by_office:
        return []
    offices = Office.objects.in_bulk(list(by_office))
    grants = (Grant.objects.filter(office_id__in=list(by_office), revoked_at__isnull=True, user__is_active=True,
                                   user__role__in=[Role.DDO, Role.TO]).select_related("user"))
    sent = []
    url = settings.SITE_URL + "/office/families/"
    for grant in grants:
        office, row, user = offices[grant.office_id], by_office[grant.office_id], grant.user
        with transaction.atomic():
            reminder = _once(kind=Reminder.Kind.PENDING, key=f"pending:{today}:{user.pk}:{office.pk}", user=user,
                             office=office, district_id=office.district_id, due_on=today, pending=row["n"],
                             details={"oldest": timezone.localdate(row["oldest"]).isoformat(), "days": days},
                             created_at=now)
            if reminder is None:
                continue
            context = {"count": row["n"], "office": _name(office, user.language), "days": days,
                       "oldest": f"{timezone.localdate(row['oldest']):%d.%m.%Y}", "url": url}
            _send(reminder=reminder, user=user, sms=("reminder_pending", context),
                  email=("reminder_pending", context), until=until)
        sent.append(reminder)
    return sent


def _digest_lines(language: str, pending_rows, officers, offices) -> str:
    with translation.override(language):
        lines = []
        for row in pending_rows:
            office, officer = offices[row["office_id"]], officers.get(row["office_id"])
            contact = f"{officer.name_en if language == 'en' else officer.name_hi or officer.name_en}, " \
                      f"{officer.mobile}" if officer else gettext("no registered DDO/TO")
            lines.append(gettext("- %(office)s (%(code)s): %(n)d waiting, the oldest since %(date)s; %(contact)s") % {
                "office": _name(office, language), "code": office.code, "n": row["n"],
                "date": f"{timezone.localdate(row['oldest']):%d.%m.%Y}", "contact": contact})
        return "\n".join(lines)


def _coverage_lines(language: str, worst) -> str:
    with translation.override(language):
        if not worst:
            return gettext("- no office of the district has a target")
        return "\n".join(gettext("- %(office)s (%(code)s): %(coverage)s%% of the target") % {
            "office": u.unit.name_en if language == "en" else (u.unit.name_hi or u.unit.name_en),
            "code": u.unit.code, "coverage": u.value} for u in worst)


def send_weekly_digests(*, now: datetime.datetime | None = None) -> list[Reminder]:
    """Each district officer gets, once a week, the district's offices with registrations
    waiting more than REMINDER_PENDING_DAYS days (SMS: the count and the three worst; email:
    every one with its DDO/TO's contact, and the offices with the lowest coverage)."""
    now = now or clock.now()
    until = quiet_until(now)
    today, days = timezone.localdate(until or now), settings.REMINDER_PENDING_DAYS
    monday = today - datetime.timedelta(days=today.weekday())
    grants = list(Grant.objects.filter(district__isnull=False, department__isnull=True, office__isnull=True,
                                       revoked_at__isnull=True, user__is_active=True, user__role=Role.DISTRICT)
                  .select_related("user", "district__division"))
    if not grants:
        return []
    district_ids = {g.district_id for g in grants}
    waiting = list(Family.objects.filter(status__in=PENDING, submitted_at__lt=now - datetime.timedelta(days=days),
                                         office__district_id__in=district_ids)
                   .order_by().values("office_id", "office__district_id")
                   .annotate(n=Count("id"), oldest=Min("submitted_at")))
    offices = Office.objects.in_bulk([row["office_id"] for row in waiting])
    officers = officers_of(offices)
    period = current_fortnight()
    sent = []
    for grant in grants:
        user, district = grant.user, grant.district
        rows = sorted((r for r in waiting if r["office__district_id"] == district.pk),
                      key=lambda r: (-r["n"], r["oldest"]))
        if not rows:
            continue
        key = f"digest:{monday}:{user.pk}:{district.pk}"
        if Reminder.objects.filter(key=key).exists():
            continue
        scope = ReportScope("district", district=district)
        meta, per_office = count_offices(offices=Office.objects.filter(district=district), start=period.begins_at,
                                         cut=now)
        units = roll_up(meta, per_office, targets_by_key(), levels={"office"})
        worst = laggards([u for u in units.values() if u.kind == "office"], limit=5).lowest_coverage
        language = user.language
        url = f"{settings.SITE_URL}/reports/{scope.token}/"
        top = ", ".join(f"{_name(offices[r['office_id']], language)} ({r['n']})" for r in rows[:3])
        with transaction.atomic():
            reminder = _once(kind=Reminder.Kind.DIGEST, key=key, user=user, district=district, due_on=monday,
                             pending=sum(r["n"] for r in rows), created_at=now,
                             details={"offices": [{"office": offices[r["office_id"]].code, "pending": r["n"]}
                                                  for r in rows], "days": days})
            if reminder is None:
                continue
            name = _name(district, language)
            _send(reminder=reminder, user=user, until=until,
                  sms=("reminder_digest", {"district": name, "offices": len(rows), "pending": reminder.pending,
                                           "days": days, "top": top, "url": url}),
                  email=("reminder_digest_email", {
                      "district": name, "week": f"{monday:%d.%m.%Y}", "days": days,
                      "lines": _digest_lines(language, rows, officers, offices),
                      "coverage": _coverage_lines(language, worst), "url": url}))
        sent.append(reminder)
    return sent
