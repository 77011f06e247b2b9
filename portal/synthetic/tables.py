"""Rows for any model, built from the model's own fields.

The generator gives values for the columns it knows, in a fixed order (`provided`);
every other column takes the field's default (`field.get_default()`), so a field that
another app adds later with a default needs no change here. A field with neither a value
nor a default stops the run with a message that names it.

Values are plain Python: int, bool, str, datetime.date, bytes, dict (JSON), UUID, and for
date-times an int of seconds since 1970 UTC (cheaper to make by the million than
datetime objects) or a datetime. Rows become PostgreSQL COPY text (in a worker process)
or model instances for bulk_create (SQLite).
"""

import datetime
import json
import re

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.fields import NOT_PROVIDED

_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")
NULL = "\\N"
UTC = datetime.timezone.utc
_EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()
_day_cache: dict[int, str] = {}
# " HH:MM:SS+00" for every second of a day: a timestamp is then one divmod and two lookups.
_SECONDS = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)]

INT = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
       "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}
TEXT = {"CharField", "TextField", "EmailField", "SlugField", "URLField", "FileField", "ImageField", "FilePathField",
        "GenericIPAddressField"}


def kind_of(field: models.Field) -> str:
    if field.is_relation:
        field = field.target_field
    internal = field.get_internal_type()
    if internal in INT:
        return "int"
    if internal in TEXT:
        return "str"
    return {"BooleanField": "bool", "DateTimeField": "ts", "DateField": "date", "BinaryField": "bytes",
            "JSONField": "json", "UUIDField": "uuid", "FloatField": "num", "DecimalField": "num"}.get(internal, "other")


def ts_text(value) -> str:
    """Seconds since 1970 (UTC) as PostgreSQL reads a timestamptz, without a datetime object."""
    if value.__class__ is not int:
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        value = int(value)
    days, seconds = divmod(value, 86400)
    day = _day_cache.get(days)
    if day is None:
        day = _day_cache[days] = datetime.date.fromordinal(_EPOCH_DAY + days).isoformat()
    return day + _SECONDS[seconds]


class Json(str):
    """A JSON value already serialised by the generator (cheaper than json.dumps per row)."""

    __slots__ = ()


