"""Print batches: selection, one background task writing the print-ready PDF in parts, a
manifest in CSV and XLSX, and resuming after a failure without printing any card twice."""

import csv
import io
import re
import uuid

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from portal.audit.models import Event
from portal.cards import batches
from portal.cards.models import BatchPart, Card, CardPrint, PrintBatch, Stage, State
from portal.cards.services import CardError, issue_cards, suspend_card
from portal.cards.tasks import resume_stalled_batches
from .conftest import english

pytestmark = pytest.mark.django_db
Status = PrintBatch.Status


@pytest.fixture
def state_actor(make_user):
    from portal.accounts.models import Role
    from portal.audit.services import Actor

    user = make_user(Role.STATE)
    return Actor(user=user, role=user.role, label=user.username)


@pytest.fixture
def issued(make_family, system):
    """Three verified families (nine cards) with their cards issued."""
    families = [make_family() for _ in range(3)]
    for family in families:
        issue_cards(family=family, actor=system)
    return families


def new_batch(actor, filters=None, limit=100):
    return batches.create_batch(actor=actor, filters=filters or {}, limit=limit, token=uuid.uuid4())


def pdf_pages(name: str) -> int:
    with default_storage.open(name, "rb") as fh:
        return len(re.findall(rb"/Type\s*/Page\b", fh.read()))


def test_a_batch_prints_every_selected_card_once_in_parts_with_a_manifest(issued, state_actor, settings):
    settings.CARD_BATCH_PART_SIZE = 4  # faces: two cards per part
    batch = new_batch(state_actor)
    assert batch.number.startswith("PB") and batch.card_count == 9 and batch.total == 18
    assert Card.objects.filter(batch=batch, stage=Stage.IN_BATCH).count() == 9
    assert all(c.qr_modules for c in Card.objects.filter(batch=batch))  # encoded at issue, for the batch
    assert batches.produce_batch(batch.pk) == "done"
    assert not Card.objects.exclude(qr_modules="").exists()  # and dropped once printed
    batch.refresh_from_db()
    assert batch.status == Status.DONE and batch.done == 18 and batch.finished_at
    parts = list(batch.parts.order_by("number"))
    assert [p.cards for p in parts] == [2, 2, 2, 2, 1]
    cards = Card.objects.filter(batch=batch)
    assert all(c.stage == Stage.PRINTED and c.printed_at for c in cards)
    prints = CardPrint.objects.filter(batch=batch, kind=CardPrint.Kind.BATCH)
    assert prints.count() == 9 and sorted(prints.values_list("position", flat=True)) == list(range(1, 10))
    assert Event.objects.filter(action="cards.card.printed").count() == 9
    # The manifest lists the cards in print order, with the page of each face in its part.
    rows = list(csv.DictReader(io.StringIO(batch.manifest_csv.open("rb").read().decode("utf-8-sig"))))
    assert [r["card_number"] for r in rows] == list(prints.order_by("position").values_list("card__number", flat=True))
    assert rows[2]["part"] == "2" and rows[2]["front_page"] == "1" and rows[3]["back_page"] == "4"
    sheet = load_workbook(batch.manifest_xlsx.open("rb"), read_only=True).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:5] == ["position", "part", "front_page", "back_page",
                                                                      "card_number"]
    assert len(list(sheet.iter_rows())) == 10
    assert pdf_pages(parts[0].file.name) == 4 and pdf_pages(parts[-1].file.name) == 2
    # Running the task again prints nothing more.
    assert batches.produce_batch(batch.pk) == "nothing to do"
    assert CardPrint.objects.filter(batch=batch).count() == 9


def test_a_failed_batch_resumes_at_the_next_part_without_printing_twice(issued, state_actor, settings, monkeypatch):
    settings.CARD_BATCH_PART_SIZE = 4
    batch = new_batch(state_actor)
    real = batches.render_batch_part
    calls = {"n": 0}

    def flaky(faces, *, title):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("printer spool disk full")
        return real(faces, title=title)

    monkeypatch.setattr(batches, "render_batch_part", flaky)
    assert batches.produce_batch(batch.pk) == "failed"
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and "disk full" in batch.error and batch.done == 8
    assert batch.parts.count() == 2
    assert Card.objects.filter(batch=batch, stage=Stage.PRINTED).count() == 4
    assert Card.objects.filter(batch=batch, stage=Stage.IN_BATCH).count() == 5

    batches.resume(actor=state_actor, batch=batch)  # eager Celery: runs at once
    batch.refresh_from_db()
    assert batch.status == Status.DONE and batch.done == 18 and batch.attempts == 2
    assert CardPrint.objects.filter(batch=batch).count() == 9
    assert CardPrint.objects.filter(batch=batch).values("card").distinct().count() == 9
    assert [p.number for p in batch.parts.order_by("number")] == [1, 2, 3, 4, 5]


