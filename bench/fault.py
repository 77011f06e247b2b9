"""Load and fault test (issue 7): a bounded load on loopback while the Celery worker, Redis
and the SMS gateway are SIGKILLed and restarted; afterwards every registration, SMS and
print job is counted: none lost, none duplicated. `make bench-fault`. Docs: docs/fault-test.md.

    .venv/bin/python bench/fault.py            # the whole run (about 3 minutes)
    .venv/bin/python bench/fault.py django CMD # Django-side helpers, run by the above

Environment (all optional):
    BENCH_FAULT_DATABASE_URL  postgres://postgres@127.0.0.1:5432/portal_bench_fault  (dropped and recreated)
    BENCH_FAULT_FAMILIES      3000   seeded population (generate_population --families)
    BENCH_FAULT_REGISTRATIONS 40     Employee Gateway registrations made during the load
    BENCH_FAULT_CLIENTS       4      registering browsers at a time
    BENCH_FAULT_REDIS_PORT    56400  the private Redis (broker); the gateway takes the next port
    BENCH_FAULT_GATEWAY_DELAY 0.05   seconds the fake gateway holds each reply (after logging it)
    BENCH_FAULT_REAL_WAIT     unset  1: the drain waits the real 5 minutes for stale claims and
                                     leases instead of running the beat's sweeps with the clock
                                     moved forward
    BENCH_FAULT_OUTPUT        bench/results/fault.json
    BENCH_KEEP_DB             unset  1 keeps the database and the temporary directory
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

if len(sys.argv) > 1 and sys.argv[1] == "django":
    ROOT = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(ROOT))
else:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common
    from common import ROOT, Client, log

    sys.path.insert(0, str(ROOT))  # portal.checkdigit for the synthetic Aadhaar numbers

PASSWORD = "Bench-Fault-2026"
OTP_DLT_IDS = {"1107170000000000101", "1107170000000000102"}  # the "otp" template, hi and en
OTP_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
FAMILY_RE = re.compile(r"^/gateway/(EN[0-9A-Z]+)/$")
MEMBER_PHOTO_RE = re.compile(r'/gateway/EN[0-9A-Z]+/members/(\d+)/photo/')


# =============================================================================================
# Django side: `fault.py django <command> [json]`; the last line printed is JSON.
# =============================================================================================

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
        "at_gateway_unknown_id": sorted(set(deliveries) - all_ids - {str(i) for i in args.get("older_ids", [])}),
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


def django_main(argv: list[str]) -> None:
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


# =============================================================================================
# The orchestrator
# =============================================================================================

class Services:
    """The processes the test starts, kills and restarts. Each runs in its own process group,
    so a SIGKILL takes the Celery worker's pool children with it (as a machine crash would)."""

    def __init__(self, env: dict, tmp: Path, redis_port: int, gateway_port: int, gateway_delay: float):
        self.env, self.tmp = env, tmp
        self.redis_port, self.gateway_port, self.gateway_delay = redis_port, gateway_port, gateway_delay
        self.procs: dict[str, subprocess.Popen | None] = {"worker": None, "beat": None, "redis": None, "gateway": None}
        self.events: list[dict] = []
        self.t0 = time.monotonic()
        self.lock = threading.Lock()

    def note(self, what: str, name: str) -> None:
        at = round(time.monotonic() - self.t0, 2)
        with self.lock:
            self.events.append({"t": at, "event": what, "service": name})
        log(f"t={at:6.1f}s {what} {name}")

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        out = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        out.close()
        return proc

    def start(self, name: str) -> None:
        if name == "redis":
            command = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                       "--appendonly", "no", "--dir", str(self.tmp), "--protected-mode", "yes"]
        elif name == "gateway":
            command = [sys.executable, str(ROOT / "bench" / "fake_sms_gateway.py"), "--port", str(self.gateway_port),
                       "--log", str(self.tmp / "gateway.jsonl"), "--delay", str(self.gateway_delay)]
        elif name == "beat":  # the one scheduler: the outbox sweep every 60 s, batches every 10 min
            command = [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel=WARNING",
                       "-s", str(self.tmp / "beat-schedule")]
        else:
            command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel=WARNING",
                       "--concurrency=2", "--without-gossip", "--without-mingle", "--hostname=fault@%h"]
        self.procs[name] = self._spawn(name, command)
        self.note("start", name)
        if name in ("redis", "gateway"):
            self._wait_port(self.redis_port if name == "redis" else self.gateway_port, name)

    def _wait_port(self, port: int, name: str) -> None:
        import socket

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit(f"{name} did not start on port {port}: {(self.tmp / f'{name}.log').read_text()[-2000:]}")

    def kill(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.procs[name] = None
        self.note("SIGKILL", name)

    def stop(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)  # Celery: warm shutdown, finishes the task in hand
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs[name] = None
        self.note("stop", name)

    def stop_all(self) -> None:
        for name in list(self.procs):
            try:
                self.stop(name)
            except ProcessLookupError:
                pass


def post_multipart(client: Client, path: str, fields: dict, files: dict) -> tuple[int, dict, bytes]:
    """`common.Client` sends only urlencoded forms: the photo upload needs multipart."""
    import http.client
    from http.cookies import SimpleCookie

    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, ctype) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept-Encoding": "identity",
            "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            client.cookies[name] = morsel.value
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def photo_jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (210, 270), (200, 170, 150)).save(out, "JPEG", quality=80)
    return out.getvalue()


