"""The enrolment pages the journeys in test_family_journey_in_hindi.py do not reach, in a
browser, in Hindi, on a 360 px phone: the beneficiary's four change-request forms, the DDO
deciding those requests, the transfer and retirement forms and the offices accepting them,
the duplicate-Aadhaar flags and the state cell's eligibility rules. Each page must show its
real content (not an error page) and axe must find no serious or critical violation."""

import datetime
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from conftest import PASSWORD
from tests.e2e.photos import images_loaded
from portal.accounts.models import Role
from portal.directory.models import Treasury
from portal.directory.services import create_office
from portal.enrolment.models import ChangeRequest, DuplicateFlag, Kind, Member, Transfer
from portal.enrolment.tests.conftest import aadhaar
from tests.endpoint_table import a_family

pytestmark = pytest.mark.e2e

DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def hindi(msgid: str) -> str:
    """The Hindi the page must show for `msgid` (so a missing translation fails here too)."""
    with translation.override("hi"):
        text = gettext(msgid)
    assert DEVANAGARI.search(text), f"no Hindi for {msgid!r}"
    return text


# --- set-up through the services -------------------------------------------------------

@pytest.fixture
def world(e2e_settings, system, geo, offices, make_user):
    """Lucknow's and Agra's DDOs, a treasury office with its TO, the state cell, and Lucknow's
    verified families: one whose beneficiary asks for changes, one to transfer, one retiring,
    and a submitted family sharing the first one's son (a duplicate-Aadhaar flag)."""
    treasury_office = create_office(
        actor=system, name_en="Treasury Office Lucknow", name_hi="कोषागार कार्यालय लखनऊ", address="Lucknow",
        district=geo["lucknow"], department=geo["medical"], treasury=geo["t_lucknow"], office_type="treasury",
        kind="treasury", ddo_code="", headcount=50)
    lucknow, agra = offices["lucknow"], offices["agra"]
    changing = a_family(lucknow, 51, stage="verified", son=61)
    a_family(lucknow, 52, stage="submitted", son=61)
    return {
        "ddo": make_user(Role.DDO, office=lucknow), "ddo_agra": make_user(Role.DDO, office=agra),
        "to": make_user(Role.TO, office=treasury_office), "state": make_user(Role.STATE),
        "changing": changing, "moving": a_family(lucknow, 53, stage="verified"),
        "retiring": a_family(lucknow, 54, stage="verified"), "agra": agra, "treasury_office": treasury_office,
    }


