"""A full Aadhaar number is typed once and then never leaves the vault: not in a page, a PDF,
an SMS, the outbox, the demo inbox, the audit log, a log line or an SQL statement. Pages show
only XXXX XXXX and the last four digits."""

import datetime
import json
import logging
import shutil
import subprocess
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import clock
from portal.accounts.models import Role
from portal.audit.models import Event
from portal.audit.services import Actor
from portal.checkdigit import verhoeff_digit
from portal.enrolment import services
from portal.enrolment.models import (
    ChangeRequest,
    DuplicateFlag,
    Family,
    PayLevel,
    Status,
)
from portal.notify.models import DemoInboxMessage, Message
from portal.notify.tasks import sweep_outbox
from portal.vault import services as vault

from .conftest import SON, officer, photo_file

pytestmark = pytest.mark.django_db

# Synthetic numbers with a valid check digit, varied enough not to occur by chance in a PDF or a log.
PRIMARY, SON_NO, SPOUSE, NEWBORN, OTHER = (b + verhoeff_digit(b) for b in (
    "58213957062", "73920418265", "64150382917", "82736150493", "47315920864"))
NUMBERS = [PRIMARY, SON_NO, SPOUSE, NEWBORN, OTHER]
MOBILE = "9812345670"


def forms_of(number: str) -> list[str]:
    return [number, f"{number[:4]} {number[4:8]} {number[8:]}", f"{number[:4]}-{number[4:8]}-{number[8:]}"]


def masked(number: str) -> str:
    return f"XXXX XXXX {number[-4:]}"


def assert_nowhere(texts, where: str) -> None:
    for i, text in enumerate(texts):
        for number in NUMBERS:
            for form in forms_of(number):
                found = form.encode() in text if isinstance(text, bytes) else form in text
                assert not found, f"{where} #{i} contains an Aadhaar number ({form[-4:]})"


def demo_otp(mobile: str) -> str:
    sweep_outbox()
    for message in DemoInboxMessage.objects.filter(to=mobile).order_by("-id"):
        if message.body[:6].isdigit() and message.body[6] == " ":
            return message.body[:6]
    raise AssertionError(f"no OTP in the demo inbox of {mobile}")


class Recorder:
    """Every response body, and the text of every PDF."""

    def __init__(self):
        self.bodies: list[bytes] = []
        self.pdf_texts: list[str] = []

    def __call__(self, response):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        self.bodies.append(body)
        if body.startswith(b"%PDF") and shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout
            self.pdf_texts.append(text.decode())
        return response

    def page(self, response) -> str:
        return self(response).content.decode()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def other_family_with_the_same_son(office) -> Family:
    actor = Actor.system("tests")
    data = {"name_en": "Ramesh Kumar", "name_hi": "रमेश कुमार", "guardian_name": "Shyam Lal",
            "date_of_birth": datetime.date(1978, 3, 3), "gender": "male", "mobile": "9812345699", "address": "Lucknow",
            "employee_id": "EMP9001", "designation": "Clerk", "date_of_joining": datetime.date(2001, 1, 1),
            "pay_level": PayLevel.objects.get(code="4")}
    family = services.start_family(actor=actor, office=office, kind="employee", data=data, aadhaar=vault.store(OTHER),
                                   photo=None, token=uuid.uuid4(), language="hi")
    services.save_dependent(actor=actor, family=family, data=SON, aadhaar=vault.store(SON_NO), photo=None)
    for member in family.members.all():
        services.set_photo(actor=actor, family=family, member=member, upload=photo_file(size=(150, 200)))
    return services.submit_family(actor=actor, family=family)


