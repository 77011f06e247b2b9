"""A known population for the monitoring tests, made with plain rows, and an independent
count of what every figure must be, written differently from portal/reports/figures.py:
a loop over the rows in Python that decides each family's state at the cut-off in turn.

Five offices in three districts of two divisions and three departments (DDO and treasury
offices, one without a registered DDO), families of every status whose submissions are
spread over every waiting-time bucket, and cards at every stage."""

import datetime
import itertools
import uuid
from dataclasses import dataclass, field

from portal.accounts.models import Grant, Role
from portal.cards.models import Card, Stage
from portal.directory.models import Department, District, Office, Treasury
from portal.enrolment.models import Family, Member, PayLevel, Status
from portal.enrolment.tests.conftest import aadhaar
from portal.vault import services as vault

from ..figures import COUNTS, Figures
from ..models import Target

DAY = datetime.timedelta(days=1)
_serial = itertools.count(500)


def office(system, *, name: str, district, department, kind="ddo", ddo_code="", headcount=50, created=None):
    from portal.directory.services import create_office

    treasury = Treasury.objects.filter(district=district).first() or Treasury.objects.first()
    made = create_office(actor=system, name_en=name, name_hi=f"कार्यालय {name}", address="Address",
                         district=district, department=department, treasury=treasury,
                         office_type="treasury" if kind == "treasury" else "district", kind=kind,
                         ddo_code=ddo_code or (f"{next(_serial):06d}" if kind == "ddo" else ""), headcount=headcount)
    if created:
        Office.objects.filter(pk=made.pk).update(created_at=created)
        made.refresh_from_db()
    return made


def family(office, *, kind="employee", status=Status.SUBMITTED, submitted=None, returned=None, decided=None,
           created=None) -> Family:
    n = next(_serial)
    created = created or (submitted or decided or returned) - DAY
    level = PayLevel.objects.get(code="7")
    return Family.objects.create(
        number=Family.number_for(n, 2026), kind=kind, status=status, office=office, mobile=f"98{n:08d}",
        address="Lucknow", employee_id=f"E{n}" if kind == "employee" else "", ppo_number="" if kind == "employee"
        else f"PPO{n}", pay_level=level, ward=level.ward, submit_token=uuid.uuid4(), created_at=created,
        updated_at=created, submitted_at=submitted, returned_at=returned, decided_at=decided)


def card(family: Family, *, printed=None, dispatched=None, received=None, handed=None, self_printed=None,
         issued=None) -> Card:
    n = next(_serial)
    record = vault.store(aadhaar(n))
    member = Member.objects.create(family=family, relation="self", name_en="Card Holder", name_hi="कार्डधारक",
                                   date_of_birth=datetime.date(1980, 1, 1), gender="female", aadhaar=record,
                                   aadhaar_last4=record.last4, created_at=family.created_at)
    stage = Stage.ISSUED
    for stamp, name in ((printed, Stage.PRINTED), (dispatched, Stage.DISPATCHED), (received, Stage.RECEIVED),
                        (handed, Stage.HANDED_OVER)):
        if stamp:
            stage = name
    return Card.objects.create(
        member=member, family=family, office=family.office, stage=stage, name_en="Card Holder", name_hi="कार्डधारक",
        relation="self", date_of_birth=member.date_of_birth, gender="female", ward=family.ward, kind=family.kind,
        aadhaar_last4=record.last4, issued_at=issued or family.decided_at or family.created_at, printed_at=printed,
        dispatched_at=dispatched, received_at=received, handed_over_at=handed, first_self_printed_at=self_printed)


@dataclass
class World:
    now: datetime.datetime
    offices: dict
    users: dict
    families: list = field(default_factory=list)
    cards: list = field(default_factory=list)


