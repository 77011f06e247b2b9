"""The state cell's queue and decisions: approve, return, reject, scans, hard copy."""

import datetime

import pytest
from django.urls import reverse

from portal.accounts.models import Grant, Role, User
from portal.audit.models import Event
from portal.ddo.models import Application, Status
from portal.directory.models import Office

pytestmark = pytest.mark.django_db


def test_queue_lists_applications_waiting_with_filters(users, login, submitted, geo):
    waiting = submitted(stage="scan_received")
    other = submitted(stage="submitted", ddo_code="4275", district=geo["agra"], treasury=geo["t_agra"],
                      department=geo["education"], mobile="9876500001")
    client = login(users["state"])
    page = client.get(reverse("ddo:queue")).content.decode()
    assert waiting.number in page and other.number in page
    page = client.get(reverse("ddo:queue"), {"district": geo["agra"].pk}).content.decode()
    assert other.number in page and waiting.number not in page
    page = client.get(reverse("ddo:queue"), {"status": "scan_received"}).content.decode()
    assert waiting.number in page and other.number not in page
    page = client.get(reverse("ddo:queue"), {"q": "4275"}).content.decode()
    assert other.number in page and waiting.number not in page


def test_queue_age_filter_uses_days_since_submission(users, login, submitted, geo):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 10, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        old = submitted()
    recent = submitted(ddo_code="4275", treasury=geo["t_agra"], mobile="9876500002")
    client = login(users["state"])
    page = client.get(reverse("ddo:queue"), {"age": "31-"}).content.decode()
    assert old.number in page and recent.number not in page
    page = client.get(reverse("ddo:queue"), {"age": "0-7"}).content.decode()
    assert recent.number in page and old.number not in page


def test_approval_creates_offices_and_account_and_sends_password_only_by_sms(users, login, submitted, phone):
    application = submitted(stage="scan_received", offices=2)
    client = login(users["state"])
    response = client.post(reverse("ddo:act", args=[application.number, "approve"]), follow=True)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    officer = application.officer
    assert officer.role == Role.DDO and officer.must_change_password
    offices = Office.objects.filter(grant__isnull=True) if False else Office.objects.filter(ddo_code="2661", name_en__startswith="Office ")
    assert offices.count() == 2
    assert set(Grant.objects.filter(user=officer, revoked_at__isnull=True).values_list("office_id", flat=True)) == {
        o.pk for o in offices}
    user_id, password = phone.password("9876543210")
    assert user_id == officer.username
    assert officer.check_password(password)
    # The state cell never sees the password: not in the page, not in the audit log, not in the outbox preview.
    assert password not in response.content.decode()
    assert not Event.objects.filter(details__icontains=password).exists()
    from portal.notify.models import Message

    assert all(password not in m.preview for m in Message.objects.all())


def test_officer_first_login_with_sms_password_forces_change_then_shows_offices(client, submitted, phone, system):
    from portal.ddo import services

    application = submitted(stage="scan_received")
    services.approve(actor=system, application=application)
    user_id, password = phone.password("9876543210")
    response = client.post(reverse("accounts:login"), {"username": user_id, "password": password})
    assert response.url == reverse("accounts:password_change")
    assert client.get(reverse("ddo:officer_dashboard")).url == reverse("accounts:password_change")
    response = client.post(reverse("accounts:password_change"), {
        "old_password": password, "new_password1": "Lucknow-Cmo-2026!", "new_password2": "Lucknow-Cmo-2026!"})
    assert response.status_code == 302
    page = client.get(reverse("ddo:officer_dashboard")).content.decode()
    assert "Office 1" in page or "कार्यालय 1" in page


