"""Django side of the state-scale suite (bench/suite.py), run with the server's environment.
The population itself comes from `manage.py generate_population`; this only picks what the
scenarios need from it and prints one line of JSON.

    python bench/seed_suite.py prepare SESSIONS   users, logged-in sessions, search terms, scopes;
                                                  freezes the ended fortnights (timed) and ANALYZE
    python bench/seed_suite.py batch LIMIT        starts one print batch of up to LIMIT ready cards
                                                  as the state cell (handed to Celery on commit)
    python bench/seed_suite.py counts             rows the suite checks after the run

Sessions are made with Django's test client `force_login` (the same `auth.login` the log-in
view calls, stored in the database session table the server reads): the log-in form is
rate-limited per address, and beneficiaries log in by OTP, which a load generator cannot
read back from the vault-free demo inbox without adding a backdoor to the portal.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _sessions(user, n: int) -> list[str]:
    from django.test import Client

    keys = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    return keys


def prepare(sessions: int) -> dict:
    _django()
    from django.db import connection
    from django.db.models import Count, Q

    from portal.accounts.models import Grant, Role, User
    from portal.audit.services import Actor
    from portal.cards.models import Card, Stage, State
    from portal.directory.models import Office
    from portal.enrolment.models import Family, Member, PayLevel
    from portal.reports import services as report_services
    from portal.reports.periods import last_ended_fortnight

    waiting = ("submitted", "resubmitted")
    # The DDO office with the most registrations waiting: the busiest DDO's queue.
    big = (Family.objects.filter(status__in=waiting, office__kind=Office.Kind.DDO).values("office_id")
           .annotate(n=Count("id")).order_by("-n").first())
    office = Office.objects.select_related("district").get(pk=big["office_id"])
    ddo = Grant.objects.filter(office=office, revoked_at__isnull=True, user__role=Role.DDO).select_related("user").first().user
    state = User.objects.filter(role=Role.STATE, is_active=True).order_by("pk").first()
    district_officer = (Grant.objects.filter(district=office.district, revoked_at__isnull=True, user__role=Role.DISTRICT)
                        .select_related("user").first().user)

    pending = list(Family.objects.filter(office=office, status__in=waiting).order_by("submitted_at", "id")
                   .values("id", "number", "employee_id", "mobile"))
    primaries = dict((fid, (en, hi)) for fid, en, hi in Member.objects.filter(
        family_id__in=[f["id"] for f in pending], relation="self").values_list("family_id", "name_en", "name_hi"))
    # Names as an officer types them: the given name (English) or the surname (Hindi), so the
    # search has to look through the scope, not find one row by a unique key.
    names_en = sorted({primaries[f["id"]][0].split()[0] for f in pending if f["id"] in primaries})
    names_hi = sorted({primaries[f["id"]][1].split()[-1] for f in pending if f["id"] in primaries})

    office_cards = list(Card.objects.filter(office=office).order_by("id").values_list("number", "name_en", "name_hi")[:2000])
    all_cards = list(Card.objects.filter(state=State.ACTIVE).order_by("?").values_list("number", flat=True)[:2000])

    # Beneficiaries of verified families with an active printed card: the self-print clients.
    printable = (Card.objects.filter(state=State.ACTIVE, family__user__isnull=False, family__status="verified")
                 .exclude(stage__in=[Stage.ISSUED, Stage.IN_BATCH]).order_by("family_id", "id")
                 .values_list("family__user_id", "number"))
    beneficiaries, seen = [], set()
    for user_id, number in printable.iterator():
        if user_id not in seen:
            seen.add(user_id)
            beneficiaries.append((user_id, number))
        if len(beneficiaries) >= sessions:
            break
    users = {u.pk: u for u in User.objects.filter(pk__in=[b[0] for b in beneficiaries])}

    t0 = time.monotonic()
    frozen = report_services.freeze_due(actor=Actor.system("bench.suite"))
    freeze_s = round(time.monotonic() - t0, 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    ddo_offices = list(Office.objects.filter(kind=Office.Kind.DDO, active=True).order_by("?")
                       .values_list("code", flat=True)[:500])
    return {
        "big_office": {"code": office.code, "pk": office.pk, "waiting": big["n"], "district": office.district.name_en},
        "users": {"state": state.username, "ddo": ddo.username, "district": district_officer.username},
        "sessions": {"state": _sessions(state, sessions), "ddo": _sessions(ddo, sessions),
                     "district": _sessions(district_officer, sessions),
                     "beneficiary": [_sessions(users[uid], 1)[0] for uid, _ in beneficiaries]},
        "selfprint_cards": [number for _, number in beneficiaries],
        "pending_numbers": [f["number"] for f in pending],
        "search": {
            "employee_id": [f["employee_id"] for f in pending if f["employee_id"]],
            "mobile": [f["mobile"] for f in pending if f["mobile"]],
            "name_en": names_en, "name_hi": names_hi,
            "card_number": [c[0] for c in office_cards],
            "card_name_en": sorted({c[1].split()[0] for c in office_cards if c[1]}),
            "card_name_hi": sorted({c[2].split()[-1] for c in office_cards if c[2]}),
            "verify_number": all_cards,
        },
        "scopes": {"district": f"d-{office.district.lgd_code}", "office": f"of-{office.code}"},
        "last_fortnight": last_ended_fortnight().slug,
        "register_offices": ddo_offices,
        "pay_levels": list(PayLevel.objects.values_list("pk", flat=True)),
        "freeze_due": {"snapshots": len(frozen), "seconds": freeze_s},
        "cards_ready": Card.objects.filter(stage=Stage.ISSUED, state=State.ACTIVE).count(),
        "rows": {
            "offices": Office.objects.count(), "families": Family.objects.count(),
            "members": Member.objects.count(), "cards": Card.objects.count(),
            "users": User.objects.count(),
            "families_waiting": Family.objects.filter(status__in=waiting).count(),
            "families_by_status": dict(Family.objects.order_by().values_list("status").annotate(n=Count("id"))),
            "beneficiaries_with_printable_card": len(beneficiaries),
            "verified_with_user": Family.objects.filter(Q(status="verified") & Q(user__isnull=False)).count(),
        },
    }


def batch(limit: int) -> dict:
    _django()
    from django.db import transaction

    from portal.accounts.models import Role, User
    from portal.audit.services import Actor
    from portal.cards import batches

    state = User.objects.filter(role=Role.STATE, is_active=True).order_by("pk").first()
    t0 = time.monotonic()
    with transaction.atomic():  # the task is handed to Celery when this commits
        made = batches.create_batch(actor=Actor(user=state, role=state.role, label=state.username),
                                    filters={}, limit=limit, token=uuid.uuid4(), labels={})
    return {"number": made.number, "pk": made.pk, "cards": made.card_count, "faces": made.total,
            "create_seconds": round(time.monotonic() - t0, 2)}


def keep_counts() -> dict:
    """What Celery beat runs every minute (reports.tasks.keep_statewide_counts): the state-wide
    counts a dashboard asked for in the last hour, counted again and shared through Redis."""
    _django()
    from portal.reports import statewide

    t0 = time.monotonic()
    done = statewide.keep_wanted()
    return {"done": done, "seconds": round(time.monotonic() - t0, 2)}


def counts() -> dict:
    _django()
    from django.db.models import Count

    from portal.cards.models import PrintBatch
    from portal.enrolment.models import Family
    from portal.notify.models import Message

    return {
        "families_by_status": dict(Family.objects.order_by().values_list("status").annotate(n=Count("id"))),
        "messages_by_status": dict(Message.objects.order_by().values_list("status").annotate(n=Count("id"))),
        "messages_by_template": dict(Message.objects.order_by().values_list("template").annotate(n=Count("id"))),
        "batches_by_status": dict(PrintBatch.objects.order_by().values_list("status").annotate(n=Count("id"))),
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "prepare":
        result = prepare(int(sys.argv[2]))
    elif command == "batch":
        result = batch(int(sys.argv[2]))
    elif command == "counts":
        result = counts()
    elif command == "keep_counts":
        result = keep_counts()
    else:
        sys.exit(f"unknown command {command!r}")
    print(json.dumps(result, ensure_ascii=False, default=str))
