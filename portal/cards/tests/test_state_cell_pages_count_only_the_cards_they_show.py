"""The state cell's pages count from the few cards that qualify (the waiting cards' partial
indexes, the page's dispatches) and keep the batch preview for a while: the numbers they show
are those of a straightforward count."""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.db.models import Count, Q

from portal.audit.services import Actor
from portal.cards import batches, delivery, preview, selectors
from portal.cards.models import Card, Dispatch, Stage, State
from portal.cards.services import issue_cards
from portal.directory.models import Office
from portal.enrolment.models import Family, Member
from tests.sql_plans import plans

pytestmark = pytest.mark.django_db


def as_user(user) -> Actor:
    return Actor(user=user, role=user.role, label=user.username)


@pytest.fixture
def printed(make_family, system, users):
    families = [make_family() for _ in range(3)]
    for family in families:
        issue_cards(family=family, actor=system)
    batch = batches.create_batch(actor=as_user(users["state"]), filters={}, limit=100, token=uuid.uuid4())
    batches.produce_batch(batch.pk)
    return families


def straightforward_waiting() -> dict[int, int]:
    """What the page showed before: every office joined to its cards, grouped."""
    printed = Q(cards__stage=Stage.PRINTED, cards__state=State.ACTIVE)
    return dict(Office.objects.annotate(waiting=Count("cards", filter=printed)).filter(waiting__gt=0)
                .values_list("pk", "waiting"))


def test_the_dispatch_page_shows_each_office_with_its_printed_cards(printed, login, users, ddo_office):
    offices = selectors.with_waiting(selectors.offices_with_printed_cards())
    assert {o.pk: o.waiting for o in offices} == straightforward_waiting() == {ddo_office.pk: 9}
    response = login(users["state"]).get("/state/cards/dispatch/")
    assert [(o.code, o.waiting) for o in response.context["page"]] == [(ddo_office.code, 9)]
    assert ddo_office.code in response.content.decode()


def test_a_suspended_or_dispatched_card_is_no_longer_waiting(printed, ddo_office, users):
    Card.objects.filter(pk=Card.objects.filter(stage=Stage.PRINTED).first().pk).update(state=State.SUSPENDED)
    assert [o.waiting for o in selectors.with_waiting(selectors.offices_with_printed_cards())] == [8]
    assert straightforward_waiting() == {ddo_office.pk: 8}
    delivery.dispatch_cards(actor=as_user(users["state"]), office=ddo_office, reference="R1",
                            dispatched_on=datetime.date.today())
    assert list(selectors.offices_with_printed_cards()) == [] and straightforward_waiting() == {}


def test_the_dispatch_register_and_the_desk_count_each_dispatchs_cards(printed, login, users, ddo, ddo_office):
    delivery.dispatch_cards(actor=as_user(users["state"]), office=ddo_office, reference="R1",
                            dispatched_on=datetime.date.today())
    shown = selectors.with_card_totals(selectors.dispatches_for(users["state"]))
    assert {d.pk: d.card_total for d in shown} == dict(
        Dispatch.objects.annotate(n=Count("cards")).values_list("pk", "n")) != {}
    register = login(users["state"]).get("/state/cards/dispatches/")
    assert [(d.reference, d.card_total) for d in register.context["page"]] == [("R1", 9)]
    assert "<td>R1</td>" in register.content.decode() and "<td>9</td>" in register.content.decode()
    desk = login(ddo).get("/office/cards/")
    assert [(d.reference, d.card_total) for d in desk.context["incoming"]] == [("R1", 9)]
    assert desk.context["received"] == []


def straightforward_families_without_cards() -> int:
    """Verified families with an active member holding no active or suspended card, in Python."""
    live = set(Card.objects.filter(state__in=[State.ACTIVE, State.SUSPENDED]).values_list("member_id", flat=True))
    return len({m.family_id for m in Member.objects.filter(active=True, family__status="verified")
                if m.pk not in live})


def test_the_batch_preview_counts_what_a_batch_would_take(make_family, system, settings):
    settings.CARD_PREVIEW_SECONDS = 0
    issued = make_family()
    issue_cards(family=issued, actor=system)
    make_family(), make_family(stage="submitted")
    ready = Card.objects.filter(stage=Stage.ISSUED, state=State.ACTIVE, member__active=True,
                                family__status="verified")
    assert selectors.ready_summary({}) == {"cards": ready.count(), "offices": 1,
                                           "families_without_cards": straightforward_families_without_cards()}
    assert selectors.ready_summary({})["families_without_cards"] == 1


def test_the_preview_is_kept_and_counted_again_after_a_batch_starts(make_family, system, users, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.CARD_PREVIEW_SECONDS = 120
    preview.forget()
    issue_cards(family=make_family(), actor=system)
    assert selectors.ready_summary({})["cards"] == 3
    make_family()  # verified after the count: the kept preview does not know it yet
    assert selectors.ready_summary({}) == {"cards": 3, "offices": 1, "families_without_cards": 0}
    with django_capture_on_commit_callbacks(execute=True):
        batches.create_batch(actor=as_user(users["state"]), filters={}, limit=2, token=uuid.uuid4())
    # The batch issued the new family's cards and took two cards: counted again.
    assert selectors.ready_summary({}) == {"cards": 4, "offices": 1, "families_without_cards": 0}
    assert Family.objects.filter(status="verified").count() == 2


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the plans are PostgreSQL's")
def test_the_pages_read_the_partial_indexes_on_postgresql(printed, users):
    (count,) = plans(lambda: selectors.offices_with_printed_cards().count())
    assert "cards_card_waiting_dispatch" in count, count
    (ready,) = plans(lambda: selectors.count_preview({}))[:1]
    # With a handful of rows PostgreSQL may as well start from another index of the cards
    # (cards_one_live_card_per_member and cards_card_family_id, both seen in CI); what matters
    # is that no count reads every card.
    assert "Seq Scan on cards_card" not in ready and re.search(r"Index (Only )?Scan using cards_\w+ on cards_card|"
                                                              r"Bitmap Index Scan on cards_card_ready_to_print", ready), ready
    (register,) = plans(lambda: list(selectors.dispatches_for(users["state"])[:50]))
    assert "cards_dispatch_register_idx" in register, register
