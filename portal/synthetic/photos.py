"""Twelve small passport-shaped JPEGs that every synthetic Photo row points at.

Millions of members need photos, but millions of files would only fill the disk: the
generated Photo rows (one per member, as the portal makes them) share these files, drawn
here with Pillow (a plain silhouette on a coloured background, 350 x 450 like the
portal's own photos) and saved once through the default storage under
enrolment/photos/synthetic/.
"""

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

FOLDER = "enrolment/photos/synthetic"
WIDTH, HEIGHT = 350, 450
BACKGROUNDS = ((222, 232, 245), (236, 228, 214))
SKIN = ((160, 110, 80), (120, 85, 60))
GROUPS = ("child", "adult", "elder")
GENDERS = ("male", "female")


def _draw(group: str, gender: str, variant: int) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUNDS[variant])
    draw = ImageDraw.Draw(image)
    skin = SKIN[variant]
    scale = 0.8 if group == "child" else 1.0
    cx, cy, r = WIDTH // 2, int(HEIGHT * 0.38), int(70 * scale)
    shirt = (70, 90, 140) if gender == "male" else (150, 60, 90)
    draw.ellipse((cx - int(150 * scale), int(HEIGHT * 0.62), cx + int(150 * scale), HEIGHT + 200), fill=shirt)
    draw.rectangle((cx - 25, cy + r - 10, cx + 25, cy + r + 40), fill=skin)
    hair = (200, 200, 200) if group == "elder" else (30, 25, 20)
    if gender == "female":
        draw.ellipse((cx - r - 18, cy - r - 15, cx + r + 18, cy + r + 60), fill=hair)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=skin)
    draw.chord((cx - r, cy - r - 8, cx + r, cy + r // 2), 180, 360, fill=hair)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70, optimize=True)
    return out.getvalue()


def ensure() -> list[tuple[str, int, tuple[str, str]]]:
    """(storage name, size in bytes, (group, gender)) of each shared file, made if missing."""
    files = []
    for group in GROUPS:
        for gender in GENDERS:
            for variant in range(2):
                name = f"{FOLDER}/{group}-{gender}-{variant + 1}.jpg"
                if default_storage.exists(name):
                    size = default_storage.size(name)
                else:
                    data = _draw(group, gender, variant)
                    saved = default_storage.save(name, ContentFile(data))
                    if saved != name:  # storage picked another name: use it
                        name = saved
                    size = len(data)
                files.append((name, size, (group, gender)))
    return files
