"""The generator never runs in production and never mixes itself into a database with
real families unless told; appended runs never reuse an Aadhaar serial."""

import uuid

import pytest
from django.core.management import CommandError, call_command

from portal import clock
from portal.directory.models import Department, District, Office
from portal.enrolment.models import Family, PayLevel
from portal.synthetic import services
from portal.synthetic.models import Run

pytestmark = pytest.mark.django_db


def _real_family(system):
    from portal.directory.services import create_office

    district = District.objects.get(lgd_code=162)
    office = create_office(actor=system, name_en="A real office", name_hi="वास्तविक कार्यालय", address="Lucknow",
                           district=district, department=Department.objects.first(), treasury=district.treasuries.first(),
                           office_type="district", kind="ddo", ddo_code="2661", headcount=10)
    level = PayLevel.objects.get(code="6")
    return Family.objects.create(kind="employee", office=office, mobile="9812345670", address="Lucknow",
                                 pay_level=level, ward=level.ward, submit_token=uuid.uuid4(),
                                 created_at=office.created_at, updated_at=office.created_at)


def test_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(services.Refused, match="production"):
        services.generate_population(options=services.Options(families=5, workers=0))
    with pytest.raises(CommandError, match="production"):
        call_command("generate_population", "--families", "5")
    assert not Run.objects.exists() and not Office.objects.exists()


def test_refuses_a_database_with_real_families_unless_appending(system):
    real = _real_family(system)
    with pytest.raises(services.Refused, match="1 families that no synthetic run made"):
        services.generate_population(options=services.Options(families=5, workers=0))
    assert Family.objects.count() == 1
    services.generate_population(options=services.Options(families=20, workers=0, append=True))
    assert Family.objects.count() == 21 and Family.objects.filter(pk=real.pk).exists()
    assert services.non_synthetic_families() == 1


def test_runs_after_runs_add_families_and_never_reuse_aadhaar_serials():
    first = services.generate_population(options=services.Options(families=15, workers=0, seed=1))
    assert services.non_synthetic_families() == 0
    second = services.generate_population(options=services.Options(families=15, workers=0, seed=1))
    runs = list(Run.objects.order_by("pk"))
    assert [r.status for r in runs] == ["done", "done"]
    assert runs[1].aadhaar_first == runs[0].aadhaar_last + 1
    assert runs[1].ranges["families"][0] == runs[0].ranges["families"][1] + 1
    assert first.rows["families"] == second.rows["families"] == 15
    assert Family.objects.count() == 30


def test_an_interrupted_run_blocks_the_next_until_repaired():
    Run.objects.create(started_at=clock.now(), seed=1)
    with pytest.raises(services.Refused, match="running"):
        services.generate_population(options=services.Options(families=5, workers=0))
    call_command("generate_population", "--restore-indexes")
    assert Run.objects.get().status == "failed"
    services.generate_population(options=services.Options(families=5, workers=0))


@pytest.mark.parametrize("scale, families", [("demo", 2000), ("state", 2_200_000), ("1/20", 110_000),
                                             ("0.2", 440_000), ("5000", 5000)])
def test_scale_names_and_fractions(scale, families):
    assert services.scale_families(scale) == families


def test_the_command_reports_rows_per_second(capsys):
    call_command("generate_population", "--families", "12", "--workers", "0", "--seed", "4")
    out = capsys.readouterr().out
    assert "rows/s" in out and "wall time" in out and "families" in out
    assert Family.objects.count() == 12
