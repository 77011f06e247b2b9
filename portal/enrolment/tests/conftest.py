"""Fixtures for families: a registered DDO office, photos, valid test Aadhaar numbers."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.accounts.models import Grant, Role
from portal.audit.services import Actor
from portal.checkdigit import verhoeff_digit
from portal.enrolment import services
from portal.enrolment.models import PayLevel
from portal.vault import services as vault

# Published test values (verhoeff_vectors.txt) and numbers made here with a check digit; none is a person's.
AADHAAR = ["234123412346", "999999990019"]


def aadhaar(n: int) -> str:
    """The n-th synthetic Aadhaar-format number: starts with 9, valid check digit."""
    body = f"9{n:010d}"
    return body + verhoeff_digit(body)


def photo_file(name="photo.jpg", size=(600, 800), fmt="JPEG", color=(180, 120, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg" if fmt == "JPEG" else "image/png")


@pytest.fixture
def ddo_office(submitted):
    """An approved DDO (code 2661 at the Lucknow treasury) and its office."""
    application = submitted(stage="approved")
    office = application.offices.get().office
    return office


@pytest.fixture
def primary_post(geo):
    def make(**overrides):
        data = {
            "name_en": "Sunita Devi", "name_hi": "सुनीता देवी", "guardian_name": "Ramesh Kumar",
            "date_of_birth": "1980-05-17", "gender": "female", "aadhaar": aadhaar(1), "mobile": "9812345670",
            "email": "sunita@example.in", "address": "12 Hazratganj, Lucknow", "employee_id": "EMP1001",
            "designation": "Staff Nurse", "date_of_joining": "2005-07-01",
            "pay_level": PayLevel.objects.get(code="7").pk,
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def dependent_post():
    def make(**overrides):
        data = {
            "relation": "son", "name_en": "Aman Kumar", "name_hi": "अमन कुमार", "date_of_birth": "2008-02-01",
            "gender": "male", "marital_status": "unmarried", "aadhaar": aadhaar(2), "dependent": "on",
            "monthly_income": "0",
        }
        data.update(overrides)
        return data

    return make


SON = {"relation": "son", "name_en": "Aman Kumar", "name_hi": "अमन कुमार", "date_of_birth": datetime.date(2008, 2, 1),
       "gender": "male", "marital_status": "unmarried", "dependent": True, "monthly_income": 0}


def officer(office):
    """The office's DDO/TO, ready to log in."""
    user = Grant.objects.get(office=office, revoked_at__isnull=True, user__role__in=[Role.DDO, Role.TO]).user
    user.must_change_password = False
    user.save()
    return user


def register(office, *, n, mobile, name="Sunita Devi", employee_id="EMP1001", sons=(), kind="employee", submit=True):
    """A family entered through the services: the primary with Aadhaar aadhaar(n), a son per
    number in `sons`, photos, and (by default) submitted."""
    actor = Actor.system("tests")
    data = {"name_en": name, "name_hi": "सुनीता देवी", "guardian_name": "Ramesh Kumar",
            "date_of_birth": datetime.date(1980, 5, 17), "gender": "female", "mobile": mobile, "email": "",
            "address": "Lucknow", "pay_level": PayLevel.objects.get(code="7")}
    if kind == "employee":
        data.update(employee_id=employee_id, designation="Staff Nurse", date_of_joining=datetime.date(2005, 7, 1))
    else:
        data.update(ppo_number=employee_id, retirement_date=datetime.date(2024, 6, 30))
    family = services.start_family(actor=actor, office=office, kind=kind, data=data, aadhaar=vault.store(aadhaar(n)),
                                   photo=None, token=uuid.uuid4(), language="en")
    for son in sons:
        services.save_dependent(actor=actor, family=family, data=SON, aadhaar=vault.store(aadhaar(son)), photo=None)
    for member in family.members.all():
        services.set_photo(actor=actor, family=family, member=member, upload=photo_file(size=(150, 200)))
    if submit:
        services.submit_family(actor=actor, family=family)
    family.refresh_from_db()
    return family
