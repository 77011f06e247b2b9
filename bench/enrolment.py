"""Enrolment benchmark: registration submit, the DDO's queue and bulk verification.

`make bench-enrolment` runs this file. Like bench/run.py (whose pieces it shares through
bench/common.py) it creates a throw-away PostgreSQL database, migrates it, loads the master
data, seeds 2,000 approved DDO offices and 100,000 families (bench/seed_enrolment.py; every
Aadhaar number through the vault), starts gunicorn on a free port and drives it with a
fixed number of client threads for a fixed time per scenario:

    bare                    GET /healthz: the bare Django view (no database), the yardstick
    register                POST /gateway/new/<office>/employee/: step 2 of the Employee
                            Gateway, a new employee (new Aadhaar, new token, new session) each time
    queue                   GET /office/families/ as the DDO of the biggest office (2,000 waiting)
    queue_filtered          GET /office/families/?q=<employee ID of a waiting family>
    queue_latency           the queue with one client per gunicorn worker: the p95 target
    queue_filtered_latency  the same with ?q=<employee ID>
    bare_end                GET /healthz again, to see drift during the run

then times bulk verification: POST /office/families/bulk-verify/ with 500 `number` values of
the big office's waiting families, a few times on different sets of 500, and checks
afterwards that exactly those families were verified and that 500 accounts and 500 SMS were
made each time.

It writes bench/results/enrolment.json and prints a summary. See bench/README.md and
docs/benchmarks.md.

Environment (all optional; BENCH_SECONDS, BENCH_WARMUP, BENCH_CONCURRENCY, BENCH_WORKERS,
BENCH_DB_CONN_MAX_AGE and BENCH_KEEP_DB as for bench/run.py, see bench/common.py):
    BENCH_ENROLMENT_DATABASE_URL  postgres://postgres@127.0.0.1:5432/portal_bench_enrolment (dropped!)
    BENCH_ENROLMENT_OUTPUT        bench/results/enrolment.json
    BENCH_BULK_SIZE               500    families per bulk verification
    BENCH_BULK_REPEAT             3      bulk verifications with SMS handed to Celery (production)
    BENCH_BULK_EAGER_REPEAT       1      and with CELERY_EAGER (SMS sent in the request), each on
                                         new families; both together need (3+1) x 500 waiting
    BENCH_EXPLAIN                 1      0 skips EXPLAIN ANALYZE and the in-process breakdowns
    BENCH_FAMILIES / BENCH_OFFICES / BENCH_BIG_PENDING / BENCH_VAULT_SAMPLE /
    BENCH_DDO_PASSWORD / BENCH_SEED: see bench/seed_enrolment.py
"""

import datetime
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # re-runs this script with the venv's Python if psycopg is missing
from common import (
    CONCURRENCY,
    DB_CONN_MAX_AGE,
    KEEP_DB,
    ROOT,
    SECONDS,
    WARMUP,
    WORKERS,
    Client,
    CpuMonitor,
    _admin_url,
    drop_database,
    free_port,
    log,
    machine_busy,
    machine_facts,
    manage,
    psycopg,
    recreate_database,
    start_gunicorn,
    stop_gunicorn,
    summarise_explain,
)

sys.path.insert(0, str(ROOT))
from portal.checkdigit import verhoeff_digit  # pure Python, no Django

DB_URL = os.environ.get("BENCH_ENROLMENT_DATABASE_URL",
                        "postgres://postgres@127.0.0.1:5432/portal_bench_enrolment")
DB_NAME = _admin_url(DB_URL)[1]
OUTPUT = Path(os.environ.get("BENCH_ENROLMENT_OUTPUT", str(ROOT / "bench" / "results" / "enrolment.json")))
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "1") not in ("", "0", "false", "no")
BULK_SIZE = int(os.environ.get("BENCH_BULK_SIZE", "500"))
BULK_REPEAT = int(os.environ.get("BENCH_BULK_REPEAT", "3"))
BULK_EAGER_REPEAT = int(os.environ.get("BENCH_BULK_EAGER_REPEAT", "1"))
DDO_PASSWORD = os.environ.get("BENCH_DDO_PASSWORD", "Bench-DDO-Officer-2026")
PAGE_SIZE = 50  # views_office.queue paginates by 50

