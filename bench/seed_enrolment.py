"""Seed the enrolment benchmark database: DDO offices, their officers, 100,000 families.

Run by bench/enrolment.py with the same environment as the server (DATABASE_URL pointing
at the throw-away benchmark database, PORTAL_VAR_DIR at a temporary directory, so the
vault keys are made there and the server reads the same ones). Not meant for a real
database: it writes rows with explicit primary keys and moves the sequences.

    python bench/seed_enrolment.py seed             seed, print one JSON line of facts
    python bench/seed_enrolment.py counts           row counts as JSON
    python bench/seed_enrolment.py explain PATH...  render PATH in-process as the big office's
                                                    DDO, EXPLAIN ANALYZE its enrolment queries
    python bench/seed_enrolment.py queue-split      the queue page's time in-process: data vs template
    python bench/seed_enrolment.py register-explain CODE   one registration in-process (rolled
                                                    back): its queries and a profile
    python bench/seed_enrolment.py bulk-explain     verify 500 pending families of the big office
                                                    in-process inside a transaction that is rolled
                                                    back: queries, time per phase, profile

Every Aadhaar number goes through the vault: the first BENCH_VAULT_SAMPLE members one
by one through `portal.vault.services.store` (the path a form takes, to measure it), the
rest in batches with the same `validate`, `keyring().seal` and `blind_index` and
`AadhaarRecord.objects.bulk_create`. Nothing is stored unencrypted.

Environment (all optional):
    BENCH_FAMILIES=100000        families in all
    BENCH_OFFICES=2000           approved DDO offices, each with its DDO (a live grant)
    BENCH_BIG_PENDING=2000       families waiting in the one big office's queue
    BENCH_VAULT_SAMPLE=2000      members stored one by one through vault.store
    BENCH_DDO_PASSWORD=...       password of every seeded DDO and of the state-cell user
    BENCH_SEED=20261124          random seed, so every run seeds the same data
"""

import cProfile
import datetime
import io
import json
import os
import pstats
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

from django.contrib.auth.hashers import make_password
from django.db import Error as DatabaseError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from portal.accounts.models import USERNAME_PREFIX, Grant, Role, User
from portal.audit.services import Actor
from portal.checkdigit import verhoeff_digit
from portal.directory.models import Department, District, Office, Treasury
from portal.enrolment.models import PENDING, Family, Member, PayLevel, Photo, Status
from portal.notify.models import Message
from portal.vault import services as vault
from portal.vault.models import AadhaarRecord

FAMILIES = int(os.environ.get("BENCH_FAMILIES", "100000"))
OFFICES = int(os.environ.get("BENCH_OFFICES", "2000"))
BIG_PENDING = int(os.environ.get("BENCH_BIG_PENDING", "2000"))
VAULT_SAMPLE = int(os.environ.get("BENCH_VAULT_SAMPLE", "2000"))
DDO_PASSWORD = os.environ.get("BENCH_DDO_PASSWORD", "Bench-DDO-Officer-2026")
SEED = int(os.environ.get("BENCH_SEED", "20261124"))
STATE_MOBILE = "9000000002"
CHUNK = 5000  # families per transaction
BATCH = 2000  # rows per INSERT

# The big office: BIG_PENDING waiting, and what such an office has done before.
BIG_MIX = {Status.VERIFIED: 2.0, Status.RETURNED: 0.1, Status.DRAFT: 0.075, Status.REJECTED: 0.025}
# Every other office: mostly verified, ~8.5 % waiting (10 % overall with the big office).
OTHER_MIX = [(Status.VERIFIED, 80.5), (Status.SUBMITTED, 6.8), (Status.RESUBMITTED, 1.7), (Status.RETURNED, 4.0),
             (Status.DRAFT, 6.0), (Status.REJECTED, 1.0)]
# Dependents per family (0-4): 2.44 on average, so ~3.44 members per family.
DEPENDENT_WEIGHTS = [6, 16, 28, 28, 22]
LIVE = {Status.SUBMITTED, Status.RESUBMITTED, Status.RETURNED, Status.VERIFIED}  # primary holds its Aadhaar

