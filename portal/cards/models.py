"""State Health Cards: one per verified beneficiary, its printing, delivery and life.

A card has two independent life cycles, each written once here:

* `stage`, how far the plastic card has travelled: issued (ready to print) → in a print
  batch → printed → dispatched to the office → received by the office → handed over.
  Self-prints are events (`CardPrint`), not stages.
* `state`, whether a hospital should honour it: active ↔ suspended; replaced (by a reprint,
  which is a new card with a new number) is final.

What the card shows is copied onto it when it is issued (`name_en` … `kind`), so a card
already in someone's pocket never changes; a correction issues a new card and marks this
one replaced.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.checkdigit import verhoeff_digit
from portal.enrolment.models import Gender, Kind, Relation, Ward


class Stage(models.TextChoices):
    ISSUED = "issued", _("Issued: ready to print")
    IN_BATCH = "in_batch", _("In a print batch")
    PRINTED = "printed", _("Printed")
    DISPATCHED = "dispatched", _("Dispatched to the office")
    RECEIVED = "received", _("Received by the office")
    HANDED_OVER = "handed_over", _("Handed over to the beneficiary")


STAGE_TRANSITIONS: dict[str, set[str]] = {
    Stage.ISSUED: {Stage.IN_BATCH},
    # Back to "issued" when a batch is cancelled before its card was printed.
    Stage.IN_BATCH: {Stage.PRINTED, Stage.ISSUED},
    Stage.PRINTED: {Stage.DISPATCHED},
    Stage.DISPATCHED: {Stage.RECEIVED},
    Stage.RECEIVED: {Stage.HANDED_OVER},
    Stage.HANDED_OVER: set(),
}


class State(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REPLACED = "replaced", _("Replaced by a new card")


STATE_TRANSITIONS: dict[str, set[str]] = {
    State.ACTIVE: {State.SUSPENDED, State.REPLACED},
    State.SUSPENDED: {State.ACTIVE},
    State.REPLACED: set(),
}


class PrintBatch(models.Model):
    """Cards the state cell sends to the plastic-card printer together.

    Produced by a background task in parts (`BatchPart`, `CARD_BATCH_PART_SIZE` faces each);
    each part's file and the cards it printed are committed together, so a stopped batch
    resumes at the next part and never prints a card twice (portal/cards/batches.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being produced")
        DONE = "done", _("Ready for the printer")
        FAILED = "failed", _("Stopped with an error (can be resumed)")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("batch number"), max_length=16, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    filters = models.JSONField(default=dict)  # what the state cell selected, for the record
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)  # card faces produced so far
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The same "start" form posted twice makes one batch.
    token = models.UUIDField(unique=True, null=True, blank=True)
    card_count = models.PositiveIntegerField(default=0)  # cards in it (`total` and `done` count faces)
    # A worker holds the batch until `claimed_until` and renews the claim after every part;
    # the resume sweep takes over a batch whose claim ran out (its worker died).
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    manifest_csv = models.FileField(upload_to="cards/batches/", blank=True)
    manifest_xlsx = models.FileField(upload_to="cards/batches/", blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number or f"batch {self.pk}"

    @staticmethod
    def number_for(pk: int, year: int) -> str:
        """"PB", two digits of the year, a six-digit serial and a Verhoeff digit: PB260000125."""
        digits = f"{year % 100:02d}{pk:06d}"
        return f"PB{digits}{verhoeff_digit(digits)}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.CANCELLED)

    @property
    def audit_label(self) -> str:
        return str(self)


BATCH_TRANSITIONS: dict[str, set[str]] = {
    PrintBatch.Status.QUEUED: {PrintBatch.Status.RUNNING, PrintBatch.Status.CANCELLED},
    # Running again: a new worker took over a batch whose worker died.
    PrintBatch.Status.RUNNING: {PrintBatch.Status.DONE, PrintBatch.Status.FAILED, PrintBatch.Status.RUNNING},
    PrintBatch.Status.FAILED: {PrintBatch.Status.RUNNING, PrintBatch.Status.CANCELLED},
    PrintBatch.Status.DONE: set(),
    PrintBatch.Status.CANCELLED: set(),
}


class BatchPart(models.Model):
    """One print-ready PDF file of a batch: its cards' fronts and backs, one face per page."""

    batch = models.ForeignKey(PrintBatch, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to="cards/batches/")
    cards = models.PositiveIntegerField()
    faces = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="cards_batch_part_once")]


class Dispatch(models.Model):
    """Printed cards sent to one DDO/TO office (the dispatch register), and their receipt."""

    office = models.ForeignKey("directory.Office", on_delete=models.PROTECT, related_name="card_dispatches")
    batch = models.ForeignKey(PrintBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="dispatches")
    reference = models.CharField(_("dispatch reference"), max_length=60)
    dispatched_on = models.DateField(_("date of dispatch"))
    dispatched_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    received_on = models.DateField(_("date received"), null=True, blank=True)
    received_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-dispatched_on", "-id"]
        # The dispatch register, newest first (read backwards): a page without sorting them all.
        indexes = [models.Index(fields=["dispatched_on", "id"], name="cards_dispatch_register_idx")]

    @property
    def audit_label(self) -> str:
        return f"dispatch {self.reference} to {self.office_id}"


