"""Families for card tests, made through the enrolment services: names with conjuncts and
matras (क्ष, त्रि, श्री), photos, valid synthetic Aadhaar numbers."""

import datetime
import io
import shutil
import subprocess
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from portal.audit.services import Actor
from portal.enrolment import services as enrolment
from portal.enrolment.models import PayLevel
from portal.enrolment.tests.conftest import aadhaar, ddo_office  # noqa: F401  (ddo_office: a fixture)
from portal.vault import services as vault

needs_poppler = pytest.mark.skipif(not shutil.which("pdftoppm") or not shutil.which("zbarimg"),
                                   reason="poppler-utils and zbar-tools are installed by `make test`")

PRIMARY = {"name_en": "Kshama Tripathi", "name_hi": "श्रीमती क्षमा त्रिपाठी", "guardian_name": "Ramesh Tripathi",
           "date_of_birth": datetime.date(1980, 5, 17), "gender": "female"}
SPOUSE = {"relation": "spouse", "name_en": "Ramesh Chandra Tripathi", "name_hi": "रमेश चन्द्र त्रिपाठी",
          "date_of_birth": datetime.date(1976, 1, 9), "gender": "male", "marital_status": "married",
          "monthly_income": 0}
SON = {"relation": "son", "name_en": "Shrikant Tripathi", "name_hi": "श्रीकान्त त्रिपाठी",
       "date_of_birth": datetime.date(2010, 2, 1), "gender": "male", "marital_status": "unmarried", "dependent": True,
       "monthly_income": 0}


def portrait(seed: int = 0) -> SimpleUploadedFile:
    """A drawn face, different for each seed (the card must show the member's own photo)."""
    image = Image.new("RGB", (420, 540), (150 + seed * 17 % 100, 200, 225))
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 90, 290, 270), fill=(224, 172, 105))
    draw.rectangle((90, 300, 330, 540), fill=(40 + seed * 30 % 200, 80, 140))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


@pytest.fixture
def ddo(ddo_office):
    """The DDO of `ddo_office` (approved through the DDO/TO registration)."""
    from portal.enrolment.selectors import officer_of

    officer = officer_of(ddo_office)
    officer.must_change_password = False
    officer.save(update_fields=["must_change_password"])
    return officer


@pytest.fixture
def make_family(ddo_office):
    """make_family(n, stage="verified", dependents=(SPOUSE, SON), office=..., language="hi")."""
    counter = iter(range(1, 10**6))

    def make(n=None, *, stage="verified", dependents=(SPOUSE, SON), office=None, language="hi", mobile=None,
             primary=None):
        n = n or next(counter)
        actor = Actor.system("tests")
        office = office or ddo_office
        data = {**(primary or PRIMARY), "mobile": mobile or f"97{n:08d}", "address": "Hazratganj, Lucknow",
                "employee_id": f"EMP{n}", "designation": "Staff Nurse", "date_of_joining": datetime.date(2005, 7, 1),
                "pay_level": PayLevel.objects.get(code="7")}
        family = enrolment.start_family(actor=actor, office=office, kind="employee", data=data,
                                        aadhaar=vault.store(aadhaar(1000 + n * 10)), photo=None, token=uuid.uuid4(),
                                        language=language)
        for index, person in enumerate(dependents, start=1):
            enrolment.save_dependent(actor=actor, family=family, data=dict(person),
                                     aadhaar=vault.store(aadhaar(1000 + n * 10 + index)), photo=None)
        if stage != "draft":
            for index, member in enumerate(family.members.order_by("id")):
                enrolment.set_photo(actor=actor, family=family, member=member, upload=portrait(n + index))
            enrolment.submit_family(actor=actor, family=family)
        if stage == "verified":
            enrolment.verify_family(actor=actor, family=family)
        family.refresh_from_db()
        return family

    return make


@pytest.fixture
def family(make_family):
    return make_family()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, check=True)


def squeeze(text: str) -> str:
    # pdftotext puts spaces inside shaped Devanagari clusters; compare without whitespace.
    return "".join(text.split())


def english(message) -> str:
    from django.utils import translation

    with translation.override("en"):
        return str(message)
