"""Reports and dashboards read from a read replica when one is configured.

Reads made inside `replica_reads()` (a context manager and a view decorator) go to the
"replica" database alias if settings define one (`DATABASE_REPLICA_URL`); everything else,
and every write, goes to the primary. Without a replica it changes nothing, so the demo
and the tests run on one database. Only pages that can bear a few seconds of replication
lag use it: figures for monitoring, never a page that shows what the user just changed.
"""

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"
_reading = contextvars.ContextVar("portal_replica_reads", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


@contextmanager
def replica_reads():
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def reads_from_replica(view):
    """View decorator: the view's queries read from the replica (when there is one)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped
