"""Two stateless web nodes (gunicorn with deploy/gunicorn.conf.py) behind nginx with the
deploy/nginx site, all on loopback: TLS and the HTTP redirect, static files from nginx, the
upload limit, X-Forwarded-For and -Proto as the portal reads them, a session started on one
node used on the other, rate limits counted across nodes in the shared Redis, and requests
still served while one node restarts.

The nodes share one database file and (when REDIS_URL is set, as in .ci/run) one Redis, as
production nodes share PostgreSQL and Redis. Skipped without nginx."""

import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.deployment.test_deploy_files import NGINX, SITE, nginx_config

pytestmark = pytest.mark.skipif(not NGINX, reason="needs nginx (bash .ci/run installs it)")

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-Horse-42"
RATE_LIMITED = "Too many log-in attempts"
CLIENT = "198.51.100.7"  # the address nginx would have seen (a documentation range)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}:\n{log.read_text(errors='replace')[-3000:]}")


class Browser:
    """One visitor over HTTPS to nginx, keeping cookies; redirects are not followed."""

    def __init__(self, port: int, https_port: int | None = None):
        # https_port given: talk to a node directly, as nginx would (its headers, plain HTTP),
        # so that the test decides which node gets each request.
        self.port, self.https_port, self.cookies = port, https_port, SimpleCookie()
        self.cookies["portal_language"] = "en"  # messages compared in English
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.https_port:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            headers.update({"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT})
        else:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        conn.close()
        return response, data

    def get(self, path, **headers):
        return self.request("GET", path, headers=headers)

    def login(self, username, password):
        _, page = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = f"csrfmiddlewaretoken={token}&username={username}&password={password}"
        return self.request("POST", "/accounts/login/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://127.0.0.1:{self.https_port or self.port}/accounts/login/"})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two-nodes")
    https, http_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": f"sqlite:///{tmp}/shared.sqlite3", "PRIVATE_MEDIA_ROOT": str(tmp / "shared-media"),
        # Production's proxy settings (the rest of production needs real secrets and a manifest).
        "BEHIND_PROXY": "true", "TRUSTED_PROXY_COUNT": "1", "SECURE_SSL_REDIRECT": "true", "SECURE_COOKIES": "true",
        "SECURE_HSTS_SECONDS": "3600",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{https}", "CELERY_EAGER": "true", "SMS_BACKEND": "locmem", "EMAIL_CHANNEL_BACKEND": "locmem",
        "LOGIN_RATE_PER_IP": "4", "ARGON2_MEMORY_COST": "1024", "ARGON2_TIME_COST": "1", "ARGON2_PARALLELISM": "1",
        "GUNICORN_WORKERS": "1", "GUNICORN_LOG_LEVEL": "warning",
    })
    if os.environ.get("REDIS_URL"):
        env["CACHE_URL"] = os.environ["REDIS_URL"]
        env["CACHE_KEY_PREFIX"] = f"two-nodes-{os.getpid()}"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", (
        "from portal.accounts.services import create_user; from portal.accounts.models import Role; "
        "from portal.audit.services import Actor; "
        "u = create_user(actor=Actor.system('t'), role=Role.STATE, name_en='State Officer', mobile='9876500001', "
        "units=[], send_credentials=False); "
        f"u.set_password('{PASSWORD}'); u.must_change_password = False; u.save(); print(u.username)"
    )], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True)
    username = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c",
                               "from portal.accounts.models import User; print(User.objects.get().username)"],
                              cwd=ROOT, env=env, check=True, timeout=60, capture_output=True, text=True).stdout.split()[-1]

    # Readable by nginx's worker user (pytest's own folders are private to root).
    static = Path(tempfile.mkdtemp(prefix="sects-static-"))
    static.chmod(0o755)
    (static / "css").mkdir(mode=0o755)
    css = (ROOT / "portal" / "static" / "css" / "portal.css").read_bytes()
    (static / "css" / "portal.css").write_bytes(css)
    (static / "css" / "portal.css.gz").write_bytes(gzip.compress(css))
    for path in (static / "css").iterdir():
        path.chmod(0o644)

    nodes = []
    for name in ("a", "b"):
        port = free_port()
        log = tmp / f"node-{name}.log"
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "portal.wsgi:application"], cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(port, proc, log)
        nodes.append({"name": name, "port": port, "proc": proc, "log": log, "env": env})

    text = SITE.read_text()
    text = re.sub(r"upstream sects_web \{.*?keepalive", "upstream sects_web {\n" + "".join(
        f"    server 127.0.0.1:{n['port']} max_fails=1 fail_timeout=10s;\n" for n in nodes) + "    keepalive",
        text, flags=re.S)
    text = (text.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
                .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
                .replace("listen [::]:443 ssl http2;", "")
                .replace("/opt/sects/current/static/", f"{static}/"))
    conf = nginx_config(tmp, text)
    nginx_log = tmp / "nginx.out"
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"],
                             stdout=open(nginx_log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_port(https, nginx, nginx_log)
    yield {"https": https, "http": http_port, "nodes": nodes, "username": username, "css": css, "tmp": tmp}
    nginx.send_signal(signal.SIGQUIT)
    nginx.wait(timeout=20)
    shutil.rmtree(static, ignore_errors=True)
    for node in nodes:
        node["proc"].terminate()
        node["proc"].wait(timeout=40)


def test_http_redirects_to_https_and_https_reaches_a_node(site):
    conn = http.client.HTTPConnection("127.0.0.1", site["http"], timeout=10)
    conn.request("GET", "/accounts/login/?next=/x", headers={"Host": "sects.up.gov.in"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == "https://sects.up.gov.in/accounts/login/?next=/x"
    response, body = Browser(site["https"]).get("/healthz")
    assert response.status == 200 and body == b"ok"
    assert "nginx/" not in response.headers.get("Server", "")  # server_tokens off


def test_the_portal_sees_https_through_nginx_and_redirects_plain_http_to_a_node(site):
    response, _ = Browser(site["https"]).get("/accounts/login/")
    assert response.status == 200  # no redirect loop: X-Forwarded-Proto https is believed
    assert response.headers["Strict-Transport-Security"].startswith("max-age=3600")  # sent on secure requests only
    node = site["nodes"][0]
    conn = http.client.HTTPConnection("127.0.0.1", node["port"], timeout=10)
    conn.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
    direct = conn.getresponse()
    assert direct.status == 301 and direct.headers["Location"].startswith("https://")


def test_static_files_come_from_nginx_compressed_and_cached(site):
    response, body = Browser(site["https"]).get("/static/css/portal.css", **{"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == site["css"]
    assert "immutable" in response.headers["Cache-Control"]
    assert all(b"/static/" not in node["log"].read_bytes() for node in site["nodes"])  # no node was asked
    assert Browser(site["https"]).get("/media/enrolment/photos/x.jpg")[0].status == 404


def test_a_body_over_the_upload_limit_is_refused_by_nginx(site):
    response, _ = Browser(site["https"]).request("POST", "/accounts/login/", body=b"x" * (11 * 1024 * 1024),
                                                 headers={"Content-Type": "application/octet-stream"})
    assert response.status == 413


def test_the_client_address_is_the_one_nginx_saw_not_the_one_the_client_claims(site, rf, settings):
    from portal.ratelimit import client_ip

    Browser(site["https"]).get("/healthz", **{"X-Forwarded-For": "203.0.113.9"})
    time.sleep(0.5)
    logged = b"".join(node["log"].read_bytes() for node in site["nodes"]).decode()
    forwarded = re.findall(r'^(203\.0\.113\.9, [^ ]+) "GET /healthz"', logged, re.M)
    assert forwarded == ["203.0.113.9, 127.0.0.1"]  # nginx appended the address it saw
    settings.TRUSTED_PROXY_COUNT = 1  # as in deploy/env/portal.env.template
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded[0], REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "127.0.0.1"


def test_a_session_started_on_one_node_works_on_the_other(site):
    node_a, node_b = site["nodes"]
    on_a = Browser(node_a["port"], https_port=site["https"])
    response, _ = on_a.login(site["username"], PASSWORD)
    assert response.status == 302 and response.headers["Location"] == "/dashboard/"
    on_b = Browser(node_b["port"], https_port=site["https"])
    on_b.cookies = on_a.cookies
    response, _ = on_b.get("/dashboard/")
    assert response.status == 302 and not response.headers["Location"].startswith("/accounts/login/")
    through_nginx = Browser(site["https"])
    through_nginx.cookies = on_a.cookies
    for _ in range(4):
        response, _ = through_nginx.get("/dashboard/")
        assert response.status == 302 and not response.headers["Location"].startswith("/accounts/login/")
    logged_out = Browser(node_b["port"], https_port=site["https"])
    assert logged_out.get("/dashboard/")[0].headers["Location"].startswith("/accounts/login/")


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: a shared cache for the rate limit")
def test_log_in_attempts_are_counted_across_nodes_in_the_shared_cache(site):
    pages = []
    for i in range(5):  # LOGIN_RATE_PER_IP=4 for the whole site, not 4 per node: a, b, a, b, a
        node = site["nodes"][i % 2]
        _, page = Browser(node["port"], https_port=site["https"]).login("NOSUCHUSER", "wrong-password")
        pages.append(page.decode())
    limited = [RATE_LIMITED in page for page in pages]
    assert limited == [False, False, False, False, True]


def test_requests_are_served_while_a_node_restarts(site):
    node = site["nodes"][1]
    browser = Browser(site["https"])
    node["proc"].send_signal(signal.SIGTERM)  # systemctl restart: graceful stop, then start again
    statuses = [browser.get("/healthz")[0].status for _ in range(10)]
    node["proc"].wait(timeout=40)
    statuses += [browser.get("/healthz")[0].status for _ in range(10)]  # node b is down
    log = node["log"]
    node["proc"] = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "portal.wsgi:application"], cwd=ROOT, env={**node["env"], "GUNICORN_BIND": f"127.0.0.1:{node['port']}"},
        stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_port(node["port"], node["proc"], log)
    statuses += [browser.get("/healthz")[0].status for _ in range(10)]
    assert statuses == [200] * 30
