"""Reminders to DDOs/TOs about registrations pending more than N days, and the weekly digest
to district officers: the right recipients, in their language, once a day or week, never
delivered in quiet hours, and visible to the officers afterwards."""

import datetime
import re

import pytest

from portal.notify.models import Message

from ..models import Reminder
from ..reminders import quiet_until, send_pending_reminders, send_weekly_digests
from ..tasks import send_pending_reminders as pending_task
from ..tasks import send_weekly_digests as digest_task
from .conftest import IST, NOW

pytestmark = pytest.mark.django_db
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.fixture
def languages(population):
    users = population.users
    for key, language in (("ddo_lko", "en"), ("to_lko", "hi"), ("ddo_unnao", "hi"), ("ddo_agra", "en"),
                          ("district", "hi"), ("agra_district", "en")):
        users[key].language = language
        users[key].save(update_fields=["language"])
    return users


def test_ddos_with_old_pending_registrations_are_reminded_in_their_language(languages, population, phone, settings):
    settings.REMINDER_PENDING_DAYS = 15
    made = send_pending_reminders()
    users = population.users
    assert {(r.user, r.office) for r in made} == {
        (users["ddo_lko"], population.offices["lko_med"]), (users["to_lko"], population.offices["lko_tr"]),
        (users["ddo_unnao"], population.offices["unnao_med"]), (users["ddo_agra"], population.offices["agra_edu"])}
    # Waiting more than 15 days: 15.5, 16, 20 (resubmitted), 30.9, 31 and 45 days: six per office.
    assert {r.pending for r in made} == {6}
    english = phone.last(users["ddo_lko"].mobile)
    assert "6 registrations at CMO Lucknow" in english and "more than 15 days" in english
    hindi = phone.last(users["to_lko"].mobile)
    assert "पंजीकरण" in hindi and "6" in hindi and "कार्यालय Treasury Lucknow" in hindi
    assert Message.objects.get(pk=made[0].sms_id).template == "reminder_pending"
    emails = Message.objects.filter(channel="email", template="reminder_pending")
    assert emails.count() == 4 and set(emails.values_list("to", flat=True)) == {"officer@example.in"}


def test_no_reminder_below_the_threshold(languages, settings):
    settings.REMINDER_PENDING_DAYS = 50
    assert send_pending_reminders() == []
    settings.REMINDER_PENDING_DAYS = 40
    assert {r.pending for r in send_pending_reminders()} == {1}  # only the 45-day one in each office


def test_reminders_are_sent_once_a_day(languages, population, at_now):
    first = pending_task()
    assert first == 4 and pending_task() == 0
    assert Message.objects.filter(template="reminder_pending", channel="sms").count() == 4
    at_now.move_to(NOW + datetime.timedelta(days=1))
    assert pending_task() == 4  # a new day, a new reminder
    assert Reminder.objects.filter(kind="pending").count() == 8


def test_nothing_is_delivered_in_quiet_hours(languages, population, at_now, phone, settings):
    settings.REMINDER_QUIET_HOURS = "21-8"
    night = datetime.datetime(2026, 11, 28, 22, 30, tzinfo=IST)
    at_now.move_to(night)
    made = send_pending_reminders()
    assert made and all(r.deferred_until == datetime.datetime(2026, 11, 29, 8, 0, tzinfo=IST) for r in made)
    mobile = population.users["ddo_lko"].mobile
    assert phone.messages(mobile) == []  # held in the outbox
    at_now.move_to(datetime.datetime(2026, 11, 29, 7, 59, tzinfo=IST))
    assert phone.messages(mobile) == []
    at_now.move_to(datetime.datetime(2026, 11, 29, 8, 1, tzinfo=IST))
    assert len(phone.messages(mobile)) == 1
    # Made at night, they are the 29th's reminders: the morning's run sends no second one.
    assert {r.due_on for r in made} == {datetime.date(2026, 11, 29)}
    at_now.move_to(datetime.datetime(2026, 11, 29, 10, 30, tzinfo=IST))
    assert send_pending_reminders() == []


def test_quiet_hours_parsing(settings):
    settings.REMINDER_QUIET_HOURS = "21-8"
    at = lambda h, m=0: datetime.datetime(2026, 11, 28, h, m, tzinfo=IST)  # noqa: E731
    assert quiet_until(at(20, 59)) is None and quiet_until(at(8, 0)) is None and quiet_until(at(12)) is None
    assert quiet_until(at(21)) == at(8) + datetime.timedelta(days=1)
    assert quiet_until(at(3)) == at(8)
    settings.REMINDER_QUIET_HOURS = "13-15"
    assert quiet_until(at(14)) == at(15) and quiet_until(at(15)) is None
    settings.REMINDER_QUIET_HOURS = ""
    assert quiet_until(at(3)) is None


def test_district_officers_get_a_weekly_digest_of_their_laggard_offices(languages, population, phone, at_now):
    users = population.users
    made = {r.user: r for r in send_weekly_digests()}
    assert set(made) == {users["district"], users["agra_district"]}  # Unnao has no district officer here
    lucknow = made[users["district"]]
    assert lucknow.district == population.offices["lko_med"].district
    # Lucknow's offices with registrations waiting more than 15 days (the BSA office has no DDO).
    assert {o["office"] for o in lucknow.details["offices"]} == {
        population.offices[k].code for k in ("lko_med", "lko_tr", "lko_edu")}
    sms = phone.last(users["district"].mobile)
    assert "साप्ताहिक पंजीकरण समीक्षा" in sms and "18" in sms  # 3 offices x 6
    email = Message.objects.get(pk=made[users["agra_district"]].email_id)
    assert email.language == "en" and "BSA Agra" in email.preview and users["ddo_agra"].mobile in email.preview
    assert "lowest coverage" in email.preview
    # Once a week: again on Tuesday nothing; the next Monday a new one.
    at_now.move_to(datetime.datetime(2026, 11, 29, 10, 0, tzinfo=IST))  # Sunday: the same week (from Mon 23rd)
    assert digest_task() == 0
    at_now.move_to(datetime.datetime(2026, 12, 7, 9, 45, tzinfo=IST))
    assert digest_task() == 2


def test_officers_see_what_was_sent_in_their_scope(languages, population, client, login):
    send_pending_reminders()
    send_weekly_digests()
    users = population.users

    def shown(user):
        login(user)
        page = client.get("/reports/reminders/")
        assert page.status_code == 200
        return page.content.decode()

    ddo_page = shown(users["ddo_lko"])
    assert users["ddo_lko"].username in ddo_page and users["ddo_agra"].username not in ddo_page
    district_page = shown(users["district"])
    assert users["ddo_lko"].username in district_page and users["to_lko"].username in district_page
    assert users["ddo_agra"].username not in district_page and users["agra_district"].username not in district_page
    state_page = shown(users["state"])
    assert users["ddo_agra"].username in state_page and users["agra_district"].username in state_page


def test_the_reminders_table_can_be_scrolled_from_the_keyboard(languages, population, client, login):
    """The table is wider than a phone and holds nothing focusable: its scrolling region takes
    the focus and is named (axe: scrollable-region-focusable, found on this page in a browser)."""
    send_pending_reminders()
    login(population.users["state"])
    page = client.get("/reports/reminders/").content.decode()
    assert '<h1 id="reminders-title">' in page
    assert '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="reminders-title">' in page