def test_return_for_correction_tells_the_officer_who_corrects_and_resubmits(users, login, submitted, phone, client, scan_file):
    application = submitted(stage="scan_received")
    state = login(users["state"])
    state.post(reverse("ddo:act", args=[application.number, "return"]), {"reason": "Seal is missing"})
    application.refresh_from_db()
    assert application.status == Status.RETURNED and application.reason == "Seal is missing"
    assert "Seal is missing" in phone.last("9876543210")
    state.logout()

    # The officer comes back with the number and an OTP, corrects, uploads a new scan, resubmits.
    client.post(reverse("ddo:access"), {"number": application.number})
    client.post(reverse("ddo:access_verify"), {"otp": phone.otp("9876543210")})
    response = client.post(reverse("ddo:resubmit", args=[application.number]), follow=True)
    application.refresh_from_db()
    assert application.status == Status.RETURNED  # no new scan yet
    assert response.status_code == 200
    client.post(reverse("ddo:edit", args=[application.number]), {
        **{k: v for k, v in __import__("portal.ddo.forms", fromlist=["x"]).ApplicationForm.initial_from(application).items()
           if v is not None},
        "department": application.department_id, "district": application.district_id,
        "treasury": application.treasury_id, "designation": "CMO Lucknow",
    })
    client.post(reverse("ddo:upload_scan", args=[application.number]), {"scan": scan_file()})
    client.post(reverse("ddo:resubmit", args=[application.number]))
    application.refresh_from_db()
    assert application.status == Status.RESUBMITTED
    assert application.designation == "CMO Lucknow"
    statuses = [e.details.get("to") for e in Event.objects.filter(target_id=str(application.pk), action__startswith="ddo.application.")]
    assert statuses.count("returned") == 1 and "resubmitted" in statuses


def test_rejection_needs_a_reason_and_frees_the_ddo_code(users, login, submitted, phone, application_data, system):

    application = submitted()
    client = login(users["state"])
    client.post(reverse("ddo:act", args=[application.number, "reject"]), {"reason": ""})
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    client.post(reverse("ddo:act", args=[application.number, "reject"]), {"reason": "Not a DDO"})
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert "Not a DDO" in phone.last("9876543210")
    again = submitted()
    assert again.status == Status.SUBMITTED


def test_approve_is_refused_before_the_signed_scan_arrives(users, login, submitted):
    application = submitted()
    login(users["state"]).post(reverse("ddo:act", args=[application.number, "approve"]))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not User.objects.filter(role=Role.DDO, mobile="9876543210").exists()


def test_state_cell_attaches_emailed_scan_and_records_hard_copy(users, login, submitted, scan_file):
    application = submitted()
    client = login(users["state"])
    client.post(reverse("ddo:act", args=[application.number, "attach-scan"]), {"scan": scan_file()})
    client.post(reverse("ddo:act", args=[application.number, "hardcopy"]),
                {"received_on": "2026-11-20", "reference": "EU123456789IN"})
    application.refresh_from_db()
    assert application.status == Status.SCAN_RECEIVED and application.scan_source == "email"
    assert application.hardcopy_received_on == datetime.date(2026, 11, 20)
    assert application.hardcopy_reference == "EU123456789IN"
    scan = client.get(reverse("ddo:scan", args=[application.number]))
    assert scan.status_code == 200 and scan["Content-Type"] == "application/pdf"
    assert b"".join(scan.streaming_content).startswith(b"%PDF")


def test_scan_is_stored_privately_under_a_server_made_name(submitted, settings):
    application = submitted(stage="scan_received")
    assert application.scan.name.startswith("ddo/scans/")
    assert "s.pdf" not in application.scan.name
    assert str(settings.PRIVATE_MEDIA_ROOT) in application.scan.path
    assert settings.STORAGES["default"]["OPTIONS"]["base_url"] is None


def test_monitoring_officers_see_their_scope_read_only(users, login, submitted, geo):
    lucknow = submitted()
    agra = submitted(ddo_code="4275", district=geo["agra"], treasury=geo["t_agra"], department=geo["education"],
                     mobile="9876500003")
    client = login(users["district"])
    page = client.get(reverse("ddo:queue")).content.decode()
    assert lucknow.number in page and agra.number not in page
    assert client.get(reverse("ddo:review", args=[agra.number])).status_code == 404
    review = client.get(reverse("ddo:review", args=[lucknow.number])).content.decode()
    assert reverse("ddo:act", args=[lucknow.number, "approve"]) not in review
    assert client.post(reverse("ddo:act", args=[lucknow.number, "reject"]), {"reason": "x"}).status_code == 403
    assert Application.objects.get(pk=lucknow.pk).status == Status.SUBMITTED


def test_only_the_scan_view_may_be_framed_and_only_by_the_portal(users, login, submitted):
    application = submitted(stage="scan_received")
    client = login(users["state"])
    scan = client.get(reverse("ddo:scan", args=[application.number]))
    assert "frame-ancestors 'self'" in scan["Content-Security-Policy"]
    assert scan["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get(reverse("ddo:review", args=[application.number]))
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
