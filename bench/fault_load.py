"""The processes and the browsers of the fault test (bench/fault.py): `Services` starts,
SIGKILLs and restarts Redis, the fake SMS gateway, the Celery worker and beat; `Load` is the
employees registering (with the OTP read from the gateway's log), the DDO verifying in bulk
and the state cell starting print batches."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import common
from common import ROOT, Client, log

sys.path.insert(0, str(ROOT))  # portal.checkdigit for the synthetic Aadhaar numbers

PASSWORD = "Bench-Fault-2026"
OTP_DLT_IDS = {"1107170000000000101", "1107170000000000102"}  # the "otp" template, hi and en
OTP_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
FAMILY_RE = re.compile(r"^/gateway/(EN[0-9A-Z]+)/$")
MEMBER_PHOTO_RE = re.compile(r'/gateway/EN[0-9A-Z]+/members/(\d+)/photo/')


class Services:
    """The processes the test starts, kills and restarts. Each runs in its own process group,
    so a SIGKILL takes the Celery worker's pool children with it (as a machine crash would)."""

    def __init__(self, env: dict, tmp: Path, redis_port: int, gateway_port: int, gateway_delay: float):
        self.env, self.tmp = env, tmp
        self.redis_port, self.gateway_port, self.gateway_delay = redis_port, gateway_port, gateway_delay
        self.procs: dict[str, subprocess.Popen | None] = {"worker": None, "beat": None, "redis": None, "gateway": None}
        self.events: list[dict] = []
        self.t0 = time.monotonic()
        self.lock = threading.Lock()

    def note(self, what: str, name: str) -> None:
        at = round(time.monotonic() - self.t0, 2)
        with self.lock:
            self.events.append({"t": at, "event": what, "service": name})
        log(f"t={at:6.1f}s {what} {name}")

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        out = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        out.close()
        return proc

    def start(self, name: str) -> None:
        if name == "redis":
            command = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                       "--appendonly", "no", "--dir", str(self.tmp), "--protected-mode", "yes"]
        elif name == "gateway":
            command = [sys.executable, str(ROOT / "bench" / "fake_sms_gateway.py"), "--port", str(self.gateway_port),
                       "--log", str(self.tmp / "gateway.jsonl"), "--delay", str(self.gateway_delay)]
        elif name == "beat":  # the one scheduler: the outbox sweep every 60 s, batches every 10 min
            command = [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel=WARNING",
                       "-s", str(self.tmp / "beat-schedule")]
        else:
            command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel=WARNING",
                       "--concurrency=2", "--without-gossip", "--without-mingle", "--hostname=fault@%h"]
        self.procs[name] = self._spawn(name, command)
        self.note("start", name)
        if name in ("redis", "gateway"):
            self._wait_port(self.redis_port if name == "redis" else self.gateway_port, name)

    def _wait_port(self, port: int, name: str) -> None:
        import socket

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit(f"{name} did not start on port {port}: {(self.tmp / f'{name}.log').read_text()[-2000:]}")

    def kill(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.procs[name] = None
        self.note("SIGKILL", name)

    def stop(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)  # Celery: warm shutdown, finishes the task in hand
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs[name] = None
        self.note("stop", name)

    def stop_all(self) -> None:
        for name in list(self.procs):
            try:
                self.stop(name)
            except ProcessLookupError:
                pass


def post_multipart(client: Client, path: str, fields: dict, files: dict) -> tuple[int, dict, bytes]:
    """`common.Client` sends only urlencoded forms: the photo upload needs multipart."""
    import http.client
    from http.cookies import SimpleCookie

    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, ctype) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept-Encoding": "identity",
            "Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            client.cookies[name] = morsel.value
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def photo_jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (210, 270), (200, 170, 150)).save(out, "JPEG", quality=80)
    return out.getvalue()


class Gateway:
    """Reads the fake gateway's log (the load's 'phones')."""

    def __init__(self, path: Path):
        self.path = path

    def otp_for(self, mobile: str, after_serial: int = 0) -> str | None:
        if not self.path.exists():
            return None
        code = None
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.endswith("}"):
                continue
            row = json.loads(line)
            if row["to"] == mobile and row["dlt_template_id"] in OTP_DLT_IDS and row["serial"] > after_serial:
                match = OTP_RE.search(row["text"])
                if match:
                    code = match.group(1)  # the latest one: a resent OTP replaces the first
        return code


