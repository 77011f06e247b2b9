"""Seed the benchmark database: pending DDO applications and one state-cell user.

Run by bench/run.py with the same environment as the server (DATABASE_URL pointing at
the throw-away benchmark database, PORTAL_VAR_DIR at a temporary directory). Not meant
for a real database: it writes rows with explicit primary keys and moves the sequence.

    python bench/seed.py            seed, print one JSON line of facts for run.py
    python bench/seed.py counts     print the row counts as JSON (run.py calls it at the end)
    python bench/seed.py explain    EXPLAIN ANALYZE every query the state-cell queue page runs

Environment (all optional):
    BENCH_PENDING=10000          applications waiting with the state cell
    BENCH_OTHER=2000             further applications in other states (draft, returned,
                                 approved, rejected) that the queue must filter out
    BENCH_STATE_PASSWORD=...     password of the state-cell user
    BENCH_SEED=20261123          random seed, so every run seeds the same data
"""

import datetime
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import Error as DatabaseError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.accounts.services import create_user
from portal.audit.services import Actor
from portal.ddo.models import (
    IN_STATE_QUEUE,
    Application,
    ApplicationOffice,
    Kind,
    MobileKind,
    Status,
)
from portal.directory.models import Department, District, Office, Treasury

PENDING = int(os.environ.get("BENCH_PENDING", "10000"))
OTHER = int(os.environ.get("BENCH_OTHER", "2000"))
STATE_PASSWORD = os.environ.get("BENCH_STATE_PASSWORD", "Bench-State-Cell-2026")
STATE_MOBILE = "9000000001"
SEED = int(os.environ.get("BENCH_SEED", "20261123"))
BATCH = 2000

# How the waiting applications are spread over the four states the state cell sees.
PENDING_MIX = [(Status.SUBMITTED, 35), (Status.FORM_PRINTED, 25), (Status.SCAN_RECEIVED, 30), (Status.RESUBMITTED, 10)]
OTHER_MIX = [(Status.DRAFT, 30), (Status.RETURNED, 15), (Status.APPROVED, 45), (Status.REJECTED, 10)]

FIRST_EN = ["Ravi", "Sunita", "Amit", "Pooja", "Rajesh", "Neha", "Sanjay", "Kavita", "Alok", "Meena", "Vivek", "Anita"]
FIRST_HI = ["रवि", "सुनीता", "अमित", "पूजा", "राजेश", "नेहा", "संजय", "कविता", "आलोक", "मीना", "विवेक", "अनीता"]
LAST_EN = ["Kumar", "Singh", "Verma", "Yadav", "Mishra", "Gupta", "Tiwari", "Srivastava", "Pandey", "Shukla"]
LAST_HI = ["कुमार", "सिंह", "वर्मा", "यादव", "मिश्र", "गुप्ता", "तिवारी", "श्रीवास्तव", "पाण्डेय", "शुक्ल"]
DESIGNATIONS = ["Chief Medical Officer", "Basic Shiksha Adhikari", "District Programme Officer",
                "Executive Engineer", "Superintendent of Police", "District Supply Officer", "Principal"]
OFFICE_TYPES = [Office.OfficeType.DISTRICT, Office.OfficeType.SUBDIVISION, Office.OfficeType.INSTITUTION,
                Office.OfficeType.HOSPITAL, Office.OfficeType.DIVISIONAL]


def _pick(rng: random.Random, mix):
    return rng.choices([s for s, _ in mix], weights=[w for _, w in mix])[0]


