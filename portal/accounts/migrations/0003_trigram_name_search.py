"""PostgreSQL only: trigram indexes for the state cell's user list search by name
(`selectors._search`), which sends `UPPER(name_en::text) LIKE UPPER('%TERM%')` (`icontains`):
no B-tree can serve it, and the list read all 17.8 lakh accounts to count the matches and
again for the page (1.1 s at state scale). A GIN index on the same expression finds them.
The pending list is kept at 256 kB from the start, as for the cards (cards 0006: every search
reads all of it, and accounts are added in bulk with each verified family). On SQLite, or
where the database user may not create the extension, nothing is done and the search works
the same, only without the index.

Statistics on the two expressions (PostgreSQL 14 and later) let the planner see how common a
name is, to choose between the index and walking the accounts by user ID."""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)

INDEXES = {
    "accounts_user_name_en_trgm": "name_en",
    "accounts_user_name_hi_trgm": "name_hi",
}
STATISTICS = "accounts_user_name_upper_stats"
PENDING_LIST_KB = 256


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:  # not allowed here: the search still works, without the index
        log.warning("pg_trgm could not be enabled (%s); the user search runs without trigram indexes", exc)
        return
    with connection.cursor() as cursor:
        for name, column in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON accounts_user USING gin (UPPER({column}) "
                           f"gin_trgm_ops) WITH (gin_pending_list_limit = {PENDING_LIST_KB})")
        if connection.pg_version >= 140000:
            cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} ON (UPPER(name_en)), (UPPER(name_hi)) "
                           "FROM accounts_user")
            cursor.execute("ANALYZE accounts_user")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_hospital_role"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