def test_full_journey_never_shows_a_full_aadhaar_number_anywhere(ddo_office, make_user, settings, caplog,
                                                                 primary_post, dependent_post, geo):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = "demo"
    settings.EMAIL_CHANNEL_BACKEND = "demo"
    caplog.set_level(logging.DEBUG)
    seen = Recorder()
    with CaptureQueriesContext(connection) as queries:
        employee = Client()
        seen(employee.get(reverse("enrolment:start")))
        seen(employee.post(reverse("enrolment:start"), {"kind": "employee", "treasury": geo["t_lucknow"].pk,
                                                        "ddo_code": "2661"}))
        new = reverse("enrolment:new", args=[ddo_office.code, "employee"])
        seen(employee.get(new))
        response = seen(employee.post(new, primary_post(aadhaar=PRIMARY, mobile="12345")))  # error elsewhere
        assert response.status_code == 200 and "mobile" in response.context["form"].errors
        response = seen(employee.post(new, primary_post(aadhaar=PRIMARY, mobile=MOBILE)))
        family = Family.objects.get()
        assert response.url == reverse("enrolment:family", args=[family.number])
        add = reverse("enrolment:add_member", args=[family.number])
        seen(employee.get(add))
        assert seen(employee.post(add, dependent_post(aadhaar=SON_NO, name_hi="Aman"))).status_code == 200
        assert seen(employee.post(add, dependent_post(aadhaar=SON_NO))).status_code == 302
        assert seen(employee.post(add, dependent_post(
            relation="spouse", name_en="Ramesh Kumar", name_hi="रमेश कुमार", date_of_birth="1978-03-03",
            marital_status="married", aadhaar=SPOUSE))).status_code == 302
        for member in family.members.all():
            seen(employee.post(reverse("enrolment:upload_photo", args=[family.number, member.pk]),
                               {"photo": photo_file()}))
            seen(employee.get(reverse("enrolment:member_photo", args=[family.number, member.pk])))
        other = other_family_with_the_same_son(ddo_office)
        seen(employee.post(reverse("enrolment:submit", args=[family.number])))
        seen(employee.get(reverse("enrolment:access_verify")))
        seen(employee.post(reverse("enrolment:access_verify"), {"otp": demo_otp(MOBILE)}))
        family_page = seen.page(employee.get(reverse("enrolment:family", args=[family.number])))
        seen(employee.get(reverse("enrolment:form_pdf", args=[family.number])))
        assert DuplicateFlag.objects.filter(member__family=family).exists()

        ddo = signed_in(officer(ddo_office))
        seen(ddo.get(reverse("enrolment:queue")))
        review = seen.page(ddo.get(reverse("enrolment:review", args=[family.number])))
        for member in family.members.all():
            seen(ddo.get(reverse("enrolment:photo", args=[member.pk])))
        seen(ddo.get(reverse("enrolment:office_form_pdf", args=[family.number])))
        duplicates = seen.page(ddo.get(reverse("enrolment:duplicates")))
        seen(ddo.get(reverse("enrolment:review", args=[other.number])))
        seen(ddo.post(reverse("enrolment:act", args=[family.number, "verify"]), follow=True))
        family.refresh_from_db()
        assert family.status == Status.VERIFIED

        beneficiary = signed_in(family.user)
        seen(beneficiary.get(reverse("enrolment:my_family")))
        change = reverse("enrolment:change_new", args=["add"])
        seen(beneficiary.get(change))
        born = (clock.today() - datetime.timedelta(days=15)).isoformat()
        baby = dependent_post(name_en="Baby Kumar", name_hi="बेबी कुमार", date_of_birth=born, aadhaar=NEWBORN)
        assert seen(beneficiary.post(change, {**baby, "name_hi": "Baby"})).status_code == 200
        assert seen(beneficiary.post(change, baby)).status_code == 302
        seen(ddo.get(reverse("enrolment:changes")))
        seen(ddo.post(reverse("enrolment:change_decide", args=[ChangeRequest.objects.get().pk, "approve"]),
                      follow=True))
        mine = seen.page(beneficiary.get(reverse("enrolment:my_family")))
        seen(beneficiary.get(reverse("enrolment:office_form_pdf", args=[family.number])))
        sweep_outbox()
        inbox = seen.page(Client().get(reverse("notify:demo_inbox"), {"to": MOBILE}))
        assert family.user.username in inbox
        seen(signed_in(make_user(Role.STATE)).get(reverse("web:outbox")))
        sweep_outbox()

    assert_nowhere(seen.bodies, "response")
    assert_nowhere(seen.pdf_texts, "PDF text")
    assert_nowhere([json.dumps(e.details, ensure_ascii=False) + e.target_label for e in Event.objects.all()], "event")
    assert_nowhere([m.preview for m in Message.objects.all()], "outbox preview")
    assert_nowhere([m.body + m.subject for m in DemoInboxMessage.objects.all()], "demo inbox")
    assert_nowhere([f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records], "log record")
    assert_nowhere([q["sql"] for q in queries.captured_queries], "SQL")
    assert Event.objects.exists() and Message.objects.exists() and DemoInboxMessage.objects.exists()
    assert caplog.records and queries.captured_queries

    for number in (PRIMARY, SON_NO, SPOUSE):
        assert masked(number) in family_page and masked(number) in review and masked(number) in mine
    assert masked(SON_NO) in duplicates and masked(NEWBORN) in mine
    if shutil.which("pdftotext"):
        assert any(masked(PRIMARY) in text for text in seen.pdf_texts)


def test_form_shown_again_after_another_fields_error_keeps_the_number_sealed(client, ddo_office, primary_post):
    new = reverse("enrolment:new", args=[ddo_office.code, "employee"])
    for typed in forms_of(PRIMARY):
        response = client.post(new, primary_post(aadhaar=typed, mobile="12345"))
        assert response.status_code == 200 and "aadhaar" not in response.context["form"].errors
        page = response.content.decode()
        assert_nowhere([page], f"form re-shown after typing {typed[-4:]}")
        assert masked(PRIMARY) in page  # what is kept, masked
    token = response.context["form"].data["aadhaar_token"]
    assert token and PRIMARY not in token
    response = client.post(new, primary_post(aadhaar="", aadhaar_token=token))  # the sealed number is enough
    assert response.status_code == 302, response.context["form"].errors
    assert Family.objects.get().members.get().aadhaar_last4 == PRIMARY[-4:]
