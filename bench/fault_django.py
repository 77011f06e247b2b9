"""The Django side of the fault test (bench/fault.py runs it with the server's environment):
`python bench/fault_django.py <command> [args.json]`; the last line printed is JSON.

    seed-info    the office taking registrations, its DDO, a state-cell user, pay levels
    max-message  the last outbox id before the load
    state        messages by status, unfinished print batches
    drain        the beat's sweeps, with the clock moved `ahead` seconds
    check        every count of the report
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()


def django_seed_info() -> dict:
    from portal.accounts.models import Grant, Role, User
    from portal.cards.models import Card, Stage, State
    from portal.enrolment import selectors
    from portal.enrolment.models import PayLevel

    for grant in (Grant.objects.filter(user__role=Role.DDO, revoked_at__isnull=True, office__isnull=False)
                  .select_related("user", "office").order_by("office_id")):
        if selectors.office_taking_registrations(code=grant.office.code, kind="employee"):
            break
    else:
        raise SystemExit("no office takes employee registrations")
    return {
        "office": grant.office.code,
        "ddo": grant.user.username,
        "state": User.objects.filter(role=Role.STATE, is_active=True).order_by("pk").first().username,
        "pay_levels": list(PayLevel.objects.order_by("pk").values_list("pk", flat=True)[:5]),
        "ready_cards": Card.objects.filter(stage=Stage.ISSUED, state=State.ACTIVE).count(),
    }


def django_drain(args: dict) -> dict:
    """What the beat would run: the outbox sweep, the cards issue sweep and the stalled
    batches sweep, `ahead` seconds from now (the stale claims and leases, five minutes, have
    run out by then), with eager Celery so a resumed batch is produced here."""
    import datetime

    import time_machine
    from django.conf import settings

    from portal.cards.tasks import issue_cards_sweep, resume_stalled_batches
    from portal.notify.tasks import sweep_outbox

    assert settings.CELERY_TASK_ALWAYS_EAGER, "the drain runs the tasks in this process"
    out = {}
    ahead = datetime.timedelta(seconds=args["ahead"])
    traveller = time_machine.travel(datetime.datetime.now(datetime.timezone.utc) + ahead, tick=True) if ahead else None
    if traveller:
        traveller.start()
    try:
        out["outbox_swept"] = sweep_outbox()
        out["families_issued"] = issue_cards_sweep()
        out["batches_resumed"] = resume_stalled_batches()
        out["outbox_swept_after"] = sweep_outbox()
    finally:
        if traveller:
            traveller.stop()
    return out


def django_state() -> dict:
    """Is anything left to do? (queued or claimed messages, unfinished batches)"""
    from django.db.models import Count

    from portal.cards.models import PrintBatch
    from portal.notify.models import Message

    messages = dict(Message.objects.values_list("status").annotate(n=Count("id")))
    batches = dict(PrintBatch.objects.filter(number__isnull=False).exclude(status=PrintBatch.Status.DONE)
                   .values_list("status").annotate(n=Count("id")))
    return {"messages": messages, "unfinished_batches": batches}


def django_check(args: dict) -> dict:
    """Count everything. `args`: the registrations the clients made, the families the DDO
    verified, the print batches started, the gateway log path and the seeded message ids."""
    from collections import Counter

    from django.db.models import Count

    from portal.cards.models import BatchPart, Card, CardPrint, PrintBatch, Stage
    from portal.enrolment.models import Family, Status
    from portal.notify.models import Message

    problems: list[str] = []
    out: dict = {}

    # --- registrations: one family per client registration, submitted once ------------------
    planned = args["registrations"]
    ids = [r["employee_id"] for r in planned]
    by_id = Counter(Family.objects.filter(employee_id__in=ids).values_list("employee_id", flat=True))
    families = {f.employee_id: f for f in Family.objects.filter(employee_id__in=ids)}
    submitted_events = Counter()
    from portal.audit.models import Event

    for target_id, action in Event.objects.filter(
            target_type="enrolment.family", target_id__in=[str(f.pk) for f in families.values()]).values_list(
            "target_id", "action"):
        if action.endswith(".submitted"):
            submitted_events[target_id] += 1
    reg = {"planned": len(planned), "completed_by_client": sum(1 for r in planned if r.get("opened")),
           "families": sum(by_id.values()), "missing": [], "duplicated": [], "not_submitted": [],
           "submitted_twice": [], "status": dict(Counter(f.status for f in families.values()))}
    for r in planned:
        n = by_id.get(r["employee_id"], 0)
        if n == 0:
            reg["missing"].append(r["employee_id"])
        elif n > 1:
            reg["duplicated"].append(r["employee_id"])
        else:
            f = families[r["employee_id"]]
            if f.status == Status.DRAFT:
                reg["not_submitted"].append(f.number)
            if submitted_events[str(f.pk)] > 1:
                reg["submitted_twice"].append(f.number)
    for key in ("missing", "duplicated", "not_submitted", "submitted_twice"):
        if reg[key]:
            problems.append(f"registrations {key}: {reg[key][:10]}")
    if reg["completed_by_client"] != reg["planned"]:
        problems.append(f"only {reg['completed_by_client']} of {reg['planned']} registrations were completed "
                        f"(submitted and opened with the OTP) by their client")
    out["registrations"] = reg

    # --- verifications: each verified family has one account and one family_verified SMS ------
    verified = Family.objects.filter(number__in=args["verified"])
    ver = {"asked": len(args["verified"]), "verified": verified.filter(status=Status.VERIFIED).count(),
           "with_account": verified.filter(user__isnull=False).count()}
    sms_for = Counter()
    for m in Message.objects.filter(template="family_verified"):
        sms_for[m.to] += 1
    ver["family_verified_sms"] = sum(sms_for[f.mobile] for f in verified)
    ver["families_with_one_sms"] = sum(1 for f in verified if sms_for[f.mobile] == 1)
    if not (ver["asked"] == ver["verified"] == ver["with_account"] == ver["family_verified_sms"]
            == ver["families_with_one_sms"]):
        problems.append(f"verifications: {ver}")
    out["verifications"] = ver

    # --- SMS: every outbox row delivered to the gateway exactly once -------------------------
    rows = list(Message.objects.filter(channel=Message.Channel.SMS, pk__gt=args["messages_before"])
                .values("pk", "status", "template", "attempts", "provider_ref"))
    requests = [json.loads(line) for line in Path(args["gateway_log"]).read_text(encoding="utf-8").splitlines()
                if line.strip().endswith("}")]
    per_ref = Counter(r["client_ref"] for r in requests)
    first_delivery = {}
    deliveries = Counter()
    for r in requests:
        if not r["duplicate"]:
            deliveries[r["client_ref"]] += 1
            first_delivery.setdefault(r["client_ref"], r["id"])
    statuses = Counter(r["status"] for r in rows)
    sent_ids = {str(r["pk"]) for r in rows if r["status"] == Message.Status.SENT}
    all_ids = {str(r["pk"]) for r in rows}
    sms = {
        "outbox_rows": len(rows),
        "by_status": dict(statuses),
        "by_template": dict(Counter(r["template"] for r in rows)),
        "gateway_requests": len(requests),
        "gateway_delivered": len(deliveries),
        "requests_resent_and_deduplicated": sum(n - 1 for n in per_ref.values() if n > 1),
        "messages_resent": sum(1 for n in per_ref.values() if n > 1),
        "delivered_twice_to_a_phone": sorted(ref for ref, n in deliveries.items() if n > 1),
        "sent_but_not_at_gateway": sorted(sent_ids - set(deliveries), key=int),
        "at_gateway_but_not_sent": sorted(set(deliveries) & (all_ids - sent_ids), key=int),
        "at_gateway_unknown_id": sorted(set(deliveries) - all_ids),
        "not_sent": sorted((r["pk"], r["status"]) for r in rows if r["status"] != Message.Status.SENT),
        "provider_ref_mismatch": sum(1 for r in rows if r["status"] == Message.Status.SENT
                                     and first_delivery.get(str(r["pk"])) not in (None, r["provider_ref"])),
        "max_attempts": max((r["attempts"] for r in rows), default=0),
    }
    for key in ("delivered_twice_to_a_phone", "sent_but_not_at_gateway", "at_gateway_but_not_sent",
                "at_gateway_unknown_id", "not_sent"):
        if sms[key]:
            problems.append(f"sms {key}: {sms[key][:10]}")
    out["sms"] = sms

    # --- print batches: done, each card printed once, parts contiguous ------------------------
    batches = []
    for batch in PrintBatch.objects.filter(number__in=args["batches"]):
        prints = Counter(CardPrint.objects.filter(batch=batch, kind=CardPrint.Kind.BATCH)
                         .values_list("card_id", flat=True))
        cards = list(Card.objects.filter(batch=batch).values_list("pk", "stage"))
        parts = list(BatchPart.objects.filter(batch=batch).order_by("number").values_list("number", "cards"))
        b = {
            "number": batch.number, "status": batch.status, "attempts": batch.attempts, "card_count": batch.card_count,
            "cards_in_batch": len(cards), "printed": sum(1 for _, s in cards if s == Stage.PRINTED),
            "card_prints": sum(prints.values()), "cards_printed_twice": sum(1 for n in prints.values() if n > 1),
            "parts": len(parts), "part_numbers_contiguous": [n for n, _ in parts] == list(range(1, len(parts) + 1)),
            "cards_in_parts": sum(c for _, c in parts), "done": batch.done, "total": batch.total,
            "manifest": bool(batch.manifest_csv and batch.manifest_xlsx),
        }
        ok = (b["status"] == PrintBatch.Status.DONE and b["card_count"] == b["cards_in_batch"] == b["printed"]
              == b["card_prints"] == b["cards_in_parts"] == len(prints) and not b["cards_printed_twice"]
              and b["part_numbers_contiguous"] and b["done"] == b["total"] == 2 * b["card_count"] and b["manifest"])
        b["ok"] = ok
        if not ok:
            problems.append(f"print batch {batch.number}: {b}")
        batches.append(b)
    if len(batches) != len(args["batches"]):
        problems.append(f"print batches started {args['batches']}, found {[b['number'] for b in batches]}")
    out["print_batches"] = batches
    out["audit_events"] = Event.objects.count()
    out["problems"] = problems
    return out


def main(argv: list[str]) -> None:
    _django()
    command = argv[0]
    args = json.loads(Path(argv[1]).read_text()) if len(argv) > 1 else {}
    if command == "seed-info":
        result = django_seed_info()
    elif command == "drain":
        result = django_drain(args)
    elif command == "state":
        result = django_state()
    elif command == "check":
        result = django_check(args)
    elif command == "max-message":
        from django.db.models import Max

        from portal.notify.models import Message

        result = {"max": Message.objects.aggregate(m=Max("pk"))["m"] or 0}
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