def seed() -> dict:
    started = time.monotonic()
    rng = random.Random(SEED)
    now = timezone.now()
    districts = list(District.objects.order_by("pk"))
    departments = list(Department.objects.filter(active=True).order_by("pk"))
    # The district treasury of each district; a DDO's code is issued by one treasury.
    treasury_of = {t.district_id: t for t in Treasury.objects.filter(kind=Treasury.Kind.DISTRICT, active=True)}
    fallback_treasury = Treasury.objects.filter(active=True).order_by("pk").first()
    # "Several departments": the applications come from a dozen of them, the big ones more often.
    used_departments = departments[:12] if len(departments) > 12 else departments
    department_weights = [len(used_departments) - i for i in range(len(used_departments))]

    applications, offices = [], []
    total = PENDING + OTHER
    for i in range(total):
        pk = i + 1
        status = _pick(rng, PENDING_MIX) if i < PENDING else _pick(rng, OTHER_MIX)
        district = rng.choice(districts)
        department = rng.choices(used_departments, weights=department_weights)[0]
        treasury = treasury_of.get(district.pk, fallback_treasury)
        # Waiting 0 to 120 days, more of them recent: covers every age bucket of the filter.
        age = datetime.timedelta(days=min(120.0, rng.expovariate(1 / 25)), seconds=rng.randrange(86400))
        submitted_at = None if status == Status.DRAFT else now - age
        created_at = (submitted_at or now - age) - datetime.timedelta(minutes=rng.randrange(5, 600))
        first, last = rng.randrange(len(FIRST_EN)), rng.randrange(len(LAST_EN))
        app = Application(
            pk=pk,
            number=Application.number_for(pk, created_at.year),
            kind=Kind.DDO,
            status=status,
            officer_name_en=f"{FIRST_EN[first]} {LAST_EN[last]}",
            officer_name_hi=f"{FIRST_HI[first]} {LAST_HI[last]}",
            designation=rng.choice(DESIGNATIONS),
            department=department,
            district=district,
            treasury=treasury,
            ddo_code=f"{4000000 + i}",  # unique, so the one-live-application-per-code constraint holds
            mobile=f"9{100000000 + i:09d}",
            mobile_kind=MobileKind.CUG,
            email=f"ddo{pk}@example.in",
            controlling_officer_name="Dr A K Singh",
            controlling_officer_designation="Additional Director",
            language=rng.choice(["hi", "hi", "en"]),
            submit_token=uuid.UUID(int=rng.getrandbits(128), version=4),
            created_at=created_at,
            updated_at=submitted_at or created_at,
            submitted_at=submitted_at,
        )
        if status in (Status.SCAN_RECEIVED, Status.RESUBMITTED, Status.APPROVED):
            # The scan file itself is not written: the queue never opens it.
            app.scan_uploaded_at = submitted_at + datetime.timedelta(hours=rng.randrange(1, 72))
            app.scan_content_type = "application/pdf"
            app.scan_source = "upload"
            app.updated_at = app.scan_uploaded_at
        if status in (Status.RETURNED, Status.RESUBMITTED):
            app.returned_at = submitted_at + datetime.timedelta(hours=rng.randrange(1, 48))
            app.reason = "Controlling officer's verification is missing on page 2."
        if status in (Status.APPROVED, Status.REJECTED):
            app.decided_at = submitted_at + datetime.timedelta(days=rng.randrange(1, 10))
            if status == Status.REJECTED:
                app.reason = "Not a DDO code of this treasury."
        applications.append(app)
        for n in range(1 if rng.random() < 0.6 else 2):
            office_district = district if n == 0 or rng.random() < 0.7 else rng.choice(districts)
            offices.append(ApplicationOffice(
                application_id=pk,
                name_en=f"Office of the {app.designation}, {office_district.name_en} ({n + 1})",
                name_hi=f"कार्यालय {n + 1}, {office_district.name_hi}",
                address=f"Collectorate Campus, {office_district.name_en}",
                district=office_district,
                department=department,
                office_type=rng.choice(OFFICE_TYPES),
                headcount=rng.randrange(5, 2500),
            ))

    with transaction.atomic():
        Application.objects.bulk_create(applications, batch_size=BATCH)
        ApplicationOffice.objects.bulk_create(offices, batch_size=BATCH)
        # Explicit pks were given: move the sequence past them, so the applications the
        # benchmark registers get fresh pks (and so fresh numbers).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('ddo_application', 'id'), (SELECT MAX(id) FROM ddo_application))"
            )
        user = create_user(
            actor=Actor.system("bench"), role=Role.STATE, name_en="Bench State Cell", name_hi="बेंच राज्य प्रकोष्ठ",
            designation="State Cell Officer", mobile=STATE_MOBILE, email="state-bench@example.in",
            send_credentials=False,
        )
        user.set_password(STATE_PASSWORD)
        user.must_change_password = False
        user.save()
    # Fresh planner statistics, as autovacuum would have gathered on a live database.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    lucknow = District.objects.filter(lgd_code=162).first() or districts[0]
    return {
        "state_username": user.username,
        "district_pks": [d.pk for d in districts],
        "department_pks": [d.pk for d in used_departments],
        "treasury_of_district": {str(k): v.pk for k, v in treasury_of.items()},
        "filter_district": lucknow.pk,
        "filter_district_name": lucknow.name_en,
        "seconds": round(time.monotonic() - started, 2),
        **counts(),
    }


def counts() -> dict:
    by_status = {s: 0 for s in Status.values}
    for row in Application.objects.order_by().values("status").annotate(n=Count("id")):
        by_status[row["status"]] = row["n"]
    return {
        "applications": sum(by_status.values()),
        "applications_pending": sum(by_status[s] for s in IN_STATE_QUEUE),
        "applications_by_status": by_status,
        "application_offices": ApplicationOffice.objects.count(),
        "districts": District.objects.count(),
        "departments_active": Department.objects.filter(active=True).count(),
        "treasuries": Treasury.objects.count(),
        "users": User.objects.count(),
        "sessions": _count("django_session"),
        "audit_events": _count("audit_event"),
    }


def _count(table: str) -> int | None:
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        except DatabaseError:
            return None
        return cursor.fetchone()[0]


def explain(paths: list[str]) -> dict:
    """Render the queue page in-process as the state user and EXPLAIN ANALYZE its queries."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = User.objects.get(role=Role.STATE, mobile=STATE_MOBILE)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    report = {}
    for path in paths:
        client.get(path)  # warm caches and the connection
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - t0
        queries = []
        for q in ctx.captured_queries:
            sql = q["sql"]
            item = {"sql": sql, "seconds": float(q["time"])}
            if sql.lstrip().upper().startswith("SELECT") and "ddo_application" in sql:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    item["plan"] = [row[0] for row in cursor.fetchall()]
            queries.append(item)
        report[path] = {"status": response.status_code, "seconds": round(elapsed, 4), "queries": queries}
    return report


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "seed"
    if command == "seed":
        print(json.dumps(seed()))
    elif command == "counts":
        print(json.dumps(counts()))
    elif command == "explain":
        print(json.dumps(explain(sys.argv[2:] or ["/state/ddo/"])))
    else:
        sys.exit(f"unknown command {command!r}: use seed, counts or explain")
