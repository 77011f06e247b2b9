"""Photos: checked by content, made a passport-shaped JPEG of at most 200 KB without EXIF,
stored under a server-made name and served only by permission-checked views."""

import io
import os
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from portal.enrolment.models import Family
from portal.enrolment.photos import HEIGHT, MAX_BYTES, WIDTH, normalise, save_photo

from .conftest import photo_file

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)


def encode(image: Image.Image, fmt="JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def gradient(size) -> Image.Image:
    """A smooth picture (not one flat colour, so the JPEG is not trivially small)."""
    w, h = size
    return Image.merge("RGB", [Image.linear_gradient("L").resize(size), Image.linear_gradient("L").resize((h, w))
                               .rotate(90, expand=True), Image.new("L", size, 120)])


def noise(size) -> Image.Image:
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def stored(photo) -> tuple[bytes, Image.Image]:
    with photo.file.open("rb") as fh:
        data = fh.read()
    return data, Image.open(io.BytesIO(data))


def refusal(data: bytes, name="photo.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        save_photo(upload(data, name))
    return caught.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


# --- normalising -------------------------------------------------------------------------------

def test_large_jpeg_becomes_a_passport_jpeg_under_200_kb():
    original = encode(gradient((3000, 4000)), quality=95)
    assert len(original) > MAX_BYTES
    photo = save_photo(upload(original))
    data, image = stored(photo)
    assert image.format == "JPEG" and image.size == (WIDTH, HEIGHT) == (350, 450)
    assert len(data) <= 200 * 1024
    assert (photo.width, photo.height, photo.size) == (350, 450, len(data))


def test_png_with_transparency_becomes_a_jpeg():
    png = encode(Image.new("RGBA", (800, 600), (0, 128, 0, 100)), fmt="PNG")
    photo = save_photo(upload(png, name="photo.png", content_type="image/png"))
    data, image = stored(photo)
    assert data.startswith(b"\xff\xd8\xff")
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (350, 450)
    assert len(data) <= MAX_BYTES


def test_exif_with_location_is_removed():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Industries"  # Make
    exif[0x0110] = "Model X-1"  # Model
    gps = exif.get_ifd(0x8825)  # GPSInfo
    gps.update({1: "N", 2: (26.0, 50.0, 50.0), 3: "E", 4: (80.0, 56.0, 40.0)})
    original = encode(gradient((600, 800)), exif=exif.tobytes())
    with Image.open(io.BytesIO(original)) as check:  # the test photo really carries EXIF and GPS
        assert check.getexif()[0x010F] == "SpyCam Industries"
        assert check.getexif().get_ifd(0x8825)[1] == "N"

    data, image = stored(save_photo(upload(original)))
    assert "exif" not in image.info
    assert not image.getexif()
    assert b"Exif\x00\x00" not in data and b"SpyCam" not in data


def test_exif_orientation_is_applied():
    # Stored on its side: left half red, right half blue; EXIF 6 means "turn 90° clockwise".
    sideways = Image.new("RGB", (800, 600), RED)
    sideways.paste(BLUE, (400, 0, 800, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    _data, image = stored(save_photo(upload(encode(sideways, exif=exif.tobytes(), quality=95))))
    image = image.convert("RGB")
    assert image.size == (350, 450)
    assert not image.getexif().get(0x0112)  # no second rotation by a viewer

    def near(pixel, colour):
        return all(abs(a - b) < 40 for a, b in zip(pixel, colour))

    for x in (20, 330):
        assert near(image.getpixel((x, 20)), RED), "the left side should now be the top"
        assert near(image.getpixel((x, 430)), BLUE), "the right side should now be the bottom"


def test_noisy_4000_by_3000_photo_still_ends_under_200_kb():
    original = encode(noise((4000, 3000)), quality=70)
    assert len(original) > 5 * 1024 * 1024  # a hard case, still within the upload limit
    data, image = stored(save_photo(upload(original)))
    assert len(data) <= MAX_BYTES and image.size == (350, 450)


def test_normalise_returns_a_small_jpeg_for_noise_at_the_final_size():
    jpeg = normalise(encode(noise((350, 450)), fmt="PNG"))
    assert len(jpeg) <= MAX_BYTES
    assert Image.open(io.BytesIO(jpeg)).size == (350, 450)


# --- refusals ----------------------------------------------------------------------------------

def test_too_small_photo_is_refused_naming_the_sizes():
    error = refusal(encode(gradient((100, 100))))
    assert error.code == "photo_small"
    message = english(error)
    assert "100 × 100" in message and "140 × 180" in message


def test_smallest_allowed_photo_is_accepted():
    _data, image = stored(save_photo(upload(encode(gradient((140, 180))))))
    assert image.size == (350, 450)


@pytest.mark.parametrize("content", [
    pytest.param(encode(Image.new("RGB", (600, 800), RED), fmt="GIF"), id="gif"),
    pytest.param(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n", id="pdf"),
    pytest.param(b"This is a text file, not a photo.\n" * 20, id="text"),
])
def test_files_that_are_not_jpeg_or_png_are_refused_whatever_their_name(content):
    error = refusal(content, name="photo.jpg")
    assert error.code == "type"
    assert "not a JPEG or PNG" in english(error)


def test_truncated_jpeg_is_refused_as_unreadable():
    whole = encode(noise((600, 800)), quality=90)
    error = refusal(whole[: len(whole) // 2])
    assert error.code == "damaged"
    assert "cannot be read" in english(error)


def test_empty_file_is_refused():
    assert refusal(b"").code == "empty"


# --- where it is kept and who may see it -------------------------------------------------------

def test_stored_file_name_is_made_by_the_server():
    photo = save_photo(photo_file(name="../../my face (1).JPG"))
    assert re.fullmatch(r"enrolment/photos/[0-9a-f]{32}\.jpg", photo.file.name), photo.file.name
    another = save_photo(photo_file(name="../../my face (1).JPG"))
    assert another.file.name != photo.file.name


@pytest.fixture
def family_with_photo(client, ddo_office, primary_post):
    response = client.post(reverse("enrolment:new", args=[ddo_office.code, "employee"]), primary_post())
    assert response.status_code == 302, response.context["form"].errors
    family = Family.objects.get()
    member = family.members.get()
    response = client.post(reverse("enrolment:upload_photo", args=[family.number, member.pk]),
                           {"photo": photo_file(name="sunita.jpg")})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.photo is not None
    return family, member


def test_gateway_photo_is_served_only_to_the_browser_that_opened_the_draft(client, family_with_photo):
    family, member = family_with_photo
    url = reverse("enrolment:member_photo", args=[family.number, member.pk])
    assert url == f"/gateway/{family.number}/members/{member.pk}/photo.jpg"
    own = client.get(url)
    assert own.status_code == 200 and own["Content-Type"] == "image/jpeg"
    assert b"".join(own.streaming_content).startswith(b"\xff\xd8\xff")
    assert Client().get(url).status_code == 404


def test_office_photo_url_needs_a_login(family_with_photo, ddo_office, login):
    from portal.accounts.models import Grant

    _, member = family_with_photo
    url = reverse("enrolment:photo", args=[member.pk])
    assert url == f"/office/members/{member.pk}/photo.jpg"
    response = Client().get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    ddo = Grant.objects.get(office=ddo_office, revoked_at__isnull=True).user
    ddo.must_change_password = False
    ddo.save()
    assert login(ddo).get(url).status_code == 200


def test_office_photo_is_not_found_for_another_beneficiary(family_with_photo, make_user):
    from portal.accounts.models import Role

    _, member = family_with_photo
    stranger = Client()
    stranger.force_login(make_user(Role.BENEFICIARY), backend="django.contrib.auth.backends.ModelBackend")
    assert stranger.get(reverse("enrolment:photo", args=[member.pk])).status_code == 404


@pytest.mark.parametrize("name,make,expected", [
    ("big.jpg", lambda: photo_file(size=(600, 800)), "the limit is"),
    ("photo.gif", lambda: upload(encode(gradient((600, 800)), "GIF"), name="photo.gif", content_type="image/gif"),
     "not a JPEG or PNG photo"),
    ("small.jpg", lambda: photo_file(size=(100, 120)), "too small"),
], ids=["too big", "wrong type", "too small"])
def test_gateway_refuses_a_bad_photo_at_its_field_in_both_languages_and_keeps_the_old_one(
        client, family_with_photo, settings, name, make, expected):
    family, member = family_with_photo
    before = member.photo_id
    if name == "big.jpg":
        settings.PHOTO_MAX_BYTES = 1000
    response = client.post(reverse("enrolment:upload_photo", args=[family.number, member.pk]), {"photo": make()})
    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(r'<p class="error" id="id_photo_error">(.*?)</p>', page, re.DOTALL)
    assert error, "no error beside the photo"
    assert expected in error.group(1) and re.search(r"[\u0900-\u097F]", error.group(1))
    member.refresh_from_db()
    assert member.photo_id == before
    assert "Sunita Devi" in page  # the rest of the family page is all there
