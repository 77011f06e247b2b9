"""Shared fixtures: master data loaded once, one ready user per role, two offices in
different districts, and the outbox as a phone would see it."""

import uuid

import pytest

PASSWORD = "Correct-Horse-42"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from portal.directory.loader import load_master_data

    with django_db_blocker.unblock():
        load_master_data()


@pytest.fixture
def master_data_after_flush(transactional_db):
    """A database committed to for real, with the master data: pytest-django runs such tests
    after the others and flushes the database after each, which removes what django_db_setup
    and the data migrations loaded. Loading it again changes nothing otherwise."""
    import importlib

    from django.apps import apps

    from portal.directory.loader import load_master_data

    load_master_data()
    # Pay levels and eligibility rules come from a data migration.
    importlib.import_module("portal.enrolment.migrations.0002_reference_data").load(apps, None)


@pytest.fixture(autouse=True)
def _fresh_state(settings):
    from django.core.cache import cache

    from portal.notify.backends import LocmemBackend

    LocmemBackend.sent = []
    LocmemBackend.fail = False
    cache.clear()
    settings.SMS_BACKEND = "locmem"
    settings.EMAIL_CHANNEL_BACKEND = "locmem"
    yield


class Phone:
    """What the portal's messages delivered to each mobile/email, after the sender ran."""

    def deliver(self):
        from portal.notify.tasks import sweep_outbox

        sweep_outbox()

    def messages(self, to: str):
        from portal.notify.backends import LocmemBackend

        self.deliver()
        return [m for m in LocmemBackend.sent if m.to == to]

    def last(self, to: str) -> str:
        received = self.messages(to)
        assert received, f"nothing was sent to {to}"
        return received[-1].body

    def otp(self, to: str) -> str:
        import re

        for message in reversed(self.messages(to)):
            match = re.match(r"^(\d{6}) ", message.body)
            if match:
                return match.group(1)
        raise AssertionError(f"no OTP was sent to {to}")

    def password(self, to: str) -> tuple[str, str]:
        """(user ID, one-time password) from the latest credentials SMS."""
        import re

        for message in reversed(self.messages(to)):
            match = re.search(r"\b([A-Z]{2,3}\d{6})\b.*?(?:Password|पासवर्ड)\s+([A-Za-z0-9]{12})\b", message.body)
            if match:
                return match.group(1), match.group(2)
        raise AssertionError(f"no credentials were sent to {to}")

    @property
    def all(self):
        from portal.notify.backends import LocmemBackend

        self.deliver()
        return list(LocmemBackend.sent)


@pytest.fixture
def phone():
    return Phone()


@pytest.fixture
def system():
    from portal.audit.services import Actor

    return Actor.system("tests")


@pytest.fixture
def geo(db):
    from portal.directory.models import Department, District, Treasury

    lucknow = District.objects.get(lgd_code=162)
    agra = District.objects.get(lgd_code=118)
    return {
        "lucknow": lucknow,
        "agra": agra,
        "medical": Department.objects.get(name_en="Medical and Health"),
        "education": Department.objects.get(name_en="Basic Education"),
        "t_lucknow": Treasury.objects.get(code="T162"),
        "t_agra": Treasury.objects.get(code="T118"),
    }


@pytest.fixture
def offices(geo, system):
    """Two DDO offices in different districts and departments."""
    from portal.directory.services import create_office

    lucknow = create_office(
        actor=system, name_en="CMO Office Lucknow", name_hi="मुख्य चिकित्सा अधिकारी कार्यालय लखनऊ",
        address="Lucknow", district=geo["lucknow"], department=geo["medical"], treasury=geo["t_lucknow"],
        office_type="district", kind="ddo", ddo_code="2661", headcount=100,
    )
    agra = create_office(
        actor=system, name_en="BSA Office Agra", name_hi="बेसिक शिक्षा अधिकारी कार्यालय आगरा",
        address="Agra", district=geo["agra"], department=geo["education"], treasury=geo["t_agra"],
        office_type="district", kind="ddo", ddo_code="4275", headcount=300,
    )
    return {"lucknow": lucknow, "agra": agra}


