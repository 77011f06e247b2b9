"""`make demo` shows cards at work: the demo employee's cards printed and dispatched to the
demo DDO's office, more verified families ready for a print batch; a second run changes nothing."""

import io

import pytest
from django.core.management import call_command

from portal.cards.models import Card, Dispatch, PrintBatch, Stage
from portal.cards.selectors import families_without_cards
from portal.enrolment.models import Family

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_and_dispatches_the_demo_familys_cards(settings, phone):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    employee = Family.objects.get(mobile="9000000007")
    cards = Card.objects.filter(family=employee)
    assert cards.count() == 3 and all(c.stage == Stage.DISPATCHED for c in cards)
    assert PrintBatch.objects.get().status == PrintBatch.Status.DONE
    dispatch = Dispatch.objects.get()
    assert dispatch.office == employee.office and dispatch.received_at is None
    waiting = families_without_cards({})
    assert waiting.filter(office=employee.office).count() == 3  # for the state cell's first batch
    ready = waiting.count()  # with the monitoring demo's verified families of two more offices
    call_command("seed_demo", stdout=io.StringIO())
    assert Card.objects.count() == 3 and PrintBatch.objects.count() == 1 and families_without_cards({}).count() == ready