class Gateway:
    """Reads the fake gateway's log (the load's 'phones')."""

    def __init__(self, path: Path):
        self.path = path

    def otp_for(self, mobile: str, after_serial: int = 0) -> str | None:
        if not self.path.exists():
            return None
        code = None
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.endswith("}"):
                continue
            row = json.loads(line)
            if row["to"] == mobile and row["dlt_template_id"] in OTP_DLT_IDS and row["serial"] > after_serial:
                match = OTP_RE.search(row["text"])
                if match:
                    code = match.group(1)  # the latest one: a resent OTP replaces the first
        return code


class Load:
    """The browsers: employees registering (with the OTP SMS), the DDO verifying in bulk,
    the state cell starting print batches. Every step is retried with the same submit
    token / the same form until it succeeds, as a user pressing the button again would."""

    def __init__(self, port: int, info: dict, gateway: Gateway, services: Services, count: int):
        self.port, self.info, self.gateway, self.services = port, info, gateway, services
        self.registrations: list[dict] = []
        self.to_verify: list[str] = []
        self.verified: list[str] = []
        self.batches: list[str] = []
        self.errors: list[dict] = []
        self.lock = threading.Lock()
        self.count = count
        self.next = iter(range(count))
        self.photo = photo_jpeg()
        self.done = threading.Event()
        self.timings: dict[str, list[float]] = {"submit": [], "bulk_verify": [], "batch_create": []}

    def timed(self, name: str, t0: float) -> None:
        with self.lock:
            self.timings[name].append(round(time.monotonic() - t0, 3))

    def error(self, what: str, detail: str) -> None:
        with self.lock:
            self.errors.append({"t": round(time.monotonic() - self.services.t0, 2), "what": what, "detail": detail[:200]})

    def retry(self, what: str, fn, attempts: int = 40, wait: float = 1.0):
        for attempt in range(attempts):
            try:
                result = fn()
                if result is not None:
                    return result
                self.error(what, "unexpected answer")
            except Exception as exc:  # noqa: BLE001 - a dead connection, a 500: try again
                self.error(what, repr(exc))
            time.sleep(wait)
        raise RuntimeError(f"{what}: gave up after {attempts} attempts")

    # --- one registration --------------------------------------------------------------------

    def register(self, n: int) -> None:
        client = Client(self.port)
        code = self.info["office"]
        employee_id = f"FLT{n:05d}"
        mobile = f"7{(31_000_000 + n * 7919) % 1_000_000_000:09d}"
        from portal.checkdigit import verhoeff_digit  # plain Python, no Django

        digits = f"9{880_000_000 + n * 7:010d}"  # synthetic, as in the enrolment tests; never a palindrome here
        reg = {"employee_id": employee_id, "mobile": mobile, "token": str(uuid.uuid4())}
        with self.lock:
            self.registrations.append(reg)

        def step_new():
            client.cookies.pop("sessionid", None)
            token = client.csrf_token(f"/gateway/new/{code}/employee/")
            status, headers, body = client.request("POST", f"/gateway/new/{code}/employee/", {
                "csrfmiddlewaretoken": token, "name_en": "Sunita Devi", "name_hi": "सुनीता देवी",
                "guardian_name": "Ramesh Kumar", "date_of_birth": "1984-05-17", "gender": "female",
                "aadhaar": digits + verhoeff_digit(digits), "mobile": mobile, "email": f"flt{n}@example.in",
                "address": "12 Hazratganj, Lucknow", "employee_id": employee_id, "designation": "Staff Nurse",
                "date_of_joining": "2008-07-01", "pay_level": self.info["pay_levels"][n % len(self.info["pay_levels"])],
                "submit_token": reg["token"]})
            match = FAMILY_RE.match(headers.get("location", "")) if status == 302 else None
            if not match:
                raise RuntimeError(f"new family: {status} {headers.get('location', '')} {body[:300]!r}")
            return match.group(1)

        number = self.retry("register: details", step_new)
        reg["number"] = number

        def step_photo():
            status, _, body = client.request("GET", f"/gateway/{number}/")
            if status != 200:
                raise RuntimeError(f"family page {status}")
            if b"photo.jpg" in body:
                return True  # already uploaded by an attempt that lost its answer
            member = MEMBER_PHOTO_RE.search(body.decode())
            token = common.CSRF_RE.search(body)
            status, headers, body = post_multipart(
                client, f"/gateway/{number}/members/{member.group(1)}/photo/",
                {"csrfmiddlewaretoken": token.group(1).decode()}, {"photo": ("me.jpg", self.photo, "image/jpeg")})
            if status != 302:
                raise RuntimeError(f"photo {status} {body[:300]!r}")
            return True

        self.retry("register: photo", step_photo)
        serial_before = self._gateway_serial()

        def step_submit():
            status, _, body = client.request("GET", f"/gateway/{number}/")
            if status == 404:  # submitted by an attempt that lost its answer: this browser now needs the OTP
                return "submitted"
            token = common.CSRF_RE.search(body).group(1).decode()
            t0 = time.monotonic()
            status, headers, _ = client.request("POST", f"/gateway/{number}/submit/", {"csrfmiddlewaretoken": token})
            self.timed("submit", t0)
            if status == 302 and headers.get("location", "").endswith("/gateway/access/otp/"):
                return "submitted"
            raise RuntimeError(f"submit {status} {headers.get('location', '')}")

        self.retry("register: submit", step_submit)
        with self.lock:
            self.to_verify.append(number)

        # The OTP arrives by SMS (the gateway's log); ask again if it has not come in 45 s.
        deadline = time.monotonic() + 240
        asked_at = time.monotonic()
        while time.monotonic() < deadline:
            otp = self.gateway.otp_for(mobile, serial_before)
            if otp:
                try:
                    if self._open_with_otp(client, number, otp):
                        reg["opened"] = True
                        reg["otp_wait_s"] = round(time.monotonic() - asked_at, 2)
                        return
                except Exception as exc:  # noqa: BLE001
                    self.error("register: otp", repr(exc))
            if time.monotonic() - asked_at > 45:
                self.error("register: otp", "no OTP after 45 s: asking again")
                try:
                    self._access(client, number)
                except Exception as exc:  # noqa: BLE001
                    self.error("register: otp resend", repr(exc))
                asked_at = time.monotonic()
            time.sleep(0.5)
        self.error("register: otp", f"{number}: no usable OTP within 240 s")

    def _gateway_serial(self) -> int:
        path = self.gateway.path
        if not path.exists():
            return 0
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}")]
        return json.loads(lines[-1])["serial"] if lines else 0

    def _open_with_otp(self, client: Client, number: str, otp: str) -> bool:
        token = client.csrf_token("/gateway/access/otp/")
        status, headers, body = client.request("POST", "/gateway/access/otp/", {"csrfmiddlewaretoken": token, "otp": otp})
        if status == 302 and headers.get("location", "") == f"/gateway/{number}/":
            return True
        if status == 302 and headers.get("location", "").startswith("/gateway/access/"):
            self._access(client, number)  # the session lost the pending number: start the access again
        return False

    def _access(self, client: Client, number: str) -> None:
        token = client.csrf_token("/gateway/access/")
        client.request("POST", "/gateway/access/", {"csrfmiddlewaretoken": token, "number": number})

    def registrar(self) -> None:
        while True:
            with self.lock:
                n = next(self.next, None)
            if n is None:
                return
            try:
                self.register(n)
            except Exception as exc:  # noqa: BLE001
                self.error("register", repr(exc))

    # --- the DDO and the state cell ----------------------------------------------------------

    def ddo(self) -> None:
        client = Client(self.port)
        self.retry("ddo: log in", lambda: client.log_in(self.info["ddo"], PASSWORD) or True)
        while True:
            finished = self.done.is_set()
            with self.lock:
                numbers, self.to_verify = self.to_verify[:50], self.to_verify[50:]
            if numbers:
                def verify():
                    status, _, body = client.request("GET", "/office/families/")
                    token = common.CSRF_RE.search(body).group(1).decode()
                    t0 = time.monotonic()
                    status, headers, _ = client.request("POST", "/office/families/bulk-verify/",
                                                        {"csrfmiddlewaretoken": token, "number": numbers})
                    self.timed("bulk_verify", t0)
                    if status == 302 and headers.get("location", "").endswith("/office/families/"):
                        return True
                    raise RuntimeError(f"bulk verify {status} {headers.get('location', '')}")

                self.retry("ddo: bulk verify", verify)
                with self.lock:
                    self.verified.extend(numbers)
            elif finished:
                return
            time.sleep(2)

    def start_batch(self, limit: int) -> None:
        client = Client(self.port)
        self.retry("state: log in", lambda: client.log_in(self.info["state"], PASSWORD) or True)
        token = str(uuid.uuid4())

        def create():
            csrf = client.csrf_token("/state/cards/batches/")
            t0 = time.monotonic()
            status, headers, body = client.request("POST", "/state/cards/batches/new/", {
                "csrfmiddlewaretoken": csrf, "limit": str(limit), "token": token})
            self.timed("batch_create", t0)
            location = headers.get("location", "")
            if status == 302 and re.fullmatch(r"/state/cards/batches/PB[0-9A-Z]+/", location):
                return location.rstrip("/").rsplit("/", 1)[-1]
            raise RuntimeError(f"batch {status} {location} {body[:200]!r}")

        number = self.retry("state: print batch", create)
        with self.lock:
            self.batches.append(number)
        self.services.note(f"print batch {number} started", "load")


