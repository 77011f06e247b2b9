"""Generating a synthetic population (the one write of this app; see
docs/synthetic-population.md).

The run is recorded in `synthetic.Run` (primary-key ranges, Aadhaar serials, timings)
and, at the end, in the audit log. It refuses production, and it refuses a database with
families it did not make unless `append` is given.
"""

import datetime
import os
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Q

from portal import clock
from portal.audit.services import Actor, record

from . import load, photos, plan, reference, world
from .models import Run
from .schema import KEYED, WORLD_ORDER, tables

STATE_FAMILIES = 2_200_000
DEMO_FAMILIES = 2_000
# Secondary indexes and constraints are dropped and rebuilt around the load (PostgreSQL,
# "auto") from this many families: below it, rebuilding costs more than it saves.
REBUILD_FROM = 200_000
AUTO_MODE = "rebuild"
BIG_TABLES = ("users", "aadhaar", "photos", "families", "members", "dispatches", "cards", "cardprints", "events")


class Refused(Exception):
    """The run would be unsafe here (production, or a database with real families)."""


@dataclass
class Options:
    families: int = DEMO_FAMILIES
    seed: int = 20261201
    append: bool = False
    workers: int | None = None  # None: 2 on PostgreSQL, 0 (in-process) elsewhere
    index_mode: str = "auto"  # "auto", "rebuild" (indexes and constraints), "fk" (foreign keys) or "keep"
    sign_cards: bool = True  # signed QR payloads, by the cards app's own sign_card
    password: str = ""  # officers' password; empty: unusable (log in via a password reset)
    history: bool = True  # audit events of each registration's moves
    offices: int | None = None


@dataclass
class Report:
    run: int
    families: int
    rows: dict[str, int]
    write_seconds: dict[str, float]
    phases: dict[str, float]
    wall_seconds: float
    load_before: tuple
    load_after: tuple
    index_rebuild: list = field(default_factory=list)
    workers: int = 0
    database: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def scale_families(scale: str) -> int:
    """'demo', 'state', a fraction ('1/20', '0.05') of the state, or a number of families."""
    value = scale.strip().lower()
    if value == "demo":
        return DEMO_FAMILIES
    if value == "state":
        return STATE_FAMILIES
    if "/" in value:
        top, _, bottom = value.partition("/")
        return max(1, round(STATE_FAMILIES * float(top) / float(bottom)))
    number = float(value)
    return max(1, round(STATE_FAMILIES * number)) if number <= 1 else int(number)


def non_synthetic_families() -> int:
    from portal.enrolment.models import Family

    q = Q()
    for ranges in Run.objects.exclude(status=Run.Status.RUNNING).values_list("ranges", flat=True):
        first_last = ranges.get("families")
        if first_last and first_last[0] <= first_last[1]:
            q |= Q(pk__range=first_last)
    families = Family.objects.all()
    if q:
        families = families.exclude(q)
    return families.count()


def check_allowed(options: Options) -> None:
    if settings.PRODUCTION:
        raise Refused("generate_population never runs in production (PORTAL_ENV=production).")
    if Run.objects.filter(status=Run.Status.RUNNING).exists():
        raise Refused("Another synthetic run is recorded as running (or was interrupted). If none is running, "
                      "repair with --restore-indexes and try again.")
    real = non_synthetic_families()
    if real and not options.append:
        raise Refused(f"This database has {real} families that no synthetic run made. Use a throw-away database, "
                      f"or give --append to add a synthetic population next to them.")


def _master() -> world.Master:
    from portal.accounts.models import Grant, Role
    from portal.ddo.models import HOLDS_CODE, Application
    from portal.directory.loader import load_master_data
    from portal.directory.models import Department, District, Division, Office, Treasury
    from portal.enrolment.models import PayLevel

    if not District.objects.exists():
        load_master_data()
    return world.Master(
        districts=tuple(District.objects.order_by("lgd_code").values_list("pk", "lgd_code", "name_en", "name_hi",
                                                                          "division_id")),
        divisions=tuple(Division.objects.order_by("code").values_list("pk")),
        departments=tuple(Department.objects.filter(active=True).order_by("code")
                          .values_list("pk", "code", "name_en", "name_hi")),
        treasuries=tuple(Treasury.objects.filter(active=True).order_by("code")
                         .values_list("pk", "code", "kind", "district_id", "name_en")),
        pay_levels={code: (pk, ward) for pk, code, ward in PayLevel.objects.values_list("pk", "code", "ward")},
        taken_codes=frozenset(Application.objects.filter(kind="ddo", status__in=HOLDS_CODE)
                              .values_list("treasury_id", "ddo_code")),
        to_offices=_to_offices(Application, HOLDS_CODE, Grant, Role, Office),
    )


