"""The employee's journey in a browser, in Hindi, on a 360 px phone: the Employee Gateway →
family with photos → submit with OTP → printed form → the DDO returns it → correction →
the DDO verifies → OTP log-in to "my family". And the office's computer operator
registering an employee who confirms with an OTP on their own phone."""

import datetime
import re
import uuid

import pytest
from PIL import Image

from tests.e2e.photos import images_loaded

from portal.enrolment.models import Family, Member, PayLevel, Status
from portal.enrolment.tests.conftest import aadhaar

pytestmark = pytest.mark.e2e

DDO_PASSWORD = "Lucknow-Cmo-Office-26"
OPERATOR_PASSWORD = "Operator-Desk-Lko-26"
EMPLOYEE = "9812345670"
OPERATOR = "9822233344"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


# --- set-up through the application's own services ------------------------------------

@pytest.fixture
def office_with_ddo(e2e_settings):
    """An approved DDO (code 2661, Lucknow treasury) with a known password, and the office."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.audit.services import Actor
    from portal.ddo import services
    from portal.directory.models import Department, District, Treasury
    from portal.pdf import new_document, output

    system = Actor.system("e2e")
    lucknow, medical = District.objects.get(lgd_code=162), Department.objects.get(name_en="Medical and Health")
    application = services.start_application(actor=system, token=uuid.uuid4(), language="hi", data={
        "kind": "ddo", "officer_name_en": "Ravi Kumar Verma", "officer_name_hi": "रवि कुमार वर्मा",
        "designation": "Chief Medical Officer", "department": medical, "district": lucknow,
        "treasury": Treasury.objects.get(code="T162"), "ddo_code": "2661", "mobile": "9811122233",
        "mobile_kind": "cug", "no_cug_declared": False, "email": "cmo@example.in",
        "controlling_officer_name": "Dr A K Singh", "controlling_officer_designation": "Additional Director"})
    services.add_office(actor=system, application=application, data={
        "name_en": "Office of the CMO, Lucknow", "name_hi": "मुख्य चिकित्सा अधिकारी कार्यालय, लखनऊ",
        "address": "Lalbagh, Lucknow", "district": lucknow, "department": medical, "office_type": "district",
        "headcount": 240})
    application = services.submit_application(actor=system, application=application)
    pdf = new_document()
    pdf.add_page()
    pdf.cell(0, 10, "signed form")
    services.attach_scan(actor=system, application=application,
                         upload=SimpleUploadedFile("s.pdf", output(pdf), "application/pdf"))
    ddo = services.approve(actor=system, application=application)
    ddo.set_password(DDO_PASSWORD)
    ddo.must_change_password = False
    ddo.save()
    return ddo, application.offices.get().office


@pytest.fixture
def new_phone(browser):
    """Another person's phone (a fresh browser context), 360 px wide."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 360, "height": 740}, accept_downloads=True)
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
    Image.new("RGB", (600, 800), (180, 120, 90)).save(path, format="JPEG")
    return str(path)


# --- repeated steps ---------------------------------------------------------------------

def read_inbox(page, base, mobile):
    """The demo inbox (the phone) in another tab: message bodies, newest first."""
    inbox = page.context.new_page()
    inbox.goto(f"{base}/demo/inbox/?to={mobile}")
    bodies = [b.strip() for b in inbox.locator(".inbox-item pre").all_inner_texts()]
    inbox.close()
    return bodies


def latest_otp(page, base, mobile):
    return next(m.group(1) for b in read_inbox(page, base, mobile) if (m := re.match(r"^(\d{6}) ", b)))


def submit(page, form="main form"):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def log_in(page, base, username, password):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    submit(page)


def fill_employee(page, *, number, mobile, name=("Ramesh Kumar Yadav", "रमेश कुमार यादव")):
    page.fill("#id_name_en", name[0])
    page.fill("#id_name_hi", name[1])
    page.fill("#id_guardian_name", "Shiv Prasad Yadav")
    page.fill("#id_date_of_birth", "1982-03-15")
    page.check("#id_gender_1")  # male
    page.fill("#id_aadhaar", number)
    page.fill("#id_mobile", mobile)
    page.fill("#id_address", "12, हज़रतगंज, लखनऊ 226001")
    page.fill("#id_employee_id", "EMP2661001")
    page.fill("#id_designation", "Pharmacist")
    page.fill("#id_date_of_joining", "2008-07-01")
    page.select_option("#id_pay_level", str(PayLevel.objects.get(code="7").pk))


