"""The filled registration form the applicant signs and hands to the DDO/TO: bilingual, every
member with photo and masked Aadhaar, the eligibility facts, the declaration, the signature
and seal spaces, and the application number with a QR code that leads back to it."""

import shutil
import subprocess

import pytest

from portal.enrolment import selectors
from portal.enrolment.pdf import render_family_form

from .conftest import aadhaar, register

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not all(shutil.which(t) for t in ("pdftotext", "pdfimages", "pdftoppm", "zbarimg")),
                       reason="poppler-utils and zbar-tools are installed by `make test`"),
]


def run(*args, **kwargs) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, **kwargs).stdout


@pytest.fixture
def form_pdf(ddo_office, tmp_path, settings):
    settings.SITE_URL = "https://sects.example.in"
    family = register(ddo_office, n=1, mobile="9812345670", sons=[2])
    family.language = "hi"
    family.save(update_fields=["language"])
    path = tmp_path / "form.pdf"
    path.write_bytes(render_family_form(selectors.family_form(family)))
    return family, path


def test_form_is_bilingual_with_every_member_masked_and_the_declaration(form_pdf):
    family, path = form_pdf
    text = " ".join(run("pdftotext", "-layout", str(path), "-").split())
    assert family.number in text
    for label in ("Registration form: employee / pensioner and family", "Employee ID", "Family members",
                  "Declaration", "I declare that the details above are true", "Signature of the employee /",
                  "signature, date and seal", "Wholly dependent", "Own income ₹0 a month"):
        assert label in text, label
    # (pdftotext splits some Devanagari vowel signs from their letters: words without them here)
    for hindi in ("कर्मचारी आईडी", "घोषणा", "हस्ताक्षर", "पूर्णतः", "स्वयं की आय ₹0 प्रति माह"):
        assert hindi in text, hindi
    for n in (1, 2):
        assert f"XXXX XXXX {aadhaar(n)[-4:]}" in text and aadhaar(n) not in text
    assert "EMP1001" in text and "Staff Nurse" in text


def test_form_carries_both_photos_and_a_qr_code_that_leads_back_to_the_application(form_pdf, tmp_path):
    family, path = form_pdf
    images = [line.split() for line in run("pdfimages", "-list", str(path)).splitlines()[2:]]
    assert len(images) == 3  # the QR code and the two members' photos
    run("pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page"))
    page = next(tmp_path.glob("page*.png"))
    decoded = run("zbarimg", "--quiet", "--raw", str(page)).strip()
    assert decoded == f"https://sects.example.in/gateway/access/?number={family.number}"