def build(*, now, system, make_user, users) -> World:
    """The population, as at `now` (inside a 16th–end fortnight)."""
    lucknow = District.objects.get(lgd_code=162)
    unnao = District.objects.get(name_en="Unnao")
    agra = District.objects.get(lgd_code=118)
    medical = Department.objects.get(name_en="Medical and Health")
    education = Department.objects.get(name_en="Basic Education")
    finance = Department.objects.get(name_en="Finance")
    early = now - 400 * DAY
    offices = {
        "lko_med": office(system, name="CMO Lucknow", district=lucknow, department=medical, headcount=40, created=early),
        "lko_edu": office(system, name="BSA Lucknow", district=lucknow, department=education, headcount=25,
                          created=early),
        "lko_tr": office(system, name="Treasury Lucknow", district=lucknow, department=finance, kind="treasury",
                         headcount=30, created=early),
        "unnao_med": office(system, name="CMO Unnao", district=unnao, department=medical, headcount=10,
                            created=early),
        "agra_edu": office(system, name="BSA Agra", district=agra, department=education, headcount=20, created=early),
        # Made after the period began: known only from its creation.
        "agra_new": office(system, name="New office Agra", district=agra, department=education, headcount=5,
                           created=now - 3 * DAY),
    }
    people = {
        "ddo_lko": make_user(Role.DDO, office=offices["lko_med"]),
        "to_lko": make_user(Role.TO, office=offices["lko_tr"]),
        "ddo_unnao": make_user(Role.DDO, office=offices["unnao_med"]),
        "ddo_agra": make_user(Role.DDO, office=offices["agra_edu"]),
        "district": users["district"], "division": users["division"], "department": users["department"],
        "state": users["state"], "helpdesk": users["helpdesk"],
        "deptdist": make_user(Role.DEPARTMENT, department=medical, district=lucknow),
        "agra_district": make_user(Role.DISTRICT, district=agra),
    }
    for user in people.values():
        Grant.objects.filter(user=user, revoked_at__isnull=True).update(granted_at=early)
    # A DDO who left before the period: the office keeps no registered DDO from then on.
    gone = make_user(Role.DDO, office=offices["lko_edu"])
    Grant.objects.filter(user=gone).update(granted_at=early, revoked_at=now - 30 * DAY)
    world = World(now=now, offices=offices, users=people)
    F, S = world.families, Status
    for key, kind in (("lko_med", "employee"), ("lko_tr", "pensioner"), ("unnao_med", "employee"),
                      ("agra_edu", "employee"), ("lko_edu", "employee")):
        o = offices[key]
        # Waiting, in every bucket (0, 5, 7, 8, 15, 16, 30, 31, 45 days).
        for days in (0, 5, 7.9, 8, 15.5, 16, 30.9, 31, 45):
            F.append(family(o, kind=kind, status=S.SUBMITTED, submitted=now - days * DAY - datetime.timedelta(minutes=1)))
        F.append(family(o, kind=kind, status=S.RESUBMITTED, submitted=now - 20 * DAY, returned=now - 12 * DAY))
        F.append(family(o, kind=kind, status=S.RETURNED, submitted=now - 10 * DAY, returned=now - 2 * DAY))
        F.append(family(o, kind=kind, status=S.RETURNED, submitted=now - 40 * DAY, returned=now - 35 * DAY))
        F.append(family(o, kind=kind, status=S.REJECTED, submitted=now - 9 * DAY, decided=now - 1 * DAY))
        F.append(family(o, kind=kind, status=S.REJECTED, submitted=now - 50 * DAY, decided=now - 40 * DAY))
        F.append(family(o, kind=kind, status=S.DRAFT, created=now - 3 * DAY))
        for days in (1, 4, 20, 60):
            verified = family(o, kind=kind, status=S.VERIFIED, submitted=now - (days + 3) * DAY,
                              decided=now - days * DAY)
            F.append(verified)
        # Cards at every stage, inside and before the period.
        holder = F[-1]
        world.cards += [
            card(holder),  # issued, not printed
            card(holder, printed=now - 2 * DAY),
            card(holder, printed=now - 20 * DAY, dispatched=now - 2 * DAY),
            card(holder, printed=now - 20 * DAY, dispatched=now - 18 * DAY, received=now - 1 * DAY),
            card(holder, printed=now - 40 * DAY, dispatched=now - 38 * DAY, received=now - 30 * DAY,
                 handed=now - 5 * DAY),
            card(holder, self_printed=now - 3 * DAY),
            card(holder, printed=now - 40 * DAY, self_printed=now - 25 * DAY),
        ]
    # Uploaded targets: one office, one district, one department in a district.
    Target.objects.create(key=f"office:{offices['lko_med'].pk}", office=offices["lko_med"], employees=100,
                          pensioners=0, uploaded_at=now)
    Target.objects.create(key=f"district:{agra.pk}", district=agra, employees=80, pensioners=5, uploaded_at=now)
    Target.objects.create(key=f"deptdist:{unnao.pk}:{medical.pk}", district=unnao, department=medical,
                          employees=33, pensioners=0, uploaded_at=now)
    return world


# --- the independent count ---------------------------------------------------------------