TARGET_REGISTER_RATIO = 0.25
TARGET_QUEUE_P95_MS = 50.0
TARGET_BULK_SECONDS = 2.0

FAMILY_RE = re.compile(r"^(?:http://127\.0\.0\.1:\d+)?/gateway/(EN\d{10})/$")
SCRIPT = "seed_enrolment.py"


def aadhaar(n: int) -> str:
    body = f"9{n:010d}"
    return body + verhoeff_digit(body)


def run_scenario(name: str, port: int, gunicorn_pid: int, setup, step, concurrency: int | None = None) -> dict:
    return common.run_scenario(name, port, gunicorn_pid, setup, step, concurrency, database=DB_NAME)


def bench_script(env: dict, *args: str) -> dict:
    return common.bench_script(env, SCRIPT, *args)


def sql_one(query: str, params=()) -> tuple:
    with psycopg.connect(DB_URL) as conn:
        return conn.execute(query, params).fetchone()


# --- scenarios ---------------------------------------------------------------------------

def logged_in_sessions(port: int, username: str, n: int) -> list[dict]:
    """n separate log-ins of the big office's DDO (cookie jars), made once: the login page is
    rate-limited per address, and a log-in per scenario thread would hit the limit."""
    jars = []
    for _ in range(n):
        client = Client(port)
        client.log_in(username, DDO_PASSWORD)
        jars.append(dict(client.cookies))
        client.close()
    return jars


def scenarios(port: int, gunicorn_pid: int, seeded: dict, jars: list[dict]) -> dict:
    office_codes = seeded["office_codes"]
    pay_levels = seeded["pay_level_pks"]
    employee_ids = [f["employee_id"] for f in seeded["big_pending"]]
    serial = itertools.count(seeded["registration_aadhaar_start"])  # next() is atomic under the GIL
    tokens: dict[int, str] = {}

    def next_aadhaar() -> str:
        while True:
            number = aadhaar(next(serial))
            if number != number[::-1]:  # the vault refuses palindromes
                return number

    # (a) the bare view
    def bare_setup(client, i):
        pass

    def bare_step(client, i):
        status, _, body = client.request("GET", "/healthz")
        return None if status == 200 and body == b"ok" else f"healthz {status}"

    # (b) step 2 of the Employee Gateway: the employee's details, a new person every time
    def register_setup(client, i):
        tokens[i] = client.csrf_token(f"/gateway/new/{office_codes[i % len(office_codes)]}/employee/")

    def register_step(client, i):
        number = next_aadhaar()
        n = int(number[1:11])
        code = office_codes[n % len(office_codes)]
        client.cookies.pop("sessionid", None)  # every registration is a new visitor
        status, headers, body = client.request("POST", f"/gateway/new/{code}/employee/", {
            "csrfmiddlewaretoken": tokens[i],
            "name_en": "Sunita Devi", "name_hi": "सुनीता देवी", "guardian_name": "Ramesh Kumar",
            "date_of_birth": "1984-05-17", "gender": "female", "aadhaar": number,
            "mobile": f"9{n % 1000000000:09d}", "email": f"emp{n}@example.in",
            "address": "12 Hazratganj, Lucknow", "employee_id": f"NEW{n}", "designation": "Staff Nurse",
            "date_of_joining": "2008-07-01", "pay_level": pay_levels[n % len(pay_levels)],
            "submit_token": str(uuid.uuid4()),
        })
        if status == 302 and FAMILY_RE.match(headers.get("location", "")):
            return None
        detail = re.sub(r"\s+", " ", body[:6000].decode(errors="replace"))
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,160})', detail)
        return f"register {status} -> {headers.get('location', '')} {errors[:2]}"

    # (c) the DDO's queue, one logged-in session per thread
    def queue_setup(client, i):
        client.cookies = dict(jars[i % len(jars)])

    def page_step(path_for):
        def step(client, i):
            path = path_for(i)
            status, headers, body = client.request("GET", path)
            if status == 200 and b"<table" in body and b'name="number"' in body:
                return None
            return f"GET {path}: {status} -> {headers.get('location', '')}"
        return step

    counter = itertools.count()

    def filtered(i):
        return f"/office/families/?q={employee_ids[next(counter) % len(employee_ids)]}"

    results = {}
    results["bare"] = run_scenario("bare", port, gunicorn_pid, bare_setup, bare_step)
    results["register"] = run_scenario("register", port, gunicorn_pid, register_setup, register_step)
    results["queue"] = run_scenario("queue", port, gunicorn_pid, queue_setup, page_step(lambda i: "/office/families/"))
    results["queue_filtered"] = run_scenario("queue_filtered", port, gunicorn_pid, queue_setup, page_step(filtered))
    # Latency as one DDO per gunicorn worker sees it (no request waits in gunicorn's backlog).
    results["queue_latency"] = run_scenario("queue_latency", port, gunicorn_pid, queue_setup,
                                            page_step(lambda i: "/office/families/"), concurrency=WORKERS)
    results["queue_filtered_latency"] = run_scenario("queue_filtered_latency", port, gunicorn_pid, queue_setup,
                                                     page_step(filtered), concurrency=WORKERS)
    results["bare_end"] = run_scenario("bare_end", port, gunicorn_pid, bare_setup, bare_step)
    results["register"]["created_total"] = results["register"]["ok"] + results["register"]["warmup_ok"]
    return results


