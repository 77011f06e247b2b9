"""Self-printing State Health Cards in a browser, in Hindi, on a 360 px phone: the verified
employee logs in with the user ID from the SMS and an OTP (a wrong OTP first), opens the card
page, prints all the family's cards on A4 and one card at card size; then a hospital desk
checks the card by typing its number."""

import datetime
import re
import shutil
import subprocess
import uuid

import pytest

from tests.e2e.photos import images_loaded

from portal.cards.models import Card, CardPrint

pytestmark = pytest.mark.e2e

EMPLOYEE = "9812300011"
HOSPITAL_PASSWORD = "Hospital-Desk-Lko-26"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.fixture
def verified_family(e2e_settings):
    """A DDO office and a verified family of three with photos, made through the services."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    from portal.audit.services import Actor
    from portal.ddo import services as ddo
    from portal.directory.models import Department, District, Treasury
    from portal.enrolment import services as enrolment
    from portal.enrolment.models import PayLevel
    from portal.enrolment.tests.conftest import aadhaar
    from portal.pdf import new_document, output
    from portal.vault import services as vault

    system = Actor.system("e2e")
    lucknow, medical = District.objects.get(lgd_code=162), Department.objects.get(name_en="Medical and Health")
    application = ddo.start_application(actor=system, token=uuid.uuid4(), language="hi", data={
        "kind": "ddo", "officer_name_en": "Ravi Kumar Verma", "officer_name_hi": "रवि कुमार वर्मा",
        "designation": "Chief Medical Officer", "department": medical, "district": lucknow,
        "treasury": Treasury.objects.get(code="T162"), "ddo_code": "2661", "mobile": "9811122299",
        "mobile_kind": "cug", "no_cug_declared": False, "email": "cmo@example.in",
        "controlling_officer_name": "Dr A K Singh", "controlling_officer_designation": "Additional Director"})
    ddo.add_office(actor=system, application=application, data={
        "name_en": "Office of the CMO, Lucknow", "name_hi": "मुख्य चिकित्सा अधिकारी कार्यालय, लखनऊ",
        "address": "Lalbagh, Lucknow", "district": lucknow, "department": medical, "office_type": "district",
        "headcount": 240})
    application = ddo.submit_application(actor=system, application=application)
    pdf = new_document()
    pdf.add_page()
    ddo.attach_scan(actor=system, application=application,
                    upload=SimpleUploadedFile("s.pdf", output(pdf), "application/pdf"))
    officer = ddo.approve(actor=system, application=application)
    office = application.offices.get().office

    def photo(seed):
        image = Image.new("RGB", (420, 540), (160 + seed * 30, 205, 228))
        draw = ImageDraw.Draw(image)
        draw.ellipse((130, 90, 290, 270), fill=(224, 172, 105))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG")
        return SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg")

    family = enrolment.start_family(
        actor=system, office=office, kind="employee", token=uuid.uuid4(), language="hi", photo=None,
        aadhaar=vault.store(aadhaar(71)),
        data={"name_en": "Kshama Tripathi", "name_hi": "क्षमा त्रिपाठी", "guardian_name": "Shiv Prasad Tripathi",
              "date_of_birth": datetime.date(1981, 4, 12), "gender": "female", "mobile": EMPLOYEE,
              "address": "Hazratganj, Lucknow", "employee_id": "EMP7101", "designation": "Pharmacist",
              "date_of_joining": datetime.date(2007, 7, 1), "pay_level": PayLevel.objects.get(code="7")})
    for n, person in ((72, {"relation": "spouse", "name_en": "Shrikant Tripathi", "name_hi": "श्रीकान्त त्रिपाठी",
                            "date_of_birth": datetime.date(1978, 1, 9), "gender": "male", "marital_status": "married",
                            "monthly_income": 0}),
                      (73, {"relation": "daughter", "name_en": "Kshitija Tripathi", "name_hi": "क्षितिजा त्रिपाठी",
                            "date_of_birth": datetime.date(2012, 6, 1), "gender": "female",
                            "marital_status": "unmarried", "dependent": True, "monthly_income": 0})):
        enrolment.save_dependent(actor=system, family=family, data=person, aadhaar=vault.store(aadhaar(n)), photo=None)
    for seed, member in enumerate(family.members.order_by("id")):
        enrolment.set_photo(actor=system, family=family, member=member, upload=photo(seed))
    enrolment.submit_family(actor=system, family=family)
    enrolment.verify_family(actor=Actor(user=officer, role=officer.role, label=officer.username), family=family)
    family.refresh_from_db()
    return family


def inbox(page, base, mobile):
    tab = page.context.new_page()
    tab.goto(f"{base}/demo/inbox/?to={mobile}")
    bodies = [b.strip() for b in tab.locator(".inbox-item pre").all_inner_texts()]
    tab.close()
    return bodies


def latest_otp(page, base, mobile):
    return next(m.group(1) for b in inbox(page, base, mobile) if (m := re.match(r"^(\d{6}) ", b)))


def submit(page, form="main form"):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def test_employee_logs_in_with_user_id_and_otp_and_prints_the_familys_cards(page, browser, live_server,
                                                                              verified_family, axe, tmp_path):
    base = live_server.url
    family = verified_family
    user_id = re.search(r"\b(BN\d{6})\b", next(b for b in inbox(page, base, EMPLOYEE) if "BN" in b)).group(1)

    # The employee asks for an OTP with the user ID from the SMS, and types a wrong one first.
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "hi"
    page.click("nav a[href='/accounts/otp-login/']")
    axe(page, "OTP log-in")
    page.fill("#id_username", user_id.lower())  # not case sensitive
    submit(page)
    page.wait_for_url(re.compile(r"/accounts/otp-login/verify/$"))
    right = latest_otp(page, base, EMPLOYEE)
    page.fill("#id_otp", "000000" if right != "000000" else "111111")
    submit(page)
    error = page.inner_text("#id_otp_error")
    assert DEVANAGARI.search(error) and "OTP" in error  # in Hindi, with the English beside it
    axe(page, "OTP log-in: wrong OTP")
    page.fill("#id_otp", right)
    submit(page)
    page.wait_for_url(re.compile(r"/my/$"))

    # From "my family" to the card page: every member's card, Aadhaar masked.
    page.click("main a[href='/my/cards/']")
    page.wait_for_url(re.compile(r"/my/cards/$"))
    cards = list(Card.objects.filter(family=family).order_by("member_id"))
    assert len(cards) == 3
    text, html = page.inner_text("main"), page.content()
    for card in cards:
        assert card.number in text and card.name_hi in text
        assert f"XXXX XXXX {card.aadhaar_last4}" in text
    from portal.enrolment.tests.conftest import aadhaar

    assert all(aadhaar(n) not in html for n in (71, 72, 73))
    assert "छपाई के लिए तैयार" in text  # the stage of the plastic card
    photos = page.locator("main img.member-photo")
    assert photos.count() == 3 and images_loaded(photos)
    axe(page, "my cards")

    # All cards on A4 with cut marks.
    with page.expect_download() as download:
        page.click("main form:has(input[name=layout][value=a4]):not(:has(input[name=card])) button")
    sheet = tmp_path / "sheet.pdf"
    download.value.save_as(sheet)
    assert sheet.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        found = "".join(subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True).stdout.split())
        assert all(c.number in found for c in cards) and "निशानोंपरकाटें" in found
    assert CardPrint.objects.filter(kind="self", card__family=family).count() == 3

    # One card at card size.
    daughter = cards[2]
    with page.expect_download() as download:
        page.click(f"main form:has(input[name=card][value={daughter.number}]):has(input[value=card]) button")
    assert download.value.suggested_filename == f"{daughter.number}-card.pdf"
    assert CardPrint.objects.filter(kind="self", card=daughter).count() == 2
    page.reload()
    assert "आपने 2 बार छापा" in page.inner_text("main")
    axe(page, "my cards after printing")
    assert not axe.problems, "\n".join(axe.problems)


def test_a_hospital_desk_checks_a_card_by_its_number_and_the_public_sees_only_the_status(
        page, browser, live_server, verified_family, axe):
    from portal.accounts.services import create_user
    from portal.audit.services import Actor
    from portal.cards.services import issue_cards

    base = live_server.url
    issue_cards(family=verified_family, actor=Actor.system("e2e"))
    card = Card.objects.filter(family=verified_family).order_by("member_id").first()

    # The public: valid or not, nothing about the person.
    page.goto(base + "/cards/verify/")
    axe(page, "verify (public)")
    page.fill("#id_q", card.number[:-1] + str((int(card.number[-1]) + 1) % 10))  # one digit mistyped
    submit(page)
    assert "मान्य कार्ड संख्या नहीं" in page.inner_text("main")
    page.fill("#id_q", card.number)
    submit(page)
    verdict = page.inner_text("main .verdict")
    assert "मान्य" in verdict and card.name_hi not in page.inner_text("main")
    axe(page, "verify (public, result)")

    # A hospital desk sees the photo and the details.
    hospital = create_user(actor=Actor.system("e2e"), role="hospital", name_en="City Hospital Desk",
                           name_hi="सिटी चिकित्सालय", designation="Card desk", mobile="9833300011",
                           email="desk@example.in", units=[], send_credentials=False)
    hospital.set_password(HOSPITAL_PASSWORD)
    hospital.must_change_password = False
    hospital.save()
    desk = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    desk.goto(base + "/accounts/login/")
    desk.fill("#id_username", hospital.username)
    desk.fill("#id_password", HOSPITAL_PASSWORD)
    submit(desk)
    desk.goto(base + "/cards/verify/")
    desk.fill("#id_q", card.qr_payload)  # what a QR scanner types
    submit(desk)
    main = desk.inner_text("main")
    assert card.name_hi in main and card.aadhaar_masked in main and "हस्ताक्षर" in main
    assert images_loaded(desk.locator("main img.member-photo"))
    axe(desk, "verify (hospital, result)")
    desk.context.close()
    assert not axe.problems, "\n".join(axe.problems)
