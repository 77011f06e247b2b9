"""The access table's machinery, shared by every table of endpoints: the roles, a row,
one request per role, and the world the rows' URLs are filled from.

A table is a module named `test_*endpoint*.py` (here in tests/ or in an app's tests/) with
a list `ROWS`; `test_every_route_has_a_row` collects the rows of all of them, so a new
endpoint without a row anywhere fails. Apps that need more records in the world build a
fixture on top of `world` (see portal/cards/tests/ for an example).
"""

import datetime
import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver

from portal.accounts.models import Role
from portal.audit.services import Actor
from portal.ddo import services
from portal.ddo.models import Handover
from portal.enrolment import changes as enrolment_changes
from portal.enrolment import services as enrolment
from portal.enrolment.models import DuplicateFlag, PayLevel
from portal.enrolment.tests.conftest import aadhaar, photo_file
from portal.notify.models import Message
from portal.notify.outbox import queue_sms
from portal.vault import services as vault

ROOT = Path(__file__).resolve().parent.parent

ROLES = ("anonymous", "state", "helpdesk", "ddo", "to", "operator", "district", "division", "department", "beneficiary",
         "hospital")
ALLOWED = {"200", "302"}


@dataclass(frozen=True)
class Row:
    name: str
    url: str  # formatted with the world's attributes
    expect: str  # eleven outcomes, in ROLES order
    post: Any = None  # None: GET; a dict (or a callable making one): POST
    keeps: Callable | None = None
    changes: bool = True  # False: an allowed request only leads on (to a confirmation page), so `keeps` holds too

    def outcomes(self) -> dict[str, str]:
        values = self.expect.split()
        assert len(values) == len(ROLES), f"{self.name}: {len(values)} outcomes for {len(ROLES)} roles"
        return dict(zip(ROLES, values))


def route_names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from route_names(pattern.url_patterns, namespace)
        else:
            assert isinstance(pattern, URLPattern)
            assert pattern.name, f"unnamed URL pattern {pattern.pattern}: name it and give it a row here"
            yield prefix + pattern.name


def outcome(response) -> str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "LOG"
    return str(response.status_code)


def visit(world, row: Row, role: str) -> str:
    """One request as `role`, rolled back afterwards so roles do not see each other's effects."""
    problems = []
    with transaction.atomic():
        cache.clear()
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
        url = row.url.format(**vars(world))
        before = row.keeps(world) if row.keeps else None
        if row.post is None:
            response = client.get(url)
        else:
            response = client.post(url, row.post() if callable(row.post) else row.post)
        got, expected = outcome(response), row.outcomes()[role]
        if got != expected:
            problems.append(f"{role}: expected {expected}, got {got}")
        if row.keeps:
            after = row.keeps(world)
            if expected in ALLOWED and row.changes and after == before:
                problems.append(f"{role}: allowed, but {before!r} did not change")
            if expected not in ALLOWED and after != before:
                problems.append(f"{role}: refused, yet {before!r} became {after!r}")
        transaction.set_rollback(True)
    return "; ".join(problems)


