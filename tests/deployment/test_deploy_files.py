"""The deployment files in deploy/: the env template lists every setting and makes a valid
production configuration, gunicorn accepts its config, systemd accepts the units
(`systemd-analyze verify`), nginx accepts the site (`nginx -t`), and nginx limits and
timeouts match the settings."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portal.crypto import new_key_line

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "sects.conf"
PROXY = DEPLOY / "nginx" / "sects-proxy.conf"
TEMPLATE = DEPLOY / "env" / "portal.env.template"
SECRET_TEMPLATE = DEPLOY / "env" / "secret.env.template"


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip().strip('"')
    return values


def settings_read_from_environment() -> set[str]:
    text = (ROOT / "portal" / "settings.py").read_text()
    return set(re.findall(r'env(?:_bool|_int|_list)?\(\s*"([A-Z0-9_]+)"', text))


def test_env_template_lists_every_setting():
    listed = set(env_file(TEMPLATE)) | set(env_file(SECRET_TEMPLATE))
    missing = settings_read_from_environment() - listed
    assert not missing, f"add to deploy/env/portal.env.template: {sorted(missing)}"
    unknown = set(env_file(TEMPLATE)) - settings_read_from_environment()
    assert not unknown, f"not read by portal/settings.py: {sorted(unknown)}"


def test_no_secret_is_committed_in_the_templates():
    secret = {"SECRET_KEY", "VAULT_KEYS", "VAULT_INDEX_KEY", "OUTBOX_KEYS", "CARD_SIGNING_KEYS", "SMS_GATEWAY_TOKEN",
              "EMAIL_HOST_PASSWORD", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"}
    for template in (TEMPLATE, SECRET_TEMPLATE):
        values = env_file(template)
        assert all(values.get(name, "") == "" for name in secret), template.name
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", TEMPLATE.read_text()), "a password in a URL"


def production_env(tmp_path) -> dict[str, str]:
    """The template as a node would load it, with made-up secrets and key files."""
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(env_file(TEMPLATE))
    keys = tmp_path / "keys"
    keys.mkdir()
    for name, setting in (("vault.keys", "VAULT_KEY_FILE"), ("vault-index.key", "VAULT_INDEX_KEY_FILE"),
                          ("outbox.keys", "OUTBOX_KEY_FILE"), ("card-signing.keys", "CARD_SIGNING_KEY_FILE")):
        (keys / name).write_text(new_key_line("k1") + "\n")
        env[setting] = str(keys / name)
    env.update(SECRET_KEY="x" * 20 + new_key_line("s")[3:], S3_ACCESS_KEY_ID="AKIATEST", S3_SECRET_ACCESS_KEY="test",
               PORTAL_VAR_DIR=str(tmp_path / "var"), STATIC_ROOT=str(tmp_path / "static"), S3_CA_BUNDLE="",
               DJANGO_SETTINGS_MODULE="portal.settings")
    return env


def test_the_template_is_a_production_configuration_that_passes_the_deploy_checks(tmp_path):
    env = production_env(tmp_path)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    script = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(["
              "sorted(s.DATABASES), s.STORAGES['default']['BACKEND'], s.CACHES['default']['BACKEND'], s.SESSION_ENGINE,"
              " s.TRUSTED_PROXY_COUNT, s.SECURE_PROXY_SSL_HEADER, s.CELERY_TASK_ALWAYS_EAGER]))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout) == [
        ["default", "replica"], "storages.backends.s3.S3Storage", "portal.cache.TolerantRedisCache",
        "django.contrib.sessions.backends.db", 1, ["HTTP_X_FORWARDED_PROTO", "https"], False,
    ]


def test_gunicorn_accepts_its_config():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run([str(gunicorn), "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"),
                             "portal.wsgi:application"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_units_verify(tmp_path):
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        # The units' paths point at the release folder /opt/sects/current; here, this checkout.
        target = tmp_path / unit.name
        target.write_text(unit.read_text().replace("/opt/sects/current", str(ROOT)))
        units.append(str(target))
    assert {Path(u).name for u in units} >= {"sects-web.service", "sects-worker.service", "sects-beat.service",
                                             "sects-migrate.service", "sects-backup.service", "sects-backup.timer"}
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not output, output


def test_exactly_one_beat_is_guarded_by_a_marker_file():
    beat = (DEPLOY / "systemd" / "sects-beat.service").read_text()
    assert "ConditionPathExists=/etc/sects/beat-node" in beat
    for unit in ("sects-web.service", "sects-worker.service"):
        assert " beat" not in (DEPLOY / "systemd" / unit).read_text().split("ExecStart=")[1].splitlines()[0]


def nginx_directive(name: str, text: str | None = None) -> str:
    text = text if text is not None else SITE.read_text() + PROXY.read_text()
    match = re.search(rf"^\s*{name}\s+([^;]+);", text, re.M)
    assert match, name
    return match.group(1).strip()


def size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(s|m)?", value).groups()
    return int(number) * (60 if unit == "m" else 1)


def test_nginx_upload_limit_fits_the_settings(settings):
    limit = size(nginx_directive("client_max_body_size"))
    largest = max(settings.PHOTO_MAX_BYTES, settings.SCAN_MAX_BYTES, settings.IMPORT_MAX_BYTES)
    assert limit >= largest + 1024 * 1024  # the file plus the multipart form around it
    assert limit <= 4 * largest  # not an open door for huge bodies


def test_nginx_waits_longer_than_gunicorn_and_forwards_the_client_address():
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)
    assert seconds(nginx_directive("proxy_read_timeout")) > namespace["timeout"]
    assert namespace["graceful_timeout"] < 40  # TimeoutStopSec of sects-web.service
    assert nginx_directive("proxy_set_header X-Forwarded-For") == "$proxy_add_x_forwarded_for"
    assert nginx_directive("proxy_set_header X-Forwarded-Proto") == "$scheme"


def self_signed(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
                   check=True, capture_output=True, timeout=60)


def nginx_config(tmp_path: Path, site: str) -> Path:
    """A whole nginx.conf around the site, with every path inside tmp_path."""
    self_signed(tmp_path / "ssl")
    (tmp_path / "logs").mkdir(exist_ok=True)
    site = (site.replace("/etc/ssl/sects/", f"{tmp_path}/ssl/")
                .replace("/etc/nginx/sects-proxy.conf", str(PROXY))
                .replace("/var/log/nginx/", f"{tmp_path}/logs/"))
    (tmp_path / "sects.conf").write_text(site)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    {mime}
    access_log {tmp_path}/logs/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/sects.conf;
}}
""")
    return conf


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(not NGINX, reason="needs nginx (bash .ci/run installs it)")
def test_nginx_accepts_the_site(tmp_path):
    conf = nginx_config(tmp_path, SITE.read_text())
    result = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
