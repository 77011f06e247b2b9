"""The world of the hot-page query-count tests (tests/test_*query_count*.py): a small
population in the Lucknow office of the shared `users` fixture and out of its scope, a way
to make it about three times larger, and a request counted with CaptureQueriesContext.

Inside the scope (the CMO Office Lucknow, its district, division and department) families
are made through the enrolment services (primary + one son, photos, submitted; some
verified with their cards issued). Outside it, and state-wide, a synthetic population
(portal/synthetic, the same generator as the benchmarks) adds offices with their DDOs,
applications, families at every status and cards at every stage — its Lucknow offices fall
inside the district officer's scope as well.
"""

import itertools
import uuid
from dataclasses import dataclass, field

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.audit.services import Actor
from portal import clock
from portal.cards import delivery
from portal.cards.models import Card, Stage
from portal.cards.services import issue_cards
from portal.enrolment import services as enrolment
from portal.enrolment.models import Family
from portal.enrolment.tests.conftest import register
from portal.synthetic import services as synthetic

_serial = itertools.count(3000)
_codes = itertools.count(7100)


def counted(client, url, data=None, *, post=False, warm=True, ok=None) -> int:
    """Queries of one request. A GET is made twice and the second one counted: the session's
    once-a-minute renewal and the per-process caches (dropdown choices) are then out of the way."""
    if warm and not post:
        client.get(url, data)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data or {}) if post else client.get(url, data)
    ok = ok or ({200, 302} if post else {200})  # a GET that redirects (say, to log in) counts nothing of use
    assert response.status_code in ok, f"{'POST' if post else 'GET'} {url} {data}: {response.status_code}"
    return len(captured)


def counted_and_undone(client, url, data=None, *, ok=None) -> int:
    """Queries of a POST whose effect is rolled back once they are counted, so each run
    starts from the same world (a self-print counted is always a first print)."""
    with transaction.atomic():
        count = counted(client, url, data, post=True, ok=ok)
        transaction.set_rollback(True)
    return count


def families(office, count: int, *, verified=False, returned=False, name="Sunita Devi") -> list[Family]:
    """`count` families of `office` (employee + a son), submitted, returned for correction,
    or verified with their cards."""
    actor = Actor.system("tests")
    made = []
    for _ in range(count):
        n = next(_serial)
        family = register(office, n=2 * n, mobile=f"96{n:08d}", name=name, employee_id=f"QC{n:05d}", sons=[2 * n + 1])
        if returned:
            enrolment.return_family(actor=actor, family=family, reason="Photo unclear")
            family.refresh_from_db()
        if verified:
            family = enrolment.verify_family(actor=actor, family=family)
            issue_cards(family=family, actor=actor)
        made.append(family)
    return made


def as_user(user) -> Actor:
    return Actor(user=user, role=user.role, label=user.username)


def deliver(office, delivered: list[Family], users: dict, *, receive: bool) -> None:
    """The families' cards printed (as a print batch would mark them), sent to the office in
    one dispatch by the state cell, and if `receive`, received there by the DDO (the families
    then wait at the desk)."""
    Card.objects.filter(family__in=delivered).update(stage=Stage.PRINTED, printed_at=clock.now())
    dispatch = delivery.dispatch_cards(actor=as_user(users["state"]), office=office, reference=f"SP{next(_serial)}",
                                       dispatched_on=clock.today())
    if receive:
        delivery.receive_dispatch(actor=as_user(users["ddo"]), dispatch=dispatch, received_on=clock.today())


def verified_families(office, each: int, users: dict) -> list[Family]:
    """3 × `each` verified families: cards issued, cards received at the office, cards on the way."""
    issued = families(office, each, verified=True)
    received, sent = families(office, each, verified=True), families(office, each, verified=True)
    deliver(office, received, users, receive=True)
    deliver(office, sent, users, receive=False)
    return issued + received + sent


def applications(submitted, geo, count: int) -> list:
    """DDO applications waiting with the state cell, in the Lucknow district."""
    return [submitted(stage="scan_received" if i % 2 else "submitted", ddo_code=str(next(_codes)),
                      mobile=f"95{next(_serial):08d}") for i in range(count)]


def synthetic_population(families_count: int, seed: int) -> None:
    synthetic.generate_population(options=synthetic.Options(families=families_count, seed=seed, append=True,
                                                            workers=0))


@dataclass
class HotWorld:
    office: object
    users: dict
    submitted: list = field(default_factory=list)
    verified: list = field(default_factory=list)
    returned: list = field(default_factory=list)
    applications: list = field(default_factory=list)

    @property
    def beneficiary(self):
        return self.verified[0].user

    @property
    def card(self) -> Card:
        return Card.objects.filter(family=self.verified[0]).order_by("pk").first()


def forget_report_caches():
    from portal.reports.statewide import _STATEWIDE

    _STATEWIDE.clear()


@pytest.fixture
def hot_world(users, offices, submitted, geo, settings):
    """Small: 3 submitted, 1 returned and 3 verified families in the office (see
    verified_families), 2 applications waiting, and a synthetic population of 100 families
    elsewhere. `grow(hot_world, submitted, geo)` triples it."""
    settings.REPORTS_LIVE_CACHE_SECONDS = 0
    forget_report_caches()
    world = HotWorld(office=offices["lucknow"], users=users)
    world.submitted = families(world.office, 3)
    world.verified = verified_families(world.office, 1, world.users)
    world.returned = families(world.office, 1, returned=True)
    world.applications = applications(submitted, geo, 2)
    synthetic_population(100, seed=71)
    return world


def grow(world: HotWorld, submitted, geo) -> None:
    """About three times the small world, inside the scope and out of it."""
    world.submitted += families(world.office, 6)
    world.verified += verified_families(world.office, 2, world.users)
    world.returned += families(world.office, 2, returned=True)
    world.applications += applications(submitted, geo, 4)
    synthetic_population(200, seed=72)
    forget_report_caches()


def token() -> str:
    return str(uuid.uuid4())
