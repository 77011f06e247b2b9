"""The master data shipped in portal/directory/data: what it loads and that loading again is safe."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.directory.loader import load_master_data
from portal.directory.models import Department, District, Division, Treasury

pytestmark = pytest.mark.django_db

DEVANAGARI_NAME = re.compile(r"^[\u0900-\u097F]+( [\u0900-\u097F]+)*$")


def counts():
    return {
        "divisions": Division.objects.count(),
        "districts": District.objects.count(),
        "treasuries": Treasury.objects.count(),
        "departments": Department.objects.count(),
    }


def test_session_load_has_18_divisions_75_districts_77_treasuries_100_departments():
    assert counts() == {"divisions": 18, "districts": 75, "treasuries": 77, "departments": 100}


def test_every_district_has_an_lgd_code_a_division_and_a_devanagari_hindi_name():
    districts = list(District.objects.select_related("division"))
    assert len(districts) == 75
    lgd_codes = [d.lgd_code for d in districts]
    assert all(isinstance(code, int) and code > 0 for code in lgd_codes)
    assert len(set(lgd_codes)) == 75
    bad_names = [(d.name_en, d.name_hi) for d in districts if not DEVANAGARI_NAME.match(d.name_hi)]
    assert bad_names == []
    assert all(d.name_en and not DEVANAGARI_NAME.match(d.name_en) for d in districts)
    # Every division has at least one district.
    assert set(Division.objects.values_list("pk", flat=True)) == {d.division_id for d in districts}


def test_lucknow_lgd_162_is_in_lucknow_division_with_its_treasuries():
    lucknow = District.objects.get(lgd_code=162)
    assert lucknow.name_en == "Lucknow"
    assert lucknow.name_hi == "लखनऊ"
    assert lucknow.division.name_en == "Lucknow"
    assert lucknow.division.name_hi == "लखनऊ"
    assert set(lucknow.treasuries.values_list("code", flat=True)) >= {"T162", "TJBL"}
    assert Treasury.objects.get(code="TJBL").kind == Treasury.Kind.JAWAHAR_BHAWAN


def test_agra_division_holds_agra_district_and_not_lucknow():
    agra = District.objects.get(lgd_code=118)
    assert agra.name_en == "Agra"
    assert agra.division.districts.filter(lgd_code=162).exists() is False


def test_every_department_and_treasury_has_a_code_and_both_names():
    for model in (Department, Treasury):
        rows = list(model.objects.all())
        assert all(r.code and r.name_en and re.search(r"[\u0900-\u097F]", r.name_hi) for r in rows), model
        assert all(r.active for r in rows), model


def test_loading_again_changes_no_counts_and_reports_the_file_sizes():
    before = counts()
    result = load_master_data()
    assert counts() == before
    assert (result.divisions, result.districts, result.treasuries, result.departments) == (18, 75, 77, 100)


def test_management_command_is_safe_to_repeat():
    before = counts()
    out = StringIO()
    call_command("load_master_data", stdout=out)
    call_command("load_master_data", stdout=out)
    assert counts() == before
    assert "18 divisions, 75 districts, 77 treasuries, 100 departments" in out.getvalue()


def test_loading_again_keeps_a_treasury_the_state_cell_edited(users, login):
    client = login(users["state"])
    response = client.post(reverse("directory:edit", args=["treasuries", "T118"]), {
        "code": "T118", "name_en": "Agra Collectorate Treasury", "name_hi": "कोषागार कलेक्ट्रेट आगरा",
        "kind": "district", "district": "118", "active": "on",
    })
    assert response.status_code == 302
    load_master_data()
    treasury = Treasury.objects.get(code="T118")
    assert treasury.name_en == "Agra Collectorate Treasury"
    assert treasury.name_hi == "कोषागार कलेक्ट्रेट आगरा"
    assert treasury.district.lgd_code == 118
    assert Treasury.objects.count() == 77


def test_loading_again_keeps_a_department_the_state_cell_deactivated():
    department = Department.objects.get(code="DEP010")
    department.name_en = "Basic Education (renamed)"
    department.active = False
    department.save()
    load_master_data()
    department.refresh_from_db()
    assert department.name_en == "Basic Education (renamed)"
    assert department.active is False