def test_a_worker_killed_after_writing_a_part_but_before_committing_it(issued, state_actor, settings, monkeypatch):
    """The part's file exists but its transaction never committed: the next run writes that
    part again (same name) and its cards are printed once."""
    settings.CARD_BATCH_PART_SIZE = 4
    batch = new_batch(state_actor)
    real_store = batches._store
    stored = {"n": 0}

    def store_then_die(name, content):
        result = real_store(name, content)
        stored["n"] += 1
        if stored["n"] == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing marks the batch failed
        return result

    monkeypatch.setattr(batches, "_store", store_then_die)
    with pytest.raises(SystemExit):
        batches.produce_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.RUNNING and batch.parts.count() == 1 and batch.done == 4
    assert default_storage.exists(f"cards/batches/{batch.number}/part-0002.pdf")  # written, not committed
    monkeypatch.setattr(batches, "_store", real_store)
    assert resume_stalled_batches() == 0  # its claim has not run out yet: the worker may be alive
    PrintBatch.objects.filter(pk=batch.pk).update(claimed_until=batch.started_at)
    assert resume_stalled_batches() == 1
    batch.refresh_from_db()
    assert batch.status == Status.DONE and batch.done == 18
    assert CardPrint.objects.filter(batch=batch).count() == 9
    assert pdf_pages(BatchPart.objects.get(batch=batch, number=2).file.name) == 4


def test_cards_that_leave_the_batch_before_printing_are_not_printed(issued, state_actor, system):
    batch = new_batch(state_actor)
    gone = Card.objects.filter(batch=batch).first()
    suspend_card(actor=system, card=gone, reason="Dismissed from service")
    batches.produce_batch(batch.pk)
    batch.refresh_from_db()
    gone.refresh_from_db()
    assert gone.stage == Stage.ISSUED and gone.batch is None and not gone.prints.exists()
    assert batch.card_count == 8 and batch.done == batch.total == 16


def test_an_empty_selection_and_a_second_post_make_no_second_batch(issued, state_actor, geo):
    with pytest.raises(CardError) as empty:
        new_batch(state_actor, filters={"district": geo["agra"].pk})
    assert "No cards are ready" in english(empty.value.message)
    token = uuid.uuid4()
    first = batches.create_batch(actor=state_actor, filters={}, limit=5, token=token)
    again = batches.create_batch(actor=state_actor, filters={}, limit=5, token=token)
    assert first.pk == again.pk and PrintBatch.objects.count() == 1 and first.card_count == 5
    second = new_batch(state_actor)  # only the four not yet in a batch
    assert second.card_count == 4
    with pytest.raises(CardError):
        new_batch(state_actor)  # nothing is printed twice by accident


def test_filters_select_cards_and_cancelling_returns_unprinted_cards(issued, make_family, state_actor, system,
                                                                      geo, offices):
    agra = make_family(office=offices["agra"])
    issue_cards(family=agra, actor=system)
    batch = new_batch(state_actor, filters={"district": geo["agra"].pk})
    assert set(Card.objects.filter(batch=batch).values_list("family", flat=True)) == {agra.pk}
    assert batches.cancel(actor=state_actor, batch=batch) == 3
    assert not Card.objects.filter(batch=batch).exists()
    assert Card.objects.filter(family=agra, stage=Stage.ISSUED, state=State.ACTIVE).count() == 3
    with pytest.raises(CardError):
        batches.resume(actor=state_actor, batch=batch)


def test_starting_a_batch_issues_cards_for_families_verified_since_the_last_sweep(make_family, state_actor):
    family = make_family()
    assert not Card.objects.filter(family=family).exists()
    batch = new_batch(state_actor)
    assert batch.card_count == 3 and Card.objects.filter(family=family, batch=batch).count() == 3


def test_treasury_department_ddo_code_and_verified_dates_each_narrow_the_selection(issued, make_family, system, geo,
                                                                                    offices, state_actor):
    """Each filter of the state cell's form (beyond the district, above) selects only the
    cards it names, through the form's cleaned values as the page passes them."""
    import datetime

    from portal import clock
    from portal.cards import selectors
    from portal.cards.forms import BatchFilterForm

    agra = make_family(office=offices["agra"])
    issue_cards(family=agra, actor=system)
    agra_cards = set(Card.objects.filter(family=agra).values_list("pk", flat=True))

    def ready(**data):
        form = BatchFilterForm(data={k: str(v) for k, v in data.items()})
        assert form.is_valid(), form.errors
        return set(selectors.ready_cards(form.filters()).values_list("pk", flat=True))

    everything = ready()
    assert len(agra_cards) == 3 and agra_cards < everything and len(everything) == 12
    assert ready(treasury=geo["t_agra"].pk) == agra_cards
    assert ready(department=geo["education"].pk) == agra_cards
    assert ready(office="4275") == agra_cards  # the DDO code
    assert ready(office=offices["agra"].code.lower()) == agra_cards  # or the office code, any case
    assert agra_cards.isdisjoint(ready(department=geo["medical"].pk))
    today = clock.today()
    assert ready(verified_from=today, verified_to=today) == everything
    assert ready(verified_from=today + datetime.timedelta(days=1)) == set()
    assert ready(verified_to=today - datetime.timedelta(days=1)) == set()
    assert not BatchFilterForm(data={"verified_from": str(today), "verified_to": str(today - datetime.timedelta(days=1))
                                     }).is_valid()
    assert not BatchFilterForm(data={"office": "NO-SUCH"}).is_valid()
    form = BatchFilterForm(data={"treasury": str(geo["t_agra"].pk)})
    assert form.is_valid()
    batch = new_batch(state_actor, filters=form.filters())
    assert set(Card.objects.filter(batch=batch).values_list("pk", flat=True)) == agra_cards
