"""The hourly beat task empties ended sessions out of the database."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.web.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def test_clear_expired_sessions_deletes_only_the_ended_ones():
    now = timezone.now()
    Session.objects.create(session_key="ended" + "x" * 27, session_data="e30:", expire_date=now - datetime.timedelta(minutes=1))
    Session.objects.create(session_key="alive" + "x" * 27, session_data="e30:", expire_date=now + datetime.timedelta(minutes=29))
    clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["alive" + "x" * 27]


def test_the_beat_schedule_runs_it():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.web.tasks.clear_expired_sessions" in tasks