class Card(models.Model):
    number = models.CharField(_("card number"), max_length=16, unique=True, null=True, blank=True)
    member = models.ForeignKey("enrolment.Member", on_delete=models.PROTECT, related_name="cards")
    family = models.ForeignKey("enrolment.Family", on_delete=models.PROTECT, related_name="cards")
    # The office that issues the card and through which it is delivered (the family's office
    # when the card was issued); reports and the DDO/TO's pages reach the card through it.
    office = models.ForeignKey("directory.Office", on_delete=models.PROTECT, related_name="cards")
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.ISSUED)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)

    # What is printed, copied at issue.
    name_en = models.CharField(max_length=150)
    name_hi = models.CharField(max_length=150)
    relation = models.CharField(max_length=16, choices=Relation.choices)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=12, choices=Gender.choices)
    ward = models.CharField(max_length=12, choices=Ward.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)  # of the family
    aadhaar_last4 = models.CharField(max_length=4)

    # The signed QR payload, made once at issue so every print of the card carries the same
    # QR; `key_id` names the Ed25519 key that signed it (old keys stay published).
    qr_payload = models.TextField(blank=True)
    key_id = models.CharField(max_length=16, blank=True)
    # The QR code's modules, encoded at issue so the print batch need not (qr.pack_modules:
    # ~340 characters); emptied once the card is printed. Self-prints encode it if empty.
    qr_modules = models.TextField(blank=True)

    issued_at = models.DateTimeField()
    batch = models.ForeignKey(PrintBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="cards")
    printed_at = models.DateTimeField(null=True, blank=True)
    dispatch = models.ForeignKey(Dispatch, null=True, blank=True, on_delete=models.PROTECT, related_name="cards")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    handover_acknowledged = models.BooleanField(default=False)  # the beneficiary confirmed with an OTP
    first_self_printed_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)  # of the last suspension or replacement
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    # The photo printed on the card (photos are never edited: a new photo is a new row).
    photo = models.ForeignKey("enrolment.Photo", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["family_id", "id"]
        indexes = [
            models.Index(fields=["office", "stage"]),
            models.Index(fields=["family", "state"]),
            models.Index(fields=["stage", "issued_at"]),
            # The card lists, newest first (read backwards): state-wide, and one office's,
            # whose cards (60,000 for a district treasury) would otherwise all be sorted. The
            # state-wide one carries the names too: a common name past the search's count cap
            # walks it newest first (search.searched_page) and now tests each name in the
            # index, not on the card's page (Akhtari, 1,281 of 60 lakh: 355 -> 138 ms).
            models.Index(fields=["issued_at", "id"], include=["name_en", "name_hi"], name="cards_card_issued_names"),
            # With the names in it (PostgreSQL keeps included columns in the index), an office's
            # name search reads this index alone: 25,000 entries for the busiest office instead
            # of the trigram index's entries for the whole state (ASHA: 1,07,896; 83-110 -> 24-30 ms).
            models.Index(fields=["office", "issued_at", "id"], include=["name_en", "name_hi"],
                         name="cards_card_office_issued_names"),
            # The few cards the state cell's pages look for among 60 lakh: ready to print
            # (the batch page's count) and printed, waiting to be dispatched (the dispatch page).
            models.Index(fields=["office"], condition=models.Q(stage="issued", state="active"),
                         name="cards_card_ready_to_print"),
            models.Index(fields=["office"], condition=models.Q(stage="printed", state="active"),
                         name="cards_card_waiting_dispatch"),
        ]
        constraints = [
            # A member holds at most one card a hospital could be shown (active or suspended).
            models.UniqueConstraint(fields=["member"], condition=models.Q(state__in=["active", "suspended"]),
                                    name="cards_one_live_card_per_member"),
        ]

    def __str__(self) -> str:
        return self.number or f"card {self.pk}"

    @property
    def audit_label(self) -> str:
        return str(self)

    @staticmethod
    def number_for(pk: int, year: int) -> str:
        """"UP", two digits of the year of issue, an eight-digit serial and a Verhoeff check
        digit over the ten digits: UP2600001234 + 5 -> UP26000012345 (docs/formats.md)."""
        digits = f"{year % 100:02d}{pk:08d}"
        return f"UP{digits}{verhoeff_digit(digits)}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "hi").startswith("en") else (self.name_hi or self.name_en)

    @property
    def aadhaar_masked(self) -> str:
        return f"XXXX XXXX {self.aadhaar_last4}"


class CardPrint(models.Model):
    """Every print of a card: the beneficiary's own prints and the state's batch prints."""

    class Kind(models.TextChoices):
        SELF = "self", _("Printed by the beneficiary")
        BATCH = "batch", _("Printed in a state print batch")

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="prints")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(PrintBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ip = models.CharField(max_length=64, blank=True)
    # Batch prints: the file and the place in the batch (1, 2, ...; the card's front is page
    # 2 × position − 1 of the batch), for the manifest.
    part = models.ForeignKey(BatchPart, null=True, blank=True, on_delete=models.PROTECT, related_name="prints")
    position = models.PositiveIntegerField(null=True, blank=True)
    layout = models.CharField(max_length=8, blank=True)  # self-prints: "a4" (sheet with cut marks) or "card"

    class Meta:
        indexes = [models.Index(fields=["kind", "at"])]