def bulk_verify(port: int, gunicorn_pid: int, seeded: dict, jar: dict, sets: list[list[str]], mode: str) -> list[dict]:
    """One bulk verification per set of numbers (the next BULK_SIZE oldest waiting families of
    the big office: what a DDO working down the queue selects), each timed end to end.
    `mode`: "broker" (CELERY_EAGER=false: the SMS are handed to Celery after the commit and
    a worker sends them, as in production) or "eager" (CELERY_EAGER=true, as the demo and
    the other scenarios run: every SMS is delivered inside the request)."""
    ddo = seeded["big_office"]["ddo_username"]
    ddo_pk = sql_one("SELECT id FROM accounts_user WHERE username = %s", (ddo,))[0]
    runs = []
    for rep, numbers in enumerate(sets):
        client = Client(port)
        client.cookies = dict(jar)
        status, _, body = client.request("GET", "/office/families/")
        match = common.CSRF_RE.search(body)
        if status != 200 or not match:
            raise RuntimeError(f"GET /office/families/ for the CSRF token: {status}")
        token = match.group(1).decode()
        before = {
            "beneficiaries": sql_one("SELECT COUNT(*) FROM accounts_user WHERE role = 'beneficiary'")[0],
            "sms_verified": sql_one("SELECT COUNT(*) FROM notify_message WHERE channel = 'sms' "
                                    "AND template = 'family_verified'")[0],
            "sms_all": sql_one("SELECT COUNT(*) FROM notify_message")[0],
            "verified": sql_one("SELECT COUNT(*) FROM enrolment_family WHERE status = 'verified'")[0],
            "max_user_id": sql_one("SELECT MAX(id) FROM accounts_user")[0],
            "max_message_id": sql_one("SELECT COALESCE(MAX(id), 0) FROM notify_message")[0],
        }
        monitor = CpuMonitor(gunicorn_pid, DB_NAME)
        monitor.start()
        t0 = time.perf_counter()
        status, headers, _ = client.request("POST", "/office/families/bulk-verify/",
                                            {"csrfmiddlewaretoken": token, "number": numbers})
        t1 = time.perf_counter()
        cpu = monitor.stop()
        # The page the DDO lands on afterwards (the queue with the message), timed apart.
        page_status, _, page = client.request("GET", "/office/families/")
        t2 = time.perf_counter()
        client.close()
        placeholders = ",".join(["%s"] * len(numbers))
        verified_now = sql_one(
            f"SELECT COUNT(*) FROM enrolment_family WHERE number IN ({placeholders}) AND status = 'verified' "
            f"AND verified_by_id = %s AND user_id IS NOT NULL AND decided_at IS NOT NULL", (*numbers, ddo_pk))[0]
        after = {
            "beneficiaries": sql_one("SELECT COUNT(*) FROM accounts_user WHERE role = 'beneficiary'")[0],
            "sms_verified": sql_one("SELECT COUNT(*) FROM notify_message WHERE channel = 'sms' "
                                    "AND template = 'family_verified'")[0],
            "sms_all": sql_one("SELECT COUNT(*) FROM notify_message")[0],
            "verified": sql_one("SELECT COUNT(*) FROM enrolment_family WHERE status = 'verified'")[0],
        }
        # The new accounts are exactly the selected families' accounts, and each new SMS goes to
        # one of them (to the family's mobile, with its user ID).
        linked_users = sql_one(
            f"SELECT COUNT(*) FROM enrolment_family f JOIN accounts_user u ON u.id = f.user_id "
            f"WHERE f.number IN ({placeholders}) AND u.id > %s AND u.role = 'beneficiary' "
            f"AND u.username = 'BN' || lpad(u.id::text, 6, '0')", (*numbers, before["max_user_id"]))[0]
        sms_to_families = sql_one(
            f"SELECT COUNT(DISTINCT m.id) FROM notify_message m JOIN enrolment_family f ON f.mobile = m.\"to\" "
            f"JOIN accounts_user u ON u.id = f.user_id WHERE m.id > %s AND m.template = 'family_verified' "
            f"AND f.number IN ({placeholders}) AND m.preview LIKE '%%' || f.number || '%%' "
            f"AND m.preview LIKE '%%' || u.username || '%%'", (before["max_message_id"], *numbers))[0]
        sms_sent = sql_one("SELECT COUNT(*) FROM notify_message WHERE id > %s AND status = 'sent'",
                           (before["max_message_id"],))[0]
        sms_queued = sql_one("SELECT COUNT(*) FROM notify_message WHERE id > %s AND status = 'queued'",
                             (before["max_message_id"],))[0]
        shown = re.search(rb"\b%d\b" % len(numbers), page) is not None
        run = {
            "mode": mode,
            "families": len(numbers),
            "status": status,
            "location": headers.get("location", ""),
            "seconds": round(t1 - t0, 3),
            "then_queue_page_seconds": round(t2 - t1, 3),
            "cpu": cpu,
            "checks": {
                "redirect_to_queue": status == 302 and headers.get("location", "").endswith("/office/families/"),
                "selected_now_verified": verified_now,
                "verified_total_increase": after["verified"] - before["verified"],
                "new_beneficiary_users": after["beneficiaries"] - before["beneficiaries"],
                "new_users_linked_to_selected_families": linked_users,
                "new_family_verified_sms": after["sms_verified"] - before["sms_verified"],
                "new_messages_all": after["sms_all"] - before["sms_all"],
                "new_sms_matching_family_number_and_user_id": sms_to_families,
                "new_messages_delivered_by_demo_backend": sms_sent,
                "new_messages_left_queued_for_the_worker": sms_queued,
                "queue_page_after": page_status,
                "queue_page_shows_count_message": shown,
            },
        }
        c = run["checks"]
        run["ok"] = (c["redirect_to_queue"] and c["selected_now_verified"] == len(numbers)
                     and c["verified_total_increase"] == len(numbers) and c["new_beneficiary_users"] == len(numbers)
                     and c["new_users_linked_to_selected_families"] == len(numbers)
                     and c["new_family_verified_sms"] == len(numbers) and c["new_messages_all"] == len(numbers)
                     and c["new_sms_matching_family_number_and_user_id"] == len(numbers)
                     and (sms_sent if mode == "eager" else sms_queued) == len(numbers))
        log(f"bulk verify ({mode}) {rep + 1}: {len(numbers)} families in {run['seconds']} s "
            f"(then the queue page {run['then_queue_page_seconds']} s), checks {'ok' if run['ok'] else 'FAILED'}")
        runs.append(run)
    return runs


