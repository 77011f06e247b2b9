"""Fixtures for families: a registered DDO office, photos, valid test Aadhaar numbers."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.checkdigit import verhoeff_digit

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
        from portal.enrolment.models import PayLevel

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
