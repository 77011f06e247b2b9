"""The commands a new installation runs: demo seeding and the first state-cell account."""

import io

import pytest
from django.core.management import CommandError, call_command

from portal.accounts.models import Role, User
from portal.ddo.models import Application, Status
from portal.reports.models import Review, Snapshot, Target

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_one_account_per_role_and_can_run_again(settings, phone):
    settings.DEMO_MODE = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    accounts = User.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.count() == accounts  # the second run reused the accounts
    state = User.objects.get(role=Role.STATE)
    printed = out.getvalue()
    assert state.username in printed
    password = printed.split(state.username)[1].split()[0]
    assert not state.check_password(password)  # the second run issued new passwords
    assert (settings.VAR_DIR / "demo-logins.txt").read_text().count("\n") >= len(Role.values)
    waiting = Application.objects.filter(status__in=[Status.SUBMITTED, Status.SCAN_RECEIVED])
    assert waiting.count() == 3


def test_seed_demo_gives_the_district_officer_a_fortnight_to_review_and_adds_nothing_twice(settings, phone):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Snapshot.objects.count(), Target.objects.count(), Review.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Snapshot.objects.count(), Target.objects.count(), Review.objects.count()) == counts
    assert counts[0] > 0 and counts[1] > 0
    assert Review.objects.filter(by__role=Role.DISTRICT).exists()


def test_seed_demo_refuses_outside_the_demo(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())


def test_first_state_cell_account_gets_its_password_by_sms_only(phone):
    out = io.StringIO()
    call_command("create_state_user", "--name-en", "Anita Rao", "--mobile", "+91 98765 43210", stdout=out)
    user = User.objects.get(role=Role.STATE)
    user_id, password = phone.password("9876543210")
    assert user.username in out.getvalue() and user_id == user.username
    assert password not in out.getvalue()
    assert user.check_password(password) and user.must_change_password


def test_first_state_cell_account_needs_a_valid_mobile():
    with pytest.raises(CommandError):
        call_command("create_state_user", "--name-en", "Anita Rao", "--mobile", "12345", stdout=io.StringIO())