def all_rows() -> list:
    """The rows of every endpoint table in the project."""
    rows = []
    for path in sorted([*ROOT.glob("tests/test_*endpoint*.py"), *ROOT.glob("portal/*/tests/test_*endpoint*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        rows.extend(importlib.import_module(module).ROWS)
    return rows


def problems(world, row: Row) -> list[str]:
    """What went differently from the row's expectations, for every role."""
    return [p for p in (visit(world, row, role) for role in ROLES) if p]


def refuses_get(world, row: Row) -> bool:
    """An action endpoint answers GET with 405 and changes nothing."""
    client = Client()
    client.force_login(world.users["state"], backend="django.contrib.auth.backends.ModelBackend")
    before = row.keeps(world) if row.keeps else None
    refused = client.get(row.url.format(**vars(world))).status_code == 405
    return refused and (not row.keeps or row.keeps(world) == before)


SON = {"relation": "son", "name_en": "Aman Kumar", "name_hi": "अमन कुमार", "date_of_birth": datetime.date(2008, 2, 1),
       "gender": "male", "marital_status": "unmarried", "dependent": True, "monthly_income": 0}


def a_family(office, n, *, stage, son=None):
    """A family at `stage` (draft, submitted, returned, verified) with Aadhaar aadhaar(n), a son with
    aadhaar(son) if given, and photos once it is submitted."""
    actor = Actor.system("tests")
    data = {"name_en": "Sunita Devi", "name_hi": "सुनीता देवी", "guardian_name": "Ramesh Kumar",
            "date_of_birth": datetime.date(1980, 5, 17), "gender": "female", "mobile": f"98123450{n:02d}",
            "address": "Lucknow", "employee_id": f"EMP{n}", "designation": "Staff Nurse",
            "date_of_joining": datetime.date(2005, 7, 1), "pay_level": PayLevel.objects.get(code="7")}
    family = enrolment.start_family(actor=actor, office=office, kind="employee", data=data,
                                    aadhaar=vault.store(aadhaar(n)), photo=None, token=uuid.uuid4(), language="hi")
    if son:
        enrolment.save_dependent(actor=actor, family=family, data=SON, aadhaar=vault.store(aadhaar(son)), photo=None)
    if stage != "draft":
        for member in family.members.all():
            enrolment.set_photo(actor=actor, family=family, member=member, upload=photo_file(size=(150, 200)))
        enrolment.submit_family(actor=actor, family=family)
    if stage == "returned":
        enrolment.return_family(actor=actor, family=family, reason="Photo unclear")
    if stage == "verified":
        enrolment.verify_family(actor=actor, family=family)
    family.refresh_from_db()
    return family


def as_user(user) -> Actor:
    return Actor(user=user, role=user.role, label=user.username)


def enrolment_world(users, offices, make_user) -> dict:
    """Families of the Lucknow office (draft, submitted, returned, verified: its user is the
    beneficiary column) and of the Agra office, with a change, transfers each way and duplicates."""
    lucknow, agra = offices["lucknow"], offices["agra"]
    fver = a_family(lucknow, 31, stage="verified", son=41)
    fagra_ver = a_family(agra, 32, stage="verified", son=42)
    fdraft = a_family(lucknow, 33, stage="draft", son=43)
    fsub = a_family(lucknow, 34, stage="submitted", son=41)  # the same son as fver's: flagged both ways
    fagra = a_family(agra, 35, stage="submitted", son=42)  # the same son as fagra_ver's
    fret = a_family(lucknow, 36, stage="returned")
    fagra_draft = a_family(agra, 37, stage="draft")
    change = enrolment_changes.request_change(actor=as_user(fver.user), family=fver, type="remove",
                                              member=fver.members.get(relation="son"), reason="Married")
    agra_change = enrolment_changes.request_change(actor=as_user(fagra_ver.user), family=fagra_ver, type="remove",
                                                   member=fagra_ver.members.get(relation="son"), reason="Married")
    incoming = enrolment_changes.request_transfer(actor=as_user(users["ddo_agra"]), family=fagra_ver, to_office=lucknow)
    outgoing = enrolment_changes.request_transfer(actor=as_user(users["ddo"]), family=fver, to_office=agra)
    return {
        "fdraft": fdraft.number, "fdraft_son": fdraft.members.get(relation="son").pk,
        "fsub": fsub.number, "fsub_self": fsub.primary.pk, "fret": fret.number,
        "fver": fver.number, "fver_self": fver.primary.pk, "fagra": fagra.number, "fagra_self": fagra.primary.pk,
        "fagra_ver": fagra_ver.number, "fagra_draft": fagra_draft.number, "fagra_draft_self": fagra_draft.primary.pk,
        "change": change.pk, "agra_change": agra_change.pk, "incoming": incoming.pk, "outgoing": outgoing.pk,
        "flag": DuplicateFlag.objects.get(member__family=fsub).pk,
        "agra_flag": DuplicateFlag.objects.get(member__family=fagra).pk,
        "op": make_user(Role.OPERATOR, office=lucknow).username,
        "op_agra": make_user(Role.OPERATOR, office=agra).username,
        "users": {**users, "beneficiary": fver.user},
    }


@pytest.fixture
def world(users, offices, submitted, geo, system, application_data, office_data, settings, make_user):
    settings.DEMO_MODE = True
    draft = services.start_application(actor=system, data=application_data(ddo_code="2663", mobile="9876500013"),
                                       token=uuid.uuid4(), language="hi")
    draft_office = services.add_office(actor=system, application=draft, data=office_data())
    handover = Handover.objects.create(
        from_user=users["ddo"], requested_by=users["ddo"], requested_at=draft.created_at, new_name_en="Meena Sharma",
        new_name_hi="मीना शर्मा", new_designation="CMO", new_mobile="9700011122", new_mobile_kind="cug",
        new_email="meena@example.in", effective_date=draft.created_at.date(),
    )
    handover.offices.set([offices["lucknow"]])
    failed = queue_sms(to="9876500015", template="ddo_submitted", language="hi", context={"number": draft.number})
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED, attempts=5)
    return SimpleNamespace(
        level=PayLevel.objects.get(code="1").pk,
        app=submitted().number,
        scanned=submitted(stage="scan_received", ddo_code="2662", mobile="9876500012").number,
        agra=submitted(stage="scan_received", ddo_code="4275", district=geo["agra"], treasury=geo["t_agra"],
                       department=geo["education"], mobile="9876500014").number,
        draft=draft.number, draft_office=draft_office.pk, handover=handover.pk, failed=failed.pk,
        office=offices["lucknow"].code, officer=users["ddo"].username, other=users["ddo_agra"].username,
        **enrolment_world(users, offices, make_user),
    )
