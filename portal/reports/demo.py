"""Demo monitoring data for `make demo` (called by seed_demo): two more offices of Lucknow
district with a few weeks of registration history, targets uploaded by the state cell, the
ended fortnights frozen, and the district officer's review of the last one.

The history is made through the enrolment services (so every family is complete: member,
synthetic Aadhaar, photo) and then dated back, since the demo is seeded in one moment and a
fortnightly report needs fortnights behind it. Safe to run again: it adds nothing twice.
"""

import datetime
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from portal import clock
from portal.accounts.models import Grant, Role, User
from portal.accounts.services import create_user
from portal.audit.services import Actor
from portal.checkdigit import verhoeff_digit
from portal.directory.models import Department, District, Office, Treasury
from portal.directory.services import create_office
from portal.enrolment import services as enrolment
from portal.enrolment.models import Family, PayLevel

from . import reminders, services
from .periods import last_ended_fortnight
from .scopes import ReportScope

DAY = datetime.timedelta(days=1)
# (office key, employee/pensioner, outcome, days ago submitted, days ago decided/returned)
HISTORY = [
    ("edu", "employee", "verified", 40, 33), ("edu", "employee", "verified", 30, 26), ("edu", "employee", "verified", 22, 18),
    ("edu", "employee", "verified", 12, 9), ("edu", "employee", "rejected", 25, 20), ("edu", "employee", "returned", 14, 10),
    ("edu", "employee", "waiting", 35, None), ("edu", "employee", "waiting", 19, None), ("edu", "employee", "waiting", 9, None),
    ("edu", "employee", "waiting", 2, None),
    ("pwd", "employee", "verified", 28, 27), ("pwd", "employee", "verified", 16, 14), ("pwd", "employee", "waiting", 44, None),
    ("pwd", "employee", "waiting", 5, None),
]
OFFICES = {
    "edu": ("Office of the Basic Shiksha Adhikari, Lucknow", "बेसिक शिक्षा अधिकारी कार्यालय, लखनऊ", "Basic Education",
            "9000000021", "Meena Tripathi", "मीना त्रिपाठी", 60),
    "pwd": ("Office of the Executive Engineer, PWD, Lucknow", "अधिशासी अभियन्ता कार्यालय, लोक निर्माण विभाग, लखनऊ",
            "Public Works", "9000000022", "Arvind Mishra", "अरविन्द मिश्र", 35),
}


def _aadhaar(n: int) -> str:
    body = f"9{n:010d}"
    return body + verhoeff_digit(body)


def _photo(seed: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (420, 540), (120 + seed * 7 % 100, 150, 190)).save(buffer, format="JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


def _offices(system: Actor, lucknow) -> dict:
    treasury = Treasury.objects.get(code="T162")
    made = {}
    for key, (name_en, name_hi, department, mobile, officer_en, officer_hi, headcount) in OFFICES.items():
        office = Office.objects.filter(name_en=name_en, district=lucknow).first()
        if office is None:
            office = create_office(actor=system, name_en=name_en, name_hi=name_hi, address=f"{name_en}, Lucknow",
                                   district=lucknow, department=Department.objects.filter(name_en=department).first()
                                   or Department.objects.get(name_en="Basic Education"), treasury=treasury,
                                   office_type="district", kind="ddo", ddo_code=f"93{len(made) + 1:04d}",
                                   headcount=headcount)
            officer = User.objects.filter(role=Role.DDO, mobile=mobile).first() or create_user(
                actor=system, role=Role.DDO, name_en=officer_en, name_hi=officer_hi, designation="DDO", mobile=mobile,
                email=f"{mobile}@demo.invalid", units=[{"office": office}], send_credentials=False,
                note="demo account (monitoring)")
            started = clock.now() - 60 * DAY
            Office.objects.filter(pk=office.pk).update(created_at=started)
            Grant.objects.filter(user=officer, office=office).update(granted_at=started)
        made[key] = office
    return made


def _history(system: Actor, offices: dict) -> None:
    now = clock.now()
    level = PayLevel.objects.get(code="5")
    for n, (key, kind, outcome, submitted_days, decided_days) in enumerate(HISTORY, start=1):
        office = offices[key]
        family = enrolment.start_family(
            actor=system, office=office, kind=kind, token=uuid.UUID(int=0x5E90 * 1000 + n), language="hi",
            aadhaar=enrolment.vault.form_token(_aadhaar(700 + n)), photo=None, data={
                "name_en": f"Demo Employee {n}", "name_hi": f"डेमो कर्मचारी {n}", "guardian_name": "Ram Prasad",
                "date_of_birth": datetime.date(1980, 1 + n % 12, 10), "gender": "male" if n % 2 else "female",
                "mobile": f"90000001{n:02d}", "email": "", "address": "Lucknow", "employee_id": f"DEMO{n:04d}",
                "designation": "Assistant Teacher", "date_of_joining": datetime.date(2010, 7, 1), "pay_level": level})
        if family.status != "draft":
            continue  # made on an earlier run
        for member in family.members.all():
            enrolment.set_photo(actor=system, family=family, member=member, upload=_photo(n))
        enrolment.submit_family(actor=system, family=family)
        if outcome == "verified":
            enrolment.verify_family(actor=system, family=family)
        elif outcome == "rejected":
            enrolment.reject_family(actor=system, family=family, reason="Not an employee of this office (demo)")
        elif outcome == "returned":
            enrolment.return_family(actor=system, family=family, reason="The photo is not clear (demo)")
        # Dated back, so the fortnights behind the demo have something to show.
        submitted = now - submitted_days * DAY
        changes = {"submitted_at": submitted, "created_at": submitted - DAY, "updated_at": submitted}
        if outcome in ("verified", "rejected"):
            changes["decided_at"] = now - decided_days * DAY
        if outcome == "returned":
            changes["returned_at"] = now - decided_days * DAY
        Family.objects.filter(pk=family.pk).update(**changes)


def _targets(system: Actor, offices: dict) -> None:
    medical = Department.objects.get(name_en="Medical and Health")
    rows = ["office,district,department,employees,pensioners",
            f"{offices['edu'].code},,,80,0", f"{offices['pwd'].code},,,40,0", ",162,,2500,600",
            f",162,{medical.code},300,0"]
    upload = SimpleUploadedFile("targets.csv", ("\n".join(rows) + "\n").encode(), "text/csv")
    services.import_targets(actor=system, upload=upload)


def seed_reports() -> None:
    system = Actor.system("seed_demo")
    lucknow = District.objects.get(lgd_code=162)
    with transaction.atomic():
        offices = _offices(system, lucknow)
        _history(system, offices)
        _targets(system, offices)
    services.freeze_due(actor=system)
    reminders.send_pending_reminders()
    reminders.send_weekly_digests()
    officer = User.objects.filter(role=Role.DISTRICT, grants__district=lucknow, is_active=True).first()
    if officer is not None:
        period = last_ended_fortnight()
        services.save_review(
            actor=Actor(user=officer, role=officer.role, label=officer.username),
            scope=ReportScope("district", district=lucknow), period=period,
            remarks="बेसिक शिक्षा कार्यालय में चार आवेदन लंबित हैं, एक 30 दिन से अधिक समय से। "
                    "लोक निर्माण विभाग में पंजीकरण लक्ष्य का आधा भी नहीं हुआ है।",
            action_taken="दोनों डीडीओ से दूरभाष पर वार्ता की गई; अगले पखवाड़े तक लंबित आवेदनों के निस्तारण का निर्देश दिया गया।")
