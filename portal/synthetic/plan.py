"""The plan of every family, made before any row: which office, which status, when, and
how many people. Kept in compact arrays (22 lakh families fit in ~100 MB), sorted by the
time each registration was started, so primary keys and application numbers grow with
time as on a live portal, and cut into chunks whose first primary key of every table is
known in advance (workers can then build chunks in any order and the rows are the same).
"""

import array
import bisect
import itertools
import math
import random
from dataclasses import dataclass

from .people import _between, family_shape, shape_size
from .world import DAY, HISTORY_DAYS, World

DRAFT, SUBMITTED, RETURNED, RESUBMITTED, VERIFIED, REJECTED = range(6)
STATUS_NAMES = ("draft", "submitted", "returned", "resubmitted", "verified", "rejected")
# Where registrations stand (share of families). Pending = submitted + resubmitted.
STATUS_MIX = ((VERIFIED, 80.0), (SUBMITTED, 6.5), (RESUBMITTED, 1.5), (RETURNED, 3.0), (REJECTED, 1.5),
              (DRAFT, 7.5))
PENSIONER_SHARE = 5 / 22  # 5 lakh pensioners of 22 lakh families
CHUNK = 4000  # families per chunk (fixed: the same seed and size give the same rows)
REPLACED_SHARE = 0.003  # verified families in which one card was replaced by a corrected one


@dataclass
class Chunk:
    index: int
    first: int  # position of its first family in the sorted plan
    count: int
    bases: dict[str, int]  # first primary key of each table in this chunk


class Plan:
    FIELDS = ("kind", "office", "status", "created", "submitted", "returned", "resubmitted", "decided", "age",
              "gender", "spouse", "children", "parents", "siblings", "photos_missing", "replaced", "assisted")

    def __init__(self, n: int):
        self.n = n
        self.kind = array.array("b")
        self.office = array.array("i")
        self.status = array.array("b")
        self.created = array.array("q")
        self.submitted = array.array("q")
        self.returned = array.array("q")
        self.resubmitted = array.array("q")
        self.decided = array.array("q")
        self.age = array.array("f")
        self.gender = array.array("b")  # 0 male, 1 female, 2 transgender
        self.spouse = array.array("b")
        self.children = array.array("b")
        self.parents = array.array("b")
        self.siblings = array.array("b")
        self.photos_missing = array.array("b")
        self.replaced = array.array("b")
        self.assisted = array.array("b")
        self.order: list[int] = []

    def size(self, i: int) -> int:
        return shape_size((0, 0, self.spouse[i], self.children[i], self.parents[i], self.siblings[i]))

    def shape(self, i: int):
        return (float(self.age[i]), ("male", "female", "transgender")[self.gender[i]], bool(self.spouse[i]),
                self.children[i], self.parents[i], self.siblings[i])


def _office_hours(t: int, rng: random.Random) -> int:
    """Most registrations happen in office hours (09:00-19:00 IST); some in the evening."""
    day = (t + 19800) // DAY
    if rng.random() < 0.85:
        seconds = _between(rng, 9 * 3600, 19 * 3600)
    else:
        seconds = _between(rng, 0, DAY)
    return day * DAY + seconds - 19800


def _historic_age(rng: random.Random) -> float:
    """Days before now of a submission since decided: steady work plus registration drives,
    the last of them still going on (so recent cards are on their way at every stage)."""
    u = rng.random()
    if u < 0.35:
        age = rng.uniform(2, HISTORY_DAYS - 2)
    elif u < 0.55:
        age = rng.gauss(640, 18)
    elif u < 0.70:
        age = rng.gauss(400, 15)
    elif u < 0.85:
        age = rng.gauss(150, 12)
    else:
        age = rng.gauss(28, 9)
    return min(HISTORY_DAYS - 2, max(2, age))


def _lag(rng: random.Random, median_days: float, sigma: float, cap_days: float) -> int:
    return int(min(cap_days, rng.lognormvariate(math.log(median_days), sigma)) * DAY)


PARTS = 2  # the plan is made in two halves (in parallel for big runs): always two, so it never depends on that


