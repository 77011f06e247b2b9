"""PORTAL_ENV=production: Django's deploy checks pass, secrets are required, HTTPS-only settings are on.

Each case runs in a fresh Python process, because settings are read once per process."""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ["
    "'DEBUG', 'DEMO_MODE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE', "
    "'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY', 'ALLOWED_HOSTS', 'CELERY_TASK_ALWAYS_EAGER', "
    "'SMS_BACKEND', 'SECURE_PROXY_SSL_HEADER']}))"
)


def base_env() -> dict[str, str]:
    """Only what a Python process needs; none of the test run's own portal settings leak in."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    return {k: v for k, v in os.environ.items() if k in keep}


@pytest.fixture
def production_env(tmp_path):
    env = base_env()
    env.update({
        "PORTAL_ENV": "production",
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.example.gov.in",
        "OUTBOX_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "PORTAL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    })
    assert len(env["SECRET_KEY"]) >= 50
    return env


def run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def manage(env, *args):
    return run(["manage.py", *args], env)


def production_settings(env) -> dict:
    result = run(["-c", "import django; django.setup(); " + PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_check_passes_with_no_issues(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output


def test_production_turns_on_hsts_https_and_secure_cookies(production_env):
    values = production_settings(production_env)
    assert values["DEBUG"] is False and values["DEMO_MODE"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True and values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["ALLOWED_HOSTS"] == ["portal.example.gov.in"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["SMS_BACKEND"] == "http"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_demo_settings_keep_hsts_and_secure_cookies_off(production_env):
    env = {k: v for k, v in production_env.items()
           if k not in {"PORTAL_ENV", "DEMO_MODE", "SECRET_KEY", "OUTBOX_KEYS", "ALLOWED_HOSTS"}}
    values = production_settings(env)
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False and values["SECURE_SSL_REDIRECT"] is False
    assert values["DEMO_MODE"] is True


def test_production_without_secret_key_refuses_to_load(production_env):
    del production_env["SECRET_KEY"]
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "secret_key must be set from the environment in production" in result.stderr
    # No key file was quietly written for production to pick up later.
    assert not (Path(production_env["PORTAL_VAR_DIR"]) / "keys" / "secret_key").exists()


def test_production_with_an_empty_secret_key_refuses_to_load(production_env):
    production_env["SECRET_KEY"] = ""
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_refuses_demo_mode(production_env):
    production_env["DEMO_MODE"] = "true"
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DEMO_MODE" in result.stderr


def test_unknown_portal_env_is_refused(production_env):
    production_env["PORTAL_ENV"] = "staging"
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
