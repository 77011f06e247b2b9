"""On PostgreSQL the population goes in through COPY, built by worker processes, with
indexes and constraints dropped for the load and rebuilt after, exactly as they were."""

import pytest
from django.db import connection

from portal.cards.models import Card
from portal.enrolment.models import Family, Member
from portal.synthetic import load, schema, services
from portal.synthetic.models import Run

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")


def _definitions() -> set[tuple]:
    """Name, kind, table and shape of every secondary index and constraint. (PostgreSQL
    prints a rebuilt partial index's condition with different casts: same meaning.)"""
    tables = [spec.name for spec in schema.tables().values()]
    return {(d["name"], d["kind"], d["table"], "UNIQUE" in d["sql"], " WHERE " in d["sql"],
             d["sql"].split(" WHERE ")[0]) for d in load.secondary_definitions(tables)}


@pytest.mark.parametrize("mode", ["rebuild", "fk"])
def test_worker_processes_feed_copy_and_every_index_comes_back(postgres, mode):
    before = _definitions()
    report = services.generate_population(options=services.Options(families=300, seed=5, workers=1,
                                                                   index_mode=mode))
    assert report.workers == 1
    assert _definitions() == before
    run = Run.objects.get(pk=report.run)
    assert run.dropped == [] and run.status == "done" and run.options["dropped_during_load"] == mode
    assert {t["kind"] for t in report.index_rebuild} == ({"fk"} if mode == "fk" else {"fk", "unique", "index"})
    assert Family.objects.count() == 300 == report.rows["families"]
    assert Member.objects.count() == report.rows["members"]
    assert Card.objects.count() == report.rows["cards"]
    assert "families_postgres_backend_cpu_s" in report.phases


def test_sequences_continue_after_the_explicit_keys(postgres):
    services.generate_population(options=services.Options(families=40, seed=6, workers=0))
    from django.db.models import Max

    from portal.enrolment.models import Photo

    photo = Photo.objects.create(file="x.jpg", width=1, height=1, size=1, created_at=Family.objects.first().created_at)
    assert photo.pk > Member.objects.aggregate(m=Max("photo_id"))["m"]
