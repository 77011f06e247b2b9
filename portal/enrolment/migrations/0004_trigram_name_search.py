"""PostgreSQL only: trigram indexes for the queue's name search over large scopes (a district,
the state cell). `UPPER(name) LIKE '%TERM%'` (what `icontains` sends) cannot use a B-tree; with
pg_trgm and a GIN index on the same expression PostgreSQL finds the matching primary
beneficiaries without reading them all. On SQLite, or where the database user may not create
the extension, nothing is done and the search works the same, only without the index.

Statistics on the two expressions (PostgreSQL 14 and later) let the planner see how common a
name is: it then probes the members of each family in a small scope (a DDO's office) and uses
the trigram index for a large one. Without them it guesses a few dozen rows for any name."""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)

INDEXES = {
    "enrolment_member_primary_name_en_trgm": "name_en",
    "enrolment_member_primary_name_hi_trgm": "name_hi",
}
STATISTICS = "enrolment_member_name_upper_stats"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:  # not allowed here: the search still works, without the index
        log.warning("pg_trgm could not be enabled (%s); the name search runs without trigram indexes", exc)
        return
    with connection.cursor() as cursor:
        for name, column in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON enrolment_member "
                           f"USING gin (UPPER({column}) gin_trgm_ops) WHERE relation = 'self'")
        if connection.pg_version >= 140000:
            cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} ON (UPPER(name_en)), (UPPER(name_hi)) "
                           "FROM enrolment_member")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("enrolment", "0003_queue_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