def _to_offices(Application, holds, Grant, Role, Office) -> dict:
    """Treasuries whose TO is registered: their treasury office and its TO (one per treasury)."""
    held = set(Application.objects.filter(kind="to", status__in=holds).values_list("treasury_id", flat=True))
    found: dict = {treasury_id: None for treasury_id in held}  # None: held, but by an application not approved
    grants = (Grant.objects.filter(revoked_at__isnull=True, user__role=Role.TO, office__kind=Office.Kind.TREASURY,
                                   office__treasury_id__in=held)
              .order_by("office_id").values_list("office__treasury_id", "office_id", "office__code", "user_id"))
    for treasury_id, office_id, code, user_id in grants:
        if found.get(treasury_id) is None:
            found[treasury_id] = (office_id, code, user_id)
    return found


def _next_ids() -> dict[str, int]:
    specs = tables()
    ids = {}
    for key in KEYED:
        model = specs[key].model
        ids[key] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    last = Run.objects.aggregate(m=Max("aadhaar_last"))["m"]
    ids["serial"] = (last + 1) if last is not None and last >= 0 else 0
    return ids


def restore_indexes() -> list[str]:
    """Rebuild what an interrupted run dropped; mark such runs failed. Returns what was rebuilt."""
    done = []
    for run in Run.objects.filter(Q(status=Run.Status.RUNNING) | ~Q(dropped=[])).order_by("pk"):
        remaining = list(run.dropped)

        def forget(item, run=run, remaining=remaining):
            remaining.remove(item)
            Run.objects.filter(pk=run.pk).update(dropped=remaining)

        if remaining:
            load.rebuild(list(remaining), on_done=forget)
            load.set_autovacuum(sorted({d["table"] for d in run.dropped}), True)
            done.extend(d["name"] for d in run.dropped)
        if run.status == Run.Status.RUNNING:
            Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, error="interrupted; repaired",
                                                 finished_at=clock.now())
    return done


