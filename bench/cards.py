"""Cards benchmark: print-batch throughput on one core and self-print latency.

`python bench/cards.py` (or `make bench-cards` once the Makefile has the target) creates a
throw-away PostgreSQL database, migrates it, loads the master data, seeds verified families
with distinct photos and issues their cards (bench/cards.py seed), then in child processes
pinned to one CPU core:

    batch       one print batch of every card (default 10,000): the task's body
                `portal.cards.batches.produce_batch`, timed end to end (select, photos read,
                PDF parts of CARD_BATCH_PART_SIZE faces written to private storage, cards
                marked printed, manifest CSV and XLSX); card faces per second, CPU seconds,
                peak and per-part memory, bytes per card
    selfprint   the beneficiary's print request, POST /my/cards/print/ through Django's test
                client (log-in session, select, photo, render, CardPrint + audit rows):
                one card at card size and one card on A4, latency percentiles; PDF size
    breakdown   where a card's time goes in a batch (timers around the renderer's parts)

and writes bench/results/cards.json. Targets: ≥ 200 faces/s on one core; self-print p95
≤ 300 ms. See docs/benchmarks.md#cards-benchmark.

Environment (all optional; BENCH_KEEP_DB as for bench/run.py):
    BENCH_CARDS_DATABASE_URL  postgres://postgres@127.0.0.1:5432/portal_bench_cards (dropped!)
    BENCH_CARDS_OUTPUT        bench/results/cards.json
    BENCH_CARDS               10000  cards in the batch
    BENCH_CARDS_PART_SIZE     500    faces per PDF part (CARD_BATCH_PART_SIZE)
    BENCH_SELFPRINT_REQUESTS  60     requests per self-print scenario
    BENCH_CORE                0      the CPU core the measuring processes are pinned to
    BENCH_SEED                20261202
"""

import datetime
import io
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARDS = int(os.environ.get("BENCH_CARDS", "10000"))
PART_SIZE = int(os.environ.get("BENCH_CARDS_PART_SIZE", "500"))
REQUESTS = int(os.environ.get("BENCH_SELFPRINT_REQUESTS", "60"))
CORE = int(os.environ.get("BENCH_CORE", "0"))
SEED = int(os.environ.get("BENCH_SEED", "20261202"))
TARGET_FACES_PER_SECOND = 200
TARGET_SELFPRINT_P95_MS = 300


# --- the Django side (child processes) -----------------------------------------------------------