def to_datetime(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromtimestamp(int(value), UTC)


def _bytea(value: bytes) -> str:
    return "\\\\x" + bytes(value).hex()


def _json(value) -> str:
    if value.__class__ is Json:
        return value
    return json.dumps(value, ensure_ascii=False)


def _text(kind: str, value, field) -> str:
    """One value as COPY text (slow path: defaults, computed once per table)."""
    if value is None:
        return NULL
    if kind == "int":
        return str(int(value))
    if kind == "bool":
        return "t" if value else "f"
    if kind == "str":
        return str(value).translate(_ESC)
    if kind == "ts":
        return ts_text(value)
    if kind == "date":
        return value.isoformat()
    if kind == "bytes":
        return _bytea(value)
    if kind == "json":
        return _json(value).translate(_ESC)
    if kind in ("uuid", "num"):
        return str(value)
    from django.db import connection

    return str(field.get_db_prep_save(value, connection)).translate(_ESC)


# Text and JSON go out unescaped; copy_text checks the chunk once and, if any value holds
# a tab, newline, carriage return or backslash, formats it again with escaping.
_EXPR = {
    "int": "str({v})",
    "bool": "('t' if {v} else 'f')",
    "str": "{v}",
    "ts": "_ts({v})",
    "date": "_date({v})",
    "bytes": "_bytea({v})",
    "json": "_json({v})",
    "uuid": "str({v})",
    "num": "str({v})",
}


class Table:
    """How rows of one model are written: the provided columns, then the defaults."""

    def __init__(self, model, provided: tuple[str, ...]):
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [a for a in provided if a not in fields]
        if unknown:
            raise ImproperlyConfigured(f"{model._meta.label} has no field {', '.join(unknown)}")
        self.provided = provided
        self.fields = [fields[a] for a in provided]
        self.kinds = [kind_of(f) for f in self.fields]
        self.has_pk = model._meta.pk.attname in provided
        self.pk_index = provided.index(model._meta.pk.attname) if self.has_pk else None
        self.defaults: list[tuple[models.Field, object]] = []  # constant defaults
        self.callables: list[models.Field] = []  # defaults computed per row (e.g. uuid4)
        for attname, field in fields.items():
            if attname in provided or field.primary_key:
                continue
            if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                continue  # the database fills it
            if field.has_default() and callable(field.default):
                self.callables.append(field)
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                raise ImproperlyConfigured(
                    f"{model._meta.label}.{attname} is set automatically: portal/synthetic must provide it")
            value = field.get_default()
            if value is None and not field.null:
                raise ImproperlyConfigured(
                    f"{model._meta.label}.{attname} has no default and is not nullable: teach "
                    f"portal/synthetic to fill it")
            self.defaults.append((field, value))
        self.columns = [f.column for f in self.fields] + [f.column for f, _ in self.defaults] + [
            f.column for f in self.callables]
        tail = "".join("\t" + _text(kind_of(f), v, f) for f, v in self.defaults)
        self._line = self._compile(tail, escape=False)
        self._escaped_line = self._compile(tail, escape=True)
        self.text_columns = [i for i, k in enumerate(self.kinds) if k in ("str", "json")]

    def _compile(self, tail: str, *, escape: bool):
        """One function per table that makes a row's COPY line with a single f-string
        (no per-value calls for ints and text)."""
        parts = []
        for i, (field, kind) in enumerate(zip(self.fields, self.kinds)):
            v = f"r[{i}]"
            if kind == "int" or (kind == "str" and not escape) or kind in ("uuid", "num"):
                expr = v
            elif kind == "bool":
                expr = f"('t' if {v} else 'f')"
            elif kind == "str":
                expr = f"_escape({v})"
            elif kind == "json":
                expr = f"_escape(_json({v}))" if escape else f"_json({v})"
            elif kind == "ts":
                expr = f"_ts({v})"
            elif kind == "date":
                expr = f"{v}.isoformat()"
            elif kind == "bytes":
                expr = f"_bytea({v})"
            else:
                expr = f"_slow({kind!r}, {v}, _fields[{i}])"
            if field.null:
                expr = f"(_NULL if {v} is None else {expr})"
            parts.append("{" + expr + "}")
        source = 'def line(r):\n    return f"' + "\\t".join(parts) + "{_TAIL}"
        if self.callables:
            source += "{_extra()}"
        source += '"'
        namespace = {
            "_ts": ts_text, "_escape": _escape, "_bytea": _bytea, "_json": _json, "_NULL": NULL, "_TAIL": tail,
            "_slow": _text, "_fields": self.fields, "_extra": self._callable_text,
        }
        exec(compile(source, f"<copy row of {self.name}>", "exec"), namespace)  # noqa: S102 - our own source
        return namespace["line"]

    def _callable_text(self) -> str:
        return "".join("\t" + _text(kind_of(f), f.get_default(), f) for f in self.callables)

    def copy_sql(self, quote) -> str:
        return f"COPY {quote(self.name)} ({', '.join(quote(c) for c in self.columns)}) FROM STDIN"

    def copy_text(self, rows) -> bytes:
        if not rows:
            return b""
        line = self._escaped_line if self._needs_escaping(rows) else self._line
        return ("\n".join([line(r) for r in rows]) + "\n").encode()

    def lines(self, rows) -> list[str]:
        line = self._escaped_line if self._needs_escaping(rows) else self._line
        return [line(r) for r in rows]

    def _needs_escaping(self, rows) -> bool:
        for i in self.text_columns:
            values = [r[i] for r in rows if r[i] is not None]
            if self.kinds[i] == "json":
                values = [_json(v) for v in values]
            if values and _SPECIAL.search("\x00".join(values)):
                return True
        return False

    def instances(self, rows) -> list:
        names = self.provided
        model = self.model
        out = []
        converters = [to_datetime if k == "ts" else _parsed if k == "json" else None for k in self.kinds]
        for row in rows:
            values = {}
            for name, conv, value in zip(names, converters, row):
                values[name] = conv(value) if conv is not None and value is not None else value
            out.append(model(**values))
        return out


def _escape(value: str) -> str:
    return value.translate(_ESC)


def _parsed(value):
    return json.loads(value) if value.__class__ is Json else value

