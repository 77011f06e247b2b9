"""Target headcounts uploaded by the state cell (CSV or XLSX), read with the master-data
import's helpers: every row is checked first; one bad row and nothing is imported."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.directory.imports import ImportReport, ImportSpec, read_table
from portal.directory.models import Department, District, Office
from portal.fields import PortalForm

from .models import Target
from .scopes import scope_key

COLUMNS = ("office", "district", "department", "employees", "pensioners")


class TargetRowForm(PortalForm):
    office = forms.CharField(required=False, max_length=16)
    district = forms.CharField(required=False, max_length=8)
    department = forms.CharField(required=False, max_length=16)
    employees = forms.IntegerField(required=False, min_value=0, max_value=10_000_000, error_messages={
        "invalid": _("Give a whole number (0 or more)."), "min_value": _("A target cannot be negative."),
    })
    pensioners = forms.IntegerField(required=False, min_value=0, max_value=10_000_000, error_messages={
        "invalid": _("Give a whole number (0 or more)."), "min_value": _("A target cannot be negative."),
    })

    def __init__(self, *args, lookups: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookups = lookups

    def _find(self, name: str, message):
        code = (self.cleaned_data.get(name) or "").strip()
        if not code:
            return None
        found = self.lookups[name].get(code.upper() if name != "district" else code)
        if found is None:
            self.add_error(name, message)
        return found

    def clean(self):
        data = super().clean()
        named = [n for n in ("office", "district", "department") if (data.get(n) or "").strip()]
        office = self._find("office", _("No office has this code."))
        district = self._find("district", _("No district has this LGD code."))
        department = self._find("department", _("No department has this code."))
        if not named:
            raise forms.ValidationError(_("Give an office code, a district LGD code, a department code, or a "
                                          "department code with a district LGD code."))
        if "office" in named and len(named) > 1:
            raise forms.ValidationError(_("A row for an office gives only the office code: the office's district "
                                          "and department are known."))
        employees, pensioners = data.get("employees") or 0, data.get("pensioners") or 0
        if office is not None:
            if office.kind == Office.Kind.DDO and pensioners:
                self.add_error("pensioners", _("This is a DDO office: it has employees, not pensioners."))
            if office.kind == Office.Kind.TREASURY and employees:
                self.add_error("employees", _("This is a treasury office: it has pensioners, not employees."))
        data["employees"], data["pensioners"] = employees, pensioners
        data["units"] = {"office": office, "district": district, "department": department}
        return data

    def unit_key(self) -> str:
        units = self.cleaned_data["units"]
        if units["office"]:
            return scope_key("office", office=units["office"].pk)
        if units["district"] and units["department"]:
            return scope_key("deptdist", district=units["district"].pk, department=units["department"].pk)
        if units["district"]:
            return scope_key("district", district=units["district"].pk)
        return scope_key("department", department=units["department"].pk)


SPEC = ImportSpec("targets", Target, TargetRowForm, "key", COLUMNS, ("employees", "pensioners"))


def lookups() -> dict:
    return {
        "office": {o.code.upper(): o for o in Office.objects.only("pk", "code", "kind")},
        "district": {str(d.lgd_code): d for d in District.objects.only("pk", "lgd_code")},
        "department": {d.code.upper(): d for d in Department.objects.only("pk", "code")},
    }


def check_rows(upload) -> tuple[ImportReport, list[TargetRowForm]]:
    """Every row validated; the report holds every error by row and column."""
    rows = read_table(upload, spec=SPEC)
    report = ImportReport(total=len(rows))
    header = rows[0][1].keys() if rows else ()
    if not {"office", "district", "department"} & set(header):
        report.add(1, "office", _("Add at least one of the columns office, district, department."))
        return report, []
    known = lookups()
    seen: dict[str, int] = {}
    good = []
    for number, row in rows:
        form = TargetRowForm(data=row, lookups=known)
        if not form.is_valid():
            for name, errors in form.errors.items():
                for message in errors:
                    report.add(number, name if name != "__all__" else "", message)
            continue
        key = form.unit_key()
        if key in seen:
            report.add(number, "", _("The same unit is also in row %(row)d.") % {"row": seen[key]})
            continue
        seen[key] = number
        good.append(form)
    return report, good
