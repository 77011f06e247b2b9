"""Print batches: the state cell's selection of cards for the plastic-card printer.

`create_batch` moves the selected cards into a new batch (in one transaction) and starts the
background task. `produce_batch` (the task's body) writes the print-ready PDF in parts of
`CARD_BATCH_PART_SIZE` faces; each part's file, its cards becoming "printed", their
`CardPrint` rows and the batch's progress are committed together under a lock on the batch,
so a batch that failed or whose worker was killed resumes at the next part and never prints,
or marks printed, a card twice. Memory stays bounded by one part. At the end a manifest is
written as CSV and XLSX (streamed, one row at a time).
"""

import csv
import datetime
import io
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.audit.services import Actor, record, record_many
from portal.i18n import later

from . import preview, selectors
from .faces import face_for
from .models import BATCH_TRANSITIONS, BatchPart, Card, CardPrint, PrintBatch, Stage, State
from .pdf import render_batch_part
from .services import CardError, issue_cards, move_stage, sweep_window_start

log = logging.getLogger(__name__)
Status = PrintBatch.Status
LEASE = datetime.timedelta(minutes=5)  # a worker renews its claim after every part
MAX_CARDS = 20000
INLINE_ISSUE_FAMILIES = 100  # more than this are issued by the sweep, in the background
CHUNK = 500


def _move(batch: PrintBatch, to: str, *, actor: Actor, **details) -> None:
    if to not in BATCH_TRANSITIONS[batch.status]:
        current = batch.status
        raise CardError(later(lambda: str(_("This batch is %(status)s; it cannot be %(to)s.")) % {
            "status": str(Status(current).label).lower(), "to": str(Status(to).label).lower()}))
    previous, batch.status = batch.status, to
    batch.save()
    record(actor=actor, action=f"cards.batch.{to}", target=batch, details={"from": previous, "to": to, **details})


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def catch_up(*, actor: Actor, filters: dict) -> int:
    """Issue cards for families of the selection verified (or changed) since the sweep's window
    began that have none yet: the ones the sweep may not have reached. Older ones the sweep has
    seen (or its nightly full run will); looking for them would read the whole state (11-15 s
    at full scale, in the state cell's request). Returns how many families were left to the sweep."""
    recent = selectors.families_without_cards(filters, changed_since=sweep_window_start())
    families = list(recent[:INLINE_ISSUE_FAMILIES + 1])
    for family in families[:INLINE_ISSUE_FAMILIES]:
        issue_cards(family=family, actor=actor)
    left = recent.count() if len(families) > INLINE_ISSUE_FAMILIES else 0
    if left:
        from .tasks import issue_cards_sweep

        transaction.on_commit(lambda: _enqueue(issue_cards_sweep))
    return left


