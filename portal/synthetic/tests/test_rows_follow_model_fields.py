"""Rows are built from each model's own fields: columns the generator does not know take
their defaults, so a field added later with a default needs no change here."""

import datetime
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.cards.models import Card, PrintBatch
from portal.enrolment.models import Photo
from portal.synthetic import schema
from portal.synthetic.tables import Json, Table, ts_text

pytestmark = pytest.mark.django_db


def test_columns_the_generator_leaves_out_take_the_fields_defaults():
    table = Table(PrintBatch, ("id", "number", "created_by_id", "created_at"))
    assert {"status", "filters", "total", "attempts", "card_count", "error", "token"} <= set(table.columns)
    line = table.copy_text([(7, "PB260000071", 3, 1_790_000_000)]).decode().rstrip("\n").split("\t")
    values = dict(zip(table.columns, line))
    assert values["status"] == "queued" and values["filters"] == "{}" and values["attempts"] == "0"
    assert values["token"] == "\\N" and values["error"] == ""
    assert values["created_at"] == ts_text(1_790_000_000) == "2026-09-21 14:13:20+00"


def test_a_field_without_value_or_default_stops_the_run_and_names_itself():
    with pytest.raises(ImproperlyConfigured, match="enrolment.Photo.created_at"):
        Table(Photo, ("id", "file", "width", "height", "size"))


def test_every_generated_table_matches_its_model():
    for key, table in schema.tables().items():
        model_columns = {f.column for f in table.model._meta.concrete_fields}
        assert set(table.columns) <= model_columns, key
        missing = model_columns - set(table.columns)
        assert missing <= {table.model._meta.pk.column} or table.has_pk, (key, missing)


def test_text_with_tabs_newlines_and_backslashes_is_escaped_for_copy():
    table = Table(Photo, ("id", "file", "width", "height", "size", "created_at"))
    plain = table.copy_text([(1, "a.jpg", 1, 2, 3, 0)]).decode()
    assert plain == "1\ta.jpg\t1\t2\t3\t1970-01-01 00:00:00+00\n"
    odd = table.copy_text([(2, "a\tb\\c\nd", 1, 2, 3, 0)]).decode()
    assert odd.startswith("2\ta\\tb\\\\c\\nd\t")


def test_the_same_rows_become_model_instances_for_bulk_create():
    table = Table(PrintBatch, ("id", "number", "filters", "created_by_id", "created_at", "token"))
    token = uuid.uuid4().hex
    batch = table.instances([(5, "PB1", Json('{"a": 1}'), 9, 1_790_000_000, token)])[0]
    assert batch.pk == 5 and batch.filters == {"a": 1} and batch.status == "queued"
    assert batch.created_at == datetime.datetime(2026, 9, 21, 14, 13, 20, tzinfo=datetime.timezone.utc)


def test_the_card_table_fills_what_the_cards_app_added_later():
    table = schema.tables()["cards"]
    for name in ("handover_acknowledged", "photo_id", "qr_payload", "key_id"):
        assert Card._meta.get_field(name).column in table.columns
