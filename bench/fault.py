"""Load and fault test (issue 7): a bounded load on loopback while the Celery worker, Redis
and the SMS gateway are SIGKILLed and restarted; afterwards every registration, SMS and
print job is counted: none lost, none duplicated. `make bench-fault`. Docs: docs/fault-test.md.

    .venv/bin/python bench/fault.py      # the whole run (about 4 minutes)

bench/fault_load.py: the processes and the browsers; bench/fault_django.py: the Django side
(seed facts, the drain, the counts); bench/fake_sms_gateway.py: the gateway.

Environment (all optional):
    BENCH_FAULT_DATABASE_URL  postgres://postgres@127.0.0.1:5432/portal_bench_fault  (dropped and recreated)
    BENCH_FAULT_FAMILIES      3000   seeded population (generate_population --families)
    BENCH_FAULT_REGISTRATIONS 40     Employee Gateway registrations made during the load
    BENCH_FAULT_CLIENTS       4      registering browsers at a time
    BENCH_FAULT_REDIS_PORT    56400  the private Redis (broker); the gateway takes the next port
    BENCH_FAULT_GATEWAY_DELAY 0.05   seconds the fake gateway holds each reply (after logging it)
    BENCH_FAULT_REAL_WAIT     unset  1: the drain waits the real 5 minutes for stale claims (60 s) and
                                     leases instead of running the beat's sweeps with the clock
                                     moved forward
    BENCH_FAULT_OUTPUT        bench/results/fault.json
    BENCH_KEEP_DB             unset  1 keeps the database and the temporary directory
"""

import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import ROOT, log  # noqa: E402
from fault_load import PASSWORD, Gateway, Load, Services  # noqa: E402


# Seconds after the load starts: (action, what). Each fault lands on work in flight: the
# worker dies while producing a batch ("batch" starts one and waits for its answer,
# "when_printing" waits until its first parts are committed) and while sending SMS (the
# gateway holds each reply), Redis dies with messages waiting in it, the gateway dies with
# the worker talking to it ("when_gateway_took" waits, up to 10 s, for the gateway to log a
# request, so the kill lands while it holds its reply). A late step runs as soon as the one
# before it is done.
SCHEDULE = [
    (5.0, "when_gateway_took", None), (5.0, "kill", "worker"), (8.0, "start", "worker"),
    (11.0, "batch", 50), (11.0, "when_printing", None), (11.0, "kill", "worker"), (15.0, "start", "worker"),
    (20.0, "kill", "redis"), (26.0, "start", "redis"),
    (30.0, "kill", "gateway"), (36.0, "start", "gateway"),
    (40.0, "batch", 400), (40.0, "when_printing", None), (40.0, "kill", "worker"), (44.0, "start", "worker"),
    (50.0, "kill", "redis"), (50.5, "kill", "worker"), (55.0, "start", "redis"), (56.0, "start", "worker"),
    (60.0, "kill", "gateway"), (60.3, "kill", "worker"), (64.0, "start", "gateway"), (65.0, "start", "worker"),
]


def wait_until_gateway_takes(log_path: Path, seconds: float = 10.0) -> str:
    """Until the gateway has logged a new request: it now holds its reply for a while, and a
    worker killed in that window has had its SMS accepted without recording it."""
    size = log_path.stat().st_size if log_path.exists() else 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log_path.exists() and log_path.stat().st_size > size:
            return "the gateway took a request"
        time.sleep(0.002)
    return "the gateway took no request in 10 s"


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
        info = common.bench_script(env, "fault_django.py", "seed-info")
        messages_before = common.bench_script(env, "fault_django.py", "max-message")["max"]
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
            elif action == "when_gateway_took":
                services.note(wait_until_gateway_takes(tmp / "gateway.jsonl"), "load")
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
            state = common.bench_script(env, "fault_django.py", "state")
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
                ahead = 330 * round_number  # past stale claims (60 s) and batch leases (5 minutes), and the backoff
            args_file.write_text(json.dumps({"ahead": ahead}))
            swept = common.bench_script(drain_env, "fault_django.py", "drain", str(args_file))
            state = common.bench_script(env, "fault_django.py", "state")
            sweeps.append({"round": round_number, "clock_ahead_s": ahead, **swept, "after": state})
            services.note(f"sweep round {round_number}: {swept} -> {state}", "load")
            if set(state["messages"]) <= {"sent", "expired"} and not state["unfinished_batches"]:
                break

        args_file.write_text(json.dumps({
            "registrations": load.registrations, "verified": load.verified, "batches": load.batches,
            "gateway_log": str(tmp / "gateway.jsonl"), "messages_before": messages_before}))
        checks = common.bench_script(env, "fault_django.py", "check", str(args_file))
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
    main()
