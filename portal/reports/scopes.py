"""What a report is about: the state, a division, a district, a department (across the
state or in one district), an office, or a DDO/TO's own offices.

A scope is named in URLs by a token (`state`, `dv-DV09`, `d-162`, `dp-DEP061`,
`d-162-dp-DEP061`, `of-OF0000042`, `my`) and in snapshots by a key made of primary keys
(`district:40`, `deptdist:40:61`, ...). Whether a user may open a scope is decided from
the user's grants (`portal.accounts.access.Scope`): the scope must lie inside one of them.
"""

import re
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext

from portal.accounts.access import Scope
from portal.accounts.models import Role
from portal.directory.models import Department, District, Division, Office

# How each level of scope reaches an office (accounts.access paths for directory.Office).
OFFICE_PATHS = {"office": "pk", "district": "district", "division": "district__division", "department": "department"}
# The same for frozen snapshot rows, which carry their unit's ids.
ROW_PATHS = {"office": "office_id", "district": "district_id", "division": "division_id",
             "department": "department_id"}

# The kind of rows each scope's fortnightly report lists, and the next level of the drill-down.
REPORT_ROWS = {"state": "district", "division": "district", "district": "deptdist", "department": "deptdist",
               "deptdist": "office", "office": "office", "my": "office"}
CHILDREN = {"state": "division", "division": "district", "district": "deptdist", "department": "deptdist",
            "deptdist": "office", "office": None, "my": "office"}

_DEPTDIST = re.compile(r"^d-(\d+)-dp-(.+)$")


def _both(obj) -> tuple[str, str]:
    return obj.name_en, obj.name_hi or obj.name_en


@dataclass(frozen=True)
class ReportScope:
    kind: str
    division: Division | None = None
    district: District | None = None
    department: Department | None = None
    office: Office | None = None
    offices: tuple[int, ...] = field(default=())  # "my": the DDO/TO's offices

    # --- names -----------------------------------------------------------------------
    @property
    def token(self) -> str:
        return {
            "state": lambda: "state",
            "my": lambda: "my",
            "division": lambda: f"dv-{self.division.code}",
            "district": lambda: f"d-{self.district.lgd_code}",
            "department": lambda: f"dp-{self.department.code}",
            "deptdist": lambda: f"d-{self.district.lgd_code}-dp-{self.department.code}",
            "office": lambda: f"of-{self.office.code}",
        }[self.kind]()

    @property
    def key(self) -> str:
        return scope_key(self.kind, office=self.office and self.office.pk, district=self.district and self.district.pk,
                         division=self.division and self.division.pk,
                         department=self.department and self.department.pk)

    def label(self, language: str | None = None) -> str:
        language = language or translation.get_language() or "hi"
        hindi = not language.startswith("en")
        with translation.override("hi" if hindi else "en"):
            pick = (lambda obj: _both(obj)[1 if hindi else 0])
            if self.kind == "state":
                return gettext("Uttar Pradesh (whole state)")
            if self.kind == "my":
                return gettext("My offices")
            if self.kind == "division":
                return gettext("%(name)s division") % {"name": pick(self.division)}
            if self.kind == "district":
                return gettext("%(name)s district") % {"name": pick(self.district)}
            if self.kind == "department":
                return pick(self.department)
            if self.kind == "deptdist":
                return gettext("%(department)s in %(district)s district") % {
                    "department": pick(self.department), "district": pick(self.district)}
            return f"{pick(self.office)} ({self.office.code})"

    @property
    def name(self) -> str:
        return self.label()

    # --- what it covers ----------------------------------------------------------------
    def office_filter(self) -> dict:
        return {
            "state": lambda: {},
            "my": lambda: {"pk__in": list(self.offices)},
            "division": lambda: {"district__division_id": self.division.pk},
            "district": lambda: {"district_id": self.district.pk},
            "department": lambda: {"department_id": self.department.pk},
            "deptdist": lambda: {"district_id": self.district.pk, "department_id": self.department.pk},
            "office": lambda: {"pk": self.office.pk},
        }[self.kind]()

    def row_filter(self) -> dict:
        """Snapshot rows of this scope's fortnightly report."""
        return {
            "state": lambda: {"kind": "district"},
            "my": lambda: {"kind": "office", "office_id__in": list(self.offices)},
            "division": lambda: {"kind": "district", "division_id": self.division.pk},
            "district": lambda: {"kind": "deptdist", "district_id": self.district.pk},
            "department": lambda: {"kind": "deptdist", "department_id": self.department.pk},
            "deptdist": lambda: {"kind": "office", "district_id": self.district.pk,
                                 "department_id": self.department.pk},
            "office": lambda: {"kind": "office", "office_id": self.office.pk},
        }[self.kind]()

    def unit(self) -> dict[str, int]:
        """The levels this scope sits in (a district is in its division, and so on)."""
        unit = {}
        if self.office:
            unit["office"] = self.office.pk
        if self.district:
            unit["district"] = self.district.pk
            unit["division"] = self.district.division_id
        if self.division:
            unit["division"] = self.division.pk
        if self.department:
            unit["department"] = self.department.pk
        return unit

    def allowed_for(self, access: Scope) -> bool:
        """Inside the user's scope: state-wide roles see every scope (but have no "my
        offices"); anyone else needs one grant all of whose levels this scope shares."""
        if self.kind == "my":
            return access.role in (Role.DDO, Role.TO)
        if access.state_wide:
            return True
        if self.kind == "state":
            return False
        mine = self.unit()
        return any(all(mine.get(level) == value for level, value in unit) for unit in access.units)

    def trail(self) -> list["ReportScope"]:
        """The scopes above this one, from the state down (for breadcrumbs)."""
        if self.kind == "state":
            return []
        steps = [ReportScope("state")]
        if self.kind == "department":
            return steps
        district = self.district or (self.office.district if self.office else None)
        if self.division or district:
            steps.append(ReportScope("division", division=self.division or district.division))
        if district and self.kind != "district":
            steps.append(ReportScope("district", district=district))
        if self.kind == "office":
            steps.append(ReportScope("deptdist", district=district, department=self.office.department))
        return steps if self.kind != "division" else steps[:1]