def generate_population(*, options: Options, progress=None) -> Report:
    """Generate and write a synthetic population; see docs/synthetic-population.md."""
    check_allowed(options)
    progress = progress or (lambda message: None)
    started = time.perf_counter()
    load_before = os.getloadavg()
    phases: dict[str, float] = {}
    ref = reference.load()
    master = _master()
    postgres = load.is_postgres()
    workers = options.workers if options.workers is not None else (2 if postgres else 0)
    if not postgres:
        workers = 0
    mode = options.index_mode
    if mode == "auto":
        mode = AUTO_MODE if options.families >= REBUILD_FROM else "keep"
    if not postgres or options.append:
        mode = "keep"
    rebuild = mode != "keep"
    now_dt = clock.now()
    now = int(now_dt.timestamp())
    ids = world.Ids(_next_ids())
    first_ids = dict(ids.next)
    run = Run.objects.create(started_at=now_dt, seed=options.seed, aadhaar_first=ids.next["serial"], options={
        "families": options.families, "append": options.append, "workers": workers, "index_mode": options.index_mode,
        "dropped_during_load": mode, "history": options.history, "offices": options.offices,
        "sign_cards": options.sign_cards,
        "database": connection.vendor,
    })
    stats = load.Stats()
    definitions: list[dict] = []
    try:
        t0 = time.perf_counter()
        rng = random.Random(options.seed)
        password = make_password(options.password) if options.password else make_password(None)
        employees = round(options.families * (1 - plan.PENSIONER_SHARE))
        the_world = world.build(ref=ref, master=master, seed=options.seed, now=now, employees=employees,
                                pensioners=options.families - employees, offices=options.offices, ids=ids,
                                password=password, rng=rng)
        phases["plan_world_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        parallel = postgres and workers > 0 and not connection.in_atomic_block
        if parallel:
            connections.close_all()  # about to fork: the children never use the database
        the_plan = plan.make(the_world, families=options.families, seed=options.seed, parallel=parallel)
        bases = {"families": ids.next["families"], "members": ids.next["members"], "aadhaar": ids.next["aadhaar"],
                 "photos": ids.next["photos"], "users": ids.next["users"], "cards": ids.next["cards"],
                 "serial": ids.next["serial"]}
        chunk_list = plan.chunks(the_plan, bases)
        end = chunk_list.pop()  # next free ids after the run
        phases["plan_families_s"] = time.perf_counter() - t0
        dropped = {"keep": "nothing", "fk": "foreign keys", "rebuild": "secondary indexes and constraints"}[mode]
        progress(f"plan: {len(the_world.offices)} offices, {options.families} families, {len(chunk_list)} chunks, "
                 f"{workers} worker process(es); dropped during the load: {dropped}")

        ranges = {key: [first_ids[key], ids.next[key] - 1] for key in ("offices", "applications", "batches",
                                                                       "dispatches")}
        for key in ("families", "members", "aadhaar", "photos", "cards"):
            ranges[key] = [bases[key], end.bases[key] - 1]
        ranges["users"] = [first_ids["users"], end.bases["users"] - 1]
        Run.objects.filter(pk=run.pk).update(ranges=ranges, aadhaar_last=end.bases["serial"] - 1)

        t0 = time.perf_counter()
        files = photos.ensure()
        the_world.rows["batches"] = _batch_rows(the_world)
        with transaction.atomic():
            for key in WORLD_ORDER:
                load.write_rows(key, the_world.rows[key], stats)
        phases["write_world_s"] = time.perf_counter() - t0

        big = [tables()[key].name for key in BIG_TABLES]
        if rebuild:
            kinds = ("fk",) if mode == "fk" else ("unique", "index", "fk")
            definitions = load.secondary_definitions(big, kinds=kinds)
            Run.objects.filter(pk=run.pk).update(dropped=definitions)  # first: a crash leaves the recipe
            try:
                load.drop(definitions)
            except BaseException:
                Run.objects.filter(pk=run.pk).update(dropped=[])
                definitions = []
                raise
            load.set_autovacuum(big, False)

        from .families import Builder

        builder = Builder(the_world, the_plan, ref, seed=options.seed, password=password, photos=files,
                          history=options.history, sign_cards=options.sign_cards)
        total = len(chunk_list)
        last_report = [time.perf_counter()]

        def chunk_done(chunk):
            if time.perf_counter() - last_report[0] > 10 or chunk.index == total - 1:
                last_report[0] = time.perf_counter()
                done = chunk.first + chunk.count
                elapsed = time.perf_counter() - started
                progress(f"families {done:,}/{options.families:,} ({done / options.families:.0%}) "
                         f"after {elapsed:,.0f} s")

        t0 = time.perf_counter()
        if workers:
            load.write_families_copy(builder, chunk_list, stats, workers=workers, progress=chunk_done)
        else:
            load.write_families_inline(builder, chunk_list, stats, progress=chunk_done)
        phases["families_s"] = time.perf_counter() - t0
        server_cpu = load.backend_cpu_seconds()
        if server_cpu is not None:
            phases["families_postgres_backend_cpu_s"] = server_cpu

        t0 = time.perf_counter()
        _count_batches(the_world)
        load.move_sequences([spec.model for spec in tables().values()])
        phases["sequences_batches_s"] = time.perf_counter() - t0
        rebuild_timings = []
        if rebuild:
            t0 = time.perf_counter()
            remaining = list(definitions)

            def forget(item):
                remaining.remove(item)
                Run.objects.filter(pk=run.pk).update(dropped=remaining)

            progress(f"rebuilding {len(definitions)} indexes and constraints")
            rebuild_timings = load.rebuild(definitions, on_done=forget)
            load.set_autovacuum(big, True)
            phases["rebuild_indexes_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        vacuums = postgres and not connection.in_atomic_block  # see load.analyze
        load.analyze(sorted({spec.name for spec in tables().values()}))
        phases["vacuum_analyze_s" if vacuums else "analyze_s"] = time.perf_counter() - t0
    except BaseException as exc:
        Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, error=repr(exc)[:2000],
                                             finished_at=clock.now())
        if definitions:
            progress("the run failed: rebuilding the dropped indexes and constraints")
            restore_indexes()
        raise
    wall = time.perf_counter() - started
    phases = {k: round(v, 2) for k, v in phases.items()}
    phases["build_in_workers_s"] = round(stats.build_seconds, 2)
    phases["build_in_workers_cpu_s"] = round(stats.build_cpu_seconds, 2)
    phases["main_waiting_for_workers_s"] = round(stats.wait_seconds, 2)
    report = Report(run=run.pk, families=options.families, rows=dict(stats.rows),
                    write_seconds={k: round(v, 3) for k, v in stats.write_seconds.items()}, phases=phases,
                    wall_seconds=round(wall, 2), load_before=load_before, load_after=os.getloadavg(),
                    index_rebuild=rebuild_timings, workers=workers, database=connection.vendor)
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.DONE, finished_at=clock.now(), counts=report.rows,
            timings={"wall_s": report.wall_seconds, "phases": phases, "write_s": report.write_seconds,
                     "load_before": list(load_before), "load_after": list(report.load_after),
                     "index_rebuild": rebuild_timings})
        record(actor=Actor.system("generate_population"), action="synthetic.population.generated",
               details={"run": run.pk, "families": options.families, "seed": options.seed, "rows": report.rows,
                        "wall_s": report.wall_seconds})
    return report


def _batch_rows(the_world) -> list[tuple]:
    from portal.cards.models import PrintBatch

    rows = []
    for pk, created, finished in the_world.batches:
        local = datetime.datetime.fromtimestamp(created + 19800, datetime.timezone.utc)
        issued_before = datetime.datetime.fromtimestamp(created, datetime.timezone.utc).isoformat()
        rows.append((pk, PrintBatch.number_for(pk, local.year), "done",
                     {"issued_before": issued_before, "synthetic": True}, 0, 0, the_world.state_user, created,
                     created + 60, finished))
    return rows


def _count_batches(the_world) -> None:
    """Each batch's counts from the cards that went into it (two faces a card)."""
    from portal.cards.models import Card, PrintBatch

    pks = [pk for pk, _, _ in the_world.batches]
    if not pks:
        return
    counts = dict(Card.objects.filter(batch_id__in=pks).order_by().values_list("batch_id").annotate(n=Count("id")))
    batches = list(PrintBatch.objects.filter(pk__in=pks))
    for batch in batches:
        batch.card_count = counts.get(batch.pk, 0)
        batch.total = batch.done = 2 * batch.card_count
    PrintBatch.objects.bulk_update(batches, ["card_count", "total", "done"], batch_size=500)
