"""State-scale benchmark suite: every important page and API under gunicorn + a Celery worker
on Redis, against PostgreSQL holding a synthetic population (`make bench`).

1. Drops and creates a throw-away database (its name must contain "bench"), migrates it, loads
   the master data and runs `manage.py generate_population --scale $BENCH_SCALE`.
2. bench/seed_suite.py picks the users, sessions, search terms and scopes, and freezes the
   ended fortnights as the hourly task would.
3. Starts a Redis server of its own on a free port (or uses BENCH_REDIS_URL), a Celery worker
   against it and gunicorn, both with CELERY_EAGER=false: SMS, the outbox and print batches go
   through the broker as in production.
4. Runs each scenario with BENCH_CONCURRENCY (50) clients in a closed loop (common.run_scenario),
   plus the yardsticks measured in the same run: the bare view /healthz and plain SQL counts;
   then every scenario again as 50 users who each pause about BENCH_THINK_SECONDS after each
   page (the p95 targets are judged on this pass; docs/benchmarks.md says why).
   Then bulk verification over HTTP and one print batch produced by the Celery worker.
5. Writes bench/results/suite.json and suite.md (bench/suite_report.py) and prints the summary.

Environment (all optional; BENCH_WARMUP, BENCH_WORKERS, BENCH_DB_CONN_MAX_AGE, BENCH_KEEP_DB as
in bench/common.py):
    BENCH_SUITE_DATABASE_URL  postgres://postgres@127.0.0.1:5432/portal_bench_suite (dropped!)
    BENCH_SCALE               1/200   generate_population --scale (state = the whole state)
    BENCH_GENERATE_ARGS       ""      more arguments for generate_population (e.g. "--workers 2")
    BENCH_CONCURRENCY         50      client connections per scenario
    BENCH_SECONDS             10      measured seconds per scenario
    BENCH_REDIS_URL           unset   use this Redis instead of starting one (it is not flushed)
    BENCH_CELERY_CONCURRENCY  1       Celery worker processes
    BENCH_BULK_SIZE / BENCH_BULK_REPEAT  500 / 2   families per bulk verification, and how many
    BENCH_BATCH_CARDS         2000    cards in the print batch (fewer if fewer are ready)
    BENCH_SUITE_OUTPUT        bench/results/suite.json (suite.md beside it)
    BENCH_THINK_SECONDS       1       mean pause of a user between pages in the second pass (0: no second pass)
    BENCH_REUSE_DB            unset   1: use the database as it is (made by an earlier run with BENCH_KEEP_DB=1
                                      or by generate_population): migrate it, skip the drop and the generation
    BENCH_VAR_DIR             unset   the var directory (vault key) that database was made with; needed with
                                      BENCH_REUSE_DB, and never removed
"""

import datetime
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

# The suite's defaults differ from the single-concept benchmarks': set before common reads them.
os.environ.setdefault("BENCH_CONCURRENCY", "50")
os.environ.setdefault("BENCH_SECONDS", "10")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # re-runs this script with the venv's Python if psycopg is missing
import suite_report
from common import CONCURRENCY, KEEP_DB, ROOT, WORKERS, Client, CpuMonitor, _admin_url, _proc_stat, log, psycopg

sys.path.insert(0, str(ROOT))
from portal.checkdigit import verhoeff_digit  # pure Python, no Django

DB_URL = os.environ.get("BENCH_SUITE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_suite")
DB_NAME = _admin_url(DB_URL)[1]
SCALE = os.environ.get("BENCH_SCALE", "1/200")
GENERATE_ARGS = shlex.split(os.environ.get("BENCH_GENERATE_ARGS", ""))
OUTPUT = Path(os.environ.get("BENCH_SUITE_OUTPUT", str(ROOT / "bench" / "results" / "suite.json")))
CELERY_CONCURRENCY = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "1"))
BULK_SIZE = int(os.environ.get("BENCH_BULK_SIZE", "500"))
BULK_REPEAT = int(os.environ.get("BENCH_BULK_REPEAT", "2"))
BATCH_CARDS = int(os.environ.get("BENCH_BATCH_CARDS", "2000"))
THINK = float(os.environ.get("BENCH_THINK_SECONDS", "1"))
REUSE_DB = os.environ.get("BENCH_REUSE_DB", "") not in ("", "0", "false", "no")
VAR_DIR = os.environ.get("BENCH_VAR_DIR", "")
PASSWORD = "Bench-Suite-Officer-2026"
FAMILY_RE = r"/gateway/EN\d{10}/$"