def sanity_check(port: int, seeded: dict, jar: dict) -> dict:
    """Before measuring: the big office's queue shows its count, and the gateway form opens."""
    client = Client(port)
    client.cookies = dict(jar)
    status, _, body = client.request("GET", "/office/families/")
    pending = seeded["big_office"]["pending"]
    shows_count = status == 200 and re.search(rb"\b%d\b" % pending, body) is not None
    rows = body.count(b'name="number"')
    client.close()
    if not shows_count or rows != min(PAGE_SIZE, pending):
        sys.exit(f"sanity check failed: GET /office/families/ answered {status}, count {pending} shown: "
                 f"{shows_count}, {rows} selectable rows")
    client = Client(port)
    client.csrf_token(f"/gateway/new/{seeded['big_office']['code']}/employee/")
    client.close()
    return {"queue_shows_pending_count": pending, "queue_rows_on_first_page": rows, "queue_page_bytes": len(body)}


# --- report ------------------------------------------------------------------------------

def evaluate(results: dict, bulk: list[dict]) -> tuple[dict, dict]:
    bare_rps = (results["bare"]["rps"] + results["bare_end"]["rps"]) / 2
    ratios = {name: round(results[name]["rps"] / bare_rps, 3) if bare_rps else None
              for name in ("register", "queue", "queue_filtered")}
    targets = {"register_ratio": {"value": ratios["register"], "target": f">= {TARGET_REGISTER_RATIO}",
                                  "pass": ratios["register"] is not None and ratios["register"] >= TARGET_REGISTER_RATIO}}
    for name in ("queue_latency", "queue_filtered_latency"):
        p95 = results[name]["latency_ms"]["p95"]
        targets[f"{name}_p95_ms"] = {"value": p95, "target": f"<= {TARGET_QUEUE_P95_MS:g}",
                                     "pass": p95 is not None and p95 <= TARGET_QUEUE_P95_MS}
    broker = [r for r in bulk if r["mode"] == "broker"]
    eager = [r for r in bulk if r["mode"] == "eager"]
    worst = max((r["seconds"] for r in broker), default=None)
    targets[f"bulk_verify_{BULK_SIZE}_seconds"] = {
        "value": worst, "target": f"<= {TARGET_BULK_SECONDS:g} (slowest of {len(broker)}; SMS to the Celery broker)",
        "pass": worst is not None and worst <= TARGET_BULK_SECONDS and len(broker) == BULK_REPEAT}
    worst_eager = max((r["seconds"] for r in eager), default=None)
    if BULK_EAGER_REPEAT:
        # Not the production set-up: shown so that the cost of delivering in the request is visible.
        targets[f"bulk_verify_{BULK_SIZE}_seconds_eager_sms"] = {
            "value": worst_eager, "target": f"<= {TARGET_BULK_SECONDS:g} (CELERY_EAGER: SMS sent inside the request)",
            "pass": worst_eager is not None and worst_eager <= TARGET_BULK_SECONDS, "informational": True}
    runs = BULK_REPEAT + BULK_EAGER_REPEAT
    targets["bulk_verify_checks"] = {"value": sum(r["ok"] for r in bulk), "target": f"== {runs} runs correct",
                                     "pass": len(bulk) == runs and all(r["ok"] for r in bulk)}
    for name in ("register", "queue", "queue_filtered"):
        targets[f"{name}_no_errors"] = {"value": results[name]["errors"], "target": "== 0",
                                        "pass": results[name]["errors"] == 0}
    return {"bare_rps": round(bare_rps, 1), **ratios}, targets


