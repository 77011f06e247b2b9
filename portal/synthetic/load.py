"""Writing rows: PostgreSQL COPY fed by worker processes, or bulk_create (SQLite).

On PostgreSQL, workers (forked after the plan is made, so they share it) build chunks,
seal the Aadhaar numbers and format COPY text; the main process only streams that text
to the server, one transaction per chunk, in chunk order. Generation, encryption and the
server's inserts then run on different cores at the same time.
"""

import multiprocessing
import os
import queue as queues
import threading
import time
import traceback
from dataclasses import dataclass, field

from django.db import OperationalError, ProgrammingError, connection, connections, transaction

from .schema import CHUNK_ORDER, tables


@dataclass
class Stats:
    rows: dict[str, int] = field(default_factory=dict)
    write_seconds: dict[str, float] = field(default_factory=dict)
    build_seconds: float = 0.0  # in workers (or inline): making rows, sealing, formatting
    build_cpu_seconds: float = 0.0
    wait_seconds: float = 0.0  # main process waiting for a worker's chunk

    def add(self, key: str, rows: int, seconds: float) -> None:
        self.rows[key] = self.rows.get(key, 0) + rows
        self.write_seconds[key] = self.write_seconds.get(key, 0.0) + seconds


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def write_rows(key: str, rows: list, stats: Stats) -> None:
    """A small batch of rows (offices, officers...) through the same path as the families."""
    if not rows:
        return
    table = tables()[key]
    t0 = time.perf_counter()
    if is_postgres():
        _copy(table, table.copy_text(rows))
    else:
        table.model.objects.bulk_create(table.instances(rows), batch_size=500)
    stats.add(key, len(rows), time.perf_counter() - t0)


def _copy(table, payload: bytes) -> None:
    if not payload:
        return
    with connection.cursor() as cursor:
        with cursor.cursor.copy(table.copy_sql(connection.ops.quote_name)) as copy:
            # Big writes in pieces: psycopg sends each as it goes.
            view = memoryview(payload)
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start:start + (1 << 20)])


# --- families -------------------------------------------------------------------------


def _payload(builder, chunk) -> dict:
    rows = builder.chunk(chunk)
    specs = tables()
    payload = {}
    for key in CHUNK_ORDER:
        if key == "dispatches":  # the main process drops those another chunk already wrote
            payload[key] = rows[key]
        else:
            payload[key] = (len(rows[key]), specs[key].copy_text(rows[key]))
    return payload


def _worker(builder, chunks, queue) -> None:
    try:
        for chunk in chunks:
            t0, c0 = time.perf_counter(), time.process_time()
            payload = _payload(builder, chunk)
            queue.put((chunk.index, payload, (time.perf_counter() - t0, time.process_time() - c0)))
    except BaseException:  # the main process reports it and stops
        queue.put((None, traceback.format_exc(), (0.0, 0.0)))


def write_families_copy(builder, chunks, stats: Stats, *, workers: int, progress) -> None:
    written_dispatches: set[int] = set()
    if not connection.in_atomic_block:
        # The children never use the database; closing first is only belt and braces.
        # (Inside a transaction, as in the tests, the connection stays: a forked child
        # leaves through os._exit and never speaks on the inherited socket.)
        connections.close_all()
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=2) for _ in range(workers)]
    processes = [context.Process(target=_worker, args=(builder, chunks[w::workers], queues[w]), daemon=True)
                 for w in range(workers)]
    for process in processes:
        process.start()
    specs = tables()
    try:
        for position, chunk in enumerate(chunks):
            t0 = time.perf_counter()
            index, payload, (seconds, cpu) = queues[position % workers].get()
            stats.wait_seconds += time.perf_counter() - t0
            if index is None:
                raise RuntimeError(f"a generator process failed:\n{payload}")
            stats.build_seconds += seconds
            stats.build_cpu_seconds += cpu
            with transaction.atomic():
                _set_session()
                for key in CHUNK_ORDER:
                    t1 = time.perf_counter()
                    if key == "dispatches":
                        fresh = [row for row in payload[key] if row[0] not in written_dispatches]
                        written_dispatches.update(row[0] for row in fresh)
                        count, data = len(fresh), specs[key].copy_text(fresh)
                    else:
                        count, data = payload[key]
                    _copy(specs[key], data)
                    stats.add(key, count, time.perf_counter() - t1)
            progress(chunk)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)


def write_families_inline(builder, chunks, stats: Stats, *, progress) -> None:
    """Build and write each chunk in this process (SQLite, or --workers 0)."""
    written_dispatches: set[int] = set()
    specs = tables()
    postgres = is_postgres()
    for chunk in chunks:
        t0, c0 = time.perf_counter(), time.process_time()
        rows = builder.chunk(chunk)
        rows["dispatches"] = [r for r in rows["dispatches"] if r[0] not in written_dispatches]
        written_dispatches.update(r[0] for r in rows["dispatches"])
        if postgres:
            payload = {key: specs[key].copy_text(rows[key]) for key in CHUNK_ORDER}
        else:
            payload = {key: specs[key].instances(rows[key]) for key in CHUNK_ORDER}
        stats.build_seconds += time.perf_counter() - t0
        stats.build_cpu_seconds += time.process_time() - c0
        with transaction.atomic():
            if postgres:
                _set_session()
            for key in CHUNK_ORDER:
                t1 = time.perf_counter()
                if postgres:
                    _copy(specs[key], payload[key])
                else:
                    specs[key].model.objects.bulk_create(payload[key], batch_size=500)
                stats.add(key, len(rows[key]), time.perf_counter() - t1)
        progress(chunk)


