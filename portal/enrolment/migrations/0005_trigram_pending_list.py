"""PostgreSQL only: keep the name-search trigram indexes' pending lists short (as cards 0006).

A GIN index first appends new rows to a "pending list" that every search reads in full, row by
row, until VACUUM (or the list reaching `gin_pending_list_limit`, 4 MB by default) merges it into
the index. Members are only ever added (autovacuum comes after 20 % growth), so the queue's
name search would read up to 4 MB of pending primary beneficiaries each time, and the planner,
counting those pages in the index's cost, turns to reading every member instead. At 256 kB the
list is at most ~32 pages; what is pending now is merged at once. Nothing is done where the
indexes do not exist (SQLite, or pg_trgm not allowed: see 0004)."""

from django.db import migrations

INDEXES = ("enrolment_member_primary_name_en_trgm", "enrolment_member_primary_name_hi_trgm")
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
        ("enrolment", "0004_trigram_name_search"),
    ]

    operations = [
        migrations.RunPython(shorten, restore, elidable=False),
    ]