def add_member(page, number, *, relation, names, born, gender, marital, aadhaar_number, dependent=False):
    page.click(f"a[href='/gateway/{number}/members/add/']")
    page.select_option("#id_relation", relation)
    page.fill("#id_name_en", names[0])
    page.fill("#id_name_hi", names[1])
    page.fill("#id_date_of_birth", born.isoformat())
    page.check("#id_gender_0" if gender == "female" else "#id_gender_1")
    page.select_option("#id_marital_status", marital)
    page.fill("#id_aadhaar", aadhaar_number)
    if dependent:
        page.check("#id_dependent")
    page.fill("#id_monthly_income", "0")
    submit(page)
    assert page.url.endswith(f"/gateway/{number}/"), page.inner_text("main")
    return Member.objects.get(family__number=number, name_en=names[0], active=True)


def upload_photo(page, number, member, path):
    form = f"form[action='/gateway/{number}/members/{member.pk}/photo/']"
    page.set_input_files(f"{form} input[type=file]", path)
    submit(page, form)
    page.wait_for_selector(f"img[src='/gateway/{number}/members/{member.pk}/photo.jpg']")


def family_with_wife_and_son(page, number, photo):
    """The employee's photo, then a wife and a ten-year-old son with theirs."""
    upload_photo(page, number, Member.objects.get(family__number=number, relation="self"), photo)
    wife = add_member(page, number, relation="spouse", names=("Geeta Yadav", "गीता यादव"),
                      born=datetime.date(1985, 8, 20), gender="female", marital="married",
                      aadhaar_number=aadhaar(12))
    upload_photo(page, number, wife, photo)
    today = datetime.date.today()
    son = add_member(page, number, relation="son", names=("Aman Yadav", "अमन यादव"),
                     born=today.replace(year=today.year - 10, day=min(today.day, 28)), gender="male",
                     marital="unmarried", aadhaar_number=aadhaar(13), dependent=True)
    upload_photo(page, number, son, photo)
    return son


def enter_otp(page, base, mobile, field="#id_otp", form="main form"):
    page.fill(field, latest_otp(page, base, mobile))
    submit(page, form)


def wrong_check_digit(number):
    return number[:-1] + str((int(number[-1]) + 1) % 10)


# --- the tests --------------------------------------------------------------------------

