"""Reports benchmark: monitoring dashboards, fortnightly reports and their downloads, and the
fortnight snapshot of every scope, with 1,00,000 families in PostgreSQL.

    .venv/bin/python bench/reports.py            the whole run (about eight minutes)

Like bench/enrolment.py (whose pieces it shares through bench/common.py) it creates a
throw-away PostgreSQL database, migrates it, loads the master data and seeds 2,000 DDO
offices and 1,00,000 families with bench/seed_enrolment.py. Then this file's own Django-side
`seed` (below) adds what monitoring needs: a treasury office with its TO in every district
and about one family in seven moved there as pensioners, State Health Cards for the members
of verified families at every stage (printed, dispatched, received, handed over,
self-printed), targets for every district and 200 offices, a district, a division and a
department officer, and then freezes the ended fortnights (`portal.reports.services.freeze_due`,
timed one by one) and regenerates the last one (timed).

Against gunicorn it measures every dashboard, report and download page as the role that
opens it, one client per gunicorn worker (the p95 target: see docs/benchmarks.md), and in
the same run the time of a plain `SELECT count(*) FROM enrolment_family` (the yardstick: a
page cannot count 1,00,000 families faster than the database can). Writes
bench/results/reports.json and prints a summary.

Environment (all optional; BENCH_SECONDS, BENCH_WARMUP, BENCH_WORKERS, BENCH_DB_CONN_MAX_AGE,
BENCH_KEEP_DB as for bench/run.py, see bench/common.py; BENCH_FAMILIES, BENCH_OFFICES,
BENCH_DDO_PASSWORD, BENCH_SEED as for bench/seed_enrolment.py):
    BENCH_REPORTS_DATABASE_URL  postgres://postgres@127.0.0.1:5432/portal_bench_reports (dropped!)
    BENCH_REPORTS_OUTPUT        bench/results/reports.json
    BENCH_REPORTS_SECONDS       10   measured seconds per page (BENCH_SECONDS if set)

Django side (run by the driver with the server's environment; last line of output is JSON):
    python bench/reports.py seed             monitoring rows on top of seed_enrolment's, snapshots
    python bench/reports.py pages USER PATH...  each page in-process: queries, database and total time
"""

import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DJANGO_COMMANDS = ("seed", "pages")
TARGET_P95_MS = 200.0
TARGET_SNAPSHOT_SECONDS = 30.0
# Downloads are files, not pages: their times are recorded but are not held to the page target.
DOWNLOADS = ("state_xlsx", "state_csv", "state_pdf", "district_xlsx", "district_pdf")
COLD_PAGES = ("state_dashboard", "state_report_in_progress", "division_dashboard", "department_dashboard")


# =========================================================================================
# Django side
# =========================================================================================

