"""Photos: checked by content, EXIF dropped, turned upright, cropped to passport shape
and saved as a JPEG of at most 200 KB."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from portal import clock
from portal.i18n import later
from portal.uploads import JPEG, PNG, read_checked, server_name

from .models import Photo

# 35 mm × 45 mm at 10 pixels per mm: the passport-photo shape, enough for a card and a form.
WIDTH, HEIGHT = 350, 450
MIN_WIDTH, MIN_HEIGHT = 140, 180
MAX_BYTES = 200 * 1024


def normalise(data: bytes) -> bytes:
    """The passport-style JPEG for an image already known to be a readable JPEG/PNG."""
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)  # phones store "rotate me" in EXIF; apply it
        if image.width < MIN_WIDTH or image.height < MIN_HEIGHT:
            width, height = image.width, image.height
            raise ValidationError(later(lambda: _(
                "The photo is too small (%(w)d × %(h)d pixels); it needs at least %(mw)d × %(mh)d.")
                % {"w": width, "h": height, "mw": MIN_WIDTH, "mh": MIN_HEIGHT}), code="photo_small")
        image = ImageOps.fit(image.convert("RGB"), (WIDTH, HEIGHT), method=Image.Resampling.LANCZOS)
        for quality in (85, 75, 65, 55, 45):
            out = io.BytesIO()
            # A fresh JPEG carries no EXIF (no location, no camera serial) unless asked to.
            image.save(out, format="JPEG", quality=quality, optimize=True)
            if out.tell() <= MAX_BYTES:
                return out.getvalue()
    raise ValidationError(_("The photo could not be made small enough; use a plainer photo."), code="photo_big")


def save_photo(upload) -> Photo:
    data, _kind = read_checked(upload, allowed={JPEG, PNG}, max_bytes=settings.PHOTO_MAX_BYTES)
    jpeg = normalise(data)
    photo = Photo(width=WIDTH, height=HEIGHT, size=len(jpeg), created_at=clock.now())
    photo.file.save(server_name(JPEG), ContentFile(jpeg), save=False)
    photo.save()
    return photo
