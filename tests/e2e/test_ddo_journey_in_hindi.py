"""The whole DDO journey in a browser, in Hindi: home page → registration → OTP → form →
signed scan → state-cell approval → first log-in with the password from the SMS."""

import re

import pytest

from portal.accounts.models import Role
from portal.ddo.models import Application, Status
from portal.directory.models import Department, District, Treasury

pytestmark = pytest.mark.e2e

MOBILE = "9811122233"
STATE_PASSWORD = "State-Cell-Pass-2026"


def read_inbox(page, base, mobile):
    """Open the demo inbox in another tab and return the bodies, newest first."""
    inbox = page.context.new_page()
    inbox.goto(f"{base}/demo/inbox/?to={mobile}")
    bodies = [b.strip() for b in inbox.locator(".inbox-item pre").all_inner_texts()]
    inbox.close()
    return bodies


def latest_otp(page, base, mobile):
    for body in read_inbox(page, base, mobile):
        match = re.match(r"^(\d{6}) ", body)
        if match:
            return match.group(1)
    raise AssertionError("no OTP in the inbox")


def test_ddo_registers_and_logs_in_with_the_sms_password(page, live_server, e2e_settings, axe, tmp_path):
    from portal.accounts.services import create_user
    from portal.audit.services import Actor

    base = live_server.url
    state = create_user(actor=Actor.system("e2e"), role=Role.STATE, name_en="State Verifier", mobile="9000011111",
                        send_credentials=False)
    state.set_password(STATE_PASSWORD)
    state.must_change_password = False
    state.save()
    lucknow = District.objects.get(lgd_code=162)
    medical = Department.objects.get(name_en="Medical and Health")
    treasury = Treasury.objects.get(code="T162")

    # Home page: Hindi by default.
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "hi"
    axe(page, "home")
    page.click("main a[href='/ddo/register/']")

    # Step 1: the officer. A mistake first: the message appears beside the field, in Hindi.
    page.check("#id_kind_0")
    page.fill("#id_officer_name_en", "Ravi Kumar Verma")
    page.fill("#id_officer_name_hi", "Ravi")  # not Devanagari
    page.fill("#id_designation", "मुख्य चिकित्सा अधिकारी")
    page.select_option("#id_department", str(medical.pk))
    page.select_option("#id_district", str(lucknow.pk))
    page.select_option("#id_treasury", str(treasury.pk))
    page.fill("#id_ddo_code", "2661")
    page.fill("#id_mobile", MOBILE)
    page.check("#id_mobile_kind_0")
    page.fill("#id_email", "cmo.lucknow@example.in")
    page.fill("#id_controlling_officer_name", "डॉ. ए. के. सिंह")
    page.fill("#id_controlling_officer_designation", "अपर निदेशक")
    axe(page, "register form")
    page.click("main form button[type=submit]")
    error = page.locator("#id_officer_name_hi_error")
    assert re.search(r"[\u0900-\u097F]", error.inner_text())  # explained in Hindi
    assert page.input_value("#id_officer_name_en") == "Ravi Kumar Verma"  # nothing typed is lost
    axe(page, "register form with errors")
    page.fill("#id_officer_name_hi", "रवि कुमार वर्मा")
    page.click("main form button[type=submit]")

    # Step 2: the office.
    page.wait_for_url(re.compile(r"/offices/$"))
    page.fill("#id_name_en", "Office of the Chief Medical Officer, Lucknow")
    page.fill("#id_name_hi", "मुख्य चिकित्सा अधिकारी कार्यालय, लखनऊ")
    page.fill("#id_address", "लालबाग, लखनऊ 226001")
    page.select_option("#id_office_type", "district")
    page.fill("#id_headcount", "240")
    axe(page, "add office")
    page.click("main form[novalidate] button[type=submit]")
    page.wait_for_selector("text=Office of the Chief Medical Officer, Lucknow")
    number = Application.objects.get(mobile=MOBILE).number
    page.click(f"form[action='/ddo/application/{number}/submit/'] button")

    # Step 3: OTP from the phone opens the form.
    page.wait_for_url(re.compile(r"/ddo/access/otp/$"))
    axe(page, "otp")
    assert page.get_attribute("#id_otp", "autocomplete") == "one-time-code"
    page.fill("#id_otp", latest_otp(page, base, MOBILE))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/ddo/application/{number}/$"))
    axe(page, "application")
    with page.expect_download() as download:
        page.click(f"a[href='/ddo/application/{number}/form.pdf']")
    form_pdf = tmp_path / "form.pdf"
    download.value.save_as(form_pdf)
    assert form_pdf.read_bytes().startswith(b"%PDF")

    # Step 4: the signed scan (here the printed PDF itself stands in for the scan).
    page.reload()
    page.set_input_files("#id_scan", str(form_pdf))
    page.click(f"form[action='/ddo/application/{number}/scan/'] button[type=submit]")
    page.wait_for_selector(".messages .success")
    assert Application.objects.get(number=number).status == Status.SCAN_RECEIVED

    # The state cell reviews and approves.
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", state.username)
    page.fill("#id_password", STATE_PASSWORD)
    page.click("main form button[type=submit]")
    page.goto(base + "/state/ddo/")
    axe(page, "state queue")
    page.click(f"a[href='/state/ddo/{number}/']")
    axe(page, "state review")
    page.click(f"form[action='/state/ddo/{number}/approve/'] button")
    page.wait_for_selector(".messages .success")
    assert Application.objects.get(number=number).status == Status.APPROVED
    approval_page = page.content()
    page.click("header form[action='/accounts/logout/'] button")

    # The officer's phone has the user ID and one-time password.
    credentials = next(b for b in read_inbox(page, base, MOBILE) if re.search(r"\bDDO\d{6}\b", b))
    user_id = re.search(r"\b(DDO\d{6})\b", credentials).group(1)
    password = re.search(r"(?:पासवर्ड|Password)\s+([A-Za-z0-9]{12})\b", credentials).group(1)
    assert password not in approval_page  # the state cell never sees it

    page.goto(base + "/accounts/login/")
    axe(page, "login")
    page.fill("#id_username", user_id)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/password/change/$"))
    axe(page, "forced password change")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "Lucknow-Cmo-Office-26")
    page.fill("#id_new_password2", "Lucknow-Cmo-Office-26")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/ddo/dashboard/$"))
    assert "मुख्य चिकित्सा अधिकारी कार्यालय, लखनऊ" in page.inner_text("main")
    axe(page, "officer dashboard")
    assert len(axe.checked) == 11
    assert not axe.problems, "\n".join(axe.problems)


def test_language_switch_works_without_javascript_errors(page, live_server, e2e_settings):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/ddo/register/")
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("DDO/TO registration")
    # The no-CUG declaration shows only for a personal mobile.
    assert page.locator("#id_no_cug_declared").is_hidden()
    page.check("#id_mobile_kind_1")
    assert page.locator("#id_no_cug_declared").is_visible()
    assert not errors
