"""The 5-minute card sweep looks only at families changed in its window (state-wide it would
read every member and card, ~30 s, every 5 minutes); the nightly full sweep looks at all of
them; everything that changes a card moves the family's `updated_at`."""

import datetime
import uuid

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.test import override_settings

from portal.audit.services import Actor
from portal.cards import batches
from portal.cards.models import Card, State
from portal.cards.services import families_needing_cards, issue_cards
from portal.cards.tasks import issue_cards_sweep
from portal.enrolment import changes

pytestmark = pytest.mark.django_db
HOURS = datetime.timedelta(hours=1)


def as_user(user) -> Actor:
    return Actor(user=user, role=user.role, label=user.username)


def later(hours: float):
    return time_machine.travel(datetime.datetime.now(datetime.timezone.utc) + hours * HOURS, tick=False)


def test_a_family_verified_inside_the_window_gets_its_cards_from_the_frequent_sweep(family):
    assert issue_cards_sweep() == 1
    assert Card.objects.filter(family=family, state=State.ACTIVE).count() == 3


def test_a_family_left_behind_the_window_waits_for_the_nightly_full_sweep(family):
    with later(2):  # the frequent sweeps missed it (a beat down for two hours)
        assert families_needing_cards(changed_since=datetime.datetime.now(datetime.timezone.utc) - HOURS) == []
        assert issue_cards_sweep() == 0 and not Card.objects.filter(family=family).exists()
        assert issue_cards_sweep(full=True) == 1
    assert Card.objects.filter(family=family, state=State.ACTIVE).count() == 3


def test_an_approved_change_brings_the_family_back_into_the_window(family, ddo, system):
    issue_cards(family=family, actor=system)
    son = family.members.get(relation="son")
    with later(5):  # long after verification
        removal = changes.request_change(actor=as_user(family.user), family=family, type="remove", member=son,
                                         reason="Married on 01.12.2026")
        changes.decide_change(actor=as_user(ddo), change=removal, approve=True)
        with later(0.25):
            assert issue_cards_sweep() == 1
    assert Card.objects.get(member=son).state == State.SUSPENDED


def test_a_sweep_that_reached_its_limit_starts_the_next_at_once(make_family):
    families = [make_family() for _ in range(3)]
    with override_settings(CARD_ISSUE_SWEEP_LIMIT=1):  # Celery is eager here: the next runs within
        issue_cards_sweep()
    assert all(Card.objects.filter(family=f).count() == 3 for f in families)


def test_the_beat_runs_the_full_sweep_once_a_night():
    frequent = settings.CELERY_BEAT_SCHEDULE["cards-issue-sweep"]
    full = settings.CELERY_BEAT_SCHEDULE["cards-issue-sweep-full"]
    assert frequent["schedule"] == 300.0 and not frequent.get("kwargs")
    assert full["task"] == frequent["task"] and full["kwargs"] == {"full": True}
    assert full["schedule"].hour == {2}


def test_a_batch_issues_inline_only_the_families_of_the_window(make_family, users, django_capture_on_commit_callbacks,
                                                               system):
    ready = make_family()
    issue_cards(family=ready, actor=system)
    old = make_family()  # verified, no cards, left behind the window
    with later(3):
        recent = make_family()
        with django_capture_on_commit_callbacks(execute=False):
            batches.create_batch(actor=as_user(users["state"]), filters={}, limit=10, token=uuid.uuid4())
    assert Card.objects.filter(family=recent).count() == 3
    assert not Card.objects.filter(family=old).exists()


def test_every_query_of_the_frequent_sweep_is_limited_to_the_window(family):
    """On the state's data PostgreSQL reads these through the partial index of changed families
    (EXPLAIN in docs/cards.md); on a test's few rows its plan could be anything, so what is
    checked is that no query of the frequent sweep goes without the window."""
    since = datetime.datetime.now(datetime.timezone.utc) - HOURS
    with CaptureQueriesContext(connection) as queries:
        families_needing_cards(changed_since=since)
    assert len(queries) == 4
    assert all('"enrolment_family"."updated_at" >=' in q["sql"] for q in queries), queries.captured_queries