FIRST_M = [("Ravi", "रवि"), ("Amit", "अमित"), ("Rajesh", "राजेश"), ("Sanjay", "संजय"), ("Alok", "आलोक"),
           ("Vivek", "विवेक"), ("Manoj", "मनोज"), ("Suresh", "सुरेश"), ("Deepak", "दीपक"), ("Arun", "अरुण")]
FIRST_F = [("Sunita", "सुनीता"), ("Pooja", "पूजा"), ("Neha", "नेहा"), ("Kavita", "कविता"), ("Meena", "मीना"),
           ("Anita", "अनीता"), ("Geeta", "गीता"), ("Rekha", "रेखा"), ("Shalini", "शालिनी"), ("Priya", "प्रिया")]
LAST = [("Kumar", "कुमार"), ("Singh", "सिंह"), ("Verma", "वर्मा"), ("Yadav", "यादव"), ("Mishra", "मिश्र"),
        ("Gupta", "गुप्ता"), ("Tiwari", "तिवारी"), ("Srivastava", "श्रीवास्तव"), ("Pandey", "पाण्डेय"),
        ("Shukla", "शुक्ल")]
DESIGNATIONS = ["Assistant Teacher", "Staff Nurse", "Junior Engineer", "Constable", "Clerk", "Lecturer",
                "Pharmacist", "Lekhpal", "Assistant Accountant", "Sub Inspector"]
OFFICE_TYPES = [Office.OfficeType.DISTRICT, Office.OfficeType.SUBDIVISION, Office.OfficeType.INSTITUTION,
                Office.OfficeType.HOSPITAL, Office.OfficeType.POLICE, Office.OfficeType.DIRECTORATE]


def aadhaar(n: int) -> str:
    """The n-th synthetic Aadhaar-format number (as in enrolment/tests/conftest.py): starts
    with 9, valid Verhoeff check digit; belongs to nobody."""
    body = f"9{n:010d}"
    return body + verhoeff_digit(body)


def _next_pk(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0] + 1


def _move_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT GREATEST(MAX(id), 1) FROM {connection.ops.quote_name(table)}))")


def _family_plan(rng: random.Random, offices: list[int], now) -> list[dict]:
    """Who is where, in which state, since when: light dicts, sorted by creation time so
    primary keys and application numbers grow with time, as on a live system."""
    big = offices[0]
    plan = []

    def add(office: int, status: str) -> None:
        if status in PENDING:
            # Waiting 0-60 days, more of them recent.
            submitted = now - datetime.timedelta(days=min(60.0, rng.expovariate(1 / 12)), seconds=rng.randrange(86400))
        elif status == Status.DRAFT:
            submitted = None
        else:
            submitted = now - datetime.timedelta(days=rng.uniform(5, 400), seconds=rng.randrange(86400))
        created = (submitted or now - datetime.timedelta(days=rng.uniform(0, 90))) - datetime.timedelta(
            minutes=rng.randrange(10, 3000))
        plan.append({"office": office, "status": status, "created": created, "submitted": submitted})

    for i in range(BIG_PENDING):
        add(big, Status.SUBMITTED if rng.random() < 0.8 else Status.RESUBMITTED)
    for status, share in BIG_MIX.items():
        for _ in range(round(BIG_PENDING * share)):
            add(big, status)
    rest = max(0, FAMILIES - len(plan))
    # Office sizes vary a lot (a few big directorates, many small schools): log-normal weights.
    weights = [rng.lognormvariate(0, 0.9) for _ in offices[1:]]
    chosen = rng.choices(offices[1:], weights=weights, k=rest) if len(offices) > 1 else [big] * rest
    statuses = rng.choices([s for s, _ in OTHER_MIX], weights=[w for _, w in OTHER_MIX], k=rest)
    for office, status in zip(chosen, statuses):
        add(office, status)
    plan.sort(key=lambda p: p["created"])
    return plan


