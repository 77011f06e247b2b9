"""Checking uploaded files by what they contain, not by their name."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image

from portal.i18n import later

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSION = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
SCAN_TYPES = {PDF, JPEG, PNG}


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def read_checked(upload, *, allowed: set[str], max_bytes: int) -> tuple[bytes, str]:
    """The file's bytes and real type, or a ValidationError that says what is wrong."""
    if upload.size > max_bytes:
        size, limit = upload.size / 1048576, max_bytes / 1048576
        raise ValidationError(
            later(lambda: _("The file is %(size).1f MB; the limit is %(limit).0f MB.") % {"size": size, "limit": limit}),
            code="too_big",
        )
    data = upload.read()
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    kind = sniff(data[:16])
    if kind not in allowed:
        if PDF in allowed:
            message = _("This file is not a PDF, JPEG or PNG (whatever its name says). Scan the form as PDF, JPEG or PNG.")
        else:
            message = _("This file is not a JPEG or PNG photo (whatever its name says).")
        raise ValidationError(message, code="type")
    if kind == PDF:
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("The PDF file is incomplete or damaged. Save or scan it again."), code="damaged")
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()  # structure (PNG checksums)
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # every pixel: catches a JPEG cut off in the middle
        except Exception as exc:
            raise ValidationError(_("The image cannot be read. Scan it again."), code="damaged") from exc
    return data, kind


def server_name(kind: str) -> str:
    return f"{uuid.uuid4().hex}.{EXTENSION[kind]}"
