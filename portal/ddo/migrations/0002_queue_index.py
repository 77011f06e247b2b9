from django.db import migrations, models
from django.db.models import Q

QUEUE = ["submitted", "form_printed", "scan_received", "resubmitted"]


class Migration(migrations.Migration):
    """The state cell's queue lists applications waiting with it, oldest first. A partial
    index keeps that page fast however many approved applications pile up."""

    dependencies = [("ddo", "0001_initial")]
    operations = [
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["submitted_at", "id"], condition=Q(status__in=QUEUE), name="ddo_queue_idx"),
        ),
    ]