def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {CORE})


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _photos(rng: random.Random):
    """Distinct passport-shaped JPEGs like the portal stores (350 × 450, ~20 KB): 40 noisy
    portraits, each copy marked differently so no two photos are the same bytes."""
    from PIL import Image, ImageDraw, ImageFilter

    def base():
        image = Image.new("RGB", (350, 450), (rng.randrange(120, 230), rng.randrange(150, 230), rng.randrange(170, 240)))
        draw = ImageDraw.Draw(image)
        draw.ellipse((95, 70, 255, 270), fill=(rng.randrange(150, 230), rng.randrange(110, 175), rng.randrange(80, 130)))
        draw.rectangle((60, 300, 290, 450), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        noise = Image.effect_noise((350, 450), 30).convert("RGB")
        return Image.blend(image, noise, 0.18).filter(ImageFilter.GaussianBlur(0.6))

    bases = [base() for _ in range(40)]
    index = 0
    while True:
        image = bases[index % len(bases)].copy()
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(330), rng.randrange(430)
            draw.rectangle((x, y, x + 14, y + 14), fill=(rng.randrange(256),) * 3)
        draw.text((10, 10), str(index), fill=(0, 0, 0))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
        index += 1
        yield buffer.getvalue()


HINDI = ["राम", "श्याम", "क्षमा", "श्रीकान्त", "त्रिलोकी", "प्रज्ञा", "कृष्ण", "सत्येन्द्र", "लक्ष्मी", "द्विवेदी", "त्रिपाठी",
         "श्रीवास्तव", "मिश्र", "शुक्ला", "यादव", "सिद्दीक़ी"]
LATIN = ["Ram", "Shyam", "Kshama", "Shrikant", "Triloki", "Pragya", "Krishna", "Satyendra", "Lakshmi", "Dwivedi",
         "Tripathi", "Srivastava", "Mishra", "Shukla", "Yadav", "Siddiqui"]


def seed() -> dict:
    """Offices, verified families with photos and vault records, and their issued cards."""
    _django()
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from portal.accounts.models import Role, User
    from portal.audit.services import Actor
    from portal.cards.models import Card
    from portal.cards.services import _insert, _new_card
    from portal.checkdigit import verhoeff_digit
    from portal.directory.models import Department, District, Treasury
    from portal.directory.services import create_office
    from portal.enrolment.models import Family, Member, PayLevel, Photo
    from portal.vault import services as vault
    from portal.vault.models import AadhaarRecord

    rng = random.Random(SEED)
    started = time.monotonic()
    now = timezone.now()
    system = Actor.system("bench")
    lucknow, medical = District.objects.get(lgd_code=162), Department.objects.get(name_en="Medical and Health")
    treasury = Treasury.objects.get(code="T162")
    offices = [create_office(actor=system, name_en=f"Bench Office {i} Lucknow", name_hi=f"बेंच कार्यालय {i}, लखनऊ",
                             address="Lucknow", district=lucknow, department=medical, treasury=treasury,
                             office_type="district", kind="ddo", ddo_code=f"{7000 + i}", headcount=500)
               for i in range(20)]
    levels = list(PayLevel.objects.all())
    photos = _photos(rng)
    ring = vault.keyring()
    relations = [("spouse", "female", "married"), ("son", "male", "unmarried"), ("daughter", "female", "unmarried"),
                 ("mother", "female", "widowed")]
    made = members_made = 0
    serial = 0
    while members_made < CARDS:
        with transaction.atomic():
            families, plans = [], []
            for _ in range(200):
                if members_made >= CARDS:
                    break
                size = min(CARDS - members_made, rng.choice([1, 2, 3, 3, 4, 4, 5]))
                level = rng.choice(levels)
                families.append(Family(
                    kind="employee", status="verified", office=rng.choice(offices), language=rng.choice(["hi", "en"]),
                    mobile=f"9{rng.randrange(10**9):09d}", address="Lucknow", employee_id=f"B{made}",
                    pay_level=level, ward=level.ward, submit_token=__import__("uuid").uuid4(), created_at=now,
                    updated_at=now, submitted_at=now, decided_at=now))
                plans.append(size)
                members_made += size
                made += 1
            Family.objects.bulk_create(families)
            for family in families:
                family.number = Family.number_for(family.pk, now.year)
            Family.objects.bulk_update(families, ["number"])
            members, records, photo_rows = [], [], []
            for family, size in zip(families, plans):
                for index in range(size):
                    serial += 1
                    body = f"8{serial:010d}"
                    number = body + verhoeff_digit(body)
                    records.append(AadhaarRecord(sealed=ring.seal(number.encode(), purpose=vault._PURPOSE),
                                                 key_id=ring.current, blind_index=vault.blind_index(number),
                                                 last4=number[-4:], created_at=now))
                    photo = Photo(width=350, height=450, size=0, created_at=now)
                    data = next(photos)
                    photo.file.save(f"bench-{serial}.jpg", ContentFile(data), save=False)
                    photo.size = len(data)
                    photo_rows.append(photo)
                    relation, gender, marital = ("self", rng.choice(["male", "female"]), "") if index == 0 else \
                        relations[(index - 1) % len(relations)]
                    first, last = rng.randrange(len(HINDI)), rng.randrange(len(HINDI))
                    members.append(Member(
                        family=family, relation=relation, name_en=f"{LATIN[first]} {LATIN[last]}",
                        name_hi=f"{HINDI[first]} {HINDI[last]}", date_of_birth=datetime.date(1950 + rng.randrange(60),
                                                                                             1 + rng.randrange(12), 1 + rng.randrange(28)),
                        gender=gender, marital_status=marital, dependent=index > 0, created_at=now,
                        holds_primary=index == 0))
            AadhaarRecord.objects.bulk_create(records)
            Photo.objects.bulk_create(photo_rows)
            for member, record, photo in zip(members, records, photo_rows):
                member.aadhaar_id, member.aadhaar_last4, member.photo_id = record.pk, record.last4, photo.pk
            Member.objects.bulk_create(members)
            by_family = {f.pk: f for f in families}
            _insert([_new_card(m, by_family[m.family_id], now) for m in members])
    first = Family.objects.filter(kind="employee").order_by("pk").first()
    user = User.objects.create(username="BN999999", name_en="Bench Beneficiary", role=Role.BENEFICIARY,
                               mobile=first.mobile, date_joined=now, must_change_password=False)
    Family.objects.filter(pk=first.pk).update(user=user)
    photo_sizes = list(Photo.objects.values_list("size", flat=True))
    return {"families": made, "cards": Card.objects.count(), "offices": len(offices),
            "photo_bytes_mean": round(statistics.mean(photo_sizes)), "seconds": round(time.monotonic() - started, 1)}


def batch() -> dict:
    """One batch of every card, produced by the task's body on one core."""
    _pin()
    _django()
    import uuid

    from django.conf import settings
    from django.db import connection

    from portal.accounts.models import Role, User
    from portal.audit.services import Actor
    from portal.cards import batches
    from portal.cards.models import Card, CardPrint, PrintBatch

    settings.CARD_BATCH_PART_SIZE = PART_SIZE
    batches.start = lambda batch: None  # the benchmark runs the task's body itself, timed (not eagerly on commit)
    state = User.objects.create(username="SC999999", name_en="Bench State", role=Role.STATE, mobile="9000099999",
                                date_joined=__import__("django.utils.timezone", fromlist=["now"]).now())
    actor = Actor(user=state, role=state.role, label=state.username)
    started = time.monotonic()
    created = batches.create_batch(actor=actor, filters={}, limit=CARDS, token=uuid.uuid4())
    create_seconds = time.monotonic() - started
    parts: list[dict] = []
    real_commit = batches._commit_part
    last = {"t": time.monotonic(), "cpu": time.process_time()}

    def commit(batch_id, number, cards, data, actor):
        ok = real_commit(batch_id, number, cards, data, actor)
        now, cpu = time.monotonic(), time.process_time()
        parts.append({"part": number, "cards": len(cards), "seconds": round(now - last["t"], 3),
                      "cpu_seconds": round(cpu - last["cpu"], 3), "bytes": len(data), "rss_mb": round(_rss_mb(), 1)})
        last.update(t=now, cpu=cpu)
        return ok

    batches._commit_part = commit
    rss_before = _rss_mb()
    wall0, cpu0 = time.monotonic(), time.process_time()
    last.update(t=wall0, cpu=cpu0)
    outcome = batches.produce_batch(created.pk, actor=actor)
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    batch = PrintBatch.objects.get(pk=created.pk)
    part_bytes = sum(p["bytes"] for p in parts)
    checks = {
        "outcome": outcome, "status": batch.status, "done_faces": batch.done, "total_faces": batch.total,
        "cards_printed": Card.objects.filter(batch=batch, stage="printed").count(),
        "batch_prints": CardPrint.objects.filter(batch=batch).count(),
        "distinct_cards_printed": CardPrint.objects.filter(batch=batch).values("card").distinct().count(),
    }
    connection.close()
    faces = batch.done
    return {
        "cards": batch.card_count, "faces": faces, "parts": len(parts), "part_size_faces": PART_SIZE,
        "create_batch_seconds": round(create_seconds, 2), "produce_seconds": round(wall, 2),
        "produce_cpu_seconds": round(cpu, 2), "faces_per_second": round(faces / wall, 1),
        "faces_per_cpu_second": round(faces / cpu, 1), "bytes_per_card": round(part_bytes / max(batch.card_count, 1)),
        "part_file_mb_mean": round(part_bytes / max(len(parts), 1) / 2**20, 2),
        "rss_mb_before": round(rss_before, 1), "rss_mb_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_mb_per_part": [p["rss_mb"] for p in parts], "part_seconds": [p["seconds"] for p in parts],
        "checks": checks,
    }


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def p(q):
        k = (len(ordered) - 1) * q
        lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)

    return {"mean": round(statistics.mean(ordered), 1), "p50": round(p(0.5), 1), "p90": round(p(0.9), 1),
            "p95": round(p(0.95), 1), "p99": round(p(0.99), 1), "max": round(ordered[-1], 1), "n": len(ordered)}


