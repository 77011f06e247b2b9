"""Housekeeping the beat scheduler runs for the web nodes."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(name="portal.web.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete ended sessions. Sessions live 30 minutes; with lakhs of log-ins in a registration
    drive the session table would otherwise only grow. A cache store expires its own keys, so
    for it this does nothing (Django's engines define clear_expired for both)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