def make(world: World, *, families: int, seed: int, parallel: bool = False) -> Plan:
    """The whole plan: its halves (each with its own random stream), then sorted by time."""
    sizes = [families // PARTS + (1 if k < families % PARTS else 0) for k in range(PARTS)]
    if parallel and families >= 100_000:
        import multiprocessing

        global _forked_world
        _forked_world = world  # the forked children read it from memory; only the arrays come back
        try:
            with multiprocessing.get_context("fork").Pool(PARTS) as pool:
                parts = pool.starmap(_make_forked_part, [(size, seed, k) for k, size in enumerate(sizes)])
        finally:
            _forked_world = None
    else:
        parts = [_make_part(world, size, seed, k) for k, size in enumerate(sizes)]
    plan = Plan(families)
    for part in parts:
        for name in Plan.FIELDS:
            getattr(plan, name).extend(getattr(part, name))
    plan.order = sorted(range(families), key=plan.created.__getitem__)
    return plan


_forked_world: World | None = None


def _make_forked_part(families: int, seed: int, part: int) -> Plan:
    return _make_part(_forked_world, families, seed, part)


def _make_part(world: World, families: int, seed: int, part: int) -> Plan:
    rng = random.Random(seed * 31 + 7 + 1000003 * part)
    now = world.now
    plan = Plan(families)
    ddo = [i for i, o in enumerate(world.offices) if o.kind == "ddo"]
    treasury = [i for i, o in enumerate(world.offices) if o.kind == "treasury"]
    pick_ddo = _picker(ddo, [world.offices[i].headcount for i in ddo])
    pick_to = _picker(treasury, [world.offices[i].headcount for i in treasury]) if treasury else pick_ddo
    statuses = [s for s, _ in STATUS_MIX]
    status_cum = list(itertools.accumulate(w for _, w in STATUS_MIX))
    for _ in range(families):
        pensioner = bool(treasury) and rng.random() < PENSIONER_SHARE
        office = pick_to(rng) if pensioner else pick_ddo(rng)
        status = statuses[bisect.bisect(status_cum, rng.random() * status_cum[-1])]
        submitted = returned = resubmitted = decided = 0
        if status in (VERIFIED, REJECTED):
            submitted = _office_hours(now - int(_historic_age(rng) * DAY), rng)
            decided = submitted + _lag(rng, 4, 0.9, 90)
        elif status == SUBMITTED:
            wait = rng.expovariate(1 / 9) if rng.random() < 0.85 else rng.uniform(30, 120)
            submitted = _office_hours(now - int(wait * DAY), rng)
        elif status == RETURNED:
            returned = _office_hours(now - int(rng.uniform(0, 45) * DAY), rng)
            submitted = returned - _lag(rng, 5, 0.7, 60)
        elif status == RESUBMITTED:
            resubmitted = _office_hours(now - int(rng.expovariate(1 / 6) * DAY), rng)
            returned = resubmitted - int(rng.uniform(0.5, 20) * DAY)
            submitted = returned - _lag(rng, 5, 0.7, 60)
        if status == DRAFT:
            created = _office_hours(now - int(min(HISTORY_DAYS - 1, rng.expovariate(1 / 25)) * DAY), rng)
        else:
            created = submitted - _between(rng, 600, 3 * DAY)
        # Everything happened before now, in order.
        limit = now - 60
        created = min(created, limit - 240)
        submitted = min(submitted, limit - 180) if submitted else 0
        submitted = max(submitted, created + 60) if submitted else 0
        returned = max(min(returned, limit - 120), submitted + 60) if returned else 0
        resubmitted = max(min(resubmitted, limit - 60), returned + 60) if resubmitted else 0
        decided = max(min(decided, limit), submitted + 60) if decided else 0
        age, gender, spouse, children, parents, siblings = family_shape(rng, pensioner=pensioner)
        members = 1 + spouse + children + (2 if parents == 3 else 1 if parents else 0) + siblings
        missing = _between(rng, 1, members + 1) if status == DRAFT and rng.random() < 0.5 else 0
        replaced = 1 if status == VERIFIED and now - decided > 20 * DAY and rng.random() < REPLACED_SHARE else 0
        assisted = 1 if (not pensioner and world.offices[office].operator and rng.random() < 0.3) else 0
        plan.kind.append(1 if pensioner else 0)
        plan.office.append(office)
        plan.status.append(status)
        plan.created.append(created)
        plan.submitted.append(submitted)
        plan.returned.append(returned)
        plan.resubmitted.append(resubmitted)
        plan.decided.append(decided)
        plan.age.append(age)
        plan.gender.append(("male", "female", "transgender").index(gender))
        plan.spouse.append(1 if spouse else 0)
        plan.children.append(children)
        plan.parents.append(parents)
        plan.siblings.append(siblings)
        plan.photos_missing.append(missing)
        plan.replaced.append(replaced)
        plan.assisted.append(assisted)
    return plan


def _picker(items: list[int], weights: list[float]):
    cum = list(itertools.accumulate(weights))
    total = cum[-1]

    def pick(rng: random.Random) -> int:
        return items[min(len(items) - 1, bisect.bisect(cum, rng.random() * total))]

    return pick


def chunks(plan: Plan, bases: dict[str, int]) -> list[Chunk]:
    """The chunks in order, each with the first primary key of every table it writes."""
    next_id = dict(bases)
    out = []
    for index, first in enumerate(range(0, plan.n, CHUNK)):
        count = min(CHUNK, plan.n - first)
        out.append(Chunk(index=index, first=first, count=count, bases=dict(next_id)))
        members = photos = users = cards = 0
        for position in range(first, first + count):
            i = plan.order[position]
            size = plan.size(i)
            members += size
            photos += size - plan.photos_missing[i]
            if plan.status[i] == VERIFIED:
                users += 1
                cards += size + plan.replaced[i]
        next_id["families"] += count
        next_id["members"] += members
        next_id["aadhaar"] += members
        next_id["photos"] += photos
        next_id["users"] += users
        next_id["cards"] += cards
        next_id["serial"] += members
    out.append(Chunk(index=len(out), first=plan.n, count=0, bases=next_id))  # the end: next free ids
    return out
