"""The SQL a piece of code sends, and PostgreSQL's plan for each statement: for tests that
check a look-up or a page reads the index it was given."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def sql_of(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries]


def plans(run) -> list[str]:
    """EXPLAIN of each query `run` sends (as sent: psycopg's own text of it)."""
    texts = []
    statements = sql_of(run)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: only whether an index fits is of interest
        for sql in statements:
            cursor.execute("EXPLAIN " + sql)
            texts.append("\n".join(row[0] for row in cursor.fetchall()))
    return texts
