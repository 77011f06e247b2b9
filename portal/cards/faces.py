"""What a card shows (`pdf.CardFace`), built from Card rows: the data the pure renderer gets."""

import datetime
import functools

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from portal.enrolment.models import Gender, Kind, Relation, Ward

from .pdf import CardFace


@functools.lru_cache(maxsize=256)
def _pair(choices, value: str) -> tuple[str, str]:
    labels = []
    for language in ("hi", "en"):
        with translation.override(language):
            labels.append(str(choices(value).label) if value in choices.values else value)
    return labels[0], labels[1]


def _both(text: str) -> tuple[str, str]:
    labels = []
    for language in ("hi", "en"):
        with translation.override(language):
            labels.append(gettext(text))
    return labels[0], labels[1]


def relation_pair(relation: str, gender: str) -> tuple[str, str]:
    """What the card says for the relation: the registration's holder is "self" (the kind line
    says employee or pensioner), and a spouse is a husband or a wife."""
    if relation == Relation.SELF:
        return _both(gettext_noop("Self"))
    if relation == Relation.SPOUSE and gender in (Gender.MALE, Gender.FEMALE):
        return _both(gettext_noop("Husband") if gender == Gender.MALE else gettext_noop("Wife"))
    return _pair(Relation, relation)


def verify_url() -> str:
    return f"{settings.SITE_URL}/cards/verify/"


def _read_photo(card) -> bytes | None:
    if not card.photo_id:
        return None
    try:
        with card.photo.file.open("rb") as fh:
            return fh.read()
    except FileNotFoundError:  # a card is still printed (with an empty frame) if a file went missing
        return None


def face_for(card, *, self_printed_on: datetime.date | None = None) -> CardFace:
    """`card` with its family, office and photo selected (`selectors.FACE_RELATED`)."""
    office = card.office
    return CardFace(
        number=card.number, family_number=card.family.number, name_hi=card.name_hi, name_en=card.name_en,
        relation=relation_pair(card.relation, card.gender), date_of_birth=card.date_of_birth, gender=_pair(Gender, card.gender),
        ward=_pair(Ward, card.ward), kind=_pair(Kind, card.kind), office=(office.name_hi, office.name_en),
        issued_on=timezone.localdate(card.issued_at), aadhaar_masked=card.aadhaar_masked, helpline=settings.HELPLINE,
        verify_url=verify_url(), qr_payload=card.qr_payload, photo=_read_photo(card), self_printed_on=self_printed_on,
        qr_modules=card.qr_modules,
    )
