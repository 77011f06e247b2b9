"""The signed form's scan, uploaded by the officer who opened the application with its
number and an OTP: checked by content, stored under a server-made name, never public."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from portal.accounts.models import Role
from portal.ddo import services
from portal.ddo.models import Application, Status
from portal.pdf import new_document, output

pytestmark = pytest.mark.django_db

SERVER_NAME = re.compile(r"^ddo/scans/[0-9a-f]{32}\.(pdf|jpg|png)$")


def real_pdf() -> bytes:
    pdf = new_document()
    pdf.add_page()
    pdf.cell(0, 10, "Signed and verified registration form")
    return output(pdf)


def real_image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


@pytest.fixture
def officer(client, phone):
    """The officer's browser, in English, after opening `application` with number + OTP."""
    client.cookies["portal_language"] = "en"

    def open_(application):
        client.post(reverse("ddo:access"), {"number": application.number})
        response = client.post(reverse("ddo:access_verify"), {"otp": phone.otp(application.mobile)})
        assert response.url == reverse("ddo:application", args=[application.number])
        return client

    return open_


def post_scan(client, application, file):
    return client.post(reverse("ddo:upload_scan", args=[application.number]), {"scan": file})


def scan_errors(response) -> str:
    """The errors at the scan field, as the English page shows them."""
    assert response.status_code == 400
    with translation.override("en"):
        message = " ".join(str(e) for e in response.context["scan_form"].errors.get("scan", []))
    assert message, "no error at the scan field"
    return message


@pytest.mark.parametrize("name, content, content_type, stored_as", [
    ("signed-form.pdf", real_pdf(), "application/pdf", "application/pdf"),
    ("photo-of-form.png", real_image("PNG"), "image/png", "image/png"),
    ("IMG_2041.JPG", real_image("JPEG"), "image/jpeg", "image/jpeg"),
])
def test_real_pdf_png_and_jpeg_are_accepted_and_the_application_moves_on(
        officer, submitted, name, content, content_type, stored_as):
    application = submitted()
    response = post_scan(officer(application), application, upload(name, content, content_type))
    assert response.status_code == 302
    assert response.url == reverse("ddo:application", args=[application.number])
    application.refresh_from_db()
    assert application.status == Status.SCAN_RECEIVED
    assert application.scan_content_type == stored_as
    assert application.scan_source == "upload"
    with application.scan.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200,  # a Windows program
    b"Dear Sir, please find the form attached. %PDF-1.4 %%EOF",  # plain text
])
def test_file_named_pdf_that_is_not_a_pdf_is_refused_at_the_scan_field(officer, submitted, content):
    application = submitted()
    response = post_scan(officer(application), application, upload("scan.pdf", content))
    assert "not a PDF, JPEG or PNG" in scan_errors(response)
    page = response.content.decode()
    assert 'id="id_scan_error"' in page and "not a PDF, JPEG or PNG" in page
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not application.scan


def test_pdf_over_the_size_limit_is_refused_with_the_size(officer, submitted, settings):
    settings.SCAN_MAX_BYTES = 1024 * 1024
    big = real_pdf() + b"\n%" + b"x" * (1024 * 1024) + b"\n%%EOF\n"
    application = submitted()
    response = post_scan(officer(application), application, upload("scan.pdf", big))
    message = scan_errors(response)
    assert "the limit is 1 MB" in message
    assert response.context["scan_form"].has_error("scan", code="too_big")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and not application.scan


def test_pdf_within_a_small_limit_still_goes_through(officer, submitted, settings):
    pdf = real_pdf()
    settings.SCAN_MAX_BYTES = len(pdf)
    application = submitted()
    assert post_scan(officer(application), application, upload("scan.pdf", pdf)).status_code == 302


