"""A small synthetic population, made once per test module inside a transaction that is
rolled back afterwards (tests inside it run in savepoints, as usual)."""

import pytest
from django.db import connection, transaction

from portal.synthetic import services


def make_population(django_db_blocker, **options):
    """Context manager body for module fixtures: generate, yield the report, roll back."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            report = services.generate_population(options=services.Options(workers=0, **options))
            yield report
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def population(django_db_setup, django_db_blocker):
    yield from make_population(django_db_blocker, families=900, seed=11)


def on_postgres() -> bool:
    return connection.vendor == "postgresql"
