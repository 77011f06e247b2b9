"""One chunk of the plan as rows: accounts, vault records, photos, families, members, cards
and their prints, and the audit events a real registration would have left.

Random choices come from a generator seeded by (seed, chunk), so a chunk is the same
whichever process builds it and in whatever order.
"""

import datetime
import functools
import json
import random

from portal.enrolment.models import Family

from . import cards as card_rows
from .aadhaar import Sealer
from .aadhaar import number as aadhaar_number
from .people import Namer, Picker, _between, _pick, community_of, family_members
from .plan import DRAFT, RESUBMITTED, RETURNED, STATUS_NAMES, SUBMITTED, VERIFIED, Chunk, Plan
from .reference import Reference
from .tables import Json
from .world import DAY, World

UTC = datetime.timezone.utc
LIVE = (SUBMITTED, RETURNED, RESUBMITTED, VERIFIED)  # the primary beneficiary holds the Aadhaar
IST = 19800


def _day(ts: int) -> datetime.date:
    return datetime.date.fromordinal(719163 + (ts + IST) // DAY)


def _year(ts: int) -> int:
    return _day(ts).year


class Builder:
    """Builds chunks for one world; one per process."""

    def __init__(self, world: World, plan: Plan, ref: Reference, *, seed: int, password: str, photos: list,
                 history: bool, sign_cards: bool = True):
        self.world = world
        self.plan = plan
        self.ref = ref
        self.seed = seed
        self.password = password
        self.photos = photos  # (file name, size, kind) of the shared JPEG files
        self.history = history
        self.signer = card_rows.Signer(sign_cards)
        self.namer = Namer(ref)
        self.sealer = Sealer()
        self.today = _day(world.now)
        master = world.master
        self.pay_level = master.pay_levels  # code -> (pk, ward)
        self.districts = master.districts
        self.treasury_code = {t[0]: t[1] for t in master.treasuries}
        self.designations = {group: Picker(items, [d.weight for d in items]) for group, items in ref.designations.items()}
        self.photo_options: dict[tuple[str, str], list] = {}
        for name, size, key in photos:
            self.photo_options.setdefault(key, []).append((name, size))
        self.returned_reasons = ref.reasons["returned"]
        self.rejected_reasons = ref.reasons["rejected"]
        self.office_index = {o.pk: i for i, o in enumerate(world.offices)}
        self.dispatch_cache: dict[tuple[int, int], object] = {}
        self.officer_label = {}
        for office in world.offices:
            prefix = "TO" if office.kind == "treasury" else "DDO"
            self.officer_label[office.officer] = (f"{prefix}{office.officer:06d}", "to" if prefix == "TO" else "ddo")
            if office.operator:
                self.officer_label[office.operator] = (f"OP{office.operator:06d}", "operator")

    def chunk(self, chunk: Chunk) -> dict[str, list]:
        rng = random.Random((self.seed << 20) ^ (chunk.index * 2654435761))
        out = {k: [] for k in ("users", "aadhaar", "photos", "families", "members", "dispatches", "cards",
                               "cardprints", "events")}
        ids = dict(chunk.bases)
        plan = self.plan
        for position in range(chunk.first, chunk.first + chunk.count):
            self._family(rng, plan.order[position], ids, out)
        return out

    # --- one family -------------------------------------------------------------------

    def _family(self, rng: random.Random, i: int, ids: dict, out: dict) -> None:
        plan, world = self.plan, self.world
        status = plan.status[i]
        pensioner = plan.kind[i] == 1
        office = world.offices[plan.office[i]]
        district = self.districts[office.district]
        community = community_of(rng)
        # Ages as on the day of registration; an employee is still in service today.
        registered = _day(plan.created[i])
        shape = plan.shape(i)
        if not pensioner:
            shape = (max(21.0, min(shape[0], 60.0 - (self.today - registered).days / 365.25)),) + shape[1:]
        people = family_members(rng, self.namer, today=registered, pensioner=pensioner, shape=shape,
                                community=community)
        pk = ids["families"]
        ids["families"] += 1
        created, submitted = plan.created[i], plan.submitted[i] or None
        returned, resubmitted, decided = plan.returned[i] or None, plan.resubmitted[i] or None, plan.decided[i] or None
        updated = decided or resubmitted or returned or submitted or min(world.now - 60, created + _between(rng, 60, 2 * DAY))
        language = "hi" if rng.random() < 0.75 else "en"
        primary = people[0]
        designation, level = self._designation(rng, office.group)
        mobile = f"60{pk:08d}"
        email = f"en{pk:07d}@example.com" if rng.random() < 0.3 else ""
        house = _between(rng, 1, 451)
        locality = _pick(rng, self.ref.localities)
        pin = 201000 + (district[1] * 613) % 84000
        if language == "hi":
            address = f"म.नं. {house}, {locality[1]}, {district[3]} - {pin}"
        else:
            address = f"House No. {house}, {locality[0]}, {district[2]} - {pin}"
        level_pk, ward = self.pay_level[level]
        if pensioner:
            retirement = _sixtieth(primary.born)
            employee_id, ppo = "", f"{office.treasury_code}/{retirement.year}/{pk:07d}"
            joining, job = None, ""
        else:
            retirement, ppo = None, ""
            employee_id = f"UP{office.department_code[3:]}{pk:07d}"
            start_age = rng.uniform(21, max(21.5, min(40, (registered - primary.born).days / 365.25 - 0.5)))
            joining = min(registered, primary.born + datetime.timedelta(days=int(start_age * 365.25)))
            job = designation
        assisted = plan.assisted[i] == 1
        created_by = office.operator if assisted else None
        reason = ""
        if status in (RETURNED, RESUBMITTED):
            reason = _pick(rng, self.returned_reasons)[0 if language == "en" else 1]
        elif status == 5:
            reason = _pick(rng, self.rejected_reasons)[0 if language == "en" else 1]
        form_received = None
        if status == VERIFIED and rng.random() < 0.7:
            form_received = _day(submitted + int((decided - submitted) * rng.random()))
        elif status in (SUBMITTED, RESUBMITTED) and rng.random() < 0.3:
            form_received = _day(min(world.now - 60, submitted + _between(rng, 0, 3 * DAY)))
        user_pk = None
        if status == VERIFIED:
            user_pk = ids["users"]
            ids["users"] += 1
            out["users"].append((user_pk, self.password, f"BN{user_pk:06d}", primary.name_en, primary.name_hi, job,
                                 "beneficiary", mobile, email, language, False, None, decided))
        number = Family.number_for(pk, _year(created))
        out["families"].append((
            pk, number, "pensioner" if pensioner else "employee", STATUS_NAMES[status], office.pk, language, mobile,
            email, address, employee_id, job, level_pk, joining, ppo, retirement, ward, created_by,
            "employee_otp" if assisted else "self", _uuid(rng, pk), created, updated, submitted, returned, decided, reason,
            form_received, office.officer if status == VERIFIED else None, user_pk,
        ))
        # Members, their vault records and photos.
        missing = plan.photos_missing[i]
        holds = status in LIVE
        member_rows = []
        for position, person in enumerate(people):
            member_pk = ids["members"]
            ids["members"] += 1
            aadhaar_pk = ids["aadhaar"]
            ids["aadhaar"] += 1
            value = aadhaar_number(ids["serial"])
            ids["serial"] += 1
            sealed, index = self.sealer.seal(value)
            member_created = created + position * 90
            out["aadhaar"].append((aadhaar_pk, sealed, self.sealer.key_id, index, value[-4:], member_created))
            photo_pk = None
            if position < len(people) - missing:
                photo_pk = ids["photos"]
                ids["photos"] += 1
                name, size = self._photo(person)
                out["photos"].append((photo_pk, name, 350, 450, size, member_created))
            row = (member_pk, pk, person.relation, person.name_en, person.name_hi, person.guardian, person.born,
                   person.gender, person.marital, person.disabled, person.dependent, person.income, aadhaar_pk,
                   value[-4:], photo_pk, holds and position == 0, member_created)
            out["members"].append(row)
            member_rows.append(row)
        if status == VERIFIED:
            card_rows.for_family(self, rng, ids, out, family=(pk, office, decided, user_pk, ward, pensioner),
                                 members=member_rows, replaced=plan.replaced[i] == 1)
        if self.history:
            self._events(out, pk, number, status, office, created, submitted, returned, resubmitted, decided, reason,
                         created_by, pensioner, member_rows[0][13])

    def _designation(self, rng: random.Random, group: str):
        chosen = self.designations[group if rng.random() < 0.75 else "generic"](rng)
        return chosen.en, chosen.pay_level

    def _photo(self, person) -> tuple[str, int]:
        days = (self.today - person.born).days
        group = "child" if days < 5479 else "elder" if days >= 21915 else "adult"  # 15 and 60 years
        options = self.photo_options.get((group, "female" if person.gender == "female" else "male"))
        if not options:
            return self.photos[0][:2]
        return options[person.born.toordinal() % len(options)]

    def _events(self, out, pk, number, status, office, created, submitted, returned, resubmitted, decided, reason,
                created_by, pensioner, last4):
        """What the services would have written to the audit log for this registration."""
        target = ("enrolment.family", str(pk), number)
        if created_by:
            label, role = self.officer_label[created_by]
            applicant = (created_by, role, label)
        else:
            applicant = (None, "public", "")
        officer_label, officer_role = self.officer_label[office.officer]
        officer = (office.officer, officer_role, officer_label)
        events = out["events"]
        kind = "pensioner" if pensioner else "employee"
        events.append((created, *applicant, "", "enrolment.family.started", *target,
                       Json(f'{{"kind": "{kind}", "office": "{office.code}", "aadhaar": "XXXX{last4}"}}')))
        if status == DRAFT:
            return
        events.append((submitted, *applicant, "", "enrolment.family.submitted", *target, _move("draft", "submitted")))
        previous = "submitted"
        if returned:
            events.append((returned, *officer, "", "enrolment.family.returned", *target,
                           _move("submitted", "returned", reason)))
            previous = "returned"
        if resubmitted:
            events.append((resubmitted, *applicant, "", "enrolment.family.resubmitted", *target,
                           _move("returned", "resubmitted")))
            previous = "resubmitted"
        if decided:
            to = STATUS_NAMES[status]
            events.append((decided, *officer, "", f"enrolment.family.{to}", *target,
                           _move(previous, to, reason if to == "rejected" else "")))


@functools.lru_cache(maxsize=256)
def _move(previous: str, to: str, reason: str = "") -> Json:
    """The details lifecycle.move records, serialised once per distinct move and reason."""
    return Json(json.dumps({"from": previous, "to": to, "reason": reason}, ensure_ascii=False))


def _sixtieth(born: datetime.date) -> datetime.date:
    """Retirement on the last day of the month of the 60th birthday."""
    year, month = born.year + 60, born.month
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def _uuid(rng, pk: int) -> str:
    """A version-4-shaped UUID as 32 hex digits (both PostgreSQL and Django read it):
    random, with the row's primary key in its last 48 bits, so no two runs ever repeat one."""
    bits = (rng.getrandbits(80) << 48) | (pk & 0xFFFFFFFFFFFF)
    return f"{(bits & _UUID_CLEAR) | _UUID_SET:032x}"

