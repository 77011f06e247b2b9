"""The state around the families: offices with their approved DDOs/TOs, operators,
monitoring officers, the state cell, and the weekly card print batches.

Offices follow data/ddo_kinds.csv: each department has a head office (Lucknow unless the
file names another city), district offices and unit offices (blocks, colleges, hospitals,
divisions...), with its employees shared out as the file says and spread over districts
in proportion to their Census 2011 population. The full-state layout has about 24,000
DDO offices; smaller runs keep a weighted sample whose head counts are scaled up by the
inverse of each office's chance of being kept, so district and department totals stay in
proportion at any size. Every treasury has one TO office for its pensioners.
"""

import math
import random
from dataclasses import dataclass, field

from portal.accounts.models import USERNAME_PREFIX, Role
from portal.ddo.models import Application

from .reference import OfficeKind, Reference

DAY = 86400
WEEK = 7 * DAY
HISTORY_DAYS = 730
STATE_OFFICES = 24000  # DDO offices at full state scale (issue 5/5: "tens of thousands")
GENERIC_HQ_CODE = "2291"  # Koshvani: आहरण वितरण अधिकारी-मुख्यालय (DDO, headquarters)
LUCKNOW = 162
# Pensioners paid at Jawahar Bhawan (Lucknow: retired secretariat and directorate staff)
# and at the Pay & Accounts Office, New Delhi; the rest by district treasury.
PENSIONER_SHARE = {"jawahar_bhawan": 0.08, "pao": 0.004}


@dataclass(frozen=True)
class Master:
    """The master data of the database, as plain values (picklable for workers)."""

    districts: tuple  # (pk, lgd, name_en, name_hi, division_pk)
    divisions: tuple  # (pk,)
    departments: tuple  # (pk, code, name_en, name_hi)
    treasuries: tuple  # (pk, code, kind, district_pk, name_en)
    pay_levels: dict  # code -> (pk, ward)
    # What earlier runs (or real registrations) hold: DDO codes of live applications per
    # treasury, and the TO office of each treasury that has one (pk, code, officer pk).
    taken_codes: frozenset = frozenset()
    to_offices: dict = field(default_factory=dict)


@dataclass
class OfficeInfo:
    pk: int
    code: str
    kind: str  # "ddo" or "treasury"
    district: int  # index into Master.districts
    department_code: str
    group: str
    treasury_pk: int
    treasury_code: str
    headcount: float
    ddo_code: str = ""
    officer: int = 0  # user pk of the DDO/TO
    operator: int = 0  # user pk of a computer operator (0: none)


@dataclass
class World:
    seed: int
    now: int
    start: int  # first day of the history (now - 730 days)
    offices: list[OfficeInfo]
    master: Master
    state_user: int
    batch_base: int
    batches: list[tuple[int, int, int]]  # (pk, created, finished) for batch 1, 2, ...
    dispatch_base: int
    rows: dict[str, list] = field(default_factory=dict)  # table key -> rows written before families

    def batch_of(self, issued: int) -> int:
        """The number (1, 2, ...) of the weekly batch that takes a card issued at `issued`."""
        return (issued - self.start) // WEEK + 1

    def dispatch_pk(self, batch: int, office_index: int) -> int:
        return self.dispatch_base + (batch - 1) * len(self.offices) + office_index


