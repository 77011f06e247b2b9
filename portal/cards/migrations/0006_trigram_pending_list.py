"""PostgreSQL only: keep the name-search trigram indexes' pending lists short.

A GIN index first appends new rows to a "pending list" that every search reads in full, row by
row, until VACUUM (or the list reaching `gin_pending_list_limit`, 4 MB by default) merges it into
the index. The card tables grow by inserts only, so autovacuum comes rarely (after 20 % growth)
and the list stays near 4 MB: on cardsprof (300,301 cards, loaded with the indexes in place)
460-511 pages, ~15,000 cards, read by every name search: ~8 ms of each of the list's two
queries, and the planner, counting those pages in the index's cost, read the whole table with
parallel workers instead for the commonest Hindi words (कुमार, देवी). At 256 kB the list is at
most ~32 pages; inserts stay batched (20,000 cards: 2.5 s against 1.6 s at 4 MB and 6.7 s with
`fastupdate` off). What is pending now is merged at once. Nothing is done where the indexes do
not exist (SQLite, or pg_trgm not allowed: see 0005)."""

from django.db import migrations

INDEXES = ("cards_card_name_en_trgm", "cards_card_name_hi_trgm")
PENDING_LIST_KB = 256


def _existing(cursor):
    for name in INDEXES:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            yield name


def shorten(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in list(_existing(cursor)):
            cursor.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])


def restore(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in list(_existing(cursor)):
            cursor.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):

    dependencies = [
        ("cards", "0005_trigram_name_search"),
    ]

    operations = [
        migrations.RunPython(shorten, restore, elidable=False),
    ]