@pytest.fixture
def phone(browser):
    """Another person's phone (a fresh browser context), 360 px wide."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 360, "height": 740})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (600, 800), (170, 130, 100)).save(path, format="JPEG")
    return str(path)


# --- repeated steps ---------------------------------------------------------------------

def submit(page, form="main form"):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def open_page(page, url, heading):
    """Open `url`; it must answer 200 in Hindi with `heading` in its h1."""
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    assert page.locator("html").get_attribute("lang") == "hi"
    h1 = page.inner_text("main h1")
    assert heading in h1, f"{url}: h1 is {h1!r}"


def staff_log_in(page, base, user):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    submit(page)
    assert "/accounts/login/" not in page.url, page.inner_text("main")


def beneficiary_log_in(page, base, family):
    """The user ID and an OTP from the demo inbox, as the beneficiary does it."""
    page.goto(base + "/accounts/otp-login/")
    page.fill("#id_username", family.user.username)
    submit(page)
    page.wait_for_url(re.compile(r"/accounts/otp-login/verify/$"))
    inbox = page.context.new_page()
    inbox.goto(f"{base}/demo/inbox/?to={family.mobile}")
    bodies = [b.strip() for b in inbox.locator(".inbox-item pre").all_inner_texts()]
    inbox.close()
    page.fill("#id_otp", next(m.group(1) for b in bodies if (m := re.match(r"^(\d{6}) ", b))))
    submit(page)
    page.wait_for_url(re.compile(r"/my/$"))


def no_problems(axe):
    assert not axe.problems, "\n".join(axe.problems)


# --- the tests --------------------------------------------------------------------------

def test_beneficiary_asks_for_four_changes_and_the_ddo_decides_them(page, phone, live_server, world, axe, photo):
    base, family = live_server.url, world["changing"]
    son, me = family.members.get(relation="son"), family.primary
    beneficiary_log_in(page, base, family)

    # Add a newborn daughter, with her photo; an empty form first shows the errors in Hindi.
    open_page(page, base + "/my/changes/add/", hindi("Add a family member"))
    axe(page, "beneficiary: add a member")
    submit(page)
    assert DEVANAGARI.search(page.inner_text("#id_relation_error"))
    axe(page, "beneficiary: add a member, with errors")
    born = datetime.date.today() - datetime.timedelta(days=20)
    page.select_option("#id_relation", "daughter")
    page.fill("#id_name_en", "Anaya Devi")
    page.fill("#id_name_hi", "अनाया देवी")
    page.fill("#id_date_of_birth", born.isoformat())
    page.check("#id_gender_0")  # female
    page.select_option("#id_marital_status", "unmarried")
    page.fill("#id_aadhaar", aadhaar(62))
    page.check("#id_dependent")
    page.fill("#id_monthly_income", "0")
    page.set_input_files("#id_photo", photo)
    submit(page)
    assert page.url.endswith("/my/"), page.inner_text("main")

    # Remove the son (married), correct the employee's Hindi name, a new photo of the employee.
    open_page(page, base + "/my/changes/remove/", hindi("Remove a family member"))
    axe(page, "beneficiary: remove a member")
    page.select_option("#id_member", str(son.pk))
    page.fill("#id_reason", "विवाह हो गया, अब आश्रित नहीं")
    submit(page)
    open_page(page, base + "/my/changes/correct/", hindi("Correct a name or date of birth"))
    axe(page, "beneficiary: correct a name or date of birth")
    # A date of birth making the son 30 is refused at the field, naming R-SON's age limit.
    page.select_option("#id_member", str(son.pk))
    page.fill("#id_date_of_birth", son.date_of_birth.replace(year=datetime.date.today().year - 30).isoformat())
    page.fill("#id_reason", "जन्म तिथि गलत")
    submit(page)
    refusal = page.inner_text("#id_date_of_birth_error")
    assert "R-SON" in refusal and DEVANAGARI.search(refusal)
    assert page.input_value("#id_reason") == "जन्म तिथि गलत"  # nothing typed is lost
    axe(page, "beneficiary: correction refused by R-SON")
    page.fill("#id_date_of_birth", "")
    page.select_option("#id_member", str(me.pk))
    page.fill("#id_name_hi", "सुनीता देवी वर्मा")
    page.fill("#id_reason", "आधार में पूरा नाम")
    submit(page)
    open_page(page, base + "/my/changes/photo/", hindi("New photo"))
    axe(page, "beneficiary: new photo")
    page.select_option("#id_member", str(me.pk))
    page.set_input_files("#id_photo", photo)
    submit(page)
    assert page.url.endswith("/my/")
    assert ChangeRequest.objects.filter(family=family, state="pending").count() == 4
    axe(page, "beneficiary: my family with four requests")

    # The DDO sees each request in words, the new photos beside the one now, and decides.
    office = phone()
    staff_log_in(office, base, world["ddo"])
    open_page(office, base + "/office/changes/", hindi("Changes and transfers waiting for me"))
    main = office.inner_text("main")
    assert main.count(family.number) == 4 and "अनाया देवी" in main and "सुनीता देवी वर्मा" in main
    photos = office.locator("main img.member-photo")
    # the member's photo now with the removal, the correction and the new photo; the newborn's
    # photo and the new photo waiting in their requests
    assert photos.count() == 5
    assert images_loaded(photos)
    axe(office, "DDO: changes waiting")
    correct = ChangeRequest.objects.get(family=family, type="correct")
    remove = ChangeRequest.objects.get(family=family, type="remove")
    rejecting = f"form[action='/office/changes/{remove.pk}/reject/']"
    office.click(f"details:has({rejecting}) summary")
    axe(office, "DDO: changes waiting, rejection open")
    office.fill(f"{rejecting} textarea", "विवाह का प्रमाण संलग्न नहीं है।")
    submit(office, rejecting)
    submit(office, f"form[action='/office/changes/{correct.pk}/approve/']")
    assert hindi("The request has been decided.") in office.inner_text("body")
    axe(office, "DDO: changes after two decisions")
    assert Member.objects.get(pk=me.pk).name_hi == "सुनीता देवी वर्मा"
    assert Member.objects.get(pk=son.pk).active
    assert ChangeRequest.objects.get(pk=remove.pk).state == "rejected"
    no_problems(axe)


def test_ddo_transfers_and_retires_families_and_the_receiving_offices_accept(page, phone, live_server, world, axe):
    base, moving, retiring = live_server.url, world["moving"], world["retiring"]
    staff_log_in(page, base, world["ddo"])

    # Transfer: an empty form first (errors at the fields, in Hindi), then Agra's DDO code.
    open_page(page, base + f"/office/families/{moving.number}/transfer/", hindi("Move the family to another office"))
    axe(page, "DDO: transfer form")
    submit(page)
    assert DEVANAGARI.search(page.inner_text("#id_ddo_code_error"))
    axe(page, "DDO: transfer form with errors")
    page.select_option("#id_treasury", str(Treasury.objects.get(code="T118").pk))
    page.fill("#id_ddo_code", "4275")
    submit(page)
    assert page.url.endswith(f"/office/families/{moving.number}/"), page.inner_text("main")

    # Retirement: to the Treasury Officer who pays the pension.
    open_page(page, base + f"/office/families/{retiring.number}/retire/", hindi("Move the family to another office"))
    assert page.locator("#id_ppo_number").count() == 1
    axe(page, "DDO: retirement form")
    submit(page)
    assert DEVANAGARI.search(page.inner_text("#id_ppo_number_error"))
    axe(page, "DDO: retirement form with errors")
    page.select_option("#id_treasury", str(world["treasury_office"].treasury_id))
    page.fill("#id_ppo_number", "PPO/LKO/2026/0042")
    page.fill("#id_retirement_date", (datetime.date.today() - datetime.timedelta(days=1)).isoformat())
    submit(page)
    assert page.url.endswith(f"/office/families/{retiring.number}/"), page.inner_text("main")

    # Agra's DDO sees the family coming and accepts it.
    agra = phone()
    staff_log_in(agra, base, world["ddo_agra"])
    open_page(agra, base + "/office/changes/", hindi("Changes and transfers waiting for me"))
    assert moving.number in agra.inner_text("main") and hindi("Transfer to another office") in agra.inner_text("main")
    transfer = Transfer.objects.get(family=moving)
    refusing = f"form[action='/office/transfers/{transfer.pk}/reject/']"
    agra.click(f"details:has({refusing}) summary")
    axe(agra, "receiving DDO: transfer waiting, refusal open")
    submit(agra, f"form[action='/office/transfers/{transfer.pk}/accept/']")
    assert hindi("The transfer has been decided.") in agra.inner_text("body")
    axe(agra, "receiving DDO: transfer accepted")
    moving.refresh_from_db()
    assert moving.office == world["agra"]

    # The TO sees the retiring family with its PPO number and accepts it.
    treasury = phone()
    staff_log_in(treasury, base, world["to"])
    open_page(treasury, base + "/office/changes/", hindi("Changes and transfers waiting for me"))
    assert retiring.number in treasury.inner_text("main") and "PPO/LKO/2026/0042" in treasury.inner_text("main")
    axe(treasury, "TO: retirement waiting")
    retirement = Transfer.objects.get(family=retiring)
    submit(treasury, f"form[action='/office/transfers/{retirement.pk}/accept/']")
    retiring.refresh_from_db()
    assert retiring.kind == Kind.PENSIONER and retiring.office == world["treasury_office"]
    no_problems(axe)


def test_duplicate_flags_and_eligibility_rules_pages(page, phone, live_server, world, axe):
    base = live_server.url
    son = world["changing"].members.get(relation="son")
    flag = DuplicateFlag.objects.get(member=son)

    # The DDO sees the son in both families, masked, and can mark the flag resolved.
    staff_log_in(page, base, world["ddo"])
    open_page(page, base + "/office/duplicates/", hindi("Aadhaar numbers in two families"))
    main = page.inner_text("main")
    assert f"XXXX XXXX {aadhaar(61)[-4:]}" in main and aadhaar(61) not in page.content()
    axe(page, "DDO: duplicate Aadhaar flags")
    resolving = f"form[action='/office/duplicates/{flag.pk}/resolve/']"
    page.click(f"details:has({resolving}) summary")
    axe(page, "DDO: duplicate Aadhaar flags, resolution open")

    # The state cell: the same flags, then the rules and one rule with a wrong value.
    state = phone()
    staff_log_in(state, base, world["state"])
    open_page(state, base + "/office/duplicates/", hindi("Aadhaar numbers in two families"))
    assert world["changing"].number in state.inner_text("main")
    axe(state, "state: duplicate Aadhaar flags")
    open_page(state, base + "/state/rules/", hindi("Scheme rules"))
    assert "R-SON" in state.inner_text("main table")
    axe(state, "state: scheme rules")
    open_page(state, base + "/state/rules/R-SON/", "R-SON")
    assert state.input_value("#id_max_age") == "25"
    axe(state, "state: rule R-SON")
    state.fill("#id_max_age", "-3")
    submit(state)
    assert DEVANAGARI.search(state.inner_text("#id_max_age_error"))
    assert state.input_value("#id_name_hi")  # nothing typed is lost
    axe(state, "state: rule R-SON with an error")
    no_problems(axe)
