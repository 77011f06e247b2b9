"""Rolling the offices' figures up to every wider scope, in Python: an office's target (its
own uploaded one, else its DDO/TO's declared headcount), the sums of a department in a
district, a district, a department, a division and the state, and their targets (see
docs/reports.md, "Targets and coverage"). The counting itself is in `figures`."""

from portal.directory.models import Department, District, Division, Office

from .figures import Figures, Unit
from .scopes import scope_key


def office_target(meta: dict, targets: dict) -> tuple[int, int]:
    """The uploaded target of an office, else the headcount its DDO/TO declared."""
    explicit = targets.get(scope_key("office", office=meta["pk"]))
    if explicit is not None:
        return explicit
    if not meta["active"]:
        return (0, 0)
    return (0, meta["headcount"]) if meta["kind"] == Office.Kind.TREASURY else (meta["headcount"], 0)


def roll_up(meta: list[dict], per_office: dict[int, Figures], targets: dict, *, levels=None) -> dict[str, Unit]:
    """Every scope's figures, from the offices' (one pass, in Python). `levels` limits
    which kinds of scope are made; the state, divisions, districts and departments are
    always complete (a unit with no office shows zeros)."""
    levels = set(levels or ("state", "division", "district", "department", "deptdist", "office"))
    if levels & {"division", "state"}:
        levels.add("district")  # their targets add up their districts'
    divisions = {d.pk: d for d in Division.objects.all()} if levels & {"division", "state"} else {}
    districts = {d.pk: d for d in District.objects.all()} if levels & {"district", "division", "deptdist", "state"} else {}
    departments = {d.pk: d for d in Department.objects.all()} if levels & {"department", "deptdist"} else {}
    units: dict[str, Unit] = {}

    def unit(kind, **ids) -> Unit:
        key = scope_key(kind, **{k: v for k, v in ids.items() if k in ("office", "district", "division", "department")})
        found = units.get(key)
        if found is None:
            found = units[key] = _new_unit(kind, key, divisions=divisions, districts=districts,
                                           departments=departments, **ids)
        return found

    if "state" in levels:
        unit("state")
    for pk in divisions if "division" in levels else ():
        unit("division", division=pk)
    for pk, district in districts.items() if "district" in levels else ():
        unit("district", district=pk, division=district.division_id)
    for pk in departments if "department" in levels else ():
        unit("department", department=pk)

    # Each office is added once to its district's (and division's) running sum, which is then
    # added to the district, the division and the state: the districts' sums are what the
    # wider units need, and adding every office to every container it is in cost more than
    # the count itself (a state-wide roll-up is 1,139 offices at 1/200 scale, 24,000 at full).
    by_district: dict[tuple, Figures] = {}
    want_sums = bool(levels & {"state", "division", "district"})
    for row in meta:
        figures = per_office[row["pk"]]
        figures.set_target(*office_target(row, targets))
        ids = {"district": row["district_id"], "division": row["district__division_id"],
               "department": row["department_id"]}
        if "office" in levels:
            key = scope_key("office", office=row["pk"])
            units[key] = Unit(kind="office", key=key, code=row["code"], name_en=row["name_en"],
                              name_hi=row["name_hi"], office_id=row["pk"], district_id=ids["district"],
                              division_id=ids["division"], department_id=ids["department"], figures=figures,
                              token=f"of-{row['code']}")
        if want_sums:
            pair = (ids["district"], ids["division"])
            found = by_district.get(pair)
            if found is None:
                found = by_district[pair] = Figures()
            found.add(figures)
        if "department" in levels and ids["department"] in departments:
            unit("department", department=ids["department"]).figures.add(figures)
        if "deptdist" in levels and ids["district"] in districts and ids["department"] in departments:
            unit("deptdist", **ids).figures.add(figures)
    for (district, division), figures in by_district.items():
        if "state" in levels:
            unit("state").figures.add(figures)
        if "division" in levels and division in divisions:
            unit("division", division=division).figures.add(figures)
        if "district" in levels and district in districts:
            unit("district", district=district, division=division).figures.add(figures)
    for key, pair in unit_targets(meta, per_office, targets, districts).items():
        if key in units and units[key].kind != "office":
            units[key].figures.set_target(*pair)
    return units


def unit_targets(meta, per_office, targets: dict, districts: dict) -> dict[str, tuple[int, int]]:
    """The target of every unit above an office. Each unit's own uploaded target wins;
    otherwise it adds up the level below: offices -> department in a district -> district
    and department; districts -> division and state."""
    def add(sums, key, pair):
        mine = sums.setdefault(key, [0, 0])
        mine[0] += pair[0]
        mine[1] += pair[1]

    deptdist: dict[str, list[int]] = {}
    for row in meta:
        add(deptdist, scope_key("deptdist", district=row["district_id"], department=row["department_id"]),
            per_office[row["pk"]].pair("target"))
    for key in targets:
        if key.startswith("deptdist:"):
            deptdist.setdefault(key, [0, 0])  # a target for a department in a district with no office yet
    result: dict[str, tuple[int, int]] = {}
    district_sums: dict[str, list[int]] = {}
    department_sums: dict[str, list[int]] = {}
    for key, pair in deptdist.items():
        final = targets.get(key, tuple(pair))
        result[key] = final
        _kind, district, department = key.split(":")
        add(district_sums, f"district:{district}", final)
        add(department_sums, f"department:{department}", final)
    for key in [k for k in targets if k.startswith("department:")]:
        department_sums.setdefault(key, [0, 0])
    for key, pair in department_sums.items():
        result[key] = targets.get(key, tuple(pair))
    for pk in districts:
        district_sums.setdefault(f"district:{pk}", [0, 0])
    higher: dict[str, list[int]] = {}
    for key, pair in district_sums.items():
        final = targets.get(key, tuple(pair))
        result[key] = final
        district = districts.get(int(key.split(":")[1]))
        add(higher, "state", final)
        if district is not None:
            add(higher, scope_key("division", division=district.division_id), final)
    result.update({key: tuple(pair) for key, pair in higher.items()})
    return result


def _new_unit(kind, key, *, divisions, districts, departments, office=None, district=None, division=None,
              department=None) -> Unit:
    found = Unit(kind=kind, key=key, office_id=office, district_id=district, division_id=division,
                 department_id=department)
    if kind == "state":
        found.code, found.name_en, found.name_hi = "UP", "Uttar Pradesh", "उत्तर प्रदेश"
    elif kind == "division":
        obj = divisions[division]
        found.code, found.name_en, found.name_hi = obj.code, obj.name_en, obj.name_hi
        found.token = f"dv-{obj.code}"
    elif kind == "district":
        obj = districts[district]
        found.code, found.name_en, found.name_hi = str(obj.lgd_code), obj.name_en, obj.name_hi
        found.token = f"d-{obj.lgd_code}"
    elif kind == "department":
        obj = departments[department]
        found.code, found.name_en, found.name_hi = obj.code, obj.name_en, obj.name_hi
        found.token = f"dp-{obj.code}"
    elif kind == "deptdist":
        dep, dis = departments[department], districts[district]
        found.code = f"{dis.lgd_code}/{dep.code}"
        found.name_en, found.name_hi = f"{dep.name_en}, {dis.name_en}", f"{dep.name_hi}, {dis.name_hi}"
        found.token = f"d-{dis.lgd_code}-dp-{dep.code}"
    return found