def print_summary(report: dict) -> None:
    results, ratios = report["scenarios"], report["ratios"]
    seeded = report["rows"]["seeded"]
    print()
    print(f"Enrolment benchmark, {report['timestamp']}: {report['config']['concurrency']} clients, "
          f"{report['config']['seconds']:g} s each, gunicorn {report['config']['gunicorn_workers']} sync workers, "
          f"{report['machine']['cpu_count']} CPUs, PostgreSQL {report['machine']['postgresql']}")
    print(f"{seeded['families']:,} families ({seeded['members']:,} members, {seeded['aadhaar_records']:,} vault records), "
          f"{seeded['offices']:,} offices; big office {seeded['big_office']['code']}: "
          f"{seeded['big_office']['pending']:,} waiting of {seeded['big_office']['families']:,}; "
          f"seeded in {seeded['seconds']} s")
    header = (f"{'scenario':<24}{'clients':>8}{'requests':>9}{'errors':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'p99 ms':>9}{'ratio':>8}")
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        lat = r["latency_ms"]
        ratio = ratios.get(name)
        print(f"{name:<24}{r['concurrency']:>8}{r['requests']:>9}{r['errors']:>7}{r['rps']:>9.1f}{lat['p50'] or 0:>9.1f}"
              f"{lat['p95'] or 0:>9.1f}{lat['p99'] or 0:>9.1f}{'' if ratio is None else f'{ratio:.3f}':>8}")
    print(f"(ratio = req/s / mean bare req/s = {ratios['bare_rps']})")
    print()
    print(f"{'CPU, in cores':<24}{'client':>9}{'gunicorn':>9}{'postgres':>9}{'other':>9}{'busy':>9}")
    for name, r in [*results.items(),
                    *((f"bulk_verify_{i + 1}_{b['mode']}", b) for i, b in enumerate(report["bulk_verify"]))]:
        cpu = r["cpu"]
        print(f"{name:<24}{cpu['load_generator_cores']:>9}{cpu['gunicorn_cores']:>9}{cpu['postgres_cores']:>9}"
              f"{cpu['other_cores']!s:>9}{cpu['machine_cores_busy']!s:>9}")
    print()
    for i, b in enumerate(report["bulk_verify"]):
        print(f"bulk verify {i + 1} ({b['mode']}): {b['families']} families, POST {b['seconds']} s, then queue page "
              f"{b['then_queue_page_seconds']} s; checks {'ok' if b['ok'] else 'FAILED'} "
              f"({b['checks']['selected_now_verified']} verified, {b['checks']['new_beneficiary_users']} accounts, "
              f"{b['checks']['new_family_verified_sms']} SMS)")
    vault = seeded["vault"]
    print(f"vault while seeding: vault.store one by one {vault['one_by_one_store']['rows_per_s']} rows/s; "
          f"bulk (same seal/blind_index) {vault['bulk']['rows_per_s']} rows/s")
    print()
    for name, t in report["targets"].items():
        verdict = "PASS" if t["pass"] else "FAIL"
        if t.get("informational"):
            verdict = f"({verdict.lower()})"
        print(f"  {verdict:<6}{name:<36} {t['value']!s:>8}  (target {t['target']})")
    print(f"  overall: {'PASS' if report['all_targets_met'] else 'FAIL'}")
    if report["interference_max_other_cores"] > 0.25:
        print(f"  warning: other processes used up to {report['interference_max_other_cores']} cores during the run")
    if report.get("queue_queries"):
        print()
        print("Queue page queries (in-process, EXPLAIN ANALYZE in the JSON):")
        for path, q in report["queue_queries"].items():
            top = q["slowest"][0] if q["slowest"] else {"ms": 0, "sql": ""}
            print(f"  {path}: {q['queries']} queries, {q['db_ms']} ms in the database; slowest {top['ms']} ms: "
                  f"{top['sql'][:90]}…")
    if report.get("bulk_verify_breakdown"):
        b = report["bulk_verify_breakdown"]
        print(f"Bulk verification in-process (rolled back): {b['queries']} queries, {b['db_seconds']} s in the "
              f"database; phases {b['phases']}")
    if report.get("queue_page_split"):
        print(f"Queue page in-process: {report['queue_page_split']}")
    if report.get("register_breakdown"):
        r = report["register_breakdown"]
        print(f"Registration in-process: {r['queries']} queries, {r['db_ms']} ms in the database, "
              f"{r['seconds'] * 1000:.1f} ms in all")
    print(f"\nwritten: {OUTPUT}")