def test_employee_registers_two_dependents_ddo_returns_employee_corrects_ddo_verifies(
        page, new_phone, live_server, office_with_ddo, axe, photo, tmp_path):
    base = live_server.url
    ddo, office = office_with_ddo

    # Home page (Hindi) → the Employee Gateway: whose employee am I?
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "hi"
    axe(page, "home")
    page.click("main a[href='/gateway/']")
    page.wait_for_url(re.compile(r"/gateway/$"))
    axe(page, "gateway: office")
    page.check("#id_kind_0")  # employee
    page.select_option("#id_treasury", str(office.treasury.pk))
    page.fill("#id_ddo_code", "2661")
    submit(page)
    assert page.url.endswith(f"/gateway/new/{office.code}/employee/")
    card = page.inner_text("main .card")
    assert office.name_hi in card and ddo.name_hi in card  # the right office and its DDO

    # The employee's details, with a mistyped Aadhaar first.
    wrong = wrong_check_digit(aadhaar(11))
    fill_employee(page, number=wrong, mobile=EMPLOYEE)
    axe(page, "employee form")
    submit(page)
    error = page.locator("#id_aadhaar_error")
    assert DEVANAGARI.search(error.inner_text())  # explained in Hindi...
    assert "id_aadhaar_error" in page.get_attribute("#id_aadhaar", "aria-describedby")  # ...beside the field
    assert page.input_value("#id_name_hi") == "रमेश कुमार यादव"  # nothing else typed is lost
    assert page.input_value("#id_employee_id") == "EMP2661001"
    assert page.input_value("#id_date_of_joining") == "2008-07-01"
    assert wrong not in page.content()  # the wrong number is never written back
    axe(page, "employee form with errors")
    page.fill("#id_aadhaar", aadhaar(11))
    submit(page)
    page.wait_for_url(re.compile(r"/gateway/EN\d+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    assert aadhaar(11) not in page.content()
    axe(page, "family (draft)")

    # Family with photos, then submit; the OTP opens the printable form.
    page.click(f"a[href='/gateway/{number}/members/add/']")
    axe(page, "add family member")
    page.go_back()
    son = family_with_wife_and_son(page, number, photo)
    submit(page, f"form[action='/gateway/{number}/submit/']")
    page.wait_for_url(re.compile(r"/gateway/access/otp/$"))
    axe(page, "OTP after submit")
    assert page.get_attribute("#id_otp", "autocomplete") == "one-time-code"
    enter_otp(page, base, EMPLOYEE)
    assert page.url.endswith(f"/gateway/{number}/")
    with page.expect_download() as download:
        page.click(f"a[href='/gateway/{number}/form.pdf']")
    form_pdf = tmp_path / "family.pdf"
    download.value.save_as(form_pdf)
    assert form_pdf.read_bytes().startswith(b"%PDF")
    axe(page, "family (submitted)")

    # The DDO finds it, sees the photos, and returns it for correction.
    office_page = new_phone()
    log_in(office_page, base, ddo.username, DDO_PASSWORD)
    office_page.goto(base + "/office/families/")
    assert number in office_page.inner_text("main")
    axe(office_page, "office queue")
    office_page.fill("#id_q", "emp2661001")  # the employee ID, typed in lower case
    submit(office_page, "main form.filters")
    assert number in office_page.inner_text("main table")
    assert office_page.input_value("#id_q") == "emp2661001"
    office_page.click(f"a[href='/office/families/{number}/']")
    photos = office_page.locator("main img.member-photo")
    assert photos.count() == 3
    assert images_loaded(photos)
    axe(office_page, "office review")
    reason = "पुत्र की जन्म तिथि आधार कार्ड से मेल नहीं खाती।"
    returning = f"form[action='/office/families/{number}/return/']"
    office_page.click(f"details:has({returning}) summary")
    office_page.fill(f"{returning} textarea[name=return-reason]", reason)
    submit(office_page, returning)
    assert Family.objects.get(number=number).status == Status.RETURNED

    # The employee, on another phone, opens it with the number and an OTP and corrects it.
    employee = new_phone()
    employee.goto(base + "/gateway/access/")
    axe(employee, "gateway access")
    employee.fill("#id_number", number)
    submit(employee)
    employee.wait_for_url(re.compile(r"/gateway/access/otp/$"))
    enter_otp(employee, base, EMPLOYEE)
    assert employee.url.endswith(f"/gateway/{number}/")
    assert reason in employee.inner_text("main")
    axe(employee, "family (returned)")
    employee.click(f"a[href='/gateway/{number}/members/{son.pk}/']")
    assert f"XXXX XXXX {aadhaar(13)[-4:]}" in employee.inner_text("main")  # kept, not retyped
    axe(employee, "change family member")
    corrected = son.date_of_birth - datetime.timedelta(days=40)
    employee.fill("#id_date_of_birth", corrected.isoformat())
    submit(employee)
    assert employee.url.endswith(f"/gateway/{number}/")
    assert Member.objects.get(pk=son.pk).date_of_birth == corrected
    submit(employee, f"form[action='/gateway/{number}/resubmit/']")
    assert Family.objects.get(number=number).status == Status.RESUBMITTED

    # The DDO verifies; the employee's phone gets the user ID.
    office_page.reload()
    submit(office_page, f"form[action='/office/families/{number}/verify/']")
    assert Family.objects.get(number=number).status == Status.VERIFIED
    verified_sms = next(b for b in read_inbox(employee, base, EMPLOYEE) if re.search(r"\bBN\d{6}\b", b))
    user_id = re.search(r"\b(BN\d{6})\b", verified_sms).group(1)

    # The employee logs in with the user ID and an OTP and sees the family.
    employee.goto(base + "/accounts/otp-login/")
    axe(employee, "OTP log-in")
    employee.fill("#id_username", user_id)
    submit(employee)
    employee.wait_for_url(re.compile(r"/accounts/otp-login/verify/$"))
    axe(employee, "OTP log-in: enter OTP")
    enter_otp(employee, base, EMPLOYEE)
    employee.wait_for_url(re.compile(r"/my/$"))
    assert employee.locator("main .cards .card").count() == 3
    text, html = employee.inner_text("main"), employee.content()
    for n in (11, 12, 13):
        assert f"XXXX XXXX {aadhaar(n)[-4:]}" in text and aadhaar(n) not in html
    axe(employee, "my family")
    assert not axe.problems, "\n".join(axe.problems)


def test_operator_registers_an_employee_with_the_employees_otp(page, new_phone, live_server, office_with_ddo,
                                                                axe, photo):
    base = live_server.url
    ddo, office = office_with_ddo

    # The DDO makes an account for the office's computer operator.
    log_in(page, base, ddo.username, DDO_PASSWORD)
    page.goto(base + "/ddo/operators/")
    axe(page, "DDO: operators")
    page.fill("#id_name_en", "Mohan Lal")
    page.fill("#id_name_hi", "मोहन लाल")
    page.fill("#id_mobile", OPERATOR)
    page.select_option("#id_language", "hi")
    submit(page)
    credentials = next(b for b in read_inbox(page, base, OPERATOR) if re.search(r"\bOP\d{6}\b", b))
    user_id = re.search(r"\b(OP\d{6})\b", credentials).group(1)
    password = re.search(r"(?:पासवर्ड|Password)\s+([A-Za-z0-9]{12})\b", credentials).group(1)
    assert user_id in page.inner_text("main") and password not in page.content()

    # The operator's first log-in forces a new password.
    operator = new_phone()
    log_in(operator, base, user_id, password)
    operator.wait_for_url(re.compile(r"/accounts/password/change/$"))
    axe(operator, "operator: forced password change")
    operator.fill("#id_old_password", password)
    operator.fill("#id_new_password1", OPERATOR_PASSWORD)
    operator.fill("#id_new_password2", OPERATOR_PASSWORD)
    submit(operator)
    operator.wait_for_url(re.compile(r"/office/families/$"))
    axe(operator, "operator: registrations")

    # The operator types in the employee and the family with photos.
    operator.click("main a[href='/office/register/']")
    operator.wait_for_url(re.compile(rf"/gateway/new/{office.code}/employee/$"))
    axe(operator, "operator: employee form")
    fill_employee(operator, number=aadhaar(21), mobile=EMPLOYEE, name=("Suresh Chandra", "सुरेश चंद्र"))
    submit(operator)
    operator.wait_for_url(re.compile(r"/gateway/EN\d+/$"))
    number = operator.url.rstrip("/").rsplit("/", 1)[1]
    axe(operator, "operator: family")
    family_with_wife_and_son(operator, number, photo)

    # Submit: the employee agrees with the OTP sent to their own phone.
    submit(operator, f"form[action='/gateway/{number}/submit/']")
    operator.wait_for_url(re.compile(rf"/gateway/{number}/consent/$"))
    axe(operator, "operator: consent")
    submit(operator, "main form:has(input[name=action][value=send])")
    enter_otp(operator, base, EMPLOYEE, form="main form:has(#id_otp)")
    assert operator.url.endswith(f"/gateway/{number}/")
    family = Family.objects.get(number=number)
    assert family.status == Status.SUBMITTED and family.consent == "employee_otp"
    assert family.created_by.username == user_id
    axe(operator, "operator: family (submitted)")

    # The DDO's review says who typed it in and how the employee agreed.
    page.goto(base + f"/office/families/{number}/")
    details = page.inner_text("main dl.details")
    assert user_id in details and "कर्मचारी का ओटीपी" in details
    assert not axe.problems, "\n".join(axe.problems)
