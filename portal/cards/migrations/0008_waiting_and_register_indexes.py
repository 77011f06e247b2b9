"""Indexes for the state cell's pages at state scale (docs/cards.md, "The state cell's pages"):
the cards ready to print and those printed and waiting to be dispatched, each a partial index
of a few tens of thousands among 60 lakh cards, and the dispatch register in its order."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0007_list_order_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='card',
            index=models.Index(condition=models.Q(('stage', 'issued'), ('state', 'active')), fields=['office'],
                               name='cards_card_ready_to_print'),
        ),
        migrations.AddIndex(
            model_name='card',
            index=models.Index(condition=models.Q(('stage', 'printed'), ('state', 'active')), fields=['office'],
                               name='cards_card_waiting_dispatch'),
        ),
        migrations.AddIndex(
            model_name='dispatch',
            index=models.Index(fields=['dispatched_on', 'id'], name='cards_dispatch_register_idx'),
        ),
    ]
