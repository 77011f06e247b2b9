"""A DDO's computer operator types in the registrations of the office's employees; the employee
consents with an OTP on their own phone or with a signed form, and only the DDO verifies."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Grant, Role, User
from portal.enrolment.models import Family, Status

from .conftest import officer, photo_file, register

pytestmark = pytest.mark.django_db

EMPLOYEE = "9812345670"
OPERATOR_MOBILE = "9811100001"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def ddo(ddo_office):
    return signed_in(officer(ddo_office))


@pytest.fixture
def operator_user(make_user, ddo_office):
    return make_user(Role.OPERATOR, office=ddo_office, mobile=OPERATOR_MOBILE)


@pytest.fixture
def operator(operator_user):
    assert not operator_user.must_change_password
    return signed_in(operator_user)


def create_operator(ddo, office, mobile=OPERATOR_MOBILE):
    return ddo.post(reverse("ddo:operators"), {"office": office.pk, "name_en": "Kamal Singh", "name_hi": "कमल सिंह",
                                               "mobile": mobile, "language": "en"})


def test_ddo_creates_an_operator_whose_credentials_go_to_the_operators_phone(ddo, ddo_office, phone):
    response = create_operator(ddo, ddo_office)
    assert response.status_code == 302, response.context["form"].errors
    operator = User.objects.get(role=Role.OPERATOR, mobile=OPERATOR_MOBILE)
    assert list(Grant.objects.filter(user=operator, revoked_at__isnull=True).values_list("office", flat=True)) == [
        ddo_office.pk]
    user_id, password = phone.password(OPERATOR_MOBILE)
    assert user_id == operator.username and operator.check_password(password)
    page = ddo.get(reverse("ddo:operators"))
    assert list(page.context["operators"]) == [operator] and password not in page.content.decode()


def test_a_second_active_operator_with_the_same_mobile_is_refused(ddo, ddo_office):
    create_operator(ddo, ddo_office)
    response = create_operator(ddo, ddo_office)
    assert response.status_code == 200 and "mobile" in response.context["form"].errors
    assert User.objects.filter(role=Role.OPERATOR, mobile=OPERATOR_MOBILE).count() == 1


def test_removing_an_operator_revokes_the_grant_and_deactivates_the_account(ddo, ddo_office):
    create_operator(ddo, ddo_office)
    operator = User.objects.get(role=Role.OPERATOR, mobile=OPERATOR_MOBILE)
    response = ddo.post(reverse("ddo:operator_remove", args=[operator.username]))
    assert response.status_code == 302
    operator.refresh_from_db()
    assert not operator.is_active
    assert not Grant.objects.filter(user=operator, revoked_at__isnull=True).exists()
    assert operator not in ddo.get(reverse("ddo:operators")).context["operators"]
    assert create_operator(ddo, ddo_office).status_code == 302  # the mobile is free again


def test_another_offices_ddo_cannot_remove_the_operator(ddo, ddo_office, submitted, geo):
    create_operator(ddo, ddo_office)
    operator = User.objects.get(role=Role.OPERATOR, mobile=OPERATOR_MOBILE)
    agra = submitted(stage="approved", ddo_code="4275", treasury=geo["t_agra"], mobile="9876500021")
    other = signed_in(officer(agra.offices.get().office))
    assert other.post(reverse("ddo:operator_remove", args=[operator.username])).status_code == 404
    operator.refresh_from_db()
    assert operator.is_active and Grant.objects.filter(user=operator, revoked_at__isnull=True).exists()


def enter_family(operator, office, primary_post, dependent_post) -> Family:
    response = operator.get(reverse("enrolment:operator_start"))
    assert response.url == reverse("enrolment:new", args=[office.code, "employee"])
    response = operator.post(response.url, primary_post())
    assert response.status_code == 302, response.context["form"].errors
    family = Family.objects.filter(office=office).latest("pk")
    response = operator.post(reverse("enrolment:add_member", args=[family.number]), dependent_post())
    assert response.status_code == 302, response.context["form"].errors
    for member in family.members.all():
        operator.post(reverse("enrolment:upload_photo", args=[family.number, member.pk]), {"photo": photo_file()})
    response = operator.post(reverse("enrolment:submit", args=[family.number]))
    assert response.url == reverse("enrolment:consent", args=[family.number])
    family.refresh_from_db()
    assert family.status == Status.DRAFT
    return family


def test_operator_submits_with_the_employees_otp_and_the_ddo_sees_who_entered_it(
        operator, operator_user, ddo, ddo_office, primary_post, dependent_post, phone):
    family = enter_family(operator, ddo_office, primary_post, dependent_post)
    consent = reverse("enrolment:consent", args=[family.number])
    operator.post(consent, {"action": "send"})
    code = phone.otp(EMPLOYEE)
    assert not phone.messages(OPERATOR_MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    response = operator.post(consent, {"otp": wrong})
    assert response.status_code == 200 and response.context["form"].errors["otp"]
    family.refresh_from_db()
    assert family.status == Status.DRAFT
    response = operator.post(consent, {"otp": code})
    assert response.url == reverse("enrolment:family", args=[family.number])
    family.refresh_from_db()
    assert family.status == Status.SUBMITTED and family.consent == "employee_otp"
    assert family.created_by == operator_user
    assert family.number in phone.last(EMPLOYEE)
    review = ddo.get(reverse("enrolment:review", args=[family.number])).content.decode()
    assert operator_user.username in review


def test_wrong_consent_otps_are_counted_so_the_code_cannot_be_guessed(operator, ddo_office, primary_post,
                                                                      dependent_post, phone, settings):
    from portal.notify.models import OneTimePassword

    family = enter_family(operator, ddo_office, primary_post, dependent_post)
    consent = reverse("enrolment:consent", args=[family.number])
    operator.post(consent, {"action": "send"})
    code = phone.otp(EMPLOYEE)
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c != code]
    for guess in wrong[:settings.OTP_MAX_ATTEMPTS]:
        assert operator.post(consent, {"otp": guess}).context["form"].errors["otp"]
    assert OneTimePassword.objects.get(target=EMPLOYEE).attempts == settings.OTP_MAX_ATTEMPTS
    response = operator.post(consent, {"otp": code})
    assert response.status_code == 200 and response.context["form"].errors["otp"]
    family.refresh_from_db()
    assert family.status == Status.DRAFT


def test_operator_submits_with_a_signed_consent_form(operator, operator_user, ddo_office, primary_post,
                                                     dependent_post, scan_file, phone):
    family = enter_family(operator, ddo_office, primary_post, dependent_post)
    response = operator.post(reverse("enrolment:consent", args=[family.number]), {"consent_file": scan_file()})
    assert response.status_code == 302, response.context["form"].errors
    family.refresh_from_db()
    assert family.status == Status.SUBMITTED and family.consent == "signed_form"
    assert family.consent_file.name and family.created_by == operator_user
    assert not [m for m in phone.messages(EMPLOYEE) if m.body[:6].isdigit()]  # no OTP was needed


def test_consent_without_otp_or_form_is_explained_and_nothing_is_submitted(operator, ddo_office, primary_post,
                                                                           dependent_post):
    family = enter_family(operator, ddo_office, primary_post, dependent_post)
    response = operator.post(reverse("enrolment:consent", args=[family.number]), {"otp": ""})
    assert response.status_code == 200 and response.context["form"].errors["otp"]
    family.refresh_from_db()
    assert family.status == Status.DRAFT


def test_operator_stays_inside_their_own_office_and_cannot_verify(operator, ddo_office, submitted, geo, primary_post,
                                                                  dependent_post, scan_file):
    other_office = submitted(stage="approved", ddo_code="4275", treasury=geo["t_agra"],
                             mobile="9876500021").offices.get().office
    theirs = register(other_office, n=5, mobile="9812345675")
    draft = register(other_office, n=7, mobile="9812345677", submit=False)
    for url in (reverse("enrolment:family", args=[draft.number]),
                reverse("enrolment:consent", args=[draft.number]),
                reverse("enrolment:review", args=[theirs.number]),
                reverse("enrolment:new", args=[other_office.code, "employee"])):
        assert operator.get(url).status_code == 404, url
    response = operator.post(reverse("enrolment:new", args=[other_office.code, "employee"]), primary_post())
    assert response.status_code == 404
    assert Family.objects.count() == 2
    mine = enter_family(operator, ddo_office, primary_post, dependent_post)
    operator.post(reverse("enrolment:consent", args=[mine.number]), {"consent_file": scan_file()})
    assert operator.post(reverse("enrolment:act", args=[mine.number, "verify"])).status_code == 403
    mine.refresh_from_db()
    assert mine.status == Status.SUBMITTED and mine.user is None