class Load:
    """The browsers: employees registering (with the OTP SMS), the DDO verifying in bulk,
    the state cell starting print batches. Every step is retried with the same submit
    token / the same form until it succeeds, as a user pressing the button again would."""

    def __init__(self, port: int, info: dict, gateway: Gateway, services: Services, count: int):
        self.port, self.info, self.gateway, self.services = port, info, gateway, services
        self.registrations: list[dict] = []
        self.to_verify: list[str] = []
        self.verified: list[str] = []
        self.batches: list[str] = []
        self.errors: list[dict] = []
        self.lock = threading.Lock()
        self.count = count
        self.next = iter(range(count))
        self.photo = photo_jpeg()
        self.done = threading.Event()
        self.timings: dict[str, list[float]] = {"submit": [], "bulk_verify": [], "batch_create": []}

    def timed(self, name: str, t0: float) -> None:
        with self.lock:
            self.timings[name].append(round(time.monotonic() - t0, 3))

    def error(self, what: str, detail: str) -> None:
        with self.lock:
            self.errors.append({"t": round(time.monotonic() - self.services.t0, 2), "what": what, "detail": detail[:200]})

    def retry(self, what: str, fn, attempts: int = 40, wait: float = 1.0):
        for attempt in range(attempts):
            try:
                result = fn()
                if result is not None:
                    return result
                self.error(what, "unexpected answer")
            except Exception as exc:  # noqa: BLE001 - a dead connection, a 500: try again
                self.error(what, repr(exc))
            time.sleep(wait)
        raise RuntimeError(f"{what}: gave up after {attempts} attempts")

    # --- one registration --------------------------------------------------------------------

    def register(self, n: int) -> None:
        client = Client(self.port)
        code = self.info["office"]
        employee_id = f"FLT{n:05d}"
        mobile = f"7{(31_000_000 + n * 7919) % 1_000_000_000:09d}"
        from portal.checkdigit import verhoeff_digit  # plain Python, no Django

        digits = f"9{880_000_000 + n * 7:010d}"  # synthetic, as in the enrolment tests; never a palindrome here
        reg = {"employee_id": employee_id, "mobile": mobile, "token": str(uuid.uuid4())}
        with self.lock:
            self.registrations.append(reg)

        def step_new():
            client.cookies.pop("sessionid", None)
            token = client.csrf_token(f"/gateway/new/{code}/employee/")
            status, headers, body = client.request("POST", f"/gateway/new/{code}/employee/", {
                "csrfmiddlewaretoken": token, "name_en": "Sunita Devi", "name_hi": "सुनीता देवी",
                "guardian_name": "Ramesh Kumar", "date_of_birth": "1984-05-17", "gender": "female",
                "aadhaar": digits + verhoeff_digit(digits), "mobile": mobile, "email": f"flt{n}@example.in",
                "address": "12 Hazratganj, Lucknow", "employee_id": employee_id, "designation": "Staff Nurse",
                "date_of_joining": "2008-07-01", "pay_level": self.info["pay_levels"][n % len(self.info["pay_levels"])],
                "submit_token": reg["token"]})
            match = FAMILY_RE.match(headers.get("location", "")) if status == 302 else None
            if not match:
                raise RuntimeError(f"new family: {status} {headers.get('location', '')} {body[:300]!r}")
            return match.group(1)

        number = self.retry("register: details", step_new)
        reg["number"] = number

        def step_photo():
            status, _, body = client.request("GET", f"/gateway/{number}/")
            if status != 200:
                raise RuntimeError(f"family page {status}")
            if b"photo.jpg" in body:
                return True  # already uploaded by an attempt that lost its answer
            member = MEMBER_PHOTO_RE.search(body.decode())
            token = common.CSRF_RE.search(body)
            status, headers, body = post_multipart(
                client, f"/gateway/{number}/members/{member.group(1)}/photo/",
                {"csrfmiddlewaretoken": token.group(1).decode()}, {"photo": ("me.jpg", self.photo, "image/jpeg")})
            if status != 302:
                raise RuntimeError(f"photo {status} {body[:300]!r}")
            return True

        self.retry("register: photo", step_photo)
        serial_before = self._gateway_serial()

        def step_submit():
            status, _, body = client.request("GET", f"/gateway/{number}/")
            if status == 404:  # submitted by an attempt that lost its answer: this browser now needs the OTP
                return "submitted"
            token = common.CSRF_RE.search(body).group(1).decode()
            t0 = time.monotonic()
            status, headers, _ = client.request("POST", f"/gateway/{number}/submit/", {"csrfmiddlewaretoken": token})
            self.timed("submit", t0)
            if status == 302 and headers.get("location", "").endswith("/gateway/access/otp/"):
                return "submitted"
            raise RuntimeError(f"submit {status} {headers.get('location', '')}")

        self.retry("register: submit", step_submit)
        with self.lock:
            self.to_verify.append(number)

        # The OTP arrives by SMS (the gateway's log); ask again if it has not come in 45 s.
        deadline = time.monotonic() + 240
        asked_at = time.monotonic()
        while time.monotonic() < deadline:
            otp = self.gateway.otp_for(mobile, serial_before)
            if otp:
                try:
                    if self._open_with_otp(client, number, otp):
                        reg["opened"] = True
                        reg["otp_wait_s"] = round(time.monotonic() - asked_at, 2)
                        return
                except Exception as exc:  # noqa: BLE001
                    self.error("register: otp", repr(exc))
            if time.monotonic() - asked_at > 45:
                self.error("register: otp", "no OTP after 45 s: asking again")
                try:
                    self._access(client, number)
                except Exception as exc:  # noqa: BLE001
                    self.error("register: otp resend", repr(exc))
                asked_at = time.monotonic()
            time.sleep(0.5)
        self.error("register: otp", f"{number}: no usable OTP within 240 s")

    def _gateway_serial(self) -> int:
        path = self.gateway.path
        if not path.exists():
            return 0
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}")]
        return json.loads(lines[-1])["serial"] if lines else 0

    def _open_with_otp(self, client: Client, number: str, otp: str) -> bool:
        token = client.csrf_token("/gateway/access/otp/")
        status, headers, body = client.request("POST", "/gateway/access/otp/", {"csrfmiddlewaretoken": token, "otp": otp})
        if status == 302 and headers.get("location", "") == f"/gateway/{number}/":
            return True
        if status == 302 and headers.get("location", "").startswith("/gateway/access/"):
            self._access(client, number)  # the session lost the pending number: start the access again
        return False

    def _access(self, client: Client, number: str) -> None:
        token = client.csrf_token("/gateway/access/")
        client.request("POST", "/gateway/access/", {"csrfmiddlewaretoken": token, "number": number})

    def registrar(self) -> None:
        while True:
            with self.lock:
                n = next(self.next, None)
            if n is None:
                return
            try:
                self.register(n)
            except Exception as exc:  # noqa: BLE001
                self.error("register", repr(exc))

    # --- the DDO and the state cell ----------------------------------------------------------

    def ddo(self) -> None:
        client = Client(self.port)
        self.retry("ddo: log in", lambda: client.log_in(self.info["ddo"], PASSWORD) or True)
        while True:
            finished = self.done.is_set()
            with self.lock:
                numbers, self.to_verify = self.to_verify[:50], self.to_verify[50:]
            if numbers:
                def verify():
                    status, _, body = client.request("GET", "/office/families/")
                    token = common.CSRF_RE.search(body).group(1).decode()
                    t0 = time.monotonic()
                    status, headers, _ = client.request("POST", "/office/families/bulk-verify/",
                                                        {"csrfmiddlewaretoken": token, "number": numbers})
                    self.timed("bulk_verify", t0)
                    if status == 302 and headers.get("location", "").endswith("/office/families/"):
                        return True
                    raise RuntimeError(f"bulk verify {status} {headers.get('location', '')}")

                self.retry("ddo: bulk verify", verify)
                with self.lock:
                    self.verified.extend(numbers)
            elif finished:
                return
            time.sleep(2)

    def start_batch(self, limit: int) -> None:
        client = Client(self.port)
        self.retry("state: log in", lambda: client.log_in(self.info["state"], PASSWORD) or True)
        token = str(uuid.uuid4())

        def create():
            csrf = client.csrf_token("/state/cards/batches/")
            t0 = time.monotonic()
            status, headers, body = client.request("POST", "/state/cards/batches/new/", {
                "csrfmiddlewaretoken": csrf, "limit": str(limit), "token": token})
            self.timed("batch_create", t0)
            location = headers.get("location", "")
            if status == 302 and re.fullmatch(r"/state/cards/batches/PB[0-9A-Z]+/", location):
                return location.rstrip("/").rsplit("/", 1)[-1]
            raise RuntimeError(f"batch {status} {location} {body[:200]!r}")

        number = self.retry("state: print batch", create)
        with self.lock:
            self.batches.append(number)
        self.services.note(f"print batch {number} started", "load")
