"""The data files in data/ (see data/README.md), read once and checked.

Everything here is plain tuples, so a worker process can use it without the database.
"""

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNITIES = ("hindu", "muslim", "sikh", "christian")
# Rough shares among state employees and pensioners (written for this project: UP's
# population is about 79.7 % Hindu and 19.3 % Muslim by Census 2011; Muslims are fewer
# among government employees, Sikhs and Christians a little over their 0.3 % / 0.2 %
# share so that every list is exercised).
COMMUNITY_WEIGHTS = (86.0, 11.0, 1.5, 1.5)


class DataError(Exception):
    pass


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for number, row in enumerate(rows, start=2):
        for column, value in row.items():
            # COPY's text format would need these escaped; names never contain them.
            if value is None or any(ch in value for ch in "\t\n\r\\"):
                raise DataError(f"{name} line {number} column {column}: empty or control character")
    return rows


@dataclass(frozen=True)
class Name:
    en: str
    hi: str
    weight: float


@dataclass(frozen=True)
class Designation:
    en: str
    hi: str
    pay_level: str
    weight: float


@dataclass(frozen=True)
class OfficeKind:
    department: str  # DEP code
    level: str  # "hq", "district" or "unit"
    ddo_code: str
    designation_hi: str
    designation_en: str
    office_type: str
    place_lgd: int | None  # where a head office sits (None: Lucknow)
    unit_en: str
    unit_hi: str
    share: float  # of the department's employees


@dataclass(frozen=True)
class Reference:
    district_weights: dict[int, float]  # LGD code -> Census 2011 population
    department_employees: dict[str, float]  # DEP code -> thousands of employees (state scale)
    department_group: dict[str, str]
    kinds: tuple[OfficeKind, ...]
    designations: dict[str, tuple[Designation, ...]]  # group -> designations
    # given[(community, gender, era)] -> names; era "old" (born before 1970), "mid", "young" (after 1995)
    given: dict[tuple[str, str, str], tuple[Name, ...]]
    surnames: dict[tuple[str, str], tuple[Name, ...]]  # (community, gender) -> surnames
    localities: tuple[tuple[str, str], ...]
    reasons: dict[str, tuple[tuple[str, str], ...]]  # "returned"/"rejected" -> (en, hi)


ERAS = {"old": ("old", "any"), "mid": ("any",), "young": ("young", "any")}


@functools.cache
def load() -> Reference:
    districts = {int(r["lgd_code"]): float(r["population_2011"]) for r in _rows("district_weights.csv")}
    departments = _rows("department_weights.csv")
    kinds = tuple(
        OfficeKind(
            department=r["department"], level=r["level"], ddo_code=r["ddo_code"], designation_hi=r["designation_hi"],
            designation_en=r["designation_en"], office_type=r["office_type"],
            place_lgd=int(r["place_lgd"]) if r["place_lgd"] else None, unit_en=r["unit_en"], unit_hi=r["unit_hi"],
            share=float(r["share"]),
        )
        for r in _rows("ddo_kinds.csv")
    )
    designations: dict[str, list[Designation]] = {}
    for r in _rows("designations.csv"):
        designations.setdefault(r["group"], []).append(
            Designation(r["designation_en"], r["designation_hi"], r["pay_level"], float(r["weight"])))
    given_rows = _rows("given_names.csv")
    given: dict[tuple[str, str, str], tuple[Name, ...]] = {}
    for community in COMMUNITIES:
        for gender in ("male", "female"):
            for era, accepted in ERAS.items():
                names = tuple(Name(r["name_en"], r["name_hi"], float(r["weight"])) for r in given_rows
                              if r["community"] == community and r["gender"] == gender and r["era"] in accepted)
                if not names:
                    raise DataError(f"given_names.csv has no {community} {gender} names for era {era}")
                given[(community, gender, era)] = names
    surname_rows = _rows("surnames.csv")
    surnames = {}
    for community in COMMUNITIES:
        for gender in ("male", "female"):
            names = tuple(Name(r["name_en"], r["name_hi"], float(r["weight"])) for r in surname_rows
                          if r["community"] == community and r["gender"] in (gender, "any"))
            if not names:
                raise DataError(f"surnames.csv has no {community} {gender} surnames")
            surnames[(community, gender)] = names
    reasons: dict[str, list[tuple[str, str]]] = {}
    for r in _rows("reasons.csv"):
        reasons.setdefault(r["kind"], []).append((r["text_en"], r["text_hi"]))
    reference = Reference(
        district_weights=districts,
        department_employees={r["code"]: float(r["employees_thousands"]) for r in departments},
        department_group={r["code"]: r["group"] for r in departments},
        kinds=kinds,
        designations={k: tuple(v) for k, v in designations.items()},
        given=given,
        surnames=surnames,
        localities=tuple((r["name_en"], r["name_hi"]) for r in _rows("localities.csv")),
        reasons={k: tuple(v) for k, v in reasons.items()},
    )
    _check(reference)
    return reference


def _check(ref: Reference) -> None:
    if len(ref.district_weights) != 75:
        raise DataError("district_weights.csv must list the 75 districts")
    for group in set(ref.department_group.values()) | {"generic"}:
        if group not in ref.designations:
            raise DataError(f"designations.csv has no rows for group {group}")
    shares: dict[str, float] = {}
    for kind in ref.kinds:
        if kind.level not in ("hq", "district", "unit"):
            raise DataError(f"ddo_kinds.csv: unknown level {kind.level}")
        if kind.department not in ref.department_employees:
            raise DataError(f"ddo_kinds.csv: unknown department {kind.department}")
        shares[kind.department] = shares.get(kind.department, 0.0) + kind.share
    bad = [code for code, total in shares.items() if abs(total - 1.0) > 1e-6]
    if bad:
        raise DataError(f"ddo_kinds.csv: shares of {', '.join(bad)} do not add up to 1")
    codes = [k.ddo_code for k in ref.kinds]
    if len(codes) != len(set(codes)):
        raise DataError("ddo_kinds.csv: a DDO code is used twice")
