"""The state-wide card list index also carries the names, so a state-wide name search that
walks the cards newest first tests each name in the index (portal/cards/models.py). Replaces
cards_card_issued_idx (same key columns)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0009_office_list_with_names'),
        ('directory', '0001_initial'),
        ('enrolment', '0006_primary_names_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='card',
            index=models.Index(fields=['issued_at', 'id'], include=('name_en', 'name_hi'), name='cards_card_issued_names'),
        ),
        # Removed after the new one exists: the state's list is never without its index.
        migrations.RemoveIndex(
            model_name='card',
            name='cards_card_issued_idx',
        ),
    ]