def selfprint() -> dict:
    """The beneficiary's print request through Django (session, scoping, render, records)."""
    _pin()
    _django()
    from django.test import Client

    from portal.accounts.models import User
    from portal.cards.faces import face_for
    from portal.cards.models import Card
    from portal.cards.pdf import render_card
    from portal.cards.services import SELF_PRINT_REPEAT_SECONDS  # noqa: F401  (repeats within it count once)

    user = User.objects.get(username="BN999999")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    card = Card.objects.filter(family__user=user).order_by("id").first()
    out = {}
    for layout in ("card", "a4"):
        client.post("/my/cards/print/", {"card": card.number, "layout": layout})  # warm-up (fonts parsed once)
        times, cpu, size = [], [], 0
        for _ in range(REQUESTS):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.post("/my/cards/print/", {"card": card.number, "layout": layout})
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.status_code
            size = len(response.content)
        out[f"request_{layout}_ms"] = _percentiles(times)
        out[f"request_{layout}_cpu_ms"] = _percentiles(cpu)  # this process's CPU: what other load cannot inflate
        out[f"pdf_{layout}_bytes"] = size
    fresh = Card.objects.select_related("family", "office", "photo").get(pk=card.pk)
    render = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        render_card(face_for(fresh, self_printed_on=datetime.date.today()))
        render.append((time.perf_counter() - start) * 1000)
    out["render_only_card_ms"] = _percentiles(render)
    return out