@pytest.fixture
def make_user(db, system):
    """make_user(role, **unit) -> a user with PASSWORD, no forced change."""
    from portal.accounts.services import create_user

    counter = iter(range(100, 10**6))

    def make(role, *, mobile=None, must_change=False, **unit):
        user = create_user(
            actor=system, role=role, name_en="Test Officer", name_hi="परीक्षण अधिकारी", designation="Officer",
            mobile=mobile or f"98{next(counter):08d}", email="officer@example.in",
            units=[unit] if unit else [], send_credentials=False,
        )
        user.set_password(PASSWORD)
        user.must_change_password = must_change
        user.save()
        return user

    return make


@pytest.fixture
def users(make_user, geo, offices):
    """One ready user per role; office roles sit in the Lucknow office."""
    from portal.accounts.models import Role

    return {
        "state": make_user(Role.STATE),
        "helpdesk": make_user(Role.HELPDESK),
        "ddo": make_user(Role.DDO, office=offices["lucknow"]),
        "ddo_agra": make_user(Role.DDO, office=offices["agra"]),
        "to": make_user(Role.TO, office=offices["lucknow"]),
        "operator": make_user(Role.OPERATOR, office=offices["lucknow"]),
        "district": make_user(Role.DISTRICT, district=geo["lucknow"]),
        "division": make_user(Role.DIVISION, division=geo["lucknow"].division),
        "department": make_user(Role.DEPARTMENT, department=geo["medical"]),
        "beneficiary": make_user(Role.BENEFICIARY),
        "hospital": make_user(Role.HOSPITAL),
    }


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return do


@pytest.fixture
def application_data(geo):
    def data(**overrides):
        values = {
            "kind": "ddo", "officer_name_en": "Ravi Kumar", "officer_name_hi": "रवि कुमार",
            "designation": "Chief Medical Officer", "department": geo["medical"], "district": geo["lucknow"],
            "treasury": geo["t_lucknow"], "ddo_code": "2661", "mobile": "9876543210", "mobile_kind": "cug",
            "no_cug_declared": False, "email": "cmo@example.in", "controlling_officer_name": "Dr A K Singh",
            "controlling_officer_designation": "Additional Director",
        }
        values.update(overrides)
        return values

    return data


@pytest.fixture
def office_data(geo):
    def data(**overrides):
        values = {
            "name_en": "Office of the CMO, Lucknow", "name_hi": "मुख्य चिकित्सा अधिकारी कार्यालय, लखनऊ",
            "address": "Lalbagh, Lucknow", "district": geo["lucknow"], "department": geo["medical"],
            "office_type": "district", "headcount": 250,
        }
        values.update(overrides)
        return values

    return data


def scan_pdf() -> bytes:
    from portal.pdf import new_document, output

    pdf = new_document()
    pdf.add_page()
    pdf.cell(0, 10, "signed form")
    return output(pdf)


@pytest.fixture
def scan_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="scan.pdf", content=None, content_type="application/pdf"):
        return SimpleUploadedFile(name, scan_pdf() if content is None else content, content_type)

    return make


@pytest.fixture
def submitted(system, application_data, office_data):
    """submitted(stage="submitted"|"scan_received"|"approved", **fields) -> Application."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.ddo import services

    def make(stage="submitted", offices=1, **fields):
        application = services.start_application(
            actor=system, data=application_data(**fields), token=uuid.uuid4(), language="hi"
        )
        for i in range(offices):
            services.add_office(actor=system, application=application,
                                data=office_data(name_en=f"Office {i + 1}", name_hi=f"कार्यालय {i + 1}"))
        application = services.submit_application(actor=system, application=application)
        if stage in ("scan_received", "approved"):
            services.attach_scan(actor=system, application=application,
                                 upload=SimpleUploadedFile("s.pdf", scan_pdf(), "application/pdf"))
        if stage == "approved":
            services.approve(actor=system, application=application)
        application.refresh_from_db()
        return application

    return make
