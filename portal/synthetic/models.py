"""The ledger of synthetic runs: which rows and Aadhaar serials each run made.

It is how the command tells its own families from real ones (it refuses to add to a
database with real families unless told), how it never reuses a synthetic Aadhaar
number, and where it keeps the definitions of indexes it dropped for a fast load until
they are rebuilt (so an interrupted run can be repaired with --restore-indexes).
"""

from django.db import models


class Run(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    seed = models.BigIntegerField()
    options = models.JSONField(default=dict)
    # {"families": [first_pk, last_pk], ...}: the primary keys this run wrote, per table.
    ranges = models.JSONField(default=dict)
    aadhaar_first = models.BigIntegerField(default=0)  # serials of portal.synthetic.aadhaar
    aadhaar_last = models.BigIntegerField(default=-1)
    counts = models.JSONField(default=dict)
    timings = models.JSONField(default=dict)
    dropped = models.JSONField(default=list)  # [{"table", "name", "sql"}] still to be rebuilt
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"synthetic run {self.pk} ({self.status})"
