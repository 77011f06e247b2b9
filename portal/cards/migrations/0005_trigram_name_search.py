"""PostgreSQL only: trigram indexes for the card list's name search over large scopes (a
district, the state cell, the helpdesk). The search (`selectors._search`) looks for a name in
the field of its script with `icontains`, which sends `UPPER(name_en::text) LIKE UPPER('%TERM%')`:
no B-tree can serve it. With pg_trgm and a GIN index on the same expression (`UPPER(name_en)`
on a varchar column is stored as `upper((name_en)::text)`, the query's expression) PostgreSQL
finds the matching cards without reading them all. On SQLite, or where the database user may
not create the extension, nothing is done and the search works the same, only without the index.

Statistics on the two expressions (PostgreSQL 14 and later) let the planner see how common a
name is; without them it guesses a handful of rows for any name (4 for "SUNITA" against 144 in
a 13,773-card population), which misprices the joins and the sort that follow."""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)

INDEXES = {
    "cards_card_name_en_trgm": "name_en",
    "cards_card_name_hi_trgm": "name_hi",
}
STATISTICS = "cards_card_name_upper_stats"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:  # not allowed here: the search still works, without the index
        log.warning("pg_trgm could not be enabled (%s); the card search runs without trigram indexes", exc)
        return
    with connection.cursor() as cursor:
        for name, column in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cards_card USING gin (UPPER({column}) gin_trgm_ops)")
        if connection.pg_version >= 140000:
            cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} ON (UPPER(name_en)), (UPPER(name_hi)) "
                           "FROM cards_card")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cards", "0004_card_qr_modules"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
