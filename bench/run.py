"""DDO/TO benchmark: registration submit and state-cell queue against a bare view.

`make bench` runs this file. It creates a throw-away PostgreSQL database, migrates it,
loads the master data, seeds 10,000 applications waiting with the state cell
(bench/seed.py), starts gunicorn on a free port and drives it with a fixed number of
client threads for a fixed time per scenario:

    bare              GET /healthz: the bare Django view (no database), the yardstick
    register          POST /ddo/register/: step 1 of the officer's registration
    queue             GET /state/ddo/: the state cell's queue, logged in
    queue_filtered    GET /state/ddo/?district=<pk>&age=8-15
    queue_latency     GET /state/ddo/ with one client per gunicorn worker: the p95 target
    queue_filtered_latency  the same with ?district=<pk>&age=8-15
    queue_last_page   GET /state/ddo/?page=<last>  (informational, no target)
    bare_end          GET /healthz again, to see drift during the run

It writes bench/results/ddo.json and prints a summary. Throughput is reported as a
ratio to the bare view measured on the same server in the same run, because the
absolute numbers depend on the machine (and here the load generator shares it).
See bench/README.md and docs/benchmarks.md.

Environment (all optional):
    BENCH_DATABASE_URL   postgres://postgres@127.0.0.1:5432/portal_bench (dropped and recreated!)
    BENCH_SECONDS        15     measured seconds per scenario
    BENCH_WARMUP         2      unmeasured seconds before each scenario
    BENCH_CONCURRENCY    8      client threads, one keep-alive connection each
    BENCH_WORKERS        2      gunicorn sync workers (--threads 1)
    BENCH_DB_CONN_MAX_AGE 60    persistent database connections, as in production
    BENCH_KEEP_DB        unset  1 keeps the database (and the temporary directory)
    BENCH_EXPLAIN        1      0 skips EXPLAIN ANALYZE of the queue's queries
    BENCH_OUTPUT         bench/results/ddo.json
    BENCH_PENDING / BENCH_OTHER / BENCH_STATE_PASSWORD / BENCH_SEED: see bench/seed.py
"""

import datetime
import itertools
import json
import math
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

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "1") not in ("", "0", "false", "no")
OUTPUT = Path(os.environ.get("BENCH_OUTPUT", str(ROOT / "bench" / "results" / "ddo.json")))
STATE_PASSWORD = os.environ.get("BENCH_STATE_PASSWORD", "Bench-State-Cell-2026")
PAGE_SIZE = 25  # views_state.queue paginates by 25

TARGET_RATIO = 0.3
TARGET_QUEUE_P95_MS = 100.0

OFFICES_RE = re.compile(r"/ddo/application/DR\d+/offices/$")


def server_env(var_dir: str) -> dict:
    return common.server_env(var_dir, DB_URL)


def bench_script(env: dict, *args: str) -> dict:
    return common.bench_script(env, "seed.py", *args)


def run_scenario(name: str, port: int, gunicorn_pid: int, setup, step, concurrency: int | None = None) -> dict:
    return common.run_scenario(name, port, gunicorn_pid, setup, step, concurrency, database=_admin_url(DB_URL)[1])


# --- scenarios ---------------------------------------------------------------------------