def mix(*values: int) -> int:
    """A fixed 32-bit hash of small integers: the same batch/office timings in every worker."""
    h = 2166136261
    for v in values:
        h = ((h ^ (v & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
        h ^= h >> 15
    return h


def unit(*values: int) -> float:
    return mix(*values) / 4294967296.0


class Ids:
    """Next primary key of each table, handed out in order."""

    def __init__(self, bases: dict[str, int]):
        self.next = dict(bases)

    def take(self, key: str, n: int = 1) -> int:
        first = self.next[key]
        self.next[key] = first + n
        return first


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list[tuple[object, float]]:
    """k items without replacement, heavier first (Efraimidis-Spirakis), each with its
    approximate inclusion probability (for Horvitz-Thompson re-weighting)."""
    if k >= len(items):
        return [(item, 1.0) for item in items]
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0), reverse=True)[:k]
    total = sum(weights)
    chosen = []
    for _, i in keyed:
        chosen.append((items[i], min(1.0, k * weights[i] / total)))
    return chosen


def office_slots(ref: Reference, master: Master, rng: random.Random) -> list[dict]:
    """Every DDO office of the full-state layout, with its full-state head count."""
    districts = master.districts
    lgd_index = {d[1]: i for i, d in enumerate(districts)}
    dweights = [ref.district_weights[d[1]] for d in districts]
    dtotal = sum(dweights)
    dshare = [w / dtotal for w in dweights]
    employees = {code: thousands * 1000 for code, thousands in ref.department_employees.items()}
    kinds_of: dict[str, list[OfficeKind]] = {}
    for kind in ref.kinds:
        kinds_of.setdefault(kind.department, []).append(kind)
    hq_and_district = sum(1 for k in ref.kinds if k.level == "hq") + 75 * sum(
        1 for k in ref.kinds if k.level == "district")
    generic = [code for code in employees if code not in kinds_of]
    hq_and_district += len(generic)
    unit_budget = max(0, STATE_OFFICES - hq_and_district)
    # Unit offices per kind grow less than linearly with its staff: a big department has
    # bigger offices, not only more of them.
    unit_weights = {k: (employees[k.department] * k.share) ** 0.6 for k in ref.kinds if k.level == "unit"}
    unit_weight_total = sum(unit_weights.values()) or 1.0
    slots = []

    def add(kind: OfficeKind | None, department: str, level: str, district: int, headcount: float, serial: int = 0):
        slots.append({"kind": kind, "department": department, "level": level, "district": district,
                      "headcount": headcount, "serial": serial})

    for code in sorted(employees):
        staff = employees[code]
        for kind in kinds_of.get(code, []):
            share = staff * kind.share
            if kind.level == "hq":
                add(kind, code, "hq", lgd_index[kind.place_lgd or LUCKNOW], share)
            elif kind.level == "district":
                for i in range(len(districts)):
                    add(kind, code, "district", i, share * dshare[i])
            else:
                n = max(1, round(unit_budget * unit_weights[kind] / unit_weight_total))
                places = rng.choices(range(len(districts)), weights=dweights, k=n)
                sizes = [rng.lognormvariate(0, 0.5) for _ in range(n)]
                size_total = sum(sizes)
                serials: dict[int, int] = {}
                for place, size in zip(places, sizes):
                    serials[place] = serials.get(place, 0) + 1
                    add(kind, code, "unit", place, share * size / size_total, serials[place])
        if code in generic:
            add(None, code, "hq", lgd_index[LUCKNOW], staff)
    return slots


def _ddo_code(slot: dict, department_number: int) -> str:
    kind = slot["kind"]
    if kind is None:
        return f"{GENERIC_HQ_CODE}{department_number:03d}"
    if slot["level"] == "unit":
        return f"{kind.ddo_code}{slot['serial']:03d}"
    return kind.ddo_code


def _names(ref: Reference, rng: random.Random, gender: str, community: str, era: str = "mid") -> tuple[str, str]:
    given = ref.given[(community, gender, era)]
    first = rng.choices(given, weights=[n.weight for n in given])[0]
    surnames = [s for s in ref.surnames[(community, gender)] if s.en not in ("Devi", "Kumari", "Bano", "Khatoon", "Begum")]
    last = rng.choices(surnames, weights=[s.weight for s in surnames])[0]
    return f"{first.en} {last.en}", f"{first.hi} {last.hi}"


def build(*, ref: Reference, master: Master, seed: int, now: int, employees: int, pensioners: int,
          offices: int | None, ids: Ids, password: str, rng: random.Random) -> World:
    """Offices, officers, applications, grants, monitoring users and print batches: the rows
    written before any family, and the World the family generator reads."""
    from .people import community_of

    start = now - HISTORY_DAYS * DAY
    slots = office_slots(ref, master, random.Random(seed * 7 + 1))
    state_total = sum(s["headcount"] for s in slots)
    if offices is None:
        # At full scale ~70 employees per office; a smaller run keeps more offices per
        # employee so that every district still has several.
        scale = max(employees / state_total, 1e-6)
        per_office = max(8.0, 70.0 * math.sqrt(scale))
        offices = max(1, round(employees / per_office))
    kept = _weighted_sample(rng, slots, [math.sqrt(s["headcount"]) for s in slots], offices)
    kept.sort(key=lambda pair: (pair[0]["department"], pair[0]["district"], pair[0]["level"], pair[0]["serial"]))
    factor = employees / sum(s["headcount"] / p for s, p in kept)

    districts = master.districts
    dept_by_code = {d[1]: d for d in master.departments}
    treasury_of_district = {t[3]: t for t in master.treasuries if t[2] == "district"}
    jawahar = next(t for t in master.treasuries if t[2] == "jawahar_bhawan")
    pao = next((t for t in master.treasuries if t[2] == "pao"), None)
    lucknow = next(i for i, d in enumerate(districts) if d[1] == LUCKNOW)

    rows: dict[str, list] = {k: [] for k in ("users", "offices", "applications", "application_offices", "grants")}
    infos: list[OfficeInfo] = []
    state_pk = ids.take("users")
    approved_at = {}

    def user(pk: int, role: str, name: tuple[str, str], designation: str, mobile_serial: int, joined: int,
             language: str) -> tuple:
        username = f"{USERNAME_PREFIX[role]}{pk:06d}"
        return (pk, password, username, name[0], name[1], designation, role, f"61{mobile_serial:08d}",
                f"{username.lower()}@example.com", language, False, joined, joined)

    def person(gender=None) -> tuple[str, str]:
        gender = gender or ("female" if rng.random() < 0.22 else "male")
        return _names(ref, rng, gender, community_of(rng))

    joined_state = start - 200 * DAY
    rows["users"].append(user(state_pk, Role.STATE, person(), "State Cell Officer", state_pk, joined_state, "hi"))
    for role, count in ((Role.STATE, 2), (Role.HELPDESK, 2)):
        for _ in range(count):
            pk = ids.take("users")
            rows["users"].append(user(pk, role, person(), "State Cell" if role == Role.STATE else "Helpdesk",
                                      pk, joined_state, "hi"))
    for i, d in enumerate(districts):
        pk = ids.take("users")
        rows["users"].append(user(pk, Role.DISTRICT, person(), "District Nodal Officer", pk, joined_state, "hi"))
        rows["grants"].append((pk, None, d[0], None, None, joined_state, state_pk, "district officer"))
    for (division_pk,) in master.divisions:
        pk = ids.take("users")
        rows["users"].append(user(pk, Role.DIVISION, person(), "Divisional Nodal Officer", pk, joined_state, "hi"))
        rows["grants"].append((pk, None, None, division_pk, None, joined_state, state_pk, "division officer"))
    for dept in master.departments:
        pk = ids.take("users")
        rows["users"].append(user(pk, Role.DEPARTMENT, person(), "Departmental Nodal Officer", pk, joined_state, "hi"))
        rows["grants"].append((pk, None, None, None, dept[0], joined_state, state_pk, "department officer"))

    def application(officer_pk: int, kind: str, name, designation: str, department_pk: int, district_pk: int,
                    treasury_pk: int, ddo_code: str, approved: int, language: str, status: str = "approved",
                    mobile_serial: int = 0) -> int:
        pk = ids.take("applications")
        created = approved - rng.randint(5, 40) * DAY
        submitted = created + rng.randint(600, 3 * DAY)
        scan = submitted + rng.randint(DAY, 10 * DAY)
        decided = approved if status in ("approved", "rejected") else None
        returned = scan + DAY if status in ("returned", "resubmitted") else None
        reason = ("The controlling officer's seal is not legible." if status in ("returned", "resubmitted")
                  else "The DDO code does not belong to this treasury." if status == "rejected" else "")
        submitted_or_none = submitted if status != "draft" else None
        rows["applications"].append((
            pk, Application.number_for(pk, _year(created)), kind, status, name[0], name[1], designation,
            department_pk, district_pk, treasury_pk, ddo_code, f"61{mobile_serial or officer_pk:08d}", "cug",
            f"{kind}{pk:06d}@example.com", person()[0], "Controlling Officer", language,
            _uuid(rng, pk), created, max(decided or returned or scan, created), submitted_or_none, decided, returned,
            reason, scan if status not in ("submitted", "draft") else None,
            "upload" if status not in ("submitted", "draft") else "", officer_pk or None,
        ))
        return pk

    number_of_department = {d[1]: int(d[1][3:]) if d[1][3:].isdigit() else i + 1
                            for i, d in enumerate(master.departments)}
    previous_unit: dict[tuple, OfficeInfo] = {}
    application_of_officer: dict[int, int] = {}
    taken = set(master.taken_codes)
    for slot, probability in kept:
        department = dept_by_code[slot["department"]]
        district = districts[slot["district"]]
        if slot["level"] == "hq" and district[1] == LUCKNOW:
            treasury = jawahar
        else:
            treasury = treasury_of_district.get(district[0], jawahar)
        kind = slot["kind"]
        code = _ddo_code(slot, number_of_department[slot["department"]])
        if (treasury[0], code) in taken:
            code = _free_code(taken, treasury[0], code)
        pk = ids.take("offices")
        name_en, name_hi, office_type = _office_names(slot, department, district)
        headcount = slot["headcount"] / probability * factor
        info = OfficeInfo(pk=pk, code=f"OF{pk:07d}", kind="ddo", district=slot["district"],
                          department_code=slot["department"], group=ref.department_group[slot["department"]],
                          treasury_pk=treasury[0], treasury_code=treasury[1], headcount=headcount)
        # A few unit offices share their DDO with the office before them (one DDO, two
        # offices, one code: the applicant picks the office).
        key = (kind.ddo_code if kind else code, treasury[0])
        shared = previous_unit.get(key) if slot["level"] == "unit" else None
        if shared is not None and rng.random() < 0.03:
            info.officer = shared.officer
            code = shared.ddo_code
        info.ddo_code = code
        taken.add((treasury[0], code))
        language = "hi" if rng.random() < 0.7 else "en"
        approved = start - rng.randint(0, 120) * DAY - rng.randint(0, DAY)
        if not info.officer:
            info.officer = ids.take("users")
            designation = (kind.designation_hi if language == "hi" else kind.designation_en) if kind else (
                "आहरण एवं वितरण अधिकारी" if language == "hi" else "Drawing and Disbursing Officer")
            officer_name = person()
            rows["users"].append(user(info.officer, Role.DDO, officer_name, designation, info.officer, approved,
                                      language))
            application_of_officer[info.officer] = application(
                info.officer, "ddo", officer_name, designation, department[0], district[0], treasury[0], code,
                approved, language)
            approved_at[info.officer] = approved
        approved = approved_at[info.officer]
        if slot["level"] == "unit":
            previous_unit[key] = info
        rows["offices"].append((pk, info.code, name_en, name_hi, "ddo", office_type,
                                f"{name_en.split(', ')[-1]}, Uttar Pradesh", district[0], department[0], treasury[0],
                                code, max(1, round(headcount)), approved))
        rows["application_offices"].append((application_of_officer[info.officer], name_en, name_hi,
                                            rows["offices"][-1][6], district[0], department[0], office_type,
                                            max(1, round(headcount)), pk))
        rows["grants"].append((info.officer, pk, None, None, None, approved, state_pk, ""))
        if rng.random() < 0.15:
            info.operator = ids.take("users")
            rows["users"].append(user(info.operator, Role.OPERATOR, person(), "Computer Operator", info.operator,
                                      approved + 5 * DAY, "hi"))
            rows["grants"].append((info.operator, pk, None, None, None, approved + 5 * DAY, info.officer,
                                   "operator"))
        infos.append(info)

    _treasury_offices(ref, master, rng, rows, infos, ids, user, application, person, pensioners, start, state_pk,
                      jawahar, pao, lucknow)
    _pending_applications(rng, rows, infos, ids, master, application, person, now, taken)
    # Grant notes name the application, as approval writes them.
    number_of_application = {r[0]: r[1] for r in rows["applications"]}
    office_application = {r[8]: r[0] for r in rows["application_offices"] if r[8]}
    rows["grants"] = [
        g if g[1] is None or g[7] == "operator" else g[:7] + (f"application {number_of_application[office_application[g[1]]]}",)
        for g in rows["grants"]
    ]

    batches = []
    batch_base = ids.next["batches"]
    k = 1
    # Only batches already finished: a batch left "running" would be taken over and
    # printed by the portal's resume sweep (its PDFs rendered) as soon as a worker runs.
    while start + k * WEEK + 2 * DAY <= now:
        created = start + k * WEEK
        finished = created + int(DAY * (0.5 + 1.5 * unit(seed, k, 1)))
        batches.append((ids.take("batches"), created, finished))
        k += 1
    world = World(seed=seed, now=now, start=start, offices=infos, master=master, state_user=state_pk,
                  batch_base=batch_base, batches=batches, dispatch_base=ids.next["dispatches"], rows=rows)
    # Dispatch ids are a grid (batch x office) so every worker computes the same id.
    ids.next["dispatches"] += max(1, len(batches)) * len(infos)
    return world


def _treasury_offices(ref, master, rng, rows, infos, ids, user, application, person, pensioners, start, state_pk,
                      jawahar, pao, lucknow):
    districts = master.districts
    index_of_district = {d[0]: i for i, d in enumerate(districts)}
    finance = next((d for d in master.departments if d[1] == "DEP029"), master.departments[0])
    dweights = {d[0]: ref.district_weights[d[1]] for d in districts}
    district_total = sum(dweights.values())
    rest = 1.0 - sum(PENSIONER_SHARE.values())
    for treasury in master.treasuries:
        t_kind = treasury[2]
        if t_kind == "district":
            district_pk = treasury[3]
            share = rest * dweights[district_pk] / district_total
        elif t_kind in PENSIONER_SHARE:
            district_pk = districts[lucknow][0]
            share = PENSIONER_SHARE[t_kind]
        else:
            continue
        district = districts[index_of_district[district_pk]]
        headcount = pensioners * share
        if treasury[0] in master.to_offices and master.to_offices[treasury[0]] is None:
            continue  # a TO's application is pending there: no second one
        existing = master.to_offices.get(treasury[0])
        if existing:
            # The treasury has its TO already (one per treasury): its pensioners join that office.
            office_pk, office_code, officer_pk = existing
            infos.append(OfficeInfo(pk=office_pk, code=office_code, kind="treasury",
                                    district=index_of_district[district_pk], department_code=finance[1],
                                    group="finance", treasury_pk=treasury[0], treasury_code=treasury[1],
                                    headcount=headcount, officer=officer_pk))
            continue
        pk = ids.take("offices")
        language = "hi" if rng.random() < 0.7 else "en"
        approved = start - rng.randint(0, 120) * DAY - rng.randint(0, DAY)
        officer_pk = ids.take("users")
        designation = "कोषाधिकारी" if language == "hi" else "Treasury Officer"
        name = person()
        rows["users"].append(user(officer_pk, Role.TO, name, designation, officer_pk, approved, language))
        app_pk = application(officer_pk, "to", name, designation, finance[0], district_pk, treasury[0], "", approved,
                             language)
        place_en = "New Delhi" if t_kind == "pao" else district[2]
        name_en = f"Pension section, {treasury[4]}"
        name_hi = f"पेंशन अनुभाग, {_hindi_treasury(treasury, district)}"
        rows["offices"].append((pk, f"OF{pk:07d}", name_en, name_hi, "treasury", "treasury",
                                f"Treasury, {place_en}", district_pk, finance[0], treasury[0], "",
                                max(1, round(headcount)), approved))
        rows["application_offices"].append((app_pk, name_en, name_hi, f"Treasury, {place_en}", district_pk, finance[0],
                                            "treasury", max(1, round(headcount)), pk))
        rows["grants"].append((officer_pk, pk, None, None, None, approved, state_pk, ""))
        infos.append(OfficeInfo(pk=pk, code=f"OF{pk:07d}", kind="treasury", district=index_of_district[district_pk],
                                department_code=finance[1], group="finance", treasury_pk=treasury[0],
                                treasury_code=treasury[1], headcount=headcount, officer=officer_pk))


def _free_code(taken: set, treasury_pk: int, code: str) -> str:
    """A DDO code like `code` that no live application at this treasury holds (a run
    appended to another keeps its offices apart)."""
    for n in range(1, 1000):
        candidate = f"{code}{n:03d}"[:10]
        if (treasury_pk, candidate) not in taken:
            return candidate
    for n in range(10**9):
        candidate = f"8{n:09d}"
        if (treasury_pk, candidate) not in taken:
            return candidate
    raise RuntimeError("no free DDO code")


def _pending_applications(rng, rows, infos, ids, master, application, person, now, taken):
    """A few DDO applications still with the state cell (or returned, or rejected), so the
    state cell's queue has work: new offices whose codes no approved office uses."""
    ddo = [o for o in infos if o.kind == "ddo"]
    if not ddo:
        return
    count = max(3, len(ddo) // 100)
    departments = {d[1]: d for d in master.departments}
    statuses = ["submitted", "form_printed", "scan_received", "resubmitted", "returned", "rejected"]
    for i in range(count):
        office = rng.choice(ddo)
        status = statuses[i % len(statuses)]
        approved = now - rng.randint(1, 25) * DAY
        district = master.districts[office.district]
        code = _free_code(taken, office.treasury_pk, f"9{i:03d}")
        if status != "rejected":
            taken.add((office.treasury_pk, code))
        application(0, "ddo", person(), "Drawing and Disbursing Officer", departments[office.department_code][0],
                    district[0], office.treasury_pk, code, approved, "hi", status, mobile_serial=90000000 + i)
        app_pk = rows["applications"][-1][0]
        rows["application_offices"].append((app_pk, f"New office {i + 1}, {district[2]}",
                                            f"नया कार्यालय {i + 1}, {district[3]}", f"{district[2]}, Uttar Pradesh",
                                            district[0], departments[office.department_code][0], "district",
                                            rng.randint(5, 300), None))


def _hindi_treasury(treasury, district) -> str:
    if treasury[2] == "jawahar_bhawan":
        return "कोषागार जवाहर भवन, लखनऊ"
    if treasury[2] == "pao":
        return "वेतन एवं लेखा कार्यालय, नई दिल्ली"
    return f"कोषागार {district[3]}"


def _office_names(slot: dict, department, district) -> tuple[str, str, str]:
    kind = slot["kind"]
    place_en, place_hi = district[2], district[3]
    if kind is None:
        return (f"Office of the Drawing and Disbursing Officer, {department[2]}, {place_en}",
                f"आहरण एवं वितरण अधिकारी कार्यालय, {department[3]}, {place_hi}", "directorate")
    if slot["level"] == "unit":
        return (f"Office of the {kind.designation_en}, {kind.unit_en} {slot['serial']}, {place_en}",
                f"कार्यालय {kind.designation_hi}, {kind.unit_hi} {slot['serial']}, {place_hi}", kind.office_type)
    return (f"Office of the {kind.designation_en}, {place_en}", f"कार्यालय {kind.designation_hi}, {place_hi}",
            kind.office_type)


def _year(ts: int) -> int:
    import datetime

    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).year


def _uuid(rng, pk: int):
    from .families import _uuid as token

    return token(rng, pk)
