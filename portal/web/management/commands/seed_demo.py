"""Demo accounts for every role, plus DDO/TO applications at each stage, families, and
State Health Cards (printed and dispatched to the demo DDO's office; more ready to print).

Run by `make demo`. Safe to repeat: existing demo accounts get new passwords, which are
printed (and written to var/demo-logins.txt, which is never committed)."""

import uuid

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from portal.accounts.models import Role, User
from portal.accounts.services import create_user, temporary_password
from portal.audit.services import Actor
from portal.ddo import services as ddo
from portal.ddo.models import Application, Kind, MobileKind
from portal.directory.models import Department, District, Division, Treasury
from portal.pdf import new_document, output
from portal.reports.demo import seed_reports
from portal.web.demo_families import seed_cards, seed_families

DEMO_NOTE = "demo account"


def _label(role: str) -> str:
    labels = []
    for language in ("en", "hi"):
        with translation.override(language):
            labels.append(str(Role(role).label))
    return " / ".join(labels)


def _scan_pdf(text: str) -> bytes:
    pdf = new_document()
    pdf.add_page()
    pdf.multi_cell(0, 8, text)
    return output(pdf)


class Command(BaseCommand):
    help = "Create demo accounts for every role and sample DDO/TO applications (demo mode only)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo runs only with DEMO_MODE on")
        with transaction.atomic():
            logins = self._accounts()
            self._applications()
        # Its own transactions: it freezes fortnights and queues reminders after the history is in.
        seed_reports()
        lines = [f"{username:<10} {password:<14} {role}" for role, username, password in logins]
        text = "\n".join(["Demo log-ins (officers: user ID + password; employee: user ID + OTP from the demo SMS inbox)",
                          *lines])
        (settings.VAR_DIR / "demo-logins.txt").write_text(text + "\n")
        self.stdout.write(text)

    def _user(self, *, key: str, role: str, name_en: str, name_hi: str, designation: str, mobile: str, units):
        system = Actor.system("seed_demo")
        user = User.objects.filter(mobile=mobile, role=role).first()
        if user is None:
            user = create_user(actor=system, role=role, name_en=name_en, name_hi=name_hi, designation=designation,
                               mobile=mobile, email=f"{key}@demo.invalid", units=units, send_credentials=False,
                               note=DEMO_NOTE)
        password = temporary_password()
        if role != Role.BENEFICIARY:
            user.set_password(password)
        user.must_change_password = False
        user.is_active = True
        user.failed_logins = 0
        user.locked_until = None
        user.save()
        return user, password if role != Role.BENEFICIARY else "(OTP log-in)"

    def _accounts(self):
        lucknow = District.objects.get(lgd_code=162)
        medical = Department.objects.get(name_en="Medical and Health")
        rows = []
        specs = [
            ("state", Role.STATE, "State Cell Verifier", "राज्य प्रकोष्ठ सत्यापनकर्ता", "Joint Director", "9000000001", []),
            ("helpdesk", Role.HELPDESK, "Helpdesk Agent", "हेल्पडेस्क सहायक", "Helpdesk", "9000000002", []),
            ("district", Role.DISTRICT, "Lucknow District Officer", "लखनऊ जिला अधिकारी", "Chief Development Officer",
             "9000000003", [{"district": lucknow}]),
            ("division", Role.DIVISION, "Lucknow Division Officer", "लखनऊ मण्डल अधिकारी", "Additional Commissioner",
             "9000000004", [{"division": Division.objects.get(name_en="Lucknow")}]),
            ("department", Role.DEPARTMENT, "Medical Health Officer", "चिकित्सा स्वास्थ्य अधिकारी", "Special Secretary",
             "9000000005", [{"department": medical}]),
            ("hospital", Role.HOSPITAL, "Demo Empanelled Hospital, Lucknow", "डेमो सूचीबद्ध चिकित्सालय, लखनऊ",
             "Card desk", "9000000009", []),
        ]
        for key, role, name_en, name_hi, designation, mobile, units in specs:
            user, password = self._user(key=key, role=role, name_en=name_en, name_hi=name_hi, designation=designation,
                                        mobile=mobile, units=units)
            rows.append((_label(role), user.username, password))
        ddo_user = self._approved_officer(Kind.DDO, "9000000011", "2661", "Ravi Kumar Verma", "रवि कुमार वर्मा")
        to_user = self._approved_officer(Kind.TO, "9000000012", "", "Sunita Srivastava", "सुनीता श्रीवास्तव")
        for officer in (ddo_user, to_user):
            password = temporary_password()
            officer.set_password(password)
            officer.must_change_password = False
            officer.save()
            rows.append((_label(officer.role), officer.username, password))
        office = ddo_user.grants.filter(revoked_at__isnull=True).first().office
        user, password = self._user(key="operator", role=Role.OPERATOR, name_en="Office Operator",
                                    name_hi="कार्यालय ऑपरेटर", designation="Computer Operator", mobile="9000000006",
                                    units=[{"office": office}])
        rows.append((_label(Role.OPERATOR), user.username, password))
        employee = seed_families(office=office, ddo_user=ddo_user)
        seed_cards(office=office, ddo_user=ddo_user, state_user=User.objects.get(role=Role.STATE, mobile="9000000001"),
                   employee_family=employee.family)
        rows.append((_label(Role.BENEFICIARY), employee.username, "(OTP log-in)"))
        return rows

    def _application(self, *, kind, mobile, ddo_code, name_en, name_hi, treasury, district, department, office_name):
        system = Actor.system("seed_demo")
        data = {
            "kind": kind, "officer_name_en": name_en, "officer_name_hi": name_hi,
            "designation": "Chief Medical Officer" if kind == Kind.DDO else "Chief Treasury Officer",
            "department": department, "district": district, "treasury": treasury, "ddo_code": ddo_code,
            "mobile": mobile, "mobile_kind": MobileKind.CUG, "no_cug_declared": False,
            "email": f"{mobile}@demo.invalid", "controlling_officer_name": "Dr. A. K. Singh",
            "controlling_officer_designation": "Additional Director",
        }
        application = ddo.start_application(actor=system, data=data, token=uuid.uuid4(), language="hi")
        ddo.add_office(actor=system, application=application, data={
            "name_en": office_name[0], "name_hi": office_name[1], "address": f"{office_name[0]}, {district.name_en}",
            "district": district, "department": department,
            "office_type": "district" if kind == Kind.DDO else "treasury", "headcount": 120,
        })
        return ddo.submit_application(actor=system, application=application)

    def _attach(self, application):
        scan = SimpleUploadedFile("scan.pdf", _scan_pdf(f"Signed form {application.number}"), "application/pdf")
        ddo.attach_scan(actor=Actor.system("seed_demo"), application=application, upload=scan)

    def _approved_officer(self, kind, mobile, ddo_code, name_en, name_hi):
        role = Role.DDO if kind == Kind.DDO else Role.TO
        existing = User.objects.filter(role=role, mobile=mobile).first()
        if existing:
            return existing
        lucknow = District.objects.get(lgd_code=162)
        medical = Department.objects.get(name_en="Medical and Health")
        finance = Department.objects.get(name_en="Finance")
        treasury = Treasury.objects.get(code="T162")
        application = self._application(
            kind=kind, mobile=mobile, ddo_code=ddo_code, name_en=name_en, name_hi=name_hi, treasury=treasury,
            district=lucknow, department=medical if kind == Kind.DDO else finance,
            office_name=("Office of the Chief Medical Officer, Lucknow", "मुख्य चिकित्सा अधिकारी कार्यालय, लखनऊ")
            if kind == Kind.DDO else ("Collectorate Treasury, Lucknow", "कलेक्ट्रेट कोषागार, लखनऊ"),
        )
        self._attach(application)
        return ddo.approve(actor=Actor.system("seed_demo"), application=application)

    def _applications(self):
        """Pending applications for the state cell to work on, at different stages."""
        if Application.objects.filter(mobile__startswith="90000001").exists():
            return
        samples = [
            ("9000000101", "4275", "Agra", "Amit Sharma", "अमित शर्मा", True),
            ("9000000102", "2003", "Varanasi", "Neha Gupta", "नेहा गुप्ता", True),
            ("9000000103", "2007", "Gorakhpur", "Mohd. Arif", "मोहम्मद आरिफ", False),
        ]
        education = Department.objects.get(name_en="Basic Education")
        for mobile, code, district_name, name_en, name_hi, with_scan in samples:
            district = District.objects.get(name_en=district_name)
            application = self._application(
                kind=Kind.DDO, mobile=mobile, ddo_code=code, name_en=name_en, name_hi=name_hi,
                treasury=Treasury.objects.get(code=f"T{district.lgd_code}"), district=district, department=education,
                office_name=(f"District Basic Education Office, {district_name}", f"जिला बेसिक शिक्षा कार्यालय, {district.name_hi}"),
            )
            if with_scan:
                self._attach(application)