def scenarios(port: int, gunicorn_pid: int, seeded: dict) -> dict:
    username = seeded["state_username"]
    districts = seeded["district_pks"]
    departments = seeded["department_pks"]
    treasury_of = {int(k): v for k, v in seeded["treasury_of_district"].items()}
    codes = itertools.count(1)  # next() on itertools.count is atomic under the GIL
    register_tokens: dict[int, str] = {}
    last_page = max(1, math.ceil(seeded["applications_pending"] / PAGE_SIZE))

    # (a) the bare view
    def bare_setup(client, i):
        pass

    def bare_step(client, i):
        status, _, body = client.request("GET", "/healthz")
        return None if status == 200 and body == b"ok" else f"healthz {status}"

    # (b) registration step 1, each request a new officer (a new DDO code, a new submit token)
    def register_setup(client, i):
        register_tokens[i] = client.csrf_token("/ddo/register/")

    def register_step(client, i):
        n = next(codes)
        district = districts[n % len(districts)]
        client.cookies.pop("sessionid", None)  # every registration is a new visitor
        status, headers, body = client.request("POST", "/ddo/register/", {
            "csrfmiddlewaretoken": register_tokens[i],
            "kind": "ddo",
            "officer_name_en": "Ravi Kumar",
            "officer_name_hi": "रवि कुमार",
            "designation": "Chief Medical Officer",
            "department": departments[n % len(departments)],
            "district": district,
            "treasury": treasury_of.get(district, next(iter(treasury_of.values()))),
            "ddo_code": f"{80000000 + n}",
            "mobile": f"8{n:09d}",
            "mobile_kind": "cug",
            "email": f"bench{n}@example.in",
            "controlling_officer_name": "Dr A K Singh",
            "controlling_officer_designation": "Additional Director",
            "submit_token": str(uuid.uuid4()),
        })
        if status == 302 and OFFICES_RE.search(headers.get("location", "")):
            return None
        detail = re.sub(r"\s+", " ", body[:4000].decode(errors="replace"))
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,160})', detail)
        return f"register {status} -> {headers.get('location', '')} {errors[:2]}"

    # (c) the state cell's queue, logged in once per thread
    def queue_setup(client, i):
        client.log_in(username, STATE_PASSWORD)

    def page_step(path_for):
        def step(client, i):
            path = path_for(i)
            status, headers, body = client.request("GET", path)
            if status == 200 and b"<table" in body:
                return None
            return f"GET {path}: {status} -> {headers.get('location', '')}"
        return step

    counter = itertools.count()
    results = {}
    results["bare"] = run_scenario("bare", port, gunicorn_pid, bare_setup, bare_step)
    results["register"] = run_scenario("register", port, gunicorn_pid, register_setup, register_step)
    results["queue"] = run_scenario("queue", port, gunicorn_pid, queue_setup, page_step(lambda i: "/state/ddo/"))
    results["queue_filtered"] = run_scenario(
        "queue_filtered", port, gunicorn_pid, queue_setup,
        page_step(lambda i: f"/state/ddo/?district={districts[next(counter) % len(districts)]}&age=8-15"))
    # Latency as one state-cell verifier per gunicorn worker sees it (no request waits in
    # gunicorn's backlog); the 8-client runs above measure throughput.
    results["queue_latency"] = run_scenario("queue_latency", port, gunicorn_pid, queue_setup,
                                            page_step(lambda i: "/state/ddo/"), concurrency=WORKERS)
    results["queue_filtered_latency"] = run_scenario(
        "queue_filtered_latency", port, gunicorn_pid, queue_setup,
        page_step(lambda i: f"/state/ddo/?district={districts[next(counter) % len(districts)]}&age=8-15"),
        concurrency=WORKERS)
    results["queue_last_page"] = run_scenario(
        "queue_last_page", port, gunicorn_pid, queue_setup, page_step(lambda i: f"/state/ddo/?page={last_page}"))
    results["bare_end"] = run_scenario("bare_end", port, gunicorn_pid, bare_setup, bare_step)
    results["register"]["created_total"] = results["register"]["ok"] + results["register"]["warmup_ok"]
    return results


def sanity_check(port: int, seeded: dict) -> dict:
    """Before measuring: the queue shows the seeded count, and a registration goes through."""
    client = Client(port)
    client.log_in(seeded["state_username"], STATE_PASSWORD)
    status, _, body = client.request("GET", "/state/ddo/")
    pending = seeded["applications_pending"]
    shows_count = status == 200 and re.search(rb"\b%d\b" % pending, body) is not None
    client.close()
    if not shows_count:
        sys.exit(f"sanity check failed: GET /state/ddo/ answered {status} without the count {pending}")
    return {"queue_shows_pending_count": pending, "queue_page_bytes": len(body)}


# --- report ------------------------------------------------------------------------------

def evaluate(results: dict) -> tuple[dict, dict]:
    bare_rps = (results["bare"]["rps"] + results["bare_end"]["rps"]) / 2
    ratios = {name: round(results[name]["rps"] / bare_rps, 3) if bare_rps else None
              for name in ("register", "queue", "queue_filtered", "queue_last_page")}
    targets = {}
    for name in ("register", "queue", "queue_filtered"):
        targets[f"{name}_ratio"] = {"value": ratios[name], "target": f">= {TARGET_RATIO}",
                                    "pass": ratios[name] is not None and ratios[name] >= TARGET_RATIO}
    for name in ("queue_latency", "queue_filtered_latency"):
        p95 = results[name]["latency_ms"]["p95"]
        targets[f"{name}_p95_ms"] = {"value": p95, "target": f"<= {TARGET_QUEUE_P95_MS:g}",
                                     "pass": p95 is not None and p95 <= TARGET_QUEUE_P95_MS}
    for name in ("register", "queue", "queue_filtered"):
        targets[f"{name}_no_errors"] = {"value": results[name]["errors"], "target": "== 0",
                                        "pass": results[name]["errors"] == 0}
    return {"bare_rps": round(bare_rps, 1), **ratios}, targets