def _state_at(f: Family, cut) -> str:
    if f.status == Status.VERIFIED and f.decided_at <= cut:
        return "verified"
    if f.status == Status.REJECTED and f.decided_at <= cut:
        return "rejected"
    if f.status == Status.RETURNED and f.returned_at <= cut:
        return "returned"
    return "pending"


def _bucket(f: Family, cut) -> str:
    days = (cut - f.submitted_at).days
    if days <= 7:
        return "pending_0_7"
    if days <= 15:
        return "pending_8_15"
    if days <= 30:
        return "pending_16_30"
    return "pending_31"


def expected(offices_in_scope: list[Office], *, start, cut, unit_target=None) -> Figures:
    """What every figure must be for these offices, counted one row at a time."""
    figures = {key: [0, 0] for key in COUNTS}
    ids = {o.pk for o in offices_in_scope}
    targets = {t.key: (t.employees, t.pensioners) for t in Target.objects.all()}
    for o in offices_in_scope:
        side = 1 if o.kind == "treasury" else 0
        if o.active and o.created_at <= cut:
            figures["offices_known"][side] += 1
            live = [g for g in Grant.objects.filter(office=o).select_related("user")
                    if g.user.role in ("ddo", "to") and g.user.is_active and g.granted_at <= cut
                    and (g.revoked_at is None or g.revoked_at > cut)]
            if live:
                figures["offices_registered"][side] += 1
        own = targets.get(f"office:{o.pk}")
        if own is None:
            own = (o.headcount, 0) if o.kind == "ddo" else (0, o.headcount)
        figures["target"][0] += own[0]
        figures["target"][1] += own[1]
    if unit_target is not None:
        figures["target"] = list(unit_target)
    for f in Family.objects.filter(office_id__in=ids):
        if f.submitted_at is None or f.submitted_at > cut:
            continue
        side = 1 if f.kind == "pensioner" else 0
        figures["registered"][side] += 1
        if f.submitted_at >= start:
            figures["registered_in_period"][side] += 1
        state = _state_at(f, cut)
        figures[state][side] += 1
        if state == "pending":
            figures[_bucket(f, cut)][side] += 1
        if state in ("verified", "rejected") and f.decided_at >= start:
            figures[f"{state}_in_period"][side] += 1
        if f.returned_at and start <= f.returned_at <= cut:
            figures["returned_in_period"][side] += 1
    for c in Card.objects.filter(office_id__in=ids):
        side = 1 if c.kind == "pensioner" else 0
        for key, stamp in (("cards_printed", c.printed_at), ("cards_dispatched", c.dispatched_at),
                           ("cards_received", c.received_at), ("cards_handed_over", c.handed_over_at),
                           ("cards_self_printed", c.first_self_printed_at)):
            if stamp and stamp <= cut:
                figures[key][side] += 1
                if stamp >= start:
                    figures[f"{key}_in_period"][side] += 1
    return Figures(figures)


def expected_target(kind: str, *, office=None, district=None, department=None, division=None) -> tuple[int, int]:
    """The target a unit must show: its own uploaded one, else the sum of the level below
    (office -> department in a district -> district or department; districts -> division, state)."""
    targets = {t.key: (t.employees, t.pensioners) for t in Target.objects.all()}

    def plus(pairs):
        pairs = list(pairs)
        return (sum(p[0] for p in pairs), sum(p[1] for p in pairs))

    def of_office(o):
        if f"office:{o.pk}" in targets:
            return targets[f"office:{o.pk}"]
        return (o.headcount, 0) if o.kind == "ddo" else (0, o.headcount)

    def of_deptdist(d, p):
        key = f"deptdist:{d}:{p}"
        return targets.get(key) or plus(of_office(o) for o in Office.objects.filter(district_id=d, department_id=p))

    def pairs_in(d=None, p=None):
        combos = set(Office.objects.values_list("district_id", "department_id"))
        combos |= {tuple(int(x) for x in k.split(":")[1:]) for k in targets if k.startswith("deptdist:")}
        return [c for c in combos if (d is None or c[0] == d) and (p is None or c[1] == p)]

    def of_district(d):
        return targets.get(f"district:{d}") or plus(of_deptdist(*c) for c in pairs_in(d=d))

    if kind == "office":
        return of_office(office)
    if kind == "deptdist":
        return of_deptdist(district.pk, department.pk)
    if kind == "district":
        return of_district(district.pk)
    if kind == "department":
        return targets.get(f"department:{department.pk}") or plus(of_deptdist(*c) for c in pairs_in(p=department.pk))
    districts = District.objects.all() if kind == "state" else District.objects.filter(division=division)
    return plus(of_district(d.pk) for d in districts)
