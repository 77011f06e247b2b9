"""The printable form: render it, rasterise it, read its text back and decode its QR."""

import io
import re
import shutil
import subprocess
import zlib

import pytest
from django.urls import reverse
from fontTools.ttLib import TTFont

from portal.ddo.pdf import render_application_form
from portal.ddo.selectors import form_data

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(not shutil.which("pdftoppm") or not shutil.which("zbarimg"),
                                   reason="poppler-utils and zbar-tools are installed by `make test`")


def squeeze(text: str) -> str:
    # pdftotext puts spaces inside shaped Devanagari clusters; compare without whitespace.
    return "".join(text.split())


@pytest.fixture
def pdf_file(tmp_path, submitted):
    application = submitted(officer_name_hi="श्रीमती क्षमा त्रिपाठी", officer_name_en="Kshama Tripathi",
                            controlling_officer_name="Dr. Pradeep Kumar")
    path = tmp_path / "form.pdf"
    path.write_bytes(render_application_form(form_data(application)))
    return application, path


@needs_poppler
def test_form_text_is_bilingual_with_every_detail_and_no_font_errors(pdf_file):
    application, path = pdf_file
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    # A Latin run written in the Devanagari font shows up here as "No font in show" or garbage.
    assert result.stderr == ""
    text = squeeze(result.stdout)
    for expected in [
        application.number, "KshamaTripathi", "श्रीमतीक्षमात्रिपाठी", "2661", "9876543210", "cmo@example.in",
        "Dr.PradeepKumar", "कार्यालय1", "LucknowDistrictTreasury", "लखनऊ", "घोषणा", "Declaration",
        "मुहर", "Seal", "आवेदनसंख्या", "Applicationnumber",
    ]:
        assert squeeze(expected) in text, expected


@needs_poppler
def test_form_rasterises_and_its_qr_code_leads_to_the_status_page(pdf_file, tmp_path, settings):
    application, path = pdf_file
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 20_000
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert decoded.stdout.strip() == f"{settings.SITE_URL}/ddo/access/?number={application.number}"


def devanagari_glyphs(pdf: bytes) -> list[str]:
    """Glyph names of the embedded Devanagari font subset(s)."""
    names: list[str] = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            order = TTFont(io.BytesIO(zlib.decompress(match.group(1)))).getGlyphOrder()
        except Exception:
            continue  # not a font stream
        if any(n.startswith("uni09") for n in order):
            names.extend(order)
    return names


def shaped_forms(names: list[str]) -> list[str]:
    # Conjuncts and positional vowel forms have no code point of their own, so the
    # subset names them glyphNNNNN; every glyph of unshaped text is a plain uni09XX.
    return [n for n in names if n.startswith("glyph") and n != "glyph00002"]


def test_devanagari_is_shaped_into_conjuncts_and_matras(pdf_file):
    _, path = pdf_file
    assert len(shaped_forms(devanagari_glyphs(path.read_bytes()))) >= 5


def test_the_shaping_check_would_catch_unshaped_text():
    from portal.pdf import new_document, output

    pdf = new_document()
    pdf.set_text_shaping(False)
    pdf.add_page()
    pdf.cell(0, 10, "श्रीमती क्षमा त्रिपाठी कर्मचारी")
    glyphs = devanagari_glyphs(output(pdf))
    # At most a component glyph or two pulled in by the subsetter; shaped text has many more.
    assert glyphs and len(shaped_forms(glyphs)) <= 2


def test_two_forms_in_one_process_do_not_share_font_state(submitted):
    first = render_application_form(form_data(submitted()))
    second_app = submitted(ddo_code="9999", mobile="9876500009", officer_name_hi="गोविन्द")
    second = render_application_form(form_data(second_app))
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert first != second


def test_officer_downloads_pdf_only_after_otp_and_state_cell_can_open_it(client, submitted, phone, users, login):
    application = submitted()
    assert client.get(reverse("ddo:form_pdf", args=[application.number])).status_code == 404
    client.post(reverse("ddo:access"), {"number": application.number})
    client.post(reverse("ddo:access_verify"), {"otp": phone.otp("9876543210")})
    response = client.get(reverse("ddo:form_pdf", args=[application.number]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"
    state = login(users["state"])
    assert state.get(reverse("ddo:state_form_pdf", args=[application.number])).status_code == 200