def _enqueue(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:  # broker down: the beat sweeps pick it up
        log.warning("cards: could not enqueue %s%r; the periodic sweep will run it", task.name, args)


@transaction.atomic
def create_batch(*, actor: Actor, filters: dict, limit: int, token, labels: dict | None = None) -> PrintBatch:
    """A new batch of the cards ready to print that match `filters`, in office order."""
    existing = PrintBatch.objects.filter(token=token).first()
    if existing:
        return existing
    left = catch_up(actor=actor, filters=filters)
    limit = max(1, min(limit, MAX_CARDS))
    ids = list(selectors.ready_cards(filters).order_by("office_id", "family_id", "id")
               .values_list("pk", flat=True)[:limit])
    if not ids:
        raise CardError(_("No cards are ready to print for this selection. Cards already in a batch, printed, "
                          "suspended or replaced are not printed again."))
    now = clock.now()
    batch = PrintBatch.objects.create(filters={"filters": filters, "labels": labels or {}}, created_by=actor.user,
                                      created_at=now, token=token)
    batch.number = PrintBatch.number_for(batch.pk, timezone.localdate(now).year)
    moved = 0
    for chunk in _chunks(ids):
        moved += move_stage(Card.objects.filter(pk__in=chunk, state=State.ACTIVE), source=Stage.ISSUED,
                            to=Stage.IN_BATCH, batch=batch)
    batch.card_count, batch.total = moved, 2 * moved
    batch.save()
    record(actor=actor, action="cards.batch.created", target=batch, details={"cards": moved, "filters": labels or {}})
    record_many(actor=actor, action="cards.card.in_batch",
                items=[(card, {"batch": batch.number}) for card in Card.objects.filter(batch=batch).only("pk", "number")])
    transaction.on_commit(lambda: start(batch))
    transaction.on_commit(preview.forget)  # the batch page's kept counts (preview.py)
    batch.left_to_sweep = left  # families whose cards the sweep is still issuing, for the message
    return batch


def start(batch: PrintBatch) -> None:
    from .tasks import produce_batch

    _enqueue(produce_batch, batch.pk)


# --- producing the files ---------------------------------------------------------------------------

def _claim(batch_id: int, actor: Actor) -> PrintBatch | None:
    """Take the batch for this worker, or None if it is finished or another live worker has it."""
    with transaction.atomic():
        batch = PrintBatch.objects.select_for_update().get(pk=batch_id)
        now = clock.now()
        if batch.status in (Status.DONE, Status.CANCELLED):
            return None
        if batch.status == Status.RUNNING and batch.claimed_until and batch.claimed_until > now:
            return None
        resumed = batch.status != Status.QUEUED
        batch.started_at = batch.started_at or now
        batch.claimed_until = now + LEASE
        batch.attempts += 1
        batch.error = ""
        _move(batch, Status.RUNNING, actor=actor, resumed=resumed, attempt=batch.attempts, done=batch.done)
        return batch


def _release_dead_cards(batch: PrintBatch, actor: Actor) -> None:
    """Cards suspended or replaced while waiting in the batch are not printed: back out of it."""
    dead = list(Card.objects.filter(batch=batch, stage=Stage.IN_BATCH).exclude(state=State.ACTIVE))
    if not dead:
        return
    with transaction.atomic():
        move_stage(Card.objects.filter(pk__in=[c.pk for c in dead]), source=Stage.IN_BATCH, to=Stage.ISSUED,
                   batch=None)
        locked = PrintBatch.objects.select_for_update().get(pk=batch.pk)
        locked.card_count -= len(dead)
        locked.total -= 2 * len(dead)
        locked.save(update_fields=["card_count", "total"])
        record_many(actor=actor, action="cards.card.left_batch",
                    items=[(c, {"batch": batch.number, "state": c.state}) for c in dead])


def _next_cards(batch: PrintBatch, size: int) -> list[Card]:
    return list(Card.objects.filter(batch=batch, stage=Stage.IN_BATCH, state=State.ACTIVE)
                .select_related(*selectors.FACE_RELATED).order_by("office_id", "family_id", "id")[:size])


def _commit_part(batch_id: int, number: int, cards: list[Card], data: bytes, actor: Actor) -> bool:
    """Store one part and mark its cards printed, all or nothing. False: something changed
    under us (a card left the batch, another worker wrote this part): produce it again."""
    with transaction.atomic():
        batch = PrintBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != Status.RUNNING or batch.parts.count() != number - 1:
            return False
        ids = [c.pk for c in cards]
        fresh = Card.objects.select_for_update().filter(pk__in=ids, batch=batch, stage=Stage.IN_BATCH,
                                                        state=State.ACTIVE)
        if fresh.count() != len(ids):
            return False
        part = BatchPart(batch=batch, number=number, cards=len(cards), faces=2 * len(cards), size=len(data),
                         created_at=clock.now())
        part.file.name = _store(f"cards/batches/{batch.number}/part-{number:04d}.pdf", ContentFile(data))
        part.save()
        now = clock.now()
        first = batch.done // 2
        move_stage(Card.objects.filter(pk__in=ids), source=Stage.IN_BATCH, to=Stage.PRINTED, printed_at=now,
                   qr_modules="")  # the batch was what it was kept for
        CardPrint.objects.bulk_create([
            CardPrint(card=card, kind=CardPrint.Kind.BATCH, at=now, batch=batch, part=part, position=first + index)
            for index, card in enumerate(cards, start=1)
        ])
        batch.done += 2 * len(cards)
        batch.claimed_until = now + LEASE
        batch.save(update_fields=["done", "claimed_until"])
        record(actor=actor, action="cards.batch.part_done", target=batch,
               details={"part": number, "cards": len(cards), "done": batch.done, "total": batch.total})
        record_many(actor=actor, action="cards.card.printed",
                    items=[(card, {"batch": batch.number, "part": number}) for card in cards])
    return True


def produce_batch(batch_id: int, *, actor: Actor | None = None) -> str:
    """The task's body: idempotent, safe to run again at any point."""
    actor = actor or Actor.system("cards.produce_batch")
    batch = _claim(batch_id, actor)
    if batch is None:
        return "nothing to do"
    size = max(1, settings.CARD_BATCH_PART_SIZE // 2)
    try:
        _release_dead_cards(batch, actor)
        while True:
            batch.refresh_from_db()
            if batch.status != Status.RUNNING:
                return "stopped"
            cards = _next_cards(batch, size)
            if not cards:
                break
            number = batch.parts.count() + 1
            data = render_batch_part([face_for(c) for c in cards], title=f"Print batch {batch.number} part {number}")
            if not _commit_part(batch.pk, number, cards, data, actor):
                _release_dead_cards(batch, actor)
        _write_manifest(batch)
        with transaction.atomic():
            batch = PrintBatch.objects.select_for_update().get(pk=batch_id)
            batch.finished_at, batch.claimed_until = clock.now(), None
            _move(batch, Status.DONE, actor=actor, cards=batch.card_count, parts=batch.parts.count())
        return "done"
    except Exception as exc:
        log.exception("cards: print batch %s stopped", batch_id)
        with transaction.atomic():
            batch = PrintBatch.objects.select_for_update().get(pk=batch_id)
            if batch.status == Status.RUNNING:
                batch.error = f"{type(exc).__name__}: {exc}"[:500]
                batch.claimed_until = None
                _move(batch, Status.FAILED, actor=actor, error=batch.error, done=batch.done)
        return "failed"


def _store(name: str, content) -> str:
    """Save under exactly `name`, replacing a file an attempt that did not commit left there."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, content)


MANIFEST_COLUMNS = [
    "position", "part", "front_page", "back_page", "card_number", "family_number", "name_en", "name_hi",
    "relation", "date_of_birth", "gender", "ward", "kind", "office_code", "office", "district", "treasury",
    "aadhaar", "issued_on",
]


def manifest_rows(batch: PrintBatch):
    """One row per card in print order; the part's page numbers of its front and back."""
    prints = (CardPrint.objects.filter(batch=batch, kind=CardPrint.Kind.BATCH)
              .select_related("part", "card", "card__family", "card__office", "card__office__district",
                              "card__office__treasury").order_by("position"))
    first_position: dict[int, int] = {}
    for p in prints.iterator(chunk_size=1000):
        card, part = p.card, p.part
        first = first_position.setdefault(part.pk, p.position)
        index = p.position - first
        yield [p.position, part.number, 2 * index + 1, 2 * index + 2, card.number, card.family.number, card.name_en,
               card.name_hi, card.relation, card.date_of_birth.isoformat(), card.gender, card.ward, card.kind,
               card.office.code, card.office.name_en, card.office.district.name_en,
               card.office.treasury.code if card.office.treasury_id else "", card.aadhaar_masked,
               timezone.localdate(card.issued_at).isoformat()]


def _write_manifest(batch: PrintBatch) -> None:
    from openpyxl import Workbook

    base = f"cards/batches/{batch.number}/manifest-{batch.number}"
    # One pass over the rows feeds both files (the query and its 10,000 rows once, not twice);
    # both stream to temporary files, so memory stays flat.
    book = Workbook(write_only=True)  # rows go to a temporary file, not memory
    sheet = book.create_sheet(str(batch.number))
    sheet.append(MANIFEST_COLUMNS)
    with tempfile.TemporaryFile() as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # a BOM: Excel reads it as UTF-8
        writer = csv.writer(text)
        writer.writerow(MANIFEST_COLUMNS)
        for row in manifest_rows(batch):
            writer.writerow(row)
            sheet.append(row)
        text.flush()
        binary.seek(0)
        csv_name = _store(f"{base}.csv", File(binary))
        text.detach()
    with tempfile.TemporaryFile() as binary:
        book.save(binary)
        binary.seek(0)
        xlsx_name = _store(f"{base}.xlsx", File(binary))
    PrintBatch.objects.filter(pk=batch.pk).update(manifest_csv=csv_name, manifest_xlsx=xlsx_name)


# --- the state cell's other actions ----------------------------------------------------------------

def resume(*, actor: Actor, batch: PrintBatch) -> None:
    if batch.status != Status.FAILED:
        raise CardError(_("Only a batch that stopped with an error can be resumed."))
    record(actor=actor, action="cards.batch.resume_requested", target=batch, details={"done": batch.done})
    start(batch)


@transaction.atomic
def cancel(*, actor: Actor, batch: PrintBatch) -> int:
    """Stop a batch that is waiting or failed: its unprinted cards are ready to print again."""
    batch = PrintBatch.objects.select_for_update().get(pk=batch.pk)
    _move(batch, Status.CANCELLED, actor=actor, done=batch.done)
    cards = list(Card.objects.filter(batch=batch, stage=Stage.IN_BATCH).only("pk", "number"))
    for chunk in _chunks([c.pk for c in cards]):
        move_stage(Card.objects.filter(pk__in=chunk), source=Stage.IN_BATCH, to=Stage.ISSUED, batch=None)
    batch.cancelled_at = clock.now()
    batch.card_count -= len(cards)
    batch.total -= 2 * len(cards)
    batch.save()
    record_many(actor=actor, action="cards.card.left_batch",
                items=[(c, {"batch": batch.number, "cancelled": True}) for c in cards])
    transaction.on_commit(preview.forget)
    return len(cards)


def stalled_batches() -> list[int]:
    """Batches a worker dropped (claim ran out) or whose start message was lost."""
    now = clock.now()
    running = PrintBatch.objects.filter(status=Status.RUNNING, claimed_until__lt=now)
    waiting = PrintBatch.objects.filter(status=Status.QUEUED, created_at__lt=now - datetime.timedelta(minutes=2))
    return sorted({*running.values_list("pk", flat=True), *waiting.values_list("pk", flat=True)})