def breakdown(cards: int = 250) -> dict:
    """Milliseconds per card spent in each part of the renderer, for `cards` cards of one part."""
    _pin()
    _django()
    import collections

    import segno
    from fpdf import FPDF

    from portal.cards import pdf
    from portal.cards.faces import face_for
    from portal.cards.models import Card

    spent: collections.Counter = collections.Counter()

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - start

        setattr(owner, name, wrapper)

    timed(segno, "make", "qr_encode (segno; 0 when encoded at issue)")
    timed(pdf.Canvas, "qr", "qr_total (encode + path)")
    timed(pdf.Canvas, "text", "text cells written")
    timed(pdf.Canvas, "fixed", "replayed fixed drawing")
    timed(FPDF, "image", "photo embedding")
    timed(FPDF, "add_page", "add_page")
    timed(pdf.BatchDocument, "output", "output (font subsets, compression)")
    rows = list(Card.objects.select_related("family", "office", "photo").order_by("id")[:cards])
    start = time.process_time()
    faces = [face_for(card) for card in rows]
    spent["card data + photo read"] = time.process_time() - start
    assert all(face.qr_modules for face in faces)  # measured before the batch, as the batch sees the cards
    start = time.process_time()
    pdf.render_batch_part(faces, title="breakdown")
    total = time.process_time() - start + spent["card data + photo read"]
    return {"cards": len(rows), "clock": "process CPU time", "ms_per_card_total": round(total * 1000 / len(rows), 2),
            "ms_per_card": {k: round(v * 1000 / len(rows), 2) for k, v in spent.most_common()}}


