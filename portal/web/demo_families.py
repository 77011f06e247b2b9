"""Demo families for `seed_demo`: one verified (the demo employee's), one waiting for the DDO.

Aadhaar numbers here are synthetic: they start with 9 and carry a valid check digit but
belong to nobody."""

import datetime
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from portal.audit.services import Actor
from portal.checkdigit import verhoeff_digit
from portal.enrolment import services
from portal.enrolment.models import Family, PayLevel


def synthetic_aadhaar(n: int) -> str:
    body = f"9{n:010d}"
    return body + verhoeff_digit(body)


def _portrait(seed: int) -> SimpleUploadedFile:
    """A plain drawn portrait: the demo has no real people's photos."""
    image = Image.new("RGB", (420, 540), (200 - seed * 20, 215, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 90, 290, 270), fill=(224, 172, 105))
    draw.rectangle((90, 300, 330, 540), fill=(40 + seed * 30, 80, 140))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


def _family(*, office, mobile: str, people: list[dict], seed: int) -> Family:
    actor = Actor.system("seed_demo")
    primary, *dependents = people
    family = services.start_family(
        actor=actor, office=office, kind="employee", token=uuid.uuid4(), language="hi",
        aadhaar=services.vault.form_token(primary.pop("aadhaar")), photo=None,
        data={**primary, "mobile": mobile, "email": f"{mobile}@demo.invalid", "address": "Lalbagh, Lucknow",
              "employee_id": f"EMP{seed:05d}", "designation": "Assistant", "date_of_joining": datetime.date(2008, 7, 1),
              "pay_level": PayLevel.objects.get(code="6")},
    )
    for person in dependents:
        services.save_dependent(actor=actor, family=family, data=person,
                                aadhaar=services.vault.form_token(person.pop("aadhaar")), photo=None)
    for index, member in enumerate(family.members.all()):
        services.set_photo(actor=actor, family=family, member=member, upload=_portrait(index))
    return services.submit_family(actor=actor, family=family)


def seed_families(*, office, ddo_user):
    """Returns the demo employee's user (verified family), leaving a second family pending."""
    existing = Family.objects.filter(mobile="9000000007").exclude(user=None).first()
    if existing:
        return existing.user
    verified = _family(office=office, mobile="9000000007", seed=1, people=[
        {"name_en": "Demo Employee", "name_hi": "डेमो कर्मचारी", "guardian_name": "Ram Prasad",
         "date_of_birth": datetime.date(1982, 3, 14), "gender": "male", "aadhaar": synthetic_aadhaar(101)},
        {"relation": "spouse", "name_en": "Geeta Devi", "name_hi": "गीता देवी", "date_of_birth": datetime.date(1985, 8, 2),
         "gender": "female", "marital_status": "married", "aadhaar": synthetic_aadhaar(102), "monthly_income": 0},
        {"relation": "daughter", "name_en": "Anjali Kumari", "name_hi": "अंजलि कुमारी",
         "date_of_birth": datetime.date(2012, 1, 20), "gender": "female", "marital_status": "unmarried",
         "dependent": True, "aadhaar": synthetic_aadhaar(103), "monthly_income": 0},
    ])
    services.verify_family(actor=Actor(user=ddo_user, role=ddo_user.role, label=ddo_user.username), family=verified)
    _family(office=office, mobile="9000000008", seed=2, people=[
        {"name_en": "Kamla Singh", "name_hi": "कमला सिंह", "guardian_name": "Mahesh Singh",
         "date_of_birth": datetime.date(1975, 11, 5), "gender": "female", "aadhaar": synthetic_aadhaar(104)},
        {"relation": "mother", "name_en": "Shanti Devi", "name_hi": "शान्ति देवी", "date_of_birth": datetime.date(1950, 4, 9),
         "gender": "female", "marital_status": "widowed", "dependent": True, "aadhaar": synthetic_aadhaar(105),
         "monthly_income": 3000},
    ])
    verified.refresh_from_db()
    return verified.user