# Seconds after the load starts: (action, what). Each fault lands on work in flight: the
# worker dies while producing a batch ("batch" starts one and waits for its answer,
# "when_printing" waits until its first parts are committed) and while sending SMS (the
# gateway holds each reply), Redis dies with messages waiting in it, the gateway dies with
# the worker talking to it. A late step runs as soon as the one before it is done.
SCHEDULE = [
    (5.0, "kill", "worker"), (8.0, "start", "worker"),
    (11.0, "batch", 50), (11.0, "when_printing", None), (11.0, "kill", "worker"), (15.0, "start", "worker"),
    (20.0, "kill", "redis"), (26.0, "start", "redis"),
    (30.0, "kill", "gateway"), (36.0, "start", "gateway"),
    (40.0, "batch", 400), (40.0, "when_printing", None), (40.0, "kill", "worker"), (44.0, "start", "worker"),
    (50.0, "kill", "redis"), (50.5, "kill", "worker"), (55.0, "start", "redis"), (56.0, "start", "worker"),
    (60.0, "kill", "gateway"), (60.3, "kill", "worker"), (64.0, "start", "gateway"), (65.0, "start", "worker"),
]


def wait_until_printing(db_url: str, number: str | None, seconds: float = 20.0) -> str:
    """Until the batch has some parts committed but not all (then a kill lands mid-batch)."""
    import psycopg

    if number is None:
        return "no batch"
    deadline = time.monotonic() + seconds
    row = None
    with psycopg.connect(db_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT status, done, total FROM cards_printbatch WHERE number = %s", (number,)).fetchone()
            if row and (row[1] > 0 or row[0] in ("done", "failed")):
                break
            time.sleep(0.02)
    return f"{row[0]} {row[1]}/{row[2]} faces" if row else "not found"


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops every process
    db_url = os.environ.get("BENCH_FAULT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_fault")
    name = db_url.rsplit("/", 1)[-1]
    if not ("bench" in name and "fault" in name):
        sys.exit(f"refusing database {name!r}: its name must contain 'bench' and 'fault'")
    families = int(os.environ.get("BENCH_FAULT_FAMILIES", "3000"))
    count = int(os.environ.get("BENCH_FAULT_REGISTRATIONS", "40"))
    clients = int(os.environ.get("BENCH_FAULT_CLIENTS", "4"))
    redis_port = int(os.environ.get("BENCH_FAULT_REDIS_PORT", "56400"))
    gateway_delay = float(os.environ.get("BENCH_FAULT_GATEWAY_DELAY", "0.05"))
    real_wait = os.environ.get("BENCH_FAULT_REAL_WAIT", "") not in ("", "0")
    output = Path(os.environ.get("BENCH_FAULT_OUTPUT", ROOT / "bench" / "results" / "fault.json"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-fault-"))
    busy_before = common.machine_busy(2.0)
    started = time.time()

    pg = common.recreate_database(db_url)
    env = common.server_env(str(tmp / "var"), db_url)
    env.update({
        "CELERY_EAGER": "false",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": f"http://127.0.0.1:{redis_port + 1}/send",
        "SMS_GATEWAY_TOKEN": "fault-test",
        "SMS_GATEWAY_TIMEOUT": "5",
        "CARD_BATCH_PART_SIZE": "20",  # 10 cards per part: many parts, so a kill lands mid-batch
        "OTP_RATE_PER_IP": "100000",  # every browser is 127.0.0.1
    })
    services = Services(env, tmp, redis_port, redis_port + 1, gateway_delay)
    gunicorn = None
    report: dict = {}
    try:
        log(f"database {name}, temporary directory {tmp}")
        common.manage(env, "migrate", "--noinput", "-v", "0")
        common.manage(env, "load_master_data")
        t = time.monotonic()
        common.manage(env, "generate_population", "--families", str(families), "--password", PASSWORD)
        log(f"seeded {families} families in {time.monotonic() - t:.1f} s")
        info = common.bench_script(env, "fault.py", "django", "seed-info")
        messages_before = common.bench_script(env, "fault.py", "django", "max-message")["max"]
        log(f"office {info['office']}, DDO {info['ddo']}, state cell {info['state']}, {info['ready_cards']} cards ready")

        for svc in ("redis", "gateway", "worker", "beat"):
            services.start(svc)
        port = common.free_port()
        gunicorn = common.start_gunicorn(env, port, tmp / "gunicorn.log")
        gateway = Gateway(tmp / "gateway.jsonl")
        load = Load(port, info, gateway, services, count)

        services.t0 = time.monotonic()
        services.note("load starts", "load")
        threads = [threading.Thread(target=load.registrar, daemon=True) for _ in range(clients)]
        threads.append(threading.Thread(target=load.ddo, daemon=True))
        for th in threads:
            th.start()
        batch_threads = []
        for at, action, what in SCHEDULE:
            time.sleep(max(0.0, services.t0 + at - time.monotonic()))
            if action == "kill":
                services.kill(what)
            elif action == "start":
                services.start(what)
            elif action == "batch":
                load.start_batch(what)
            elif action == "when_printing":
                services.note(f"batch {load.batches[-1] if load.batches else None} at "
                              f"{wait_until_printing(db_url, load.batches[-1] if load.batches else None)}", "load")
        for th in threads[:-1]:
            th.join(timeout=400)
        load.done.set()
        threads[-1].join(timeout=120)
        services.note("load ends", "load")
        load_seconds = round(time.monotonic() - services.t0, 1)

        # Drain 1: the live system on its own (worker delivering, gateway retries in backoff).
        state = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = common.bench_script(env, "fault.py", "django", "state")
            if set(state["messages"]) <= {"sent"} and not state["unfinished_batches"]:
                break
            time.sleep(3)
        left_by_live_system = state
        services.note(f"after the live drain: {state}", "load")
        services.stop("beat")
        services.stop("worker")
        # Drain 2: the beat's sweeps (outbox, card issue, stalled batches), until nothing is left.
        sweeps = []
        drain_env = {**env, "CELERY_EAGER": "true"}
        args_file = tmp / "args.json"
        for round_number in range(1, 6):
            if real_wait:
                time.sleep(330)
                ahead = 0
            else:
                ahead = 330 * round_number  # past the 5-minute stale claims and leases, and the backoff
            args_file.write_text(json.dumps({"ahead": ahead}))
            swept = common.bench_script(drain_env, "fault.py", "django", "drain", str(args_file))
            state = common.bench_script(env, "fault.py", "django", "state")
            sweeps.append({"round": round_number, "clock_ahead_s": ahead, **swept, "after": state})
            services.note(f"sweep round {round_number}: {swept} -> {state}", "load")
            if set(state["messages"]) <= {"sent", "expired"} and not state["unfinished_batches"]:
                break

        args_file.write_text(json.dumps({
            "registrations": load.registrations, "verified": load.verified, "batches": load.batches,
            "gateway_log": str(tmp / "gateway.jsonl"), "messages_before": messages_before}))
        checks = common.bench_script(env, "fault.py", "django", "check", str(args_file))
        common.stop_gunicorn(gunicorn)
        gunicorn = None
        report = {
            "timestamp": time.time(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "machine": {**common.machine_facts(pg), "cores_busy_before_start": busy_before,
                        "loadavg_at_end": Path("/proc/loadavg").read_text().split()[:3]},
            "config": {"families_seeded": families, "registrations": count, "clients": clients,
                       "gateway_delay_s": gateway_delay, "card_batch_part_size": 20, "worker": "celery prefork, 2",
                       "redis": "private, no persistence (a kill loses what it held)",
                       "drain": "real 5-minute waits" if real_wait else "beat sweeps run with the clock moved ahead"},
            "schedule": [{"t": at, "action": action, "what": what} for at, action, what in SCHEDULE],
            "events": services.events,
            "load_seconds": load_seconds,
            "client_errors_retried": len(load.errors),
            "client_error_samples": load.errors[:40],
            "request_seconds": {k: {"n": len(v), "max": max(v, default=None), "all": v}
                                for k, v in load.timings.items()},
            "otp_wait_s": sorted(r.get("otp_wait_s") for r in load.registrations if r.get("otp_wait_s") is not None),
            "left_by_live_system": left_by_live_system,
            "sweeps": sweeps,
            "checks": checks,
            "all_counts_correct": not checks["problems"],
            "wall_seconds": round(time.time() - started, 1),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        summary = render_summary(report)
        output.with_suffix(".txt").write_text(summary)
        print(summary)
    finally:
        try:
            common.stop_gunicorn(gunicorn)
        finally:
            services.stop_all()
        if common.KEEP_DB:
            log(f"kept database {name} and {tmp}")
        else:
            common.drop_database(db_url)
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if report.get("all_counts_correct") else 1)


def render_summary(r: dict) -> str:
    c = r["checks"]
    reg, ver, sms = c["registrations"], c["verifications"], c["sms"]
    lines = [
        f"Fault test, {r['date']} ({r['wall_seconds']} s; load {r['load_seconds']} s; "
        f"cores busy before start {r['machine']['cores_busy_before_start']}, load average at end "
        f"{' '.join(r['machine']['loadavg_at_end'])})",
        "Faults: " + ", ".join(f"{e['t']}s {e['event']} {e['service']}" for e in r["events"]
                               if e["event"] in ("SIGKILL",)),
        f"Registrations: {reg['planned']} made, {reg['families']} families, {reg['completed_by_client']} opened "
        f"with their OTP; missing {len(reg['missing'])}, duplicated {len(reg['duplicated'])}, "
        f"left as drafts {len(reg['not_submitted'])}, submitted twice {len(reg['submitted_twice'])}",
        f"Verifications: {ver['asked']} asked, {ver['verified']} verified, {ver['with_account']} with an account, "
        f"{ver['family_verified_sms']} family_verified SMS",
        f"SMS: {sms['outbox_rows']} outbox rows {sms['by_status']}; gateway got {sms['gateway_requests']} requests, "
        f"delivered {sms['gateway_delivered']}; {sms['messages_resent']} messages resent "
        f"({sms['requests_resent_and_deduplicated']} requests deduplicated by client_ref); "
        f"delivered twice {len(sms['delivered_twice_to_a_phone'])}, sent but not at the gateway "
        f"{len(sms['sent_but_not_at_gateway'])}, not sent {len(sms['not_sent'])}",
    ]
    for b in c["print_batches"]:
        lines.append(f"Print batch {b['number']}: {b['status']} after {b['attempts']} attempts, {b['card_count']} cards, "
                     f"{b['card_prints']} prints, {b['parts']} parts, printed twice {b['cards_printed_twice']}: "
                     f"{'ok' if b['ok'] else 'WRONG'}")
    lines.append(f"Client errors retried: {r['client_errors_retried']}; slowest requests: "
                 + ", ".join(f"{k} {v['max']} s" for k, v in r["request_seconds"].items())
                 + f"; slowest OTP {max(r['otp_wait_s'], default=None)} s after asking")
    lines.append("ALL COUNTS CORRECT" if r["all_counts_correct"] else "PROBLEMS:\n  " + "\n  ".join(c["problems"]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "django":
        django_main(sys.argv[2:])
    else:
        main()