def test_truncated_pdf_without_end_marker_is_refused_as_damaged(officer, submitted):
    pdf = real_pdf()
    truncated = pdf[: len(pdf) // 2]
    assert b"%%EOF" not in truncated
    application = submitted()
    response = post_scan(officer(application), application, upload("scan.pdf", truncated))
    assert "incomplete or damaged" in scan_errors(response)
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("damage", ["truncated", "bad checksum"])
def test_corrupt_png_is_refused_as_unreadable(officer, submitted, damage):
    png = real_image("PNG")
    broken = png[: len(png) // 2] if damage == "truncated" else png[:60] + bytes([png[60] ^ 0xFF]) + png[61:]
    application = submitted()
    response = post_scan(officer(application), application, upload("scan.png", broken, "image/png"))
    assert "cannot be read" in scan_errors(response)
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


def test_jpeg_cut_off_in_the_middle_is_refused_as_unreadable(officer, submitted):
    # A photographed form: noisy pixels, as a real scan has; the upload stopped at 60%.
    image = Image.effect_noise((600, 400), 60).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    jpeg = buffer.getvalue()
    application = submitted()
    response = post_scan(officer(application), application, upload("scan.jpg", jpeg[: len(jpeg) * 6 // 10], "image/jpeg"))
    assert "cannot be read" in scan_errors(response)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and not application.scan


def test_stored_name_is_made_by_the_server_not_taken_from_the_upload(officer, submitted):
    application = submitted()
    post_scan(officer(application), application, upload("../../etc/cron.d/evil name.png", real_image("PNG"), "image/png"))
    application.refresh_from_db()
    assert SERVER_NAME.match(application.scan.name), application.scan.name
    assert application.scan.name.endswith(".png")
    assert "evil" not in application.scan.name


def test_a_new_scan_replaces_the_old_under_a_new_name(officer, submitted):
    application = submitted()
    client = officer(application)
    post_scan(client, application, upload("a.pdf", real_pdf()))
    first = Application.objects.get(pk=application.pk).scan.name
    post_scan(client, application, upload("b.jpg", real_image("JPEG"), "image/jpeg"))
    application.refresh_from_db()
    assert application.scan.name != first and SERVER_NAME.match(application.scan.name)
    assert application.scan_content_type == "image/jpeg"
    assert application.status == Status.SCAN_RECEIVED


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_decided_application_cannot_take_a_scan(officer, submitted, system, decision):
    if decision == "approved":
        application = submitted(stage="approved")
    else:
        application = submitted()
        services.reject(actor=system, application=application, reason="Not a DDO")
    before = Application.objects.get(pk=application.pk).scan.name
    client = officer(application)
    response = client.post(reverse("ddo:upload_scan", args=[application.number]),
                           {"scan": upload("late.pdf", real_pdf())}, follow=True)
    with translation.override("en"):
        assert any("cannot be added" in str(m) for m in response.context["messages"])
    application.refresh_from_db()
    assert application.status == decision
    assert application.scan.name == before


def test_refusal_for_a_decided_application_is_shown_on_the_page(officer, submitted):
    application = submitted(stage="approved")
    client = officer(application)
    client.cookies["portal_language"] = "en"
    response = client.post(reverse("ddo:upload_scan", args=[application.number]),
                           {"scan": upload("late.pdf", real_pdf())}, follow=True)
    # The officer posting from a page opened before the approval must be told why nothing happened.
    assert response.status_code == 200
    assert "cannot be added" in response.content.decode()


def test_scan_upload_needs_the_otp_first(client, submitted):
    application = submitted()
    response = post_scan(client, application, upload("scan.pdf", real_pdf()))
    assert response.status_code == 404
    assert not Application.objects.get(pk=application.pk).scan


def test_scan_has_no_public_url(client, login, users, submitted):
    application = submitted(stage="scan_received")
    name = application.scan.name
    for url in (f"/media/{name}", f"/static/{name}", f"/{name}", f"/private/{name}", f"/media/private/{name}"):
        assert client.get(url).status_code == 404, url
    # Not even a logged-in state cell user can fetch it by path.
    staff = login(users["state"])
    assert staff.get(f"/media/{name}").status_code == 404


@pytest.mark.parametrize("role, expected", [
    ("state", 200), ("helpdesk", 200), ("district", 200), ("division", 200), ("department", 200),
    ("ddo", 403), ("ddo_agra", 403), ("to", 403), ("operator", 403), ("beneficiary", 403),
])
def test_scan_opens_only_for_roles_that_review_it(login, users, submitted, role, expected):
    application = submitted(stage="scan_received")
    response = login(users[role]).get(reverse("ddo:scan", args=[application.number]))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        response.close()


def test_scan_is_not_found_for_a_monitoring_officer_of_another_district(login, make_user, geo, submitted):
    application = submitted(stage="scan_received")
    agra = make_user(Role.DISTRICT, district=geo["agra"])
    assert login(agra).get(reverse("ddo:scan", args=[application.number])).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in_for_the_scan(client, submitted):
    application = submitted(stage="scan_received")
    response = client.get(reverse("ddo:scan", args=[application.number]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