def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def seed() -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.db.models import Count, Sum
    from django.utils import timezone

    from portal.accounts.models import USERNAME_PREFIX, Grant, Role, User
    from portal.audit.services import Actor
    from portal.cards.models import Card, Stage
    from portal.directory.models import Department, District, Office, Treasury
    from portal.enrolment.models import Family, Member
    from portal.reports import services
    from portal.reports.models import Snapshot, Target
    from portal.reports.periods import last_ended_fortnight

    rng = random.Random(int(os.environ.get("BENCH_SEED", "20261124")) + 4)
    started = time.monotonic()
    timings = {}
    now = timezone.now()
    password = make_password(os.environ.get("BENCH_DDO_PASSWORD", "Bench-DDO-Officer-2026"))
    big = Office.objects.order_by("pk").first()
    finance = Department.objects.get(name_en="Finance")

    # --- a treasury office and its TO in every district; one family in seven a pensioner ----
    t0 = time.monotonic()
    next_office = Office.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    next_user = User.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    offices, users, grants = [], [], []
    for i, treasury in enumerate(Treasury.objects.filter(kind=Treasury.Kind.DISTRICT).select_related("district")
                                 .order_by("pk")):
        if treasury.district is None:
            continue
        pk, user_pk = next_office + i, next_user + i
        offices.append(Office(pk=pk, created_at=now - datetime.timedelta(days=500), code=f"OF{pk:07d}", kind=Office.Kind.TREASURY,
                              office_type=Office.OfficeType.TREASURY, name_en=f"Treasury, {treasury.district.name_en}",
                              name_hi=f"कोषागार, {treasury.district.name_hi}", address="Collectorate",
                              district=treasury.district, department=finance, treasury=treasury,
                              headcount=rng.randrange(2000, 6000)))
        users.append(User(pk=user_pk, username=f"{USERNAME_PREFIX[Role.TO]}{user_pk:06d}", role=Role.TO,
                          name_en=f"Treasury Officer {i + 1}", name_hi=f"कोषाधिकारी {i + 1}", mobile=f"7{i:09d}",
                          email=f"to{i}@example.in", password=password, must_change_password=False,
                          password_changed_at=now, date_joined=now - datetime.timedelta(days=500)))
        grants.append(Grant(user_id=user_pk, office_id=pk, granted_at=now - datetime.timedelta(days=500)))
    with transaction.atomic():
        # Offices and their officers have existed for a while (seed_enrolment makes them now):
        # the ended fortnights then have offices to count, and the scheduled task freezes them.
        Office.objects.update(created_at=now - datetime.timedelta(days=500))
        Office.objects.bulk_create(offices)
        User.objects.bulk_create(users)
        Grant.objects.bulk_create(grants)
        with connection.cursor() as cursor:
            cursor.execute("""
                UPDATE enrolment_family f SET kind = 'pensioner', office_id = t.id, ppo_number = 'PPO' || f.id,
                       employee_id = ''
                  FROM directory_office o JOIN directory_office t ON t.district_id = o.district_id AND t.kind = 'treasury'
                 WHERE f.office_id = o.id AND o.kind = 'ddo' AND o.id <> %s AND f.id %% 7 = 0""", [big.pk])
            pensioners = cursor.rowcount
            for table in ("directory_office", "accounts_user", "accounts_grant"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    timings["treasuries_and_pensioners_s"] = round(time.monotonic() - t0, 2)

    # --- cards for every member of a verified family, at every stage --------------------------
    t0 = time.monotonic()
    members = (Member.objects.filter(family__status="verified", active=True)
               .values_list("pk", "family_id", "family__office_id", "family__kind", "family__ward",
                            "family__decided_at", "name_en", "name_hi", "relation", "date_of_birth", "gender",
                            "aadhaar_last4").order_by("pk"))
    stages = {key: 0 for key in ("issued", "printed", "dispatched", "received", "handed_over", "self_printed")}
    batch, cards = [], 0

    def later(start, low, high):
        stamp = start + datetime.timedelta(days=rng.uniform(low, high))
        return stamp if stamp <= now else None

    for pk, family, office, kind, ward, decided, name_en, name_hi, relation, born, gender, last4 in members.iterator(
            chunk_size=5000):
        issued = decided + datetime.timedelta(hours=1)
        printed = later(issued, 2, 12) if rng.random() < 0.9 else None
        dispatched = later(printed, 1, 6) if printed and rng.random() < 0.85 else None
        received = later(dispatched, 1, 8) if dispatched and rng.random() < 0.8 else None
        handed = later(received, 0, 10) if received and rng.random() < 0.7 else None
        self_printed = later(issued, 0, 4) if rng.random() < 0.15 else None
        stage = (Stage.HANDED_OVER if handed else Stage.RECEIVED if received else Stage.DISPATCHED if dispatched
                 else Stage.PRINTED if printed else Stage.ISSUED)
        stages[str(stage)] += 1
        stages["self_printed"] += self_printed is not None
        batch.append(Card(member_id=pk, family_id=family, office_id=office, stage=stage, name_en=name_en,
                          name_hi=name_hi, relation=relation, date_of_birth=born, gender=gender, ward=ward, kind=kind,
                          aadhaar_last4=last4, issued_at=issued, printed_at=printed, dispatched_at=dispatched,
                          received_at=received, handed_over_at=handed, first_self_printed_at=self_printed))
        if len(batch) >= 5000:
            Card.objects.bulk_create(batch, batch_size=5000)
            cards += len(batch)
            batch = []
    Card.objects.bulk_create(batch, batch_size=5000)
    cards += len(batch)
    timings["cards_s"] = round(time.monotonic() - t0, 2)

    # --- targets: every district, 200 offices ----------------------------------------------------
    heads = dict(Office.objects.values("district_id").annotate(n=Sum("headcount")).values_list("district_id", "n"))
    rows = [Target(key=f"district:{d.pk}", district=d, employees=int((heads.get(d.pk) or 100) * rng.uniform(0.9, 1.3)),
                   pensioners=rng.randrange(500, 5000), uploaded_at=now) for d in District.objects.all()]
    ddo_offices = list(Office.objects.filter(kind=Office.Kind.DDO).only("pk", "headcount"))
    for office in rng.sample(ddo_offices, min(200, len(ddo_offices))):
        rows.append(Target(key=f"office:{office.pk}", office=office, employees=int(office.headcount * 1.1) + 1,
                           pensioners=0, uploaded_at=now))
    Target.objects.bulk_create(rows)

    # --- monitoring officers ----------------------------------------------------------------------
    from portal.accounts.services import create_user

    system = Actor.system("bench")
    officers = {}
    for key, role, unit in (("district", Role.DISTRICT, {"district": big.district}),
                            ("division", Role.DIVISION, {"division": big.district.division}),
                            ("department", Role.DEPARTMENT, {"department": big.department})):
        user = create_user(actor=system, role=role, name_en=f"Bench {key} officer", name_hi="बेंच अधिकारी",
                           mobile=f"60000000{len(officers):02d}", units=[unit], send_credentials=False)
        User.objects.filter(pk=user.pk).update(password=password, must_change_password=False, password_changed_at=now)
        officers[key] = user.username
    state = User.objects.filter(role=Role.STATE).order_by("pk").first()
    ddo = Grant.objects.filter(office=big, revoked_at__isnull=True).select_related("user").first().user
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # --- snapshots: every ended fortnight that the scheduled task would freeze, then one again --
    t0 = time.monotonic()
    frozen = services.freeze_due(actor=system)
    timings["freeze_due_s"] = round(time.monotonic() - t0, 2)
    last = last_ended_fortnight()
    t0 = time.monotonic()
    services.freeze(period=last, actor=system, reason="benchmark: regenerated", replace=True)
    regenerate_s = round(time.monotonic() - t0, 2)
    snapshots = [{"period": s.period_start.isoformat(), "seconds": s.seconds, "rows": s.rows}
                 for s in Snapshot.objects.order_by("period_start", "version")]
    by_status = dict(Family.objects.order_by().values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "seconds": round(time.monotonic() - started, 2), "timings": timings,
        "treasury_offices": len(offices), "pensioner_families": pensioners,
        "families": sum(by_status.values()), "families_by_status": by_status,
        "offices": Office.objects.count(), "cards": cards, "cards_by_stage": stages,
        "targets": len(rows), "snapshots": snapshots, "frozen_by_task": len(frozen),
        "regenerate_seconds": regenerate_s, "last_fortnight": last.slug,
        "current_fortnight": last.next().slug,
        "users": {"state": state.username, "ddo": ddo.username, **officers},
        "tokens": {"district": f"d-{big.district.lgd_code}", "division": f"dv-{big.district.division.code}",
                   "department": f"dp-{big.department.code}", "office": f"of-{big.code}"},
    }


def pages(username: str, paths: list[str]) -> dict:
    """Each page rendered in-process as `username` (three times; the last is kept): status,
    queries, time in the database and in all."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    report = {}
    for path in paths:
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(path)
                seconds = time.perf_counter() - t0
        report[path] = {"status": response.status_code, "seconds": round(seconds, 4), "queries": len(captured),
                        "db_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1),
                        "slowest_ms": sorted((round(float(q["time"]) * 1000, 1) for q in captured.captured_queries),
                                             reverse=True)[:3]}
    return report


# =========================================================================================
# The driver
# =========================================================================================

def driver() -> None:
    import shutil
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common  # re-runs this script with the venv's Python if psycopg is missing
    from common import (
        DB_CONN_MAX_AGE,
        KEEP_DB,
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
    )

    db_url = os.environ.get("BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_reports")
    db_name = _admin_url(db_url)[1]
    output = Path(os.environ.get("BENCH_REPORTS_OUTPUT", str(ROOT / "bench" / "results" / "reports.json")))
    seconds = float(os.environ.get("BENCH_REPORTS_SECONDS", os.environ.get("BENCH_SECONDS", "10")))
    common.SECONDS = seconds  # run_scenario reads it from the module
    password = os.environ.get("BENCH_DDO_PASSWORD", "Bench-DDO-Officer-2026")

    def plain_count(rounds: int = 15) -> dict:
        times = []
        with psycopg.connect(db_url) as conn:
            for _ in range(rounds):
                t0 = time.perf_counter()
                n = conn.execute("SELECT count(*) FROM enrolment_family").fetchone()[0]
                times.append((time.perf_counter() - t0) * 1000)
        ordered = sorted(times)
        return {"families": n, "rounds": rounds, "median_ms": round(statistics.median(ordered), 2),
                "p95_ms": round(common.percentile(ordered, 95), 2), "min_ms": round(ordered[0], 2)}

    idle_busy = machine_busy()
    if idle_busy is not None and idle_busy > 0.3:
        log(f"warning: {idle_busy} cores are already busy before the benchmark starts; the numbers will be noisy")
    var_dir = tempfile.mkdtemp(prefix="portal-bench-reports-")
    env = common.server_env(var_dir, db_url)
    # As in production: the widest scopes' live figures are counted once per period every
    # two minutes per process (REPORTS_LIVE_CACHE_SECONDS). Measured without it too, below.
    env["REPORTS_LIVE_CACHE_SECONDS"] = os.environ.get("REPORTS_LIVE_CACHE_SECONDS", "120")
    proc = None
    started = time.monotonic()
    try:
        log(f"recreating database {db_name}")
        pg = recreate_database(db_url)
        manage(env, "migrate", "--noinput")
        master = manage(env, "load_master_data").strip()
        log("seeding offices and families (bench/seed_enrolment.py, about three minutes)")
        enrolment = common.bench_script(env, "seed_enrolment.py", "seed")
        enrolment = {k: v for k, v in enrolment.items() if k not in ("big_pending", "office_codes", "pay_level_pks")}
        log(f"seeded {enrolment['families']} families; now treasuries, pensioners, cards, targets and snapshots")
        seeded = common.bench_script(env, "reports.py", "seed")
        worst = max(s["seconds"] for s in seeded["snapshots"])
        log(f"{seeded['cards']} cards, {seeded['pensioner_families']} pensioners; {len(seeded['snapshots'])} snapshots, "
            f"the slowest {worst} s; regeneration {seeded['regenerate_seconds']} s")
        count_before = plain_count()
        log(f"SELECT count(*) of {count_before['families']} families: median {count_before['median_ms']} ms")

        port = free_port()
        proc = start_gunicorn(env, port, Path(var_dir) / "gunicorn.log")
        users, tokens = seeded["users"], seeded["tokens"]
        last, current = seeded["last_fortnight"], seeded["current_fortnight"]
        jars = {}
        for role, username in users.items():
            client = Client(port)
            client.log_in(username, password)
            jars[role] = dict(client.cookies)
            client.close()
        d, dv, dp, of = tokens["district"], tokens["division"], tokens["department"], tokens["office"]
        pages_by_role = [
            ("state_dashboard", "state", "/reports/state/", b"<svg"),
            ("state_report", "state", "/reports/state/fortnight/", b'class="report"'),
            ("state_report_in_progress", "state", f"/reports/state/fortnight/?period={current}", b'class="report"'),
            ("state_reviews", "state", "/reports/reviews/", b"<table"),
            ("state_xlsx", "state", f"/reports/state/fortnight/{last}.xlsx", b"PK"),
            ("state_csv", "state", f"/reports/state/fortnight/{last}.csv", b"period_start"),
            ("state_pdf", "state", f"/reports/state/fortnight/{last}.pdf", b"%PDF"),
            ("division_dashboard", "division", f"/reports/{dv}/", b"<svg"),
            ("division_report", "division", f"/reports/{dv}/fortnight/", b'class="report"'),
            ("district_dashboard", "district", f"/reports/{d}/", b"<svg"),
            ("district_report", "district", f"/reports/{d}/fortnight/", b'class="report"'),
            ("district_report_in_progress", "district", f"/reports/{d}/fortnight/?period={current}", b'class="report"'),
            ("district_xlsx", "district", f"/reports/{d}/fortnight/{last}.xlsx", b"PK"),
            ("district_pdf", "district", f"/reports/{d}/fortnight/{last}.pdf", b"%PDF"),
            ("department_dashboard", "department", f"/reports/{dp}/", b"<svg"),
            ("department_report", "department", f"/reports/{dp}/fortnight/", b'class="report"'),
            ("ddo_office_dashboard", "ddo", f"/reports/{of}/", b"<svg"),
            ("ddo_office_report", "ddo", f"/reports/{of}/fortnight/", b'class="report"'),
            ("reminders_sent", "district", "/reports/reminders/", b"<table"),
        ]
        results = {}
        for name, role, path, marker in pages_by_role:
            def setup(client, i, role=role):
                client.cookies = dict(jars[role])

            def step(client, i, path=path, marker=marker):
                status, headers, body = client.request("GET", path)
                if status == 200 and marker in body[:200000]:
                    return None
                return f"GET {path}: {status} -> {headers.get('location', '')}"

            results[name] = common.run_scenario(name, port, proc.pid, setup, step, WORKERS, database=db_name)
            results[name]["path"], results[name]["role"] = path, role
        stop_gunicorn(proc)
        # The widest live pages again with every request counting the state afresh
        # (REPORTS_LIVE_CACHE_SECONDS=0): what the first request after the two minutes costs.
        cold_env = {**env, "REPORTS_LIVE_CACHE_SECONDS": "0"}
        proc = start_gunicorn(cold_env, port, Path(var_dir) / "gunicorn-cold.log")
        cold = {}
        for name, role, path, marker in pages_by_role:
            if name not in COLD_PAGES:
                continue

            def setup(client, i, role=role):
                client.cookies = dict(jars[role])

            def step(client, i, path=path, marker=marker):
                status, headers, body = client.request("GET", path)
                return None if status == 200 and marker in body[:200000] else f"GET {path}: {status}"

            cold[name] = common.run_scenario(f"{name}_uncached", port, proc.pid, setup, step, WORKERS,
                                             database=db_name)
            cold[name]["path"], cold[name]["role"] = path, role
        stop_gunicorn(proc)
        proc = None
        count_after = plain_count()
        breakdown = {}
        for role in ("state", "district"):
            paths = [p for _n, r, p, _m in pages_by_role if r == role]
            breakdown[role] = common.bench_script(env, "reports.py", "pages", users[role], *paths)

        targets = {f"{name}_p95": {"value": r["latency_ms"]["p95"], "target": TARGET_P95_MS,
                                   "pass": r["errors"] == 0 and (r["latency_ms"]["p95"] or 1e9) <= TARGET_P95_MS,
                                   **({"informational": True} if name in DOWNLOADS else {})}
                   for name, r in results.items()}
        for name, r in cold.items():
            targets[f"{name}_uncached_p95"] = {"value": r["latency_ms"]["p95"], "target": TARGET_P95_MS,
                                               "pass": (r["latency_ms"]["p95"] or 1e9) <= TARGET_P95_MS,
                                               "informational": True}
        targets["snapshot_all_scopes_seconds"] = {"value": worst, "target": TARGET_SNAPSHOT_SECONDS,
                                                  "pass": worst <= TARGET_SNAPSHOT_SECONDS}
        targets["regeneration_seconds"] = {"value": seeded["regenerate_seconds"], "target": TARGET_SNAPSHOT_SECONDS,
                                           "pass": seeded["regenerate_seconds"] <= TARGET_SNAPSHOT_SECONDS}
        now = datetime.datetime.now(datetime.UTC)
        report = {
            "benchmark": "reports",
            "timestamp": now.isoformat(timespec="seconds"), "date": now.date().isoformat(),
            "machine": {**machine_facts(pg), "cores_busy_before_start": idle_busy},
            "config": {"seconds": seconds, "warmup_seconds": WARMUP, "clients": WORKERS, "gunicorn_workers": WORKERS,
                       "gunicorn_threads": 1, "db_conn_max_age": int(DB_CONN_MAX_AGE), "database": db_name,
                       "debug": False, "replica": "none (reads go to the primary)"},
            "rows": {"master_data": master, "enrolment_seed": enrolment, "reports_seed": seeded},
            "plain_count_of_families": {"before_pages": count_before, "after_pages": count_after},
            "snapshots": {"each": seeded["snapshots"], "slowest_seconds": worst,
                          "regenerate_seconds": seeded["regenerate_seconds"]},
            "scenarios": results,
            "scenarios_uncached": cold,
            "in_process": breakdown,
            "targets": targets,
            "all_targets_met": all(t["pass"] for t in targets.values() if not t.get("informational")),
            "interference_max_other_cores": max((r["cpu"]["other_cores"] or 0) for r in results.values()),
            "total_seconds": round(time.monotonic() - started, 1),
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"\nReports benchmark, {enrolment['families']} families, {seeded['cards']} cards "
              f"(plain count: {count_before['median_ms']} ms median)")
        print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}  errors")
        for name, r in [*results.items(), *((f"{k} (uncached)", v) for k, v in cold.items())]:
            lat = r["latency_ms"]
            note = "  (download: informational)" if name in DOWNLOADS else ""
            print(f"{name:<36} {lat['p50'] or '-':>8} {lat['p95'] or '-':>8} {r['rps']:>7}  {r['errors']}{note}")
        print(f"snapshot of every scope: slowest {worst} s; regeneration {seeded['regenerate_seconds']} s")
        print("all targets met" if report["all_targets_met"] else
              "targets missed: " + ", ".join(k for k, t in targets.items() if not t["pass"]
                                             and not t.get("informational")))
        print(f"results: {output}")
    finally:
        stop_gunicorn(proc)
        if KEEP_DB:
            log(f"kept database {db_name} and {var_dir} (BENCH_KEEP_DB)")
        else:
            try:
                drop_database(db_url)
            except psycopg.Error as exc:
                log(f"could not drop the benchmark database: {exc}")
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in DJANGO_COMMANDS:
        _django()
        if sys.argv[1] == "seed":
            result = seed()
        else:
            result = pages(sys.argv[2], sys.argv[3:])
        print(json.dumps(result, default=str))
    else:
        driver()