def scope_key(kind: str, *, office=None, district=None, division=None, department=None) -> str:
    if kind == "state":
        return "state"
    if kind == "division":
        return f"division:{division}"
    if kind == "district":
        return f"district:{district}"
    if kind == "department":
        return f"department:{department}"
    if kind == "deptdist":
        return f"deptdist:{district}:{department}"
    if kind == "office":
        return f"office:{office}"
    return kind


def parse(token: str, *, office_ids: set[int] | None = None) -> ReportScope:
    """The scope a URL token names, or 404 (an unknown code reveals nothing more than a
    code outside the user's scope)."""
    try:
        if token == "state":
            return ReportScope("state")
        if token == "my":
            return ReportScope("my", offices=tuple(sorted(office_ids or ())))
        if match := _DEPTDIST.match(token):
            district = District.objects.select_related("division").get(lgd_code=int(match.group(1)))
            return ReportScope("deptdist", district=district, department=Department.objects.get(code=match.group(2)))
        prefix, _, code = token.partition("-")
        if prefix == "dv":
            return ReportScope("division", division=Division.objects.get(code=code))
        if prefix == "d" and code.isdigit():
            return ReportScope("district", district=District.objects.select_related("division").get(lgd_code=int(code)))
        if prefix == "dp":
            return ReportScope("department", department=Department.objects.get(code=code))
        if prefix == "of":
            office = Office.objects.select_related("district__division", "department").get(code=code)
            return ReportScope("office", office=office, district=office.district, department=office.department)
    except (Division.DoesNotExist, District.DoesNotExist, Department.DoesNotExist, Office.DoesNotExist):
        pass
    raise Http404


def from_unit(unit: dict, objects: dict) -> ReportScope | None:
    """The scope a grant unit gives (objects: pk -> model instance, by level)."""
    if "office" in unit:
        office = objects["office"][unit["office"]]
        return ReportScope("office", office=office, district=office.district, department=office.department)
    if "department" in unit and "district" in unit:
        return ReportScope("deptdist", district=objects["district"][unit["district"]],
                           department=objects["department"][unit["department"]])
    if "district" in unit:
        return ReportScope("district", district=objects["district"][unit["district"]])
    if "department" in unit:
        return ReportScope("department", department=objects["department"][unit["department"]])
    if "division" in unit:
        return ReportScope("division", division=objects["division"][unit["division"]])
    return None