def _set_session() -> None:
    # A lost tail of commits after a crash costs nothing here (the run is redone), and
    # not waiting for each chunk's WAL flush is a large part of COPY's speed.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


# --- PostgreSQL: indexes, constraints, sequences ----------------------------------------


def backend_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend so far (when the server is local
    and its /proc readable): how much of the load the server itself did."""
    if not is_postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def secondary_definitions(table_names: list[str], *, kinds=("unique", "index", "fk")) -> list[dict]:
    """Foreign keys, unique constraints and indexes (not primary keys) of these tables, as
    the SQL that recreates them: unique constraints and indexes first, foreign keys last."""
    found = []
    with connection.cursor() as cursor:
        for name in table_names:
            cursor.execute(
                "SELECT c.conname, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c "
                "WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'f') ORDER BY c.contype DESC, c.conname",
                [name])
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class ci ON ci.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY ci.relname",
                [name])
            indexes = cursor.fetchall()
            quoted = connection.ops.quote_name(name)
            for conname, definition, kind in constraints:
                found.append({"table": name, "name": conname, "kind": "unique" if kind == "u" else "fk",
                              "drop": f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(conname)}",
                              "sql": f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(conname)} "
                                     f"{definition}"})
            for index_name, definition in indexes:
                found.append({"table": name, "name": index_name, "kind": "index",
                              "drop": f"DROP INDEX {connection.ops.quote_name(index_name)}", "sql": definition})
    order = {"unique": 0, "index": 1, "fk": 2}
    return sorted((d for d in found if d["kind"] in kinds), key=lambda d: order[d["kind"]])


def drop(definitions: list[dict]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred checks still pending in this transaction (only inside an outer one, as
        # in the tests) would forbid the ALTER TABLE: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for item in reversed(definitions):  # foreign keys first (an index may back one)
            cursor.execute(item["drop"])
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def rebuild(definitions: list[dict], *, on_done, threads: int = 2) -> list[dict]:
    """Recreate what `drop` removed, on `threads` connections at once (one table at a time
    per connection); unique constraints and indexes first, then foreign keys (each checks
    every row once, with one join). `on_done(item)` after each, so the ledger lists only
    what is still missing. Returns the timings."""
    timings: list[dict] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    if connection.in_atomic_block:
        # Other connections could not see (or would wait for) this transaction's tables.
        for item in definitions:
            t0 = time.perf_counter()
            _execute_retrying(item["sql"])
            timings.append({"name": item["name"], "kind": item["kind"], "seconds": round(time.perf_counter() - t0, 2)})
            on_done(item)
        return timings

    def phase(items: list[dict]) -> None:
        groups: dict[str, list[dict]] = {}
        for item in items:
            groups.setdefault(item["table"], []).append(item)
        # Biggest groups first, so the two connections finish at about the same time.
        work: queues.Queue = queues.Queue()
        for group in sorted(groups.values(), key=len, reverse=True):
            work.put(group)

        def run() -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET maintenance_work_mem = '1GB'")
                while not errors:
                    try:
                        group = work.get_nowait()
                    except queues.Empty:
                        return
                    for item in group:
                        t0 = time.perf_counter()
                        _execute_retrying(item["sql"])
                        with lock:
                            timings.append({"name": item["name"], "kind": item["kind"],
                                            "seconds": round(time.perf_counter() - t0, 2)})
                            on_done(item)
            except BaseException as exc:  # reported by the caller
                errors.append(exc)
            finally:
                connection.close()

        pool = [threading.Thread(target=run) for _ in range(max(1, threads))]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        if errors:
            raise errors[0]

    phase([d for d in definitions if d["kind"] != "fk"])
    phase([d for d in definitions if d["kind"] == "fk"])
    return timings


def _execute_retrying(sql: str) -> None:
    """Two foreign keys checked at once can wait on the same parent table; PostgreSQL
    breaks a deadlock by cancelling one, which is simply run again. Something that exists
    already (a repair run twice) counts as done."""
    for attempt in range(3):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
            return
        except OperationalError as exc:
            if "deadlock" not in str(exc) or attempt == 2:
                raise
        except ProgrammingError as exc:
            if "already exists" in str(exc):
                return
            raise


def set_autovacuum(table_names: list[str], enabled: bool) -> None:
    with connection.cursor() as cursor:
        for name in table_names:
            quoted = connection.ops.quote_name(name)
            if enabled:
                cursor.execute(f"ALTER TABLE {quoted} RESET (autovacuum_enabled)")
            else:
                cursor.execute(f"ALTER TABLE {quoted} SET (autovacuum_enabled = false)")


def move_sequences(models) -> None:
    """Explicit primary keys were written: each sequence goes past the largest one (never back)."""
    if not is_postgres():
        return  # SQLite's AUTOINCREMENT already follows the largest rowid written
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            column = model._meta.pk.column
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            if not sequence:
                continue
            cursor.execute(
                f"SELECT setval(%s, GREATEST((SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 1) "
                f"FROM {connection.ops.quote_name(table)}), (SELECT last_value FROM {sequence})))", [sequence])


def analyze(table_names: list[str]) -> None:
    """Statistics for the planner and, on PostgreSQL outside a transaction, a VACUUM too: it
    sets the visibility map, without which every count of an office's cards or families
    reads the table's pages instead of the index alone, until autovacuum comes by (at some
    random moment later, in the middle of whatever the database is doing then)."""
    with connection.cursor() as cursor:
        if not is_postgres():
            cursor.execute("ANALYZE")
            return
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"  # VACUUM: never in a transaction
        for name in table_names:
            cursor.execute(f"{command} {connection.ops.quote_name(name)}")