def aadhaar(n: int) -> str:
    """Synthetic like the generator's (which uses 999/998 + serial): 90 + serial, valid check digit."""
    body = f"90{n:09d}"
    return body + verhoeff_digit(body)


# --- processes: Redis, Celery --------------------------------------------------------------

def start_redis(var_dir: str) -> tuple[subprocess.Popen | None, str]:
    if os.environ.get("BENCH_REDIS_URL"):
        return None, os.environ["BENCH_REDIS_URL"]
    binary = shutil.which("redis-server")
    if not binary:
        sys.exit("redis-server not found (apt-get install redis-server) and BENCH_REDIS_URL not set")
    port = common.free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", var_dir], stdout=open(Path(var_dir) / "redis.log", "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with common.socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("redis-server did not answer PING")


def start_celery(env: dict, logfile: Path) -> subprocess.Popen:
    celery = Path(sys.executable).parent / "celery"
    command = [str(celery if celery.exists() else shutil.which("celery")), "-A", "portal", "worker", "-l", "info",
               "-c", str(CELERY_CONCURRENCY), "--pool", "prefork", "-n", f"suite-{os.getpid()}@%h", "--without-gossip",
               "--without-mingle"]
    with open(logfile, "wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"celery exited with {proc.returncode}:\n{logfile.read_text(errors='replace')[-3000:]}")
        if " ready." in logfile.read_text(errors="replace"):
            return proc
        time.sleep(0.3)
    proc.kill()
    sys.exit(f"celery worker not ready within 60 s:\n{logfile.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its live children and its reaped children (Celery's pool)."""
    stat = _proc_stat(pid)
    if stat is None:
        return 0.0
    total = stat[2] + stat[3]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            child = _proc_stat(int(entry.name))
            if child and child[1] == pid:
                total += child[2]
    return total


# --- scenarios ------------------------------------------------------------------------------

class Runner:
    def __init__(self, port: int, gunicorn_pid: int, celery_pid: int, env: dict):
        self.port, self.gunicorn_pid, self.celery_pid = port, gunicorn_pid, celery_pid
        self.env = env  # the servers' environment, for bench/seed_suite.py
        self.results: dict[str, dict] = {}  # closed loop
        self.paced: dict[str, dict] = {}  # users who pause `think` seconds between pages
        self.think = 0.0
        self.primed: dict = {}

    def run(self, name: str, setup, step, concurrency: int | None = None, **info) -> dict:
        def bilingual(client, i):
            setup(client, i)
            if i % 2:  # half the clients read the portal in English, half in Hindi (the default)
                client.cookies["portal_language"] = "en"

        c0, t0 = tree_cpu(self.celery_pid), time.perf_counter()
        result = common.run_scenario(name + (" paced" if self.think else ""), self.port, self.gunicorn_pid, bilingual,
                                     step, concurrency, database=DB_NAME, think=self.think)
        self._add_cpu(result, c0, t0)
        result.update(info)
        (self.paced if self.think else self.results)[name] = result
        return result

    def _add_cpu(self, result: dict, c0: float, t0: float) -> None:
        # Celery's CPU over warm-up + measurement (the worker is not in CpuMonitor's groups).
        cpu = result["cpu"]
        cpu["celery_cores"] = round((tree_cpu(self.celery_pid) - c0) / (time.perf_counter() - t0), 2)
        if cpu["other_cores"] is not None:
            cpu["other_cores_without_celery"] = round(cpu["other_cores"] - cpu["celery_cores"], 2)
        # Requests the server finished while the CPU was measured (slow pages carry many in from the warm-up).
        rps = result["served_in_window"] / result["seconds"] if result.get("seconds") else 0
        # Server-side CPU per request (gunicorn + the database's backends): not inflated by others.
        cpu["server_cpu_ms_per_request"] = round((cpu["gunicorn_cores"] + cpu["postgres_cores"]) / rps * 1000, 2) \
            if rps else None
        # gunicorn alone: postgres_cores may include other databases' short-lived backends on a shared server.
        cpu["gunicorn_cpu_ms_per_request"] = round(cpu["gunicorn_cores"] / rps * 1000, 2) if rps else None


def sql_scenario(name: str, query: str, params: tuple, connections: int) -> dict:
    """A plain SQL count in a closed loop on `connections` connections (as many as gunicorn has
    workers, each of which holds one database connection): the yardstick for lists and searches."""
    times: list[list[float]] = [[] for _ in range(connections)]
    warm_end = time.perf_counter() + common.WARMUP + 0.5
    end = warm_end + common.SECONDS
    barrier = threading.Barrier(connections)
    errors: list[str] = []

    def worker(i):
        with psycopg.connect(DB_URL, autocommit=True) as conn:
            barrier.wait()
            while (t := time.perf_counter()) < end:
                try:
                    conn.execute(query, params).fetchone()
                except psycopg.Error as exc:
                    errors.append(repr(exc)[:200])
                    continue
                if t >= warm_end:
                    times[i].append(time.perf_counter() - t)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    while time.perf_counter() < warm_end:
        time.sleep(0.01)
    monitor = CpuMonitor(-1, DB_NAME)
    monitor.start()
    for t in threads:
        t.join()
    cpu = monitor.stop()
    ms = sorted(x * 1000 for per in times for x in per)
    seconds = time.perf_counter() - warm_end
    result = {"sql": query, "requests": len(ms), "ok": len(ms), "errors": len(errors), "error_samples": errors[:3],
              "seconds": round(seconds, 3), "rps": round(len(ms) / seconds, 1), "concurrency": connections,
              "latency_ms": {k: round(common.percentile(ms, p), 3) if ms else None
                             for k, p in (("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99))},
              "cpu": cpu}
    log(f"{name:<16} {result['rps']:>8.1f} q/s    p50 {result['latency_ms']['p50']} ms  p95 {result['latency_ms']['p95']} ms")
    return result


def with_session(jars: list[str]):
    def setup(client, i):
        client.cookies["sessionid"] = jars[i % len(jars)]
    return setup


def get_step(paths, marker: bytes | None = b"<table", expect=None):
    """GET the next of `paths` (a list, gone round in turn); success: 200 and the marker (or,
    with `expect`, the term searched for: the row was found)."""
    counter = itertools.count()

    def step(client, i):
        n = next(counter)
        path = paths[n % len(paths)]
        status, headers, body = client.request("GET", path)
        if status != 200:
            return f"GET {path}: {status} -> {headers.get('location', '')}"
        if expect is not None and expect[n % len(expect)].encode() not in body:
            return f"GET {path}: 200 without {expect[n % len(expect)]!r}"
        if marker is not None and marker not in body:
            return f"GET {path}: 200 without {marker!r}"
        return None
    return step


DEVANAGARI_DIGITS = str.maketrans("0123456789", "०१२३४५६७८९")


def q(path: str, terms: list[str], limit: int = 400, devanagari: bool = False) -> list[str]:
    """Search paths; with `devanagari`, every second term is typed with Devanagari digits."""
    return [f"{path}?q={urllib.parse.quote(t.translate(DEVANAGARI_DIGITS) if devanagari and n % 2 else t)}"
            for n, t in enumerate(terms[:limit])]


def prime_kept_count(r: Runner, jars: list[str]) -> dict:
    """Every gunicorn worker holds a state-wide count before the dashboards are measured, as
    on a server that has been running: WORKERS requests at once, so that each sync worker
    takes one (a busy worker accepts no other). At state scale that first count takes
    seconds; afterwards a dashboard picks from it, and once it expires the Celery worker
    counts it again for every process (shared through Redis; docs/reports.md).

    First what beat would have run in the minute before (seed_suite.py keep_counts): in the
    paced pass the closed loop's count has expired long since, and the priming requests would
    otherwise only ask the worker to count it again, during the measured window."""
    beat = common.bench_script(r.env, "seed_suite.py", "keep_counts")
    done: list[tuple[int, float]] = []

    def one(i: int) -> None:
        client = Client(r.port)
        client.cookies["sessionid"] = jars[i % len(jars)]
        t0 = time.perf_counter()
        status, _, _ = client.request("GET", "/reports/state/")
        done.append((status, round(time.perf_counter() - t0, 2)))
        client.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = {"beat": beat, "requests": len(done), "statuses": [d[0] for d in done], "seconds": [d[1] for d in done]}
    log(f"kept count primed in each worker: {result['seconds']} s (beat's count before: {beat})")
    return result


def scenarios(r: Runner, prep: dict) -> None:
    s, terms = prep["sessions"], prep["search"]
    ddo, state, district, bene = (with_session(s[k]) for k in ("ddo", "state", "district", "beneficiary"))
    none = lambda client, i: None  # noqa: E731
    serial = itertools.count(1_000_000)
    tokens: dict[int, str] = {}
    codes, pay_levels = prep["register_offices"], prep["pay_levels"]

    def register_setup(client, i):
        tokens[i] = client.csrf_token(f"/gateway/new/{codes[i % len(codes)]}/employee/")

    def register_step(client, i):
        while (number := aadhaar(next(serial))) == number[::-1]:
            pass
        n = int(number[2:11])
        client.cookies.pop("sessionid", None)  # every registration is a new visitor
        status, headers, _ = client.request("POST", f"/gateway/new/{codes[n % len(codes)]}/employee/", {
            "csrfmiddlewaretoken": tokens[i], "name_en": "Sunita Devi", "name_hi": "सुनीता देवी",
            "guardian_name": "Ramesh Kumar", "date_of_birth": "1984-05-17", "gender": "female", "aadhaar": number,
            "mobile": f"7{n:09d}", "email": f"suite{n}@example.com", "address": "12 Hazratganj, Lucknow",
            "employee_id": f"SUITE{n}", "designation": "Staff Nurse", "date_of_joining": "2008-07-01",
            "pay_level": pay_levels[n % len(pay_levels)], "submit_token": str(uuid.uuid4())})
        if status == 302 and re.search(FAMILY_RE, headers.get("location", "")):
            return None
        return f"register {status} -> {headers.get('location', '')}"

    selfprint_cards = prep["selfprint_cards"]
    selfprint_tokens: dict[int, str] = {}

    def selfprint_setup(client, i):
        bene(client, i)
        selfprint_tokens[i] = client.csrf_token("/my/cards/")

    def selfprint_step(client, i):
        status, headers, body = client.request("POST", "/my/cards/print/", {
            "csrfmiddlewaretoken": selfprint_tokens[i], "card": selfprint_cards[i % len(selfprint_cards)],
            "layout": "card"})
        return None if status == 200 and body.startswith(b"%PDF") else f"self-print {status} -> {headers.get('location')}"

    d, of, last = prep["scopes"]["district"], prep["scopes"]["office"], prep["last_fortnight"]
    closed_loop = not r.think  # the yardsticks are measured once, in the closed loop
    if closed_loop:
        r.run("bare", none, get_step(["/healthz"], b"ok"), kind="yardstick")
        r.results["sql_count_state"] = sql_scenario("sql_count_state", "SELECT count(*) FROM enrolment_family", (),
                                                    WORKERS)
        r.results["sql_count_queue"] = sql_scenario(
            "sql_count_queue", "SELECT count(*) FROM enrolment_family WHERE office_id = %s "
            "AND status IN ('submitted', 'resubmitted')", (prep["big_office"]["pk"],), WORKERS)
    r.run("register", register_setup, register_step, kind="interactive", what="POST /gateway/new/<office>/employee/")
    r.run("ddo_queue", ddo, get_step(["/office/families/"], b'name="number"'), kind="interactive",
          what="GET /office/families/ (the DDO with the most waiting)")
    r.run("search_ddo_employee_id", ddo, get_step(q("/office/families/", terms["employee_id"], devanagari=True), None,
                                                  terms["employee_id"][:400]), kind="search", what="DDO queue ?q=<employee ID>")
    r.run("search_ddo_mobile", ddo, get_step(q("/office/families/", terms["mobile"], devanagari=True), b'name="number"'),
          kind="search", what="DDO queue ?q=<mobile>")
    r.run("search_ddo_name_en", ddo, get_step(q("/office/families/", terms["name_en"]), None, terms["name_en"][:400]),
          kind="search", what="DDO queue ?q=<given name, English>")
    r.run("search_ddo_name_hi", ddo, get_step(q("/office/families/", terms["name_hi"]), None, terms["name_hi"][:400]),
          kind="search", what="DDO queue ?q=<surname, Hindi>")
    r.run("cards_list", ddo, get_step(["/cards/"]), kind="interactive", what="GET /cards/ (the DDO's cards)")
    r.run("search_cards_number", ddo, get_step(q("/cards/", terms["card_number"], devanagari=True), None, terms["card_number"][:400]),
          kind="search", what="cards list ?q=<card number>, DDO")
    r.run("search_cards_name_en", ddo, get_step(q("/cards/", terms["card_name_en"]), None, terms["card_name_en"][:400]),
          kind="search", what="cards list ?q=<given name, English>, DDO")
    r.run("search_cards_name_hi", ddo, get_step(q("/cards/", terms["card_name_hi"]), None, terms["card_name_hi"][:400]),
          kind="search", what="cards list ?q=<surname, Hindi>, DDO")
    r.run("search_cards_name_en_state", state, get_step(q("/cards/", terms["card_name_en"]), None,
                                                        terms["card_name_en"][:400]),
          kind="search", what="cards list ?q=<given name, English>, state cell (every card in the state)")
    r.run("search_cards_name_hi_state", state, get_step(q("/cards/", terms["card_name_hi"]), None,
                                                        terms["card_name_hi"][:400]),
          kind="search", what="cards list ?q=<surname, Hindi>, state cell (every card in the state)")
    r.run("verify_card", state, get_step(q("/cards/verify/", terms["verify_number"]), None,
                                         terms["verify_number"][:400]),
          kind="search", what="GET /cards/verify/?q=<card number>, state cell (any card)")
    r.run("selfprint", selfprint_setup, selfprint_step, kind="interactive",
          what="POST /my/cards/print/ one card at card size, each client its own beneficiary")
    # Primed in both passes: with Celery beat (not run here) the count a dashboard asked for
    # within the hour is kept fresh, and the paced pass comes long after the closed loop's.
    r.primed[("paced" if r.think else "closed_loop")] = prime_kept_count(r, s["state"])
    r.run("dashboard_state", state, get_step(["/reports/state/"], b"<svg"), kind="interactive", what="GET /reports/state/")
    r.run("dashboard_district", district, get_step([f"/reports/{d}/"], b"<svg"), kind="interactive",
          what=f"GET /reports/{d}/ (district officer)")
    r.run("dashboard_ddo", ddo, get_step([f"/reports/{of}/"], b"<svg"), kind="interactive",
          what=f"GET /reports/{of}/ (the DDO)")
    r.run("report_state", state, get_step(["/reports/state/fortnight/"], b'class="report"'), kind="interactive",
          what=f"GET /reports/state/fortnight/ (last ended fortnight {last})")
    r.run("report_district", district, get_step([f"/reports/{d}/fortnight/"], b'class="report"'), kind="interactive",
          what=f"GET /reports/{d}/fortnight/")
    if closed_loop:
        r.run("bare_end", none, get_step(["/healthz"], b"ok"), kind="yardstick")


def sql_one(query: str, params=()) -> tuple:
    with psycopg.connect(DB_URL) as conn:
        return conn.execute(query, params).fetchone()


def bulk_verify(r: Runner, prep: dict) -> list[dict]:
    """POST /office/families/bulk-verify/ with the next BULK_SIZE oldest waiting families, one
    at a time (a DDO's single action, not a load), timed to the 302; then waits for the Celery
    worker to send the SMS and checks every family was verified once and got one SMS."""
    numbers = prep["pending_numbers"]
    size = min(BULK_SIZE, max(1, len(numbers) // max(BULK_REPEAT, 1)))
    runs = []
    for rep in range(BULK_REPEAT):
        chunk = numbers[rep * size:(rep + 1) * size]
        if not chunk:
            break
        client = Client(r.port)
        client.cookies["sessionid"] = prep["sessions"]["ddo"][0]
        token = client.csrf_token("/office/families/")
        m0 = sql_one("SELECT COALESCE(MAX(id), 0) FROM notify_message")[0]
        c0 = tree_cpu(r.celery_pid)
        monitor = CpuMonitor(r.gunicorn_pid, DB_NAME)
        monitor.start()
        t0 = time.perf_counter()
        status, headers, _ = client.request("POST", "/office/families/bulk-verify/",
                                            {"csrfmiddlewaretoken": token, "number": chunk})
        seconds = time.perf_counter() - t0
        cpu = monitor.stop()
        client.close()
        placeholders = ",".join(["%s"] * len(chunk))
        deadline, sent = time.monotonic() + 120, 0
        while time.monotonic() < deadline:  # the worker sends them after the commit
            sent = sql_one("SELECT count(*) FROM notify_message WHERE id > %s AND template = 'family_verified' "
                           "AND status = 'sent'", (m0,))[0]
            if sent >= len(chunk):
                break
            time.sleep(0.25)
        sms_done_s = time.perf_counter() - t0
        verified = sql_one(f"SELECT count(*) FROM enrolment_family WHERE number IN ({placeholders}) "
                           "AND status = 'verified' AND user_id IS NOT NULL", tuple(chunk))[0]
        sms = sql_one("SELECT count(*) FROM notify_message WHERE id > %s AND template = 'family_verified'", (m0,))[0]
        run = {"families": len(chunk), "status": status, "location": headers.get("location", ""),
               "seconds": round(seconds, 3), "sms_all_sent_after_seconds": round(sms_done_s, 2),
               "verified": verified, "sms_made": sms, "sms_sent": sent,
               "correct": status == 302 and verified == len(chunk) and sms == len(chunk) and sent == len(chunk),
               "cpu": {**cpu, "celery_cpu_seconds": round(tree_cpu(r.celery_pid) - c0, 2)}}
        log(f"bulk verify {len(chunk)}: {run['seconds']} s, SMS all sent after {run['sms_all_sent_after_seconds']} s, "
            f"correct {run['correct']}")
        runs.append(run)
    return runs


def print_batch(r: Runner, env: dict, prep: dict) -> dict:
    """One print batch started as the state cell does (bench/seed_suite.py batch), produced by
    the Celery worker through Redis; faces per second of wall time and per CPU-second of the
    worker (= per core), counted from the moment the worker starts the batch ("running").

    Before that the worker may first run the issue sweep the batch enqueued for the families
    verified just before (the bulk verification's): issuing cards, not printing them. That
    work is reported apart (`before_running`), not billed to the batch; with one worker
    process nothing else runs while the batch does."""
    limit = min(BATCH_CARDS, prep["cards_ready"]) if prep["cards_ready"] else 0
    if not limit:
        return {"skipped": "no card ready to print in the population"}
    c0 = tree_cpu(r.celery_pid)
    t0 = time.perf_counter()
    made = common.bench_script(env, "seed_suite.py", "batch", str(limit))
    created = time.perf_counter()
    status, done, started = "queued", 0, None
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        status, done, total = sql_one("SELECT status, done, total FROM cards_printbatch WHERE id = %s", (made["pk"],))
        if started is None and status != "queued":
            started = (time.perf_counter(), tree_cpu(r.celery_pid))
        if status in ("done", "failed", "cancelled"):
            break
        time.sleep(0.1 if started is None else 0.5)
    end, c_end = time.perf_counter(), tree_cpu(r.celery_pid)
    s_wall, s_cpu = started or (created, c0)
    wall, cpu = end - s_wall, c_end - s_cpu
    result = {**made, "status": status, "done_faces": done, "wall_seconds": round(wall, 2),
              "celery_cpu_seconds": round(cpu, 2), "faces_per_second_wall": round(done / wall, 1) if wall else None,
              "faces_per_cpu_second": round(done / cpu, 1) if cpu else None, "celery_concurrency": CELERY_CONCURRENCY,
              "before_running": {"create_request_seconds": round(created - t0, 2),
                                 "queued_seconds": round(s_wall - created, 2),
                                 "worker_cpu_seconds": round(s_cpu - c0, 2)}}
    log(f"print batch {made['number']}: {done} faces, {result['faces_per_second_wall']} faces/s wall, "
        f"{result['faces_per_cpu_second']} per CPU-second, {status}; before it ran: {result['before_running']}")
    return result


# --- main ---------------------------------------------------------------------------------

def main() -> None:
    idle_busy = common.machine_busy()
    if idle_busy is not None and idle_busy > 0.3:
        log(f"warning: {idle_busy} cores already busy before the suite starts: the numbers will be low")
    if REUSE_DB and not VAR_DIR:
        sys.exit("BENCH_REUSE_DB needs BENCH_VAR_DIR: the vault key the database was made with")
    var_dir = VAR_DIR or tempfile.mkdtemp(prefix="portal-bench-suite-")
    env = common.server_env(var_dir, DB_URL)
    procs: dict[str, subprocess.Popen | None] = {"gunicorn": None, "celery": None, "redis": None}
    started = time.monotonic()
    try:
        if REUSE_DB:
            log(f"reusing database {DB_NAME} as it is (BENCH_REUSE_DB)")
            pg = common.database_facts(DB_URL)
            common.manage(env, "migrate", "--noinput")
            master, generated, generate_s = "reused", "reused database: not generated in this run", None
        else:
            log(f"recreating database {DB_NAME}")
            pg = common.recreate_database(DB_URL)
            common.manage(env, "migrate", "--noinput")
            master = common.manage(env, "load_master_data").strip()
            log(f"generate_population --scale {SCALE} {' '.join(GENERATE_ARGS)}")
            t0 = time.monotonic()
            generated = common.manage(env, "generate_population", "--scale", SCALE, "--password", PASSWORD,
                                      *GENERATE_ARGS)
            generate_s = round(time.monotonic() - t0, 1)
            log(f"generated in {generate_s} s")
        prep = common.bench_script(env, "seed_suite.py", "prepare", str(CONCURRENCY))
        log(f"prepared: big office {prep['big_office']}, {prep['cards_ready']} cards ready to print, "
            f"{prep['freeze_due']['snapshots']} snapshots frozen in {prep['freeze_due']['seconds']} s")

        procs["redis"], redis_url = start_redis(var_dir)
        env.update({"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "CELERY_EAGER": "false"})
        procs["celery"] = start_celery(env, Path(var_dir) / "celery.log")
        port = common.free_port()
        procs["gunicorn"] = common.start_gunicorn(env, port, Path(var_dir) / "gunicorn.log")
        log(f"gunicorn pid {procs['gunicorn'].pid} on :{port} ({WORKERS} workers), celery pid {procs['celery'].pid}, "
            f"redis {redis_url}")
        runner = Runner(port, procs["gunicorn"].pid, procs["celery"].pid, env)
        before = common.bench_script(env, "seed_suite.py", "counts")
        scenarios(runner, prep)
        if THINK > 0:
            log(f"the same scenarios as {CONCURRENCY} users pausing ~{THINK:g} s between pages")
            runner.think = THINK
            scenarios(runner, prep)
        bulk = bulk_verify(runner, prep)
        batch = print_batch(runner, env, prep)
        busy_after = common.machine_busy(1.0)
        after = common.bench_script(env, "seed_suite.py", "counts")
        registered = sum(run["register"]["ok"] + run["register"]["warmup_ok"]
                         for run in (runner.results, runner.paced) if "register" in run)
        checks = {
            "drafts_created": after["families_by_status"].get("draft", 0) - before["families_by_status"].get("draft", 0),
            "register_successes": registered,
            "messages_left_queued": after["messages_by_status"].get("queued", 0),
            "bulk_verify_all_correct": all(b["correct"] for b in bulk),
            "batch_done": batch.get("status") == "done",
        }
        checks["drafts_match_register_successes"] = checks["drafts_created"] == registered
        now = datetime.datetime.now(datetime.UTC)
        report = {
            "benchmark": "suite",
            "timestamp": now.isoformat(timespec="seconds"),
            "machine": {**common.machine_facts(pg), "cores_busy_before_start": idle_busy,
                        "cores_busy_after_run": busy_after},
            "config": {"scale": SCALE, "generate_args": GENERATE_ARGS, "seconds": common.SECONDS,
                       "warmup_seconds": common.WARMUP, "concurrency": CONCURRENCY, "gunicorn_workers": WORKERS,
                       "gunicorn_worker_class": "sync", "celery_concurrency": CELERY_CONCURRENCY,
                       "celery_eager": False, "think_seconds": THINK, "reused_db": REUSE_DB, "broker": "redis (own server)" if procs["redis"] else redis_url,
                       "sql_connections": WORKERS, "db_conn_max_age": int(common.DB_CONN_MAX_AGE),
                       "database": DB_NAME, "sms_backend": "demo",
                       "languages": "odd-numbered clients English (portal_language=en), even ones Hindi (the default)",
                       "devanagari_digits": "every second term of the employee ID, mobile and card number searches"},
            "population": {"generate_seconds": generate_s, "generate_output_tail": generated.strip().splitlines()[-25:],
                           "master_data": master, "rows": prep["rows"], "big_office": prep["big_office"],
                           "freeze_due": prep["freeze_due"], "cards_ready": prep["cards_ready"]},
            "scenarios": runner.results,
            "paced": runner.paced,
            "kept_count_primed": runner.primed,
            "bulk_verify": bulk,
            "print_batch": batch,
            "counts_before": before, "counts_after": after,
            "checks": checks,
            "total_seconds": round(time.monotonic() - started, 1),
        }
        suite_report.evaluate(report)
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        summary = suite_report.markdown(report)
        OUTPUT.with_suffix(".md").write_text(summary)
        print(summary)
        log(f"written: {OUTPUT} and {OUTPUT.with_suffix('.md')}")
    finally:
        for name in ("gunicorn", "celery", "redis"):
            (common.stop_gunicorn if name == "gunicorn" else stop)(procs[name])
        if KEEP_DB or REUSE_DB:
            log(f"kept database {DB_NAME} and {var_dir} (BENCH_KEEP_DB or BENCH_REUSE_DB)")
        else:
            try:
                common.drop_database(DB_URL)
                log(f"dropped database {DB_NAME}")
            except psycopg.Error as exc:
                log(f"could not drop the benchmark database: {exc}")
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
