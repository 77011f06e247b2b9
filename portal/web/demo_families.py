"""Demo families for `seed_demo`: one verified (the demo employee's), one waiting for the DDO,
and State Health Cards: the demo employee's family's cards printed in a batch and dispatched
to the DDO's office (waiting for the DDO to record receipt), and three more verified families
whose cards the state cell can put in a print batch.

Aadhaar numbers here are synthetic: they start with 9 and carry a valid check digit but
belong to nobody."""

import datetime
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from portal.audit.services import Actor
from portal.checkdigit import verhoeff_digit
from portal.enrolment import services
from portal.enrolment.models import Family, PayLevel


def synthetic_aadhaar(n: int) -> str:
    body = f"9{n:010d}"
    return body + verhoeff_digit(body)


def _portrait(seed: int) -> SimpleUploadedFile:
    """A plain drawn portrait: the demo has no real people's photos."""
    image = Image.new("RGB", (420, 540), (200 - seed * 20, 215, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 90, 290, 270), fill=(224, 172, 105))
    draw.rectangle((90, 300, 330, 540), fill=(40 + seed * 30, 80, 140))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


def _family(*, office, mobile: str, people: list[dict], seed: int) -> Family:
    actor = Actor.system("seed_demo")
    primary, *dependents = people
    family = services.start_family(
        actor=actor, office=office, kind="employee", token=uuid.uuid4(), language="hi",
        aadhaar=services.vault.form_token(primary.pop("aadhaar")), photo=None,
        data={**primary, "mobile": mobile, "email": f"{mobile}@demo.invalid", "address": "Lalbagh, Lucknow",
              "employee_id": f"EMP{seed:05d}", "designation": "Assistant", "date_of_joining": datetime.date(2008, 7, 1),
              "pay_level": PayLevel.objects.get(code="6")},
    )
    for person in dependents:
        services.save_dependent(actor=actor, family=family, data=person,
                                aadhaar=services.vault.form_token(person.pop("aadhaar")), photo=None)
    for index, member in enumerate(family.members.all()):
        services.set_photo(actor=actor, family=family, member=member, upload=_portrait(index))
    return services.submit_family(actor=actor, family=family)


def seed_families(*, office, ddo_user):
    """Returns the demo employee's user (verified family), leaving a second family pending."""
    existing = Family.objects.filter(mobile="9000000007").exclude(user=None).first()
    if existing:
        return existing.user
    verified = _family(office=office, mobile="9000000007", seed=1, people=[
        {"name_en": "Demo Employee", "name_hi": "डेमो कर्मचारी", "guardian_name": "Ram Prasad",
         "date_of_birth": datetime.date(1982, 3, 14), "gender": "male", "aadhaar": synthetic_aadhaar(101)},
        {"relation": "spouse", "name_en": "Geeta Devi", "name_hi": "गीता देवी", "date_of_birth": datetime.date(1985, 8, 2),
         "gender": "female", "marital_status": "married", "aadhaar": synthetic_aadhaar(102), "monthly_income": 0},
        {"relation": "daughter", "name_en": "Anjali Kumari", "name_hi": "अंजलि कुमारी",
         "date_of_birth": datetime.date(2012, 1, 20), "gender": "female", "marital_status": "unmarried",
         "dependent": True, "aadhaar": synthetic_aadhaar(103), "monthly_income": 0},
    ])
    services.verify_family(actor=Actor(user=ddo_user, role=ddo_user.role, label=ddo_user.username), family=verified)
    _family(office=office, mobile="9000000008", seed=2, people=[
        {"name_en": "Kamla Singh", "name_hi": "कमला सिंह", "guardian_name": "Mahesh Singh",
         "date_of_birth": datetime.date(1975, 11, 5), "gender": "female", "aadhaar": synthetic_aadhaar(104)},
        {"relation": "mother", "name_en": "Shanti Devi", "name_hi": "शान्ति देवी", "date_of_birth": datetime.date(1950, 4, 9),
         "gender": "female", "marital_status": "widowed", "dependent": True, "aadhaar": synthetic_aadhaar(105),
         "monthly_income": 3000},
    ])
    verified.refresh_from_db()
    return verified.user


MORE_FAMILIES = [
    ("9000000021", 3, [
        {"name_en": "Rajesh Kumar Srivastava", "name_hi": "राजेश कुमार श्रीवास्तव", "guardian_name": "Krishna Srivastava",
         "date_of_birth": datetime.date(1978, 7, 22), "gender": "male", "aadhaar": synthetic_aadhaar(111)},
        {"relation": "spouse", "name_en": "Shraddha Srivastava", "name_hi": "श्रद्धा श्रीवास्तव",
         "date_of_birth": datetime.date(1983, 2, 11), "gender": "female", "marital_status": "married",
         "aadhaar": synthetic_aadhaar(112), "monthly_income": 0},
    ]),
    ("9000000022", 4, [
        {"name_en": "Kshama Tripathi", "name_hi": "क्षमा त्रिपाठी", "guardian_name": "Vishwanath Tripathi",
         "date_of_birth": datetime.date(1986, 12, 3), "gender": "female", "aadhaar": synthetic_aadhaar(113)},
        {"relation": "son", "name_en": "Shrikant Tripathi", "name_hi": "श्रीकान्त त्रिपाठी",
         "date_of_birth": datetime.date(2011, 9, 14), "gender": "male", "marital_status": "unmarried", "dependent": True,
         "aadhaar": synthetic_aadhaar(114), "monthly_income": 0},
    ]),
    ("9000000023", 5, [
        {"name_en": "Mohd. Irfan Siddiqui", "name_hi": "मोहम्मद इरफ़ान सिद्दीक़ी", "guardian_name": "Mohd. Yusuf",
         "date_of_birth": datetime.date(1975, 4, 30), "gender": "male", "aadhaar": synthetic_aadhaar(115)},
    ]),
]


def seed_cards(*, office, ddo_user, state_user, employee_family) -> None:
    """Cards for the demo: the employee's family's cards printed and on their way to the
    office; more verified families whose cards are ready for the state cell to print."""
    import uuid

    from portal import clock
    from portal.cards import batches, delivery
    from portal.cards.models import Card
    from portal.cards.services import issue_cards

    if Card.objects.filter(family=employee_family).exists():
        return
    ddo = Actor(user=ddo_user, role=ddo_user.role, label=ddo_user.username)
    state = Actor(user=state_user, role=state_user.role, label=state_user.username)
    issue_cards(family=employee_family, actor=state)
    batch = batches.create_batch(actor=state, filters={"office": office.pk}, limit=100, token=uuid.uuid4(),
                                 labels={"office": f"{office.code} {office.name_en}"})
    batches.produce_batch(batch.pk)
    delivery.dispatch_cards(actor=state, office=office, reference="SHC/DEMO/0001", dispatched_on=clock.today())
    for mobile, seed, people in MORE_FAMILIES:
        if not Family.objects.filter(mobile=mobile).exists():
            family = _family(office=office, mobile=mobile, seed=seed, people=[dict(p) for p in people])
            services.verify_family(actor=ddo, family=family)
