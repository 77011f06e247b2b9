"""Loaded with `-p tests.pytest_env` (pyproject addopts), before pytest-django reads the
settings: private files and keys go to a throw-away folder, messages stay in memory,
Celery runs in-process, and Argon2 uses a cheap cost. The settings file itself is the
production one; only its environment differs."""

import os
import tempfile

os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="portal-tests-"))
os.environ["SMS_BACKEND"] = "locmem"
os.environ["EMAIL_CHANNEL_BACKEND"] = "locmem"
os.environ["CELERY_EAGER"] = "true"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("ARGON2_MEMORY_COST", "1024")
os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_PARALLELISM", "1")