def main() -> None:
    if CONCURRENCY < 1 or SECONDS <= 0:
        sys.exit("BENCH_CONCURRENCY must be >= 1 and BENCH_SECONDS > 0")
    idle_busy = machine_busy()
    if idle_busy is not None and idle_busy > 0.3:
        log(f"warning: {idle_busy} cores are already busy before the benchmark starts; the numbers will be low")
    var_dir = tempfile.mkdtemp(prefix="portal-bench-enrolment-")
    env = common.server_env(var_dir, DB_URL)
    proc = None
    started = time.monotonic()
    try:
        log(f"recreating database {DB_NAME}")
        pg = recreate_database(DB_URL)
        log("migrate, load_master_data")
        manage(env, "migrate", "--noinput")
        master = manage(env, "load_master_data").strip()
        log("seeding (about two minutes)")
        seeded = bench_script(env, "seed")
        log(f"seeded {seeded['families']} families, {seeded['members']} members, {seeded['offices']} offices in "
            f"{seeded['seconds']} s; vault: store() {seeded['vault']['one_by_one_store']['rows_per_s']} rows/s, "
            f"bulk {seeded['vault']['bulk']['rows_per_s']} rows/s")
        port = free_port()
        proc = start_gunicorn(env, port, Path(var_dir) / "gunicorn.log")
        log(f"gunicorn pid {proc.pid} on 127.0.0.1:{port}, {WORKERS} workers")
        jars = logged_in_sessions(port, seeded["big_office"]["ddo_username"], max(CONCURRENCY, WORKERS) + 1)
        checks = sanity_check(port, seeded, jars[-1])
        results = scenarios(port, proc.pid, seeded, jars)
        first_pending = seeded["big_pending"][0]["employee_id"]
        explain = summarise_explain(bench_script(
            env, "explain", "/office/families/", f"/office/families/?q={first_pending}",
            "/office/families/?q=Sunita",  # a name search (a common name: ~5 % of the seeded women)
            f"/office/families/?page={-(-seeded['big_office']['pending'] // PAGE_SIZE)}",
        )) if EXPLAIN else {}
        register_breakdown = bench_script(env, "register-explain", seeded["big_office"]["code"]) if EXPLAIN else {}
        queue_split = bench_script(env, "queue-split") if EXPLAIN else {}
        # Bulk verification: first the in-process breakdown (rolled back, so it needs no
        # families of its own), then over HTTP on the next sets of 500 oldest waiting families.
        bulk_breakdown = bench_script(env, "bulk-explain", str(BULK_SIZE)) if EXPLAIN else {}
        pending = [f["number"] for f in seeded["big_pending"]]
        sets = [pending[i * BULK_SIZE:(i + 1) * BULK_SIZE] for i in range(BULK_EAGER_REPEAT + BULK_REPEAT)]
        sets = [numbers for numbers in sets if len(numbers) == BULK_SIZE]
        bulk = bulk_verify(port, proc.pid, seeded, jars[-1], sets[:BULK_EAGER_REPEAT], "eager")
        stop_gunicorn(proc)
        server_log = (Path(var_dir) / "gunicorn.log").read_text(errors="replace")
        # The same server with CELERY_EAGER=false: after the commit each SMS is handed to the
        # broker (Celery's in-memory transport here: nothing is sent; in production a worker
        # sends them), as in production. The log-ins are sessions in the database: still valid.
        broker_env = {**env, "CELERY_EAGER": "false", "CELERY_BROKER_URL": "memory://"}
        proc = start_gunicorn(broker_env, port, Path(var_dir) / "gunicorn-broker.log")
        log(f"gunicorn pid {proc.pid} with CELERY_EAGER=false for bulk verification")
        bulk += bulk_verify(port, proc.pid, seeded, jars[-1], sets[BULK_EAGER_REPEAT:], "broker")
        stop_gunicorn(proc)
        server_log += (Path(var_dir) / "gunicorn-broker.log").read_text(errors="replace")
        after = bench_script(env, "counts")
        drafts = after["families_by_status"]["draft"] - seeded["families_by_status"]["draft"]
        checks["drafts_created"] = drafts
        checks["drafts_match_register_successes"] = drafts == results["register"]["created_total"]
        checks["verified_increase_matches_bulk"] = (after["families_by_status"]["verified"]
                                                    - seeded["families_by_status"]["verified"]
                                                    == sum(r["checks"]["selected_now_verified"] for r in bulk))
        checks["server_log_tail"] = server_log[-1500:]
        ratios, targets = evaluate(results, bulk)
        now = datetime.datetime.now(datetime.UTC)
        cpus = [r["cpu"] for r in results.values()] + [b["cpu"] for b in bulk]
        report = {
            "benchmark": "enrolment",
            "timestamp": now.isoformat(timespec="seconds"),
            "date": now.date().isoformat(),
            "machine": {**machine_facts(pg), "cores_busy_before_start": idle_busy},
            "config": {
                "seconds": SECONDS, "warmup_seconds": WARMUP, "concurrency": CONCURRENCY,
                "gunicorn_workers": WORKERS, "gunicorn_threads": 1, "gunicorn_worker_class": "sync",
                "db_conn_max_age": int(DB_CONN_MAX_AGE), "database": DB_NAME,
                "sms_backend": "demo", "celery_eager": True, "debug": False, "bare_view": "/healthz",
                "bulk_verify": "POST /office/families/bulk-verify/ with the next 500 oldest waiting numbers of the big "
                               "office; 'eager': CELERY_EAGER=true (SMS delivered in the request); 'broker': the same "
                               "server restarted with CELERY_EAGER=false, CELERY_BROKER_URL=memory:// (SMS handed to "
                               "Celery after the commit, as in production)",
                "register": "POST /gateway/new/<office code, in turn>/employee/, new Aadhaar, token and session each",
                "queue": f"GET /office/families/ as {seeded['big_office']['ddo_username']} "
                         f"(office {seeded['big_office']['code']})",
                "queue_filter": "?q=<employee ID of each waiting family of the big office in turn>",
                "page_size": PAGE_SIZE, "bulk_size": BULK_SIZE, "bulk_repeat": BULK_REPEAT,
            },
            "rows": {"master_data": master,
                     "seeded": {k: v for k, v in seeded.items() if k not in ("big_pending", "office_codes",
                                                                           "pay_level_pks")},
                     "after_run": after},
            "scenarios": results,
            "bulk_verify": bulk,
            "ratios": ratios,
            "targets": targets,
            "all_targets_met": all(t["pass"] for t in targets.values() if not t.get("informational")),
            "interference_max_other_cores": max((c["other_cores"] or 0) for c in cpus),
            "checks": checks,
            "queue_queries": explain,
            "queue_page_split": queue_split,
            "register_breakdown": register_breakdown,
            "bulk_verify_breakdown": bulk_breakdown,
            "total_seconds": round(time.monotonic() - started, 1),
        }
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print_summary(report)
    finally:
        stop_gunicorn(proc)
        if KEEP_DB:
            log(f"kept database {DB_NAME} and {var_dir} (BENCH_KEEP_DB)")
        else:
            try:
                drop_database(DB_URL)
                log(f"dropped database {DB_NAME}")
            except psycopg.Error as exc:
                log(f"could not drop the benchmark database: {exc}")
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