def seed() -> dict:
    started = time.monotonic()
    timings: dict[str, float] = {}
    rng = random.Random(SEED)
    now = timezone.now()
    districts = list(District.objects.order_by("pk"))
    departments = list(Department.objects.filter(active=True).order_by("pk"))[:40]
    treasury_of = {t.district_id: t.pk for t in Treasury.objects.filter(kind=Treasury.Kind.DISTRICT, active=True)}
    fallback_treasury = Treasury.objects.filter(active=True).order_by("pk").first().pk
    pay_levels = list(PayLevel.objects.order_by("order"))
    lucknow = District.objects.filter(lgd_code=162).first() or districts[0]

    # --- officers and offices -------------------------------------------------------------
    t0 = time.monotonic()
    password = make_password(DDO_PASSWORD)  # hashed once (Argon2 is slow on purpose), shared by every officer
    office_pk, user_pk, grant_pk = _next_pk(Office), _next_pk(User), _next_pk(Grant)
    offices, users, grants = [], [], []
    state_user = User(pk=user_pk, username=f"{USERNAME_PREFIX[Role.STATE]}{user_pk:06d}", role=Role.STATE,
                      name_en="Bench State Cell", name_hi="बेंच राज्य प्रकोष्ठ", designation="State Cell Officer",
                      mobile=STATE_MOBILE, email="state-bench@example.in", password=password,
                      must_change_password=False, password_changed_at=now, date_joined=now)
    users.append(state_user)
    user_pk += 1
    office_ids, ddo_of_office = [], {}
    for i in range(OFFICES):
        district = lucknow if i == 0 else districts[i % len(districts)]
        department = departments[0] if i == 0 else rng.choice(departments)
        pk = office_pk + i
        first, last = rng.choice(FIRST_M + FIRST_F), rng.choice(LAST)
        offices.append(Office(
            pk=pk, code=f"OF{pk:07d}", kind=Office.Kind.DDO, office_type=rng.choice(OFFICE_TYPES),
            name_en=f"Office {i + 1} of {department.name_en}, {district.name_en}"[:200],
            name_hi=f"कार्यालय {i + 1}, {district.name_hi}", address=f"Collectorate Campus, {district.name_en}",
            district=district, department=department, treasury_id=treasury_of.get(district.pk, fallback_treasury),
            ddo_code=f"{6000000 + i}", headcount=8000 if i == 0 else rng.randrange(10, 1500),
        ))
        users.append(User(
            pk=user_pk, username=f"{USERNAME_PREFIX[Role.DDO]}{user_pk:06d}", role=Role.DDO,
            name_en=f"{first[0]} {last[0]}", name_hi=f"{first[1]} {last[1]}", designation="Drawing and Disbursing Officer",
            mobile=f"8{100000000 + i:09d}", email=f"ddo{i + 1}@example.in", password=password,
            must_change_password=False, password_changed_at=now, date_joined=now - datetime.timedelta(days=500),
        ))
        grants.append(Grant(pk=grant_pk + i, user_id=user_pk, office_id=pk, granted_at=now - datetime.timedelta(days=500),
                            note=f"bench application {i + 1}"))
        office_ids.append(pk)
        ddo_of_office[pk] = user_pk
        user_pk += 1
    with transaction.atomic():
        Office.objects.bulk_create(offices, batch_size=BATCH)
        User.objects.bulk_create(users, batch_size=BATCH)
        Grant.objects.bulk_create(grants, batch_size=BATCH)
    timings["offices_officers_s"] = round(time.monotonic() - t0, 2)
    big_office = offices[0]

    # --- families ---------------------------------------------------------------------------
    t0 = time.monotonic()
    plan = _family_plan(rng, office_ids, now)
    timings["plan_s"] = round(time.monotonic() - t0, 2)

    family_pk, member_pk, photo_pk = _next_pk(Family), _next_pk(Member), _next_pk(Photo)
    ring = vault.keyring()
    vault_one_by_one = {"records": 0, "seconds": 0.0}
    vault_bulk = {"records": 0, "seconds": 0.0, "crypto_seconds": 0.0}
    aadhaar_n = 0  # members get aadhaar(1), aadhaar(2), ...
    insert_seconds = {"users": 0.0, "families": 0.0, "photos": 0.0, "members": 0.0}
    built_seconds = 0.0

    for start in range(0, len(plan), CHUNK):
        tb = time.monotonic()
        chunk = plan[start:start + CHUNK]
        families, members, photos, beneficiaries = [], [], [], []
        numbers: list[str] = []  # one Aadhaar number per member, same order as `members`
        for item in chunk:
            pk = family_pk
            family_pk += 1
            status, office = item["status"], item["office"]
            level = rng.choice(pay_levels)
            gender = rng.choice(["male", "female"])
            first = rng.choice(FIRST_M if gender == "male" else FIRST_F)
            last = rng.choice(LAST)
            language = "hi" if rng.random() < 0.7 else "en"
            mobile = f"9{rng.randrange(100000000, 999999999):09d}"
            born = datetime.date(rng.randrange(1966, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
            submitted = item["submitted"]
            family = Family(
                pk=pk, number=Family.number_for(pk, item["created"].year), kind="employee", status=status,
                office_id=office, language=language, mobile=mobile, email=f"emp{pk}@example.in",
                address=f"{rng.randrange(1, 400)} Civil Lines, Lucknow", employee_id=f"EMP{pk:07d}",
                designation=rng.choice(DESIGNATIONS), pay_level=level,
                date_of_joining=born.replace(year=min(2024, born.year + rng.randrange(21, 30))), ward=level.ward,
                consent="self", submit_token=uuid.UUID(int=rng.getrandbits(128), version=4),
                created_at=item["created"], updated_at=submitted or item["created"], submitted_at=submitted,
            )
            if status in (Status.RETURNED, Status.RESUBMITTED):
                family.returned_at = submitted + datetime.timedelta(days=rng.uniform(0.5, 5))
                family.reason = "The photo of the spouse is not clear."
                family.updated_at = family.returned_at
            if status in (Status.VERIFIED, Status.REJECTED):
                family.decided_at = submitted + datetime.timedelta(days=rng.uniform(0.5, 20))
                family.updated_at = family.decided_at
                family.verified_by_id = ddo_of_office[office] if status == Status.VERIFIED else None
                if status == Status.REJECTED:
                    family.reason = "Not an employee of this office."
            if status == Status.VERIFIED:
                user = User(pk=user_pk, username=f"{USERNAME_PREFIX[Role.BENEFICIARY]}{user_pk:06d}",
                            role=Role.BENEFICIARY, name_en=f"{first[0]} {last[0]}", name_hi=f"{first[1]} {last[1]}",
                            designation=family.designation, mobile=mobile, email=family.email, language=language,
                            must_change_password=False, password="!bench-unusable", date_joined=family.decided_at)
                beneficiaries.append(user)
                family.user_id = user_pk
                user_pk += 1
                if rng.random() < 0.7:
                    family.form_received_on = (submitted + datetime.timedelta(days=rng.uniform(0, 5))).date()
            families.append(family)

            people = [("self", gender, first, born)]
            dependents = rng.choices(range(5), weights=DEPENDENT_WEIGHTS)[0]
            spouse_gender = "female" if gender == "male" else "male"
            for d in range(dependents):
                if d == 0:
                    people.append(("spouse", spouse_gender, rng.choice(FIRST_F if spouse_gender == "female" else FIRST_M),
                                   born.replace(year=born.year + rng.randrange(-3, 5))))
                elif d == 3:
                    people.append(("mother", "female", rng.choice(FIRST_F), born.replace(year=born.year - 25)))
                else:
                    child_gender = rng.choice(["male", "female"])
                    people.append(("son" if child_gender == "male" else "daughter", child_gender,
                                   rng.choice(FIRST_M if child_gender == "male" else FIRST_F),
                                   datetime.date(min(2024, born.year + 24 + d * 2), rng.randrange(1, 13), 15)))
            with_photos = status != Status.DRAFT or rng.random() < 0.5
            for relation, member_gender, name, member_born in people:
                aadhaar_n += 1
                numbers.append(aadhaar(aadhaar_n))
                photo_id = None
                if with_photos:
                    photos.append(Photo(pk=photo_pk, file=f"enrolment/photos/bench-{photo_pk}.jpg", width=420,
                                        height=540, size=rng.randrange(18000, 60000), created_at=item["created"]))
                    photo_id = photo_pk
                    photo_pk += 1
                child = relation in ("son", "daughter")
                members.append(Member(
                    pk=member_pk, family_id=pk, relation=relation, name_en=f"{name[0]} {last[0]}",
                    name_hi=f"{name[1]} {last[1]}", guardian_name="Ram Prasad" if relation == "self" else "",
                    date_of_birth=member_born, gender=member_gender,
                    marital_status="" if relation == "self" else ("unmarried" if child else
                                                                   "widowed" if relation == "mother" else "married"),
                    dependent=relation != "self", monthly_income=0, photo_id=photo_id,
                    holds_primary=relation == "self" and status in LIVE, created_at=item["created"],
                ))
                member_pk += 1
        built_seconds += time.monotonic() - tb

        with transaction.atomic():
            # The vault: one record per member, sealed and blind-indexed by the vault's own code.
            records: list[AadhaarRecord] = []
            sample = max(0, min(len(numbers), VAULT_SAMPLE - vault_one_by_one["records"]))
            if sample:
                tv = time.monotonic()
                records.extend(vault.store(number) for number in numbers[:sample])
                vault_one_by_one["records"] += sample
                vault_one_by_one["seconds"] += time.monotonic() - tv
            if len(numbers) > sample:
                tv = time.monotonic()
                fresh = []
                for number in numbers[sample:]:
                    number = vault.validate(number)
                    fresh.append(AadhaarRecord(sealed=ring.seal(number.encode(), purpose=vault._PURPOSE),
                                               key_id=ring.current, blind_index=vault.blind_index(number),
                                               last4=number[-4:], created_at=now))
                tc = time.monotonic()
                vault_bulk["crypto_seconds"] += tc - tv
                records.extend(AadhaarRecord.objects.bulk_create(fresh, batch_size=BATCH))
                vault_bulk["records"] += len(fresh)
                vault_bulk["seconds"] += time.monotonic() - tv
            for member, record in zip(members, records, strict=True):
                member.aadhaar_id = record.pk
                member.aadhaar_last4 = record.last4
            for name, model, rows in (("users", User, beneficiaries), ("families", Family, families),
                                      ("photos", Photo, photos), ("members", Member, members)):
                ti = time.monotonic()
                model.objects.bulk_create(rows, batch_size=BATCH)
                insert_seconds[name] += time.monotonic() - ti
    for model in (Office, User, Grant, Family, Member, Photo, AadhaarRecord):
        _move_sequence(model)
    timings["families_build_python_s"] = round(built_seconds, 2)
    timings["insert_s"] = {k: round(v, 2) for k, v in insert_seconds.items()}
    t0 = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have done on a live database
    timings["analyze_s"] = round(time.monotonic() - t0, 2)

    big_pending = list(Family.objects.filter(office=big_office, status__in=PENDING)
                       .order_by("submitted_at", "id").values_list("number", "employee_id"))
    facts = {
        "seconds": round(time.monotonic() - started, 2),
        "timings": timings,
        "vault": {
            "one_by_one_store": {
                "records": vault_one_by_one["records"], "seconds": round(vault_one_by_one["seconds"], 2),
                "rows_per_s": round(vault_one_by_one["records"] / vault_one_by_one["seconds"], 1)
                if vault_one_by_one["seconds"] else None,
                "how": "portal.vault.services.store(number): validate, blind index, SELECT, seal, INSERT",
            },
            "bulk": {
                "records": vault_bulk["records"], "seconds": round(vault_bulk["seconds"], 2),
                "crypto_seconds": round(vault_bulk["crypto_seconds"], 2),
                "rows_per_s": round(vault_bulk["records"] / vault_bulk["seconds"], 1) if vault_bulk["seconds"] else None,
                "how": "vault.validate + keyring().seal + vault.blind_index, AadhaarRecord.objects.bulk_create",
            },
        },
        "aadhaar_numbers_used": aadhaar_n,
        "registration_aadhaar_start": 10 ** 8,  # the benchmark's registrations use aadhaar(n) from here
        "big_office": {"pk": big_office.pk, "code": big_office.code, "ddo_code": big_office.ddo_code,
                       "district": lucknow.name_en, "ddo_username": User.objects.get(pk=ddo_of_office[big_office.pk]).username,
                       "pending": len(big_pending),
                       "families": Family.objects.filter(office=big_office).count()},
        "big_pending": [{"number": n, "employee_id": e} for n, e in big_pending],
        "state_username": state_user.username,
        "office_codes": [o.code for o in offices],
        "pay_level_pks": [p.pk for p in pay_levels],
        **counts(),
    }
    return facts


def counts() -> dict:
    by_status = {s: 0 for s in Status.values}
    for row in Family.objects.order_by().values("status").annotate(n=Count("id")):
        by_status[row["status"]] = row["n"]
    families = sum(by_status.values())
    members = Member.objects.count()
    users_by_role = {r["role"]: r["n"] for r in User.objects.order_by().values("role").annotate(n=Count("id"))}
    return {
        "families": families,
        "families_by_status": by_status,
        "families_pending": sum(by_status[s] for s in PENDING),
        "members": members,
        "members_per_family": round(members / families, 2) if families else None,
        "aadhaar_records": AadhaarRecord.objects.count(),
        "photos": Photo.objects.count(),
        "offices": Office.objects.count(),
        "live_grants": Grant.objects.filter(revoked_at__isnull=True).count(),
        "users_by_role": users_by_role,
        "sms_messages": Message.objects.filter(channel=Message.Channel.SMS).count(),
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


def _big_ddo() -> User:
    """The DDO of the office with the most families waiting."""
    office_id = (Family.objects.filter(status__in=PENDING).order_by().values("office_id")
                 .annotate(n=Count("id")).order_by("-n").first()["office_id"])
    return Grant.objects.filter(office_id=office_id, revoked_at__isnull=True, user__role=Role.DDO) \
        .select_related("user").first().user


def _explain(sql: str, params) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def explain(paths: list[str]) -> dict:
    """Render each page in-process as the big office's DDO and EXPLAIN ANALYZE its queries."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = _big_ddo()
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
            if sql.lstrip().upper().startswith("SELECT") and "enrolment_" in sql:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    item["plan"] = [row[0] for row in cursor.fetchall()]
            queries.append(item)
        report[path] = {"status": response.status_code, "seconds": round(elapsed, 4), "queries": queries}
    return report


def queue_split(rounds: int = 30) -> dict:
    """Where the big office's queue page spends its time in-process (mean of `rounds`): the
    data (count and the page of 50 with its subqueries) and the template with the data ready.
    Measured without the profiler, so the numbers add up to the page's cost."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models.signals import post_init
    from django.middleware.csrf import get_token
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    from portal.enrolment import selectors
    from portal.enrolment.forms import QueueFilterForm

    user = _big_ddo()
    translation.activate("hi")
    request = RequestFactory().get("/office/families/")
    request.user, request.session = user, SessionStore()
    request._messages = FallbackStorage(request)
    get_token(request)
    form = QueueFilterForm(None)

    def prepare():
        return selectors.queue_page(user, {}, None)  # the count, the page's keys, its rows

    def render(page):
        return render_to_string("enrolment/queue.html", {"form": form, "page": page, "query": "", "can_act": True},
                                request=request)

    def mean_ms(func) -> float:
        for _ in range(3):
            func()
        t0 = time.perf_counter()
        for _ in range(rounds):
            func()
        return round((time.perf_counter() - t0) / rounds * 1000, 2)

    instances = []

    def counter(sender, **kwargs):
        instances.append(sender.__name__)

    post_init.connect(counter)
    page = prepare()
    post_init.disconnect(counter)
    by_model = {name: instances.count(name) for name in sorted(set(instances))}
    return {
        "data_ms (count, page keys, page rows)": mean_ms(prepare),
        "template_ms (data ready)": mean_ms(lambda: render(page)),
        "both_ms": mean_ms(lambda: render(prepare())),
        "model_instances_per_page": by_model,
        "html_bytes": len(render(page)),
    }


class _Rollback(Exception):
    pass


def bulk_explain(size: int = 500) -> dict:
    """What one bulk verification of `size` families costs inside the server, step by step:
    the view's query (selectors.families_by_number: families_for(status=all) + number IN), then
    verify_families (lock, primaries, accounts, bulk update, audit rows, SMS rows), then the
    SMS hand-over that runs after commit: with CELERY_EAGER (as the benchmark's server runs)
    every message is delivered inside the request; with a broker (production) each is one
    `deliver.delay()`, measured here against Celery's in-memory transport (a lower bound for
    Redis). Each pass runs in a transaction that is rolled back, so the data is unchanged.
    A last pass runs under cProfile."""
    from django.db.models.query import QuerySet
    from django.test.utils import CaptureQueriesContext

    from portal.celery import app as celery_app
    from portal.enrolment import selectors, services
    from portal.notify import outbox

    user = _big_ddo()
    numbers = list(Family.objects.filter(office_id__in=[g.office_id for g in user.grants.all()], status__in=PENDING)
                   .order_by("-submitted_at").values_list("number", flat=True)[:size])
    actor = Actor(user=user, role=user.role, label=user.username, ip="127.0.0.1")
    steps: dict[str, dict] = {}

    def timed(label, func):
        def wrapper(*args, **kwargs):
            n0, t0 = len(connection.queries_log), time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                entry = steps.setdefault(label, {"seconds": 0.0, "queries": 0, "calls": 0})
                entry["seconds"] += time.perf_counter() - t0
                entry["queries"] += len(connection.queries_log) - n0
                entry["calls"] += 1
        return wrapper

    original = {name: getattr(services, name) for name in ("create_beneficiaries", "record_many", "queue_sms_many")}
    original_bulk_update = QuerySet.bulk_update
    original_update = QuerySet.update

    def bulk_update(qs, objs, fields, batch_size=None):
        return timed(f"bulk_update {qs.model.__name__} ({len(fields)} fields)", original_bulk_update)(
            qs, objs, fields, batch_size)

    def update(qs, **kwargs):  # verify_families' one UPDATE of the families (not the SMS delivery's)
        if qs.model is not Family:
            return original_update(qs, **kwargs)
        return timed(f"update Family ({len(kwargs)} fields)", original_update)(qs, **kwargs)

    def one_pass(dispatch: str, profile: cProfile.Profile | None = None) -> dict:
        steps.clear()
        out = {}
        try:
            with transaction.atomic():
                with CaptureQueriesContext(connection) as ctx:
                    if profile:
                        profile.enable()
                    t0 = time.perf_counter()
                    families = selectors.families_by_number(user, numbers)
                    t1 = time.perf_counter()
                    done, skipped = services.verify_families(actor=actor, families=families)
                    t2 = time.perf_counter()
                    if profile:
                        profile.disable()
                out["view_select_families"] = {"seconds": round(t1 - t0, 4)}
                out["verify_families"] = {"seconds": round(t2 - t1, 4), "queries": len(ctx.captured_queries)}
                out["verified"], out["skipped"] = len(done), len(skipped)
                out["queries"] = list(ctx.captured_queries)
                ids = list(Message.objects.filter(template="family_verified").order_by("-id")
                           .values_list("id", flat=True)[:len(done)])
                eager = celery_app.conf.task_always_eager
                celery_app.conf.task_always_eager = dispatch == "eager"
                try:
                    with CaptureQueriesContext(connection) as ctx2:
                        t3 = time.perf_counter()
                        outbox.dispatch_many(ids)  # what transaction.on_commit runs after the commit
                        out["sms_dispatch_after_commit"] = {"seconds": round(time.perf_counter() - t3, 4),
                                                            "queries": len(ctx2.captured_queries), "mode": dispatch}
                finally:
                    celery_app.conf.task_always_eager = eager
                raise _Rollback
        except _Rollback:
            pass
        out["steps_inside_verify_families"] = {k: {**v, "seconds": round(v["seconds"], 4)} for k, v in steps.items()}
        return out

    for name, func in original.items():
        setattr(services, name, timed(name, func))
    QuerySet.bulk_update = bulk_update
    QuerySet.update = update
    try:
        one_pass("eager")  # warm-up
        eager_pass = one_pass("eager")
        broker_pass = one_pass("broker (memory transport)")
        profile = cProfile.Profile()
        one_pass("eager", profile)
    finally:
        for name, func in original.items():
            setattr(services, name, func)
        QuerySet.bulk_update = original_bulk_update
        QuerySet.update = original_update

    captured = eager_pass.pop("queries")
    broker_pass.pop("queries")
    report = {"families": len(numbers), "verified": eager_pass["verified"], "skipped": eager_pass["skipped"],
              "phases": {k: v for k, v in eager_pass.items() if k not in ("verified", "skipped")},
              "sms_dispatch_with_broker": broker_pass["sms_dispatch_after_commit"]}
    report["queries"] = len(captured)
    report["db_seconds"] = round(sum(float(q["time"]) for q in captured), 4)
    report["slowest"] = [
        {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300] + ("…" if len(q["sql"]) > 300 else "")}
        for q in sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:8]
    ]
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
    report["profile_top_cumulative"] = out.getvalue().splitlines()[:70]
    return report


def register_explain(office_code: str) -> dict:
    """One registration (POST /gateway/new/<office>/employee/) in-process, as a new visitor,
    inside a transaction that is rolled back: its queries, their time and a profile."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    path = f"/gateway/new/{office_code}/employee/"
    level = PayLevel.objects.order_by("order").first()

    def post(n: int):
        client = Client(HTTP_HOST="127.0.0.1")
        return client.post(path, {
            "name_en": "Sunita Devi", "name_hi": "सुनीता देवी", "guardian_name": "Ramesh Kumar",
            "date_of_birth": "1984-05-17", "gender": "female", "aadhaar": aadhaar(n), "mobile": "9812345670",
            "email": "sunita@example.in", "address": "12 Hazratganj, Lucknow", "employee_id": f"NEW{n}",
            "designation": "Staff Nurse", "date_of_joining": "2008-07-01", "pay_level": level.pk,
            "submit_token": str(uuid.uuid4()),
        })

    report = {"path": path}
    try:
        with transaction.atomic():
            post(9 * 10 ** 8)  # warm caches and the connection
            profile = cProfile.Profile()
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                profile.enable()
                response = post(9 * 10 ** 8 + 1)
                profile.disable()
                report["seconds"] = round(time.perf_counter() - t0, 4)
            report["status"], report["location"] = response.status_code, response.get("Location", "")
            raise _Rollback
    except _Rollback:
        pass
    report["queries"] = len(ctx.captured_queries)
    report["db_ms"] = round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1)
    report["sql"] = [{"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:200]} for q in ctx.captured_queries]
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(20)
    report["profile_top_tottime"] = out.getvalue().splitlines()[:45]
    return report


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "seed"
    if command == "seed":
        print(json.dumps(seed()))
    elif command == "counts":
        print(json.dumps(counts()))
    elif command == "explain":
        print(json.dumps(explain(sys.argv[2:] or ["/office/families/"])))
    elif command == "queue-split":
        print(json.dumps(queue_split()))
    elif command == "register-explain":
        print(json.dumps(register_explain(sys.argv[2])))
    elif command == "bulk-explain":
        print(json.dumps(bulk_explain(int(sys.argv[2]) if len(sys.argv) > 2 else 500)))
    else:
        sys.exit(f"unknown command {command!r}: use seed, counts, explain, queue-split, register-explain or bulk-explain")
