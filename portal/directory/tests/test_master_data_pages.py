"""The state cell's master-data pages: list, search, add, edit; nobody else may open them."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from portal.audit.models import Event
from portal.directory.models import Department, Office, Treasury

pytestmark = pytest.mark.django_db

OTHER_ROLES = ["helpdesk", "ddo", "to", "operator", "district", "division", "department", "beneficiary"]
ENTITY_RECORD = {"departments": "DEP010", "treasuries": "T162", "offices": None}  # None: the Lucknow office


@pytest.fixture
def state(users, login):
    client = login(users["state"])
    client.cookies["portal_language"] = "en"
    return client


def entity_urls(entity, code):
    return [
        reverse("directory:list", args=[entity]),
        reverse("directory:create", args=[entity]),
        reverse("directory:edit", args=[entity, code]),
        reverse("directory:import", args=[entity]),
        reverse("directory:template", args=[entity]),
    ]


def all_urls(offices):
    urls = [reverse("directory:index")]
    for entity, code in ENTITY_RECORD.items():
        urls += entity_urls(entity, code or offices["lucknow"].code)
    return urls


def test_index_opens_the_departments_list(state):
    response = state.get(reverse("directory:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:list", args=["departments"])


def test_lists_show_codes_and_both_names_with_pagination(state, offices):
    page = state.get(reverse("directory:list", args=["departments"])).content.decode()
    assert page.count('href="/state/directory/departments/DEP') == 50  # 100 departments, 50 a page
    second = state.get(reverse("directory:list", args=["departments"]), {"page": 2}).content.decode()
    assert second.count('href="/state/directory/departments/DEP') == 50
    page = state.get(reverse("directory:list", args=["treasuries"])).content.decode()
    assert "T162" in page and "कोषागार लखनऊ" in page
    page = state.get(reverse("directory:list", args=["offices"])).content.decode()
    assert offices["lucknow"].code in page and "मुख्य चिकित्सा अधिकारी कार्यालय लखनऊ" in page
    assert offices["agra"].code in page


def test_search_finds_by_exact_code_english_or_hindi_name(state, offices):
    url = reverse("directory:list", args=["departments"])
    page = state.get(url, {"q": "DEP010"}).content.decode()
    assert "Basic Education" in page and "DEP056" not in page
    page = state.get(reverse("directory:list", args=["treasuries"]), {"q": "lucknow"}).content.decode()
    assert "T162" in page and "TJBL" in page and "T118" not in page
    page = state.get(reverse("directory:list", args=["treasuries"]), {"q": "आगरा"}).content.decode()
    assert "T118" in page and "T162" not in page
    page = state.get(reverse("directory:list", args=["offices"]), {"q": "Agra"}).content.decode()
    assert offices["agra"].code in page and offices["lucknow"].code not in page
    page = state.get(url, {"q": "no such department"}).content.decode()
    assert "Nothing found." in page


def test_next_page_link_keeps_a_search_with_special_characters(state):
    Department.objects.bulk_create(
        Department(code=f"HW{i:02d}", name_en=f"Health & Welfare Unit {i:02d}", name_hi=f"स्वास्थ्य इकाई {i:02d}")
        for i in range(55)
    )
    page = state.get(reverse("directory:list", args=["departments"]), {"q": "Health & Welfare"}).content.decode()
    assert page.count('href="/state/directory/departments/HW') == 50
    links = re.findall(r'<a href="(\?[^"]*page=2[^"]*)"', page)
    assert links, "no link to page 2"
    query = parse_qs(urlsplit(html.unescape(links[0])).query)
    assert query["q"] == ["Health & Welfare"] and query["page"] == ["2"]
    second = state.get(reverse("directory:list", args=["departments"]) + html.unescape(links[0])).content.decode()
    assert second.count('href="/state/directory/departments/HW') == 5

def test_state_cell_adds_and_edits_a_department(state, users):
    response = state.post(reverse("directory:create", args=["departments"]), {
        "code": "DEP990", "name_en": "Silk Development", "name_hi": "रेशम  विकास विभाग", "aliases": "", "active": "on"})
    assert response.status_code == 302
    department = Department.objects.get(code="DEP990")
    assert department.name_hi == "रेशम विकास विभाग"  # spaces tidied
    assert Event.objects.filter(action="directory.department.created", actor=users["state"],
                                target_id=str(department.pk)).exists()
    response = state.post(reverse("directory:edit", args=["departments", "DEP990"]), {
        "code": "DEP990", "name_en": "Sericulture", "name_hi": "रेशम विभाग", "aliases": "silk"})
    assert response.status_code == 302
    department.refresh_from_db()
    assert (department.name_en, department.aliases, department.active) == ("Sericulture", "silk", False)
    assert Event.objects.filter(action="directory.department.updated", target_id=str(department.pk)).exists()


def test_state_cell_adds_and_edits_a_treasury(state):
    response = state.post(reverse("directory:create", args=["treasuries"]), {
        "code": "T990", "name_en": "Sub Treasury Bakshi Ka Talab", "name_hi": "उप कोषागार बख्शी का तालाब",
        "kind": "other", "district": "162", "active": "on"})
    assert response.status_code == 302
    treasury = Treasury.objects.get(code="T990")
    assert treasury.district.lgd_code == 162
    edit = reverse("directory:edit", args=["treasuries", "T990"])
    assert re.search(r'<option value="162" selected>', state.get(edit).content.decode())
    state.post(edit, {"code": "T990", "name_en": "Sub Treasury BKT", "name_hi": "उप कोषागार बीकेटी",
                      "kind": "other", "district": "162", "active": "on"})
    treasury.refresh_from_db()
    assert treasury.name_en == "Sub Treasury BKT" and treasury.district.lgd_code == 162


def test_new_office_without_code_is_assigned_an_of_code(state, geo):
    response = state.post(reverse("directory:create", args=["offices"]), {
        "code": "", "name_en": "Community Health Centre Malihabad", "name_hi": "सामुदायिक स्वास्थ्य केंद्र मलिहाबाद",
        "kind": "ddo", "office_type": "hospital", "address": "Malihabad", "district": "162",
        "department": "DEP056", "treasury": "T162", "ddo_code": "2663", "headcount": "35", "active": "on"})
    assert response.status_code == 302
    office = Office.objects.get(name_en="Community Health Centre Malihabad")
    assert re.fullmatch(r"OF\d{7}", office.code)
    assert office.code == f"OF{office.pk:07d}"
    assert (office.district, office.department, office.treasury) == (geo["lucknow"], geo["medical"],
                                                                      geo["t_lucknow"])
    assert Event.objects.filter(action="directory.office.created", target_id=str(office.pk)).exists()


def test_office_edit_form_shows_its_codes_and_saves_changes(state, offices, geo):
    office = offices["agra"]
    edit = reverse("directory:edit", args=["offices", office.code])
    page = state.get(edit).content.decode()
    assert '<option value="118" selected>' in page
    assert '<option value="DEP010" selected>' in page and '<option value="T118" selected>' in page
    response = state.post(edit, {
        "code": office.code, "name_en": "BSA Office Agra", "name_hi": office.name_hi, "kind": "ddo",
        "office_type": "district", "address": "Agra", "district": "118", "department": "DEP010",
        "treasury": "T118", "ddo_code": "4275", "headcount": "320", "active": "on"})
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.headcount == 320 and office.district == geo["agra"]


def test_invalid_input_rerenders_with_error_beside_field_and_typed_values_kept(state):
    before = Office.objects.count()
    response = state.post(reverse("directory:create", args=["offices"]), {
        "name_en": "Typed Office Name", "name_hi": "Karyalaya", "kind": "ddo", "office_type": "district",
        "address": "Typed address 12", "district": "99999", "department": "DEP056", "treasury": "T162",
        "ddo_code": "", "headcount": "-3", "active": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert Office.objects.count() == before
    assert "Please correct the fields marked below." in page
    for field in ("name_hi", "district", "ddo_code", "headcount"):
        assert re.search(rf'<p class="error" id="id_{field}_error"><span>[^<]+</span>.*?</p>\s*<(input|select|textarea)[^>]*'
                         rf'name="{field}"', page), field
    assert "Type this in Hindi (Devanagari script)." in page
    assert "A DDO office needs its DDO code." in page
    assert 'aria-invalid="true"' in page
    assert 'value="Typed Office Name"' in page and 'value="Karyalaya"' in page
    assert "Typed address 12</textarea>" in page and 'value="-3"' in page
    assert '<option value="DEP056" selected>' in page


def test_duplicate_department_code_is_refused_beside_the_code(state):
    response = state.post(reverse("directory:create", args=["departments"]), {
        "code": "DEP010", "name_en": "Another", "name_hi": "दूसरा विभाग", "active": "on"})
    assert response.status_code == 200
    assert re.search(r'id="id_code_error"><span>[^<]*already exists', response.content.decode())
    assert Department.objects.get(code="DEP010").name_en == "Basic Education"


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_gets_403_on_every_master_data_url(users, login, offices, role):
    client = login(users[role])
    for url in all_urls(offices):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("directory:create", args=["departments"]), {
        "code": "DEP991", "name_en": "Sneaky", "name_hi": "चुपके"}).status_code == 403
    assert not Department.objects.filter(code="DEP991").exists()


def test_anonymous_visitor_is_sent_to_log_in(client, offices):
    login_url = reverse("accounts:login")
    for url in all_urls(offices):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login_url}?next="), url


def test_unknown_entity_or_code_is_404(state):
    for url in ["/state/directory/hospitals/", "/state/directory/hospitals/new/",
                "/state/directory/hospitals/import/", "/state/directory/hospitals/template.csv",
                "/state/directory/hospitals/X1/edit/", reverse("directory:edit", args=["departments", "NOPE"])]:
        assert state.get(url).status_code == 404, url
