"""Every fetch is scoped to the user's grants: an office outside the scope is simply
not found, and a grant the model cannot be reached by gives nothing, never everything."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from portal.accounts import services
from portal.accounts.access import Scope, get_scoped_or_404, scope_for, scope_q, scoped
from portal.accounts.models import Role, User
from portal.directory.models import Office

pytestmark = pytest.mark.django_db

OFFICE_PATHS = {"office": "pk", "district": "district", "division": "district__division", "department": "department"}


@pytest.fixture
def more_offices(geo, offices, system):
    """Besides CMO Lucknow (medical) and BSA Agra (education): medical in Agra,
    education in Lucknow, medical in Unnao (Lucknow division)."""
    from portal.directory.models import District
    from portal.directory.services import create_office

    def office(name, district, department, treasury):
        return create_office(actor=system, name_en=name, name_hi="कार्यालय", address="UP", district=district,
                             department=department, treasury=treasury, office_type="district", kind="ddo",
                             ddo_code="", headcount=10)

    unnao = District.objects.get(lgd_code=186)
    assert unnao.division_id == geo["lucknow"].division_id
    return {
        **offices,
        "agra_medical": office("CMO Office Agra", geo["agra"], geo["medical"], geo["t_agra"]),
        "lucknow_education": office("BSA Office Lucknow", geo["lucknow"], geo["education"], geo["t_lucknow"]),
        "unnao_medical": office("CMO Office Unnao", unnao, geo["medical"], geo["t_lucknow"]),
    }


def visible(user, paths=OFFICE_PATHS):
    return set(scoped(Office.objects.all(), user, paths))


def test_state_cell_and_helpdesk_see_every_office(make_user, more_offices):
    everything = set(Office.objects.all())
    assert len(everything) == 5
    assert visible(make_user(Role.STATE)) == everything
    assert visible(make_user(Role.HELPDESK)) == everything


def test_ddo_sees_only_their_own_office(make_user, more_offices):
    ddo = make_user(Role.DDO, office=more_offices["lucknow"])
    assert visible(ddo) == {more_offices["lucknow"]}


def test_district_officer_sees_only_offices_in_their_district(make_user, geo, more_offices):
    district = make_user(Role.DISTRICT, district=geo["lucknow"])
    assert visible(district) == {more_offices["lucknow"], more_offices["lucknow_education"]}


def test_division_officer_sees_only_their_division(make_user, geo, more_offices):
    division = make_user(Role.DIVISION, division=geo["lucknow"].division)
    assert visible(division) == {more_offices["lucknow"], more_offices["lucknow_education"],
                                 more_offices["unnao_medical"]}


def test_department_officer_sees_their_department_in_every_district(make_user, geo, more_offices):
    department = make_user(Role.DEPARTMENT, department=geo["medical"])
    assert visible(department) == {more_offices["lucknow"], more_offices["agra_medical"],
                                   more_offices["unnao_medical"]}


def test_department_officer_with_a_district_sees_only_that_department_there(make_user, geo, more_offices):
    officer = make_user(Role.DEPARTMENT, department=geo["medical"], district=geo["agra"])
    assert visible(officer) == {more_offices["agra_medical"]}


def test_several_grants_add_up_without_duplicates(make_user, geo, system, more_offices):
    officer = make_user(Role.DISTRICT, district=geo["lucknow"])
    services.add_grant(actor=system, user=officer, office=more_offices["lucknow"])
    services.add_grant(actor=system, user=officer, office=more_offices["agra"])
    found = list(scoped(Office.objects.all(), User.objects.get(pk=officer.pk), OFFICE_PATHS))
    assert len(found) == len(set(found)) == 3
    assert set(found) == {more_offices["lucknow"], more_offices["lucknow_education"], more_offices["agra"]}


def test_revoked_grant_gives_nothing(make_user, geo, system, more_offices):
    officer = make_user(Role.DISTRICT, district=geo["lucknow"])
    services.revoke_grant(actor=system, grant=officer.grants.get(), note="transferred")
    assert visible(User.objects.get(pk=officer.pk)) == set()


def test_officer_without_grants_or_inactive_or_anonymous_sees_nothing(make_user, geo, more_offices):
    assert visible(make_user(Role.DISTRICT)) == set()
    inactive = make_user(Role.DISTRICT, district=geo["lucknow"])
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    assert visible(User.objects.get(pk=inactive.pk)) == set()
    assert visible(AnonymousUser()) == set()


def test_get_scoped_or_404_finds_own_office_and_hides_others(make_user, geo, more_offices):
    district = make_user(Role.DISTRICT, district=geo["lucknow"])
    own = more_offices["lucknow_education"]
    assert get_scoped_or_404(Office.objects.all(), district, OFFICE_PATHS, pk=own.pk) == own
    with pytest.raises(Http404):
        get_scoped_or_404(Office.objects.all(), district, OFFICE_PATHS, pk=more_offices["agra"].pk)
    with pytest.raises(Http404):
        get_scoped_or_404(Office.objects.all(), district, OFFICE_PATHS, code=more_offices["agra_medical"].code)


def test_ddo_cannot_fetch_another_ddos_office(make_user, more_offices):
    ddo = make_user(Role.DDO, office=more_offices["agra"])
    with pytest.raises(Http404):
        get_scoped_or_404(Office.objects.all(), ddo, OFFICE_PATHS, pk=more_offices["lucknow"].pk)


def test_unit_at_a_level_the_paths_do_not_know_grants_nothing(make_user, geo, more_offices):
    no_division = {key: path for key, path in OFFICE_PATHS.items() if key != "division"}
    division = make_user(Role.DIVISION, division=geo["lucknow"].division)
    assert visible(division, no_division) == set()

    # A department+district unit needs both levels; knowing only one is not enough.
    officer = make_user(Role.DEPARTMENT, department=geo["medical"], district=geo["agra"])
    assert visible(officer, {"department": "department"}) == set()

    made_up = Scope(role=Role.DISTRICT, state_wide=False, units=((("treasury", geo["t_lucknow"].pk),),))
    assert not Office.objects.filter(scope_q(made_up, OFFICE_PATHS)).exists()


def test_scope_is_read_from_live_grants(make_user, geo, more_offices):
    officer = make_user(Role.DEPARTMENT, department=geo["medical"], district=geo["agra"])
    scope = scope_for(User.objects.get(pk=officer.pk))
    assert scope.state_wide is False
    assert scope.units == ((("department", geo["medical"].pk), ("district", geo["agra"].pk)),)