def print_summary(report: dict) -> None:
    results, ratios = report["scenarios"], report["ratios"]
    print()
    print(f"DDO benchmark, {report['timestamp']}: {report['config']['concurrency']} clients, "
          f"{report['config']['seconds']:g} s each, gunicorn {report['config']['gunicorn_workers']} sync workers, "
          f"{report['machine']['cpu_count']} CPUs, PostgreSQL {report['machine']['postgresql']}")
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
    for name, r in results.items():
        cpu = r["cpu"]
        print(f"{name:<24}{cpu['load_generator_cores']:>9}{cpu['gunicorn_cores']:>9}{cpu['postgres_cores']:>9}"
              f"{cpu['other_cores']!s:>9}{cpu['machine_cores_busy']!s:>9}")
    print()
    for name, t in report["targets"].items():
        print(f"  {'PASS' if t['pass'] else 'FAIL'}  {name:<24} {t['value']!s:>8}  (target {t['target']})")
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
    print(f"\nwritten: {OUTPUT}")


def main() -> None:
    if CONCURRENCY < 1 or SECONDS <= 0:
        sys.exit("BENCH_CONCURRENCY must be >= 1 and BENCH_SECONDS > 0")
    idle_busy = machine_busy()
    if idle_busy is not None and idle_busy > 0.3:
        log(f"warning: {idle_busy} cores are already busy before the benchmark starts; the numbers will be low")
    var_dir = tempfile.mkdtemp(prefix="portal-bench-")
    env = server_env(var_dir)
    proc = None
    started = time.monotonic()
    try:
        log(f"recreating database {_admin_url(DB_URL)[1]}")
        pg = recreate_database(DB_URL)
        log("migrate, load_master_data")
        manage(env, "migrate", "--noinput")
        master = manage(env, "load_master_data").strip()
        log("seeding")
        seeded = bench_script(env, "seed")
        log(f"seeded {seeded['applications_pending']} pending (+{seeded['applications'] - seeded['applications_pending']} "
            f"in other states), {seeded['application_offices']} offices in {seeded['seconds']} s")
        port = free_port()
        proc = start_gunicorn(env, port, Path(var_dir) / "gunicorn.log")
        log(f"gunicorn pid {proc.pid} on 127.0.0.1:{port}, {WORKERS} workers")
        checks = sanity_check(port, seeded)
        results = scenarios(port, proc.pid, seeded)
        stop_gunicorn(proc)
        server_log = (Path(var_dir) / "gunicorn.log").read_text(errors="replace")
        after = bench_script(env, "counts")
        created = after["applications_by_status"]["draft"] - seeded["applications_by_status"]["draft"]
        checks["drafts_created"] = created
        checks["drafts_match_register_successes"] = created == results["register"]["created_total"]
        checks["queue_count_unchanged"] = after["applications_pending"] == seeded["applications_pending"]
        checks["server_log_tail"] = server_log[-1500:]
        explain = summarise_explain(bench_script(env, "explain", "/state/ddo/",
                                                 f"/state/ddo/?district={seeded['filter_district']}&age=8-15",
                                                 f"/state/ddo/?page={math.ceil(seeded['applications_pending'] / PAGE_SIZE)}")
                                    ) if EXPLAIN else {}
        ratios, targets = evaluate(results)
        now = datetime.datetime.now(datetime.UTC)
        report = {
            "benchmark": "ddo",
            "timestamp": now.isoformat(timespec="seconds"),
            "date": now.date().isoformat(),
            "machine": {**machine_facts(pg), "cores_busy_before_start": idle_busy},
            "config": {
                "seconds": SECONDS, "warmup_seconds": WARMUP, "concurrency": CONCURRENCY,
                "gunicorn_workers": WORKERS, "gunicorn_threads": 1, "gunicorn_worker_class": "sync",
                "db_conn_max_age": int(DB_CONN_MAX_AGE), "database": _admin_url(DB_URL)[1],
                "sms_backend": "demo", "celery_eager": True, "debug": False,
                "bare_view": "/healthz", "queue_filter": "?district=<each of the 75 in turn>&age=8-15",
                "page_size": PAGE_SIZE,
            },
            "rows": {"master_data": master, "seeded": {k: v for k, v in seeded.items() if not k.endswith("_pks")
                                                       and k != "treasury_of_district"},
                     "after_run": after},
            "scenarios": results,
            "ratios": ratios,
            "targets": targets,
            "all_targets_met": all(t["pass"] for t in targets.values()),
            # CPU used by processes other than the client, gunicorn and the benchmark's PostgreSQL
            # backends, in cores: above ~0.25 the machine was shared and the numbers are low.
            "interference_max_other_cores": max((r["cpu"]["other_cores"] or 0) for r in results.values()),
            "checks": checks,
            "queue_queries": explain,
            "total_seconds": round(time.monotonic() - started, 1),
        }
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print_summary(report)
    finally:
        stop_gunicorn(proc)
        if KEEP_DB:
            log(f"kept database {_admin_url(DB_URL)[1]} and {var_dir} (BENCH_KEEP_DB)")
        else:
            try:
                drop_database(DB_URL)
                log(f"dropped database {_admin_url(DB_URL)[1]}")
            except psycopg.Error as exc:
                log(f"could not drop the benchmark database: {exc}")
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
