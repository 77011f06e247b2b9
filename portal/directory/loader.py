"""Loads the master data shipped in data/ (idempotent)."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Department, District, Division, Treasury

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class LoadResult:
    divisions: int
    districts: int
    treasuries: int
    departments: int


@transaction.atomic
def load_master_data() -> LoadResult:
    divisions = {}
    for row in _rows("divisions.csv"):
        divisions[row["code"]], _ = Division.objects.update_or_create(
            code=row["code"], defaults={"name_en": row["name_en"], "name_hi": row["name_hi"], "hq_en": row["hq_en"]}
        )
    districts = {}
    for row in _rows("districts.csv"):
        districts[row["lgd_code"]], _ = District.objects.update_or_create(
            lgd_code=int(row["lgd_code"]),
            defaults={
                "name_en": row["name_en"],
                "name_hi": row["name_hi"],
                "division": divisions[row["division_code"]],
                "census2011_code": row["census2011_code"],
            },
        )
    treasuries = _rows("treasuries.csv")
    for row in treasuries:
        # get_or_create, not update: after the first load the state cell owns these rows.
        Treasury.objects.get_or_create(
            code=row["code"],
            defaults={
                "name_en": row["name_en"],
                "name_hi": row["name_hi"],
                "kind": row["kind"],
                "district": districts.get(row["district_lgd_code"]),
            },
        )
    departments = _rows("departments.csv")
    for row in departments:
        Department.objects.get_or_create(
            code=row["code"],
            defaults={"name_en": row["name_en"], "name_hi": row["name_hi"], "aliases": row["aliases"]},
        )
    return LoadResult(len(divisions), len(districts), len(treasuries), len(departments))