# --- the driver ------------------------------------------------------------------------------------

def _child(env: dict, mode: str) -> dict:
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), mode], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"bench/cards.py {mode} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import common

    url = os.environ.get("BENCH_CARDS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_cards")
    output = Path(os.environ.get("BENCH_CARDS_OUTPUT", ROOT / "bench" / "results" / "cards.json"))
    var_dir = tempfile.mkdtemp(prefix="bench-cards-")
    common.log(f"database {url}, {CARDS} cards, parts of {PART_SIZE} faces, core {CORE}")
    pg = common.recreate_database(url)
    env = common.server_env(var_dir, url)
    try:
        common.manage(env, "migrate", "--noinput")
        common.manage(env, "load_master_data")
        common.log("seeding families, photos and cards")
        seeded = _child(env, "seed")
        common.log(f"seeded {seeded}")
        busy = common.machine_busy()
        parts = _child(env, "breakdown")  # first: the batch empties the cards' encoded QR codes
        common.log("print batch")
        produced = _child(env, "batch")
        common.log(f"{produced['faces_per_second']} faces/s, {produced['bytes_per_card']} bytes per card")
        common.log("self-print")
        printed = _child(env, "selfprint")
        common.log(f"self-print p95 {printed['request_card_ms']['p95']} ms (card), "
                   f"{printed['request_a4_ms']['p95']} ms (A4)")
    finally:
        if not common.KEEP_DB:
            common.drop_database(url)
            shutil.rmtree(var_dir, ignore_errors=True)
    targets = {
        "faces_per_second": {"value": produced["faces_per_second"], "target": TARGET_FACES_PER_SECOND,
                             "pass": produced["faces_per_second"] >= TARGET_FACES_PER_SECOND},
        "selfprint_card_p95_ms": {"value": printed["request_card_ms"]["p95"], "target": TARGET_SELFPRINT_P95_MS,
                                  "pass": printed["request_card_ms"]["p95"] <= TARGET_SELFPRINT_P95_MS},
        "selfprint_a4_p95_ms": {"value": printed["request_a4_ms"]["p95"], "target": TARGET_SELFPRINT_P95_MS,
                                "pass": printed["request_a4_ms"]["p95"] <= TARGET_SELFPRINT_P95_MS},
        "batch_correct": {"value": produced["checks"], "pass": (
            produced["checks"]["status"] == "done" and produced["checks"]["batch_prints"] == produced["cards"]
            == produced["checks"]["distinct_cards_printed"] == produced["checks"]["cards_printed"])},
    }
    result = {
        "benchmark": "cards", "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "date": datetime.date.today().isoformat(), "machine": common.machine_facts(pg),
        "cores_busy_before_measuring": busy, "pinned_core": CORE,
        "config": {"cards": CARDS, "part_size_faces": PART_SIZE, "selfprint_requests": REQUESTS, "seed": SEED},
        "other_load_note": "cores busy (any process) just before measuring; 2.0 on this 2-core machine means the "
                           "measurement shared its core: compare the CPU-time figures",
        "seed": seeded, "batch": produced, "selfprint": printed, "breakdown": parts, "targets": targets,
        "all_targets_met": all(t["pass"] for t in targets.values()),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    common.log(f"wrote {output}")
    for name, target in targets.items():
        if name != "batch_correct":
            common.log(f"{name}: {target['value']} (target {target['target']}) {'pass' if target['pass'] else 'FAIL'}")
    common.log(f"batch correct: {targets['batch_correct']['pass']}")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode in {"seed", "batch", "selfprint", "breakdown"}:
        print(json.dumps(globals()[mode]()))
    else:
        main()
