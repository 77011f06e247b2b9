"""Shared pieces of the load benchmarks (bench/run.py, bench/enrolment.py).

A throw-away PostgreSQL database, the environment every child process gets, gunicorn on a
free port, a Python http.client load generator with N client threads (`run_scenario`), the
CPU accounting of the client, gunicorn, the benchmark database's PostgreSQL backends and
everything else, percentiles, and the machine facts for the results file. Nothing here
knows about a particular page: each benchmark passes its own requests as `setup`/`step`.

Environment shared by every benchmark (all optional):
    BENCH_SECONDS        15     measured seconds per scenario
    BENCH_WARMUP         2      unmeasured seconds before each scenario
    BENCH_CONCURRENCY    8      client threads, one keep-alive connection each
    BENCH_WORKERS        2      gunicorn sync workers (--threads 1)
    BENCH_DB_CONN_MAX_AGE 60    persistent database connections, as in production
    BENCH_KEEP_DB        unset  1 keeps the database (and the temporary directory)
"""

import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.cookies import CookieError, SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

try:
    import psycopg
    from psycopg import sql
except ImportError:  # started with the system Python: use the project's venv instead
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.executable).resolve() != venv_python.resolve():
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    raise

SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
DB_CONN_MAX_AGE = os.environ.get("BENCH_DB_CONN_MAX_AGE", "60")
KEEP_DB = os.environ.get("BENCH_KEEP_DB", "") not in ("", "0", "false", "no")

CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- database and server ---------------------------------------------------------------

def _admin_url(url: str) -> tuple[str, str]:
    """(URL of the maintenance database on the same server, name of the benchmark database)."""
    parts = urllib.parse.urlsplit(url)
    name = urllib.parse.unquote(parts.path.lstrip("/"))
    if not name:
        sys.exit("BENCH_DATABASE_URL must name a database")
    if "bench" not in name and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
        sys.exit(f"refusing to drop database {name!r}: its name does not contain 'bench' (BENCH_ALLOW_ANY_DB=1 overrides)")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(url: str) -> dict:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_facts(url)


def database_facts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {
            "version": conn.execute("SHOW server_version").fetchone()[0],
            "version_full": conn.execute("SELECT version()").fetchone()[0],
            "work_mem": conn.execute("SHOW work_mem").fetchone()[0],
            "shared_buffers": conn.execute("SHOW shared_buffers").fetchone()[0],
            "max_connections": conn.execute("SHOW max_connections").fetchone()[0],
        }


def drop_database(url: str) -> None:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def server_env(var_dir: str, db_url: str) -> dict:
    env = dict(os.environ)
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "PORTAL_ENV", "DEMO_MODE", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": db_url,
        "PORTAL_VAR_DIR": var_dir,
        # The production default (0 in the demo): the state-wide dashboard keeps its count 2 minutes.
        "REPORTS_LIVE_CACHE_SECONDS": os.environ.get("REPORTS_LIVE_CACHE_SECONDS", "120"),
        "SMS_BACKEND": "demo",  # messages go to the demo inbox table: nothing printed, nothing sent
        "EMAIL_CHANNEL_BACKEND": "demo",
        "CELERY_EAGER": "true",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": DB_CONN_MAX_AGE,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def bench_script(env: dict, script: str, *args: str) -> dict:
    """Run a Django-side helper (bench/<script>) with the server's environment; its last
    line of output is JSON."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], check=False, cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"bench/{script} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_path() -> str:
    for candidate in (Path(sys.executable).parent / "gunicorn", ROOT / ".venv" / "bin" / "gunicorn"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("gunicorn")
    if not found:
        sys.exit("gunicorn is not installed in the venv (make venv)")
    return found


def start_gunicorn(env: dict, port: int, logfile: Path, workers: int | None = None) -> subprocess.Popen:
    command = [gunicorn_path(), "portal.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers or WORKERS),
               "--threads", "1", "--chdir", str(ROOT), "--error-logfile", "-", "--log-level", "warning"]
    with open(logfile, "wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}:\n{logfile.read_text(errors='replace')[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200 and body == b"ok":
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit(f"gunicorn did not answer /healthz within 60 s:\n{logfile.read_text(errors='replace')[-3000:]}")


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM: graceful shutdown of the master and its workers
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- CPU accounting (who used the two cores) --------------------------------------------

def _proc_stat(pid: int) -> tuple[str, int, float, float] | None:
    """(command name, parent pid, CPU seconds, CPU seconds of its reaped children) of a
    process, from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks, (int(fields[13]) + int(fields[14])) / ticks


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_bench_backend(pid: int, database: str) -> bool:
    """A PostgreSQL backend serving the benchmark database ("postgres: 15/main: user db host ...")."""
    return f" {database} " in _cmdline(pid)


_PARALLEL_WORKER = re.compile(r"parallel worker for PID (\d+)")


def _machine_ticks() -> tuple[int, int]:
    """(all, idle) CPU ticks of the machine since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, IndexError, ValueError):
        return 0, 0
    return sum(values), values[3] + values[4]


class CpuMonitor(threading.Thread):
    """Samples the CPU time of gunicorn (master and workers) and of the PostgreSQL backends
    serving the benchmark database every half second. Per process, so that a backend that
    exits in between (DB_CONN_MAX_AGE recycles connections) keeps what it used.

    PostgreSQL's parallel-query workers live for one query (tens of milliseconds), so most
    are never seen by a sample, and their title names no database. Their CPU is found
    through the postmaster instead: the kernel adds an exited child's CPU time to its
    parent's "children" counters when the parent reaps it. What the postmaster's children
    used during the window, minus what the samples already saw of children that exited,
    is reported as `postgres_short_lived_cores` and counted with PostgreSQL. On a quiet
    machine that is the benchmark's parallel workers; a short connection of another
    database would land there too."""

    INTERVAL = 0.5

    def __init__(self, gunicorn_pid: int, database: str):
        super().__init__(daemon=True)
        self.gunicorn_pid = gunicorn_pid
        self.database = database
        self.first: dict[int, tuple[str, float]] = {}
        self.last: dict[int, float] = {}
        self.exited: set[int] = set()
        self.postmasters: dict[int, float] = {}  # pid -> reaped children's CPU at the start
        self.done = threading.Event()

    def _postmaster_children(self) -> dict[int, float]:
        out = {}
        for pid in self.postmasters:
            stat = _proc_stat(pid)
            if stat is not None:
                out[pid] = stat[3]
        return out

    def sample(self, initial: bool = False) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            if pid in self.first:
                stat = _proc_stat(pid)
                if stat is not None:
                    self.last[pid] = stat[2]
                continue
            stat = _proc_stat(pid)
            if stat is None:
                continue
            name, ppid, seconds, _ = stat
            if pid == self.gunicorn_pid or ppid == self.gunicorn_pid:
                group = "server"
            elif name.startswith("postgres") and ppid in self.postmasters:
                title = _cmdline(pid)
                worker = _PARALLEL_WORKER.search(title)
                if f" {self.database} " in title or (
                        worker and self.first.get(int(worker.group(1)), ("",))[0] == "postgres"):
                    group = "postgres"  # only the benchmark database's backends and their parallel workers
                else:
                    group = "postgres_other"  # other databases, background processes: not ours
            else:
                continue
            # A process first seen after the start began during the window: all its time counts.
            self.first[pid] = (group, seconds if initial else 0.0)
            self.last[pid] = seconds
        for pid in self.first:
            if pid not in self.exited and not Path(f"/proc/{pid}").exists():
                self.exited.add(pid)

    def _find_postmasters(self) -> None:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = _proc_stat(int(entry.name))
                if stat and stat[0].startswith("postgres") and "bin/postgres" in _cmdline(int(entry.name)):
                    parent = _proc_stat(stat[1])
                    if not parent or not parent[0].startswith("postgres"):
                        self.postmasters[int(entry.name)] = stat[3]

    def start(self) -> None:
        self._find_postmasters()
        self.client0 = time.process_time()
        self.machine0 = _machine_ticks()
        self.t0 = time.perf_counter()
        self.sample(initial=True)
        super().start()

    def run(self) -> None:
        while not self.done.wait(self.INTERVAL):
            self.sample()

    def stop(self) -> dict:
        self.done.set()
        self.join()
        self.sample()
        reaped = sum(self._postmaster_children().get(pid, start) - start for pid, start in self.postmasters.items())
        wall = time.perf_counter() - self.t0
        client = time.process_time() - self.client0
        used = {"server": 0.0, "postgres": 0.0, "postgres_other": 0.0}
        for pid, (group, first) in self.first.items():
            used[group] += self.last.get(pid, first) - first
        # Children of the postmaster that exited in the window: their whole CPU time is in
        # `reaped`; what the samples saw of them is already counted above.
        seen_exited = sum(self.last.get(pid, 0.0) for pid in self.exited if self.first[pid][0] != "server")
        short_lived = max(0.0, reaped - seen_exited)
        used["postgres"] += short_lived
        total1, idle1 = _machine_ticks()
        total = total1 - self.machine0[0]
        busy = total - (idle1 - self.machine0[1])
        busy_cores = busy / os.sysconf("SC_CLK_TCK") / wall if total else None
        return {
            # CPU seconds per wall second: 1.0 is one whole core.
            "load_generator_cores": round(client / wall, 2),
            "gunicorn_cores": round(used["server"] / wall, 2),
            "postgres_cores": round(used["postgres"] / wall, 2),
            "postgres_short_lived_cores": round(short_lived / wall, 2),
            "machine_cores_busy": round(busy_cores, 2) if busy_cores is not None else None,
            # Whatever else ran on the machine meanwhile (other processes, kernel): should be ~0.
            "other_cores": round(busy_cores - (client + used["server"] + used["postgres"]) / wall, 2)
            if busy_cores is not None else None,
        }


def machine_busy(seconds: float = 2.0) -> float | None:
    """Cores kept busy by anything, sampled over `seconds` while the benchmark is idle."""
    total0, idle0 = _machine_ticks()
    time.sleep(seconds)
    total1, idle1 = _machine_ticks()
    if not total1:
        return None
    return round(((total1 - total0) - (idle1 - idle0)) / os.sysconf("SC_CLK_TCK") / seconds, 2)


# --- the HTTP client ----------------------------------------------------------------------

class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar. gunicorn's sync workers answer
    `Connection: close`, so against them every request opens a new connection; the client
    reconnects by itself and counts how often it had to."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.connections = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, fields: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {"Accept": "text/html", "Accept-Encoding": "identity"}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.connections += 1
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if reused and attempt == 1:
                    continue  # the server closed an idle keep-alive connection: retry once
                raise
            break
        if response.will_close:
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def csrf_token(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        match = CSRF_RE.search(body)
        if status != 200 or not match or "csrftoken" not in self.cookies:
            raise RuntimeError(f"GET {path}: no CSRF token (status {status})")
        return match.group(1).decode()

    def log_in(self, username: str, password: str) -> None:
        token = self.csrf_token("/accounts/login/")
        status, headers, _ = self.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": username, "password": password})
        if status != 302 or not headers.get("location", "").endswith("/dashboard/") or "sessionid" not in self.cookies:
            raise RuntimeError(f"log-in as {username} failed: {status} -> {headers.get('location')}")


# --- scenarios ---------------------------------------------------------------------------

def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_scenario(name: str, port: int, gunicorn_pid: int, setup, step, concurrency: int | None = None, *,
                 database: str, think: float = 0.0) -> dict:
    """`setup(client, i)` prepares thread i (not timed); `step(client, i)` makes one request
    and returns None on success or a short error text. `database`: the benchmark database,
    whose PostgreSQL backends the CPU accounting counts. `think` > 0: each client pauses a
    random 0.5–1.5 × `think` seconds after each response (a user reading the page), which is
    not part of the latency; 0 is a closed loop, the next request as soon as one is answered."""
    times: dict[str, float] = {}
    clients = concurrency or CONCURRENCY

    def start_clock():
        now = time.perf_counter()
        times["warm_end"] = now + WARMUP
        times["end"] = now + WARMUP + SECONDS

    barrier = threading.Barrier(clients + 1, action=start_clock)
    per_thread = [{"latencies": [], "errors": 0, "samples": [], "last": 0.0, "warm_ok": 0, "connections": 0,
                   "carried": 0}
                  for _ in range(clients)]
    setup_errors: list[str] = []

    def worker(i: int) -> None:
        mine = per_thread[i]
        pause = random.Random(i).uniform  # the same pauses in every run
        client = Client(port)
        try:
            setup(client, i)
        except Exception as exc:  # noqa: BLE001 - reported, the scenario then fails
            setup_errors.append(f"thread {i}: {exc!r}")
            barrier.wait()
            return
        barrier.wait()
        connections_at_start = None
        while True:
            t0 = time.perf_counter()
            if t0 >= times["end"]:
                break
            measured = t0 >= times["warm_end"]
            if measured and connections_at_start is None:
                connections_at_start = client.connections
            try:
                error = step(client, i)
            except Exception as exc:  # noqa: BLE001
                error = repr(exc)[:200]
                client.close()
            t1 = time.perf_counter()
            if not measured:
                mine["warm_ok"] += error is None
                # Started in the warm-up, served (and its CPU spent) inside the measured window.
                mine["carried"] += error is None and t1 >= times["warm_end"]
                if think:
                    time.sleep(pause(0.5 * think, 1.5 * think))
                continue
            if error is None:
                mine["latencies"].append(t1 - t0)
            else:
                mine["errors"] += 1
                if len(mine["samples"]) < 3:
                    mine["samples"].append(error)
            mine["last"] = t1
            if think:
                time.sleep(min(pause(0.5 * think, 1.5 * think), max(0.0, times["end"] - time.perf_counter())))
        mine["connections"] = client.connections - (connections_at_start or client.connections)
        client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    while time.perf_counter() < times["warm_end"]:
        time.sleep(0.01)
    monitor = CpuMonitor(gunicorn_pid, database)
    monitor.start()
    for t in threads:
        t.join()
    wall = max([m["last"] for m in per_thread] + [times["end"]]) - times["warm_end"]
    cpu = monitor.stop()

    latencies = sorted(x for m in per_thread for x in m["latencies"])
    errors = sum(m["errors"] for m in per_thread)
    ok = len(latencies)
    ms = [x * 1000 for x in latencies]
    result = {
        "requests": ok + errors,
        "ok": ok,
        "errors": errors + len(setup_errors),
        "error_samples": setup_errors[:3] + [s for m in per_thread for s in m["samples"]][:5],
        "seconds": round(wall, 3),
        "rps": round(ok / wall, 1) if wall > 0 else 0.0,
        "latency_ms": {
            "mean": round(sum(ms) / ok, 2) if ok else None,
            "p50": round(percentile(ms, 50), 2) if ok else None,
            "p90": round(percentile(ms, 90), 2) if ok else None,
            "p95": round(percentile(ms, 95), 2) if ok else None,
            "p99": round(percentile(ms, 99), 2) if ok else None,
            "max": round(ms[-1], 2) if ok else None,
        },
        "tcp_connections_opened": sum(m["connections"] for m in per_thread),
        "warmup_ok": sum(m["warm_ok"] for m in per_thread),
        # What the server finished while the CPU monitor ran: the measured requests plus those
        # started in the warm-up; CPU per request divides by this, not by `ok`.
        "served_in_window": ok + sum(m["carried"] for m in per_thread),
        "cpu": cpu,
        "concurrency": clients,
        "think_seconds": think,
    }
    lat = result["latency_ms"]
    log(f"{name:<16} {result['rps']:>8.1f} req/s  p50 {lat['p50']} ms  p95 {lat['p95']} ms  errors {result['errors']}")
    return result


# --- report ------------------------------------------------------------------------------

def machine_facts(pg: dict) -> dict:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    import django
    import gunicorn

    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_mb": memory_mb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "psycopg": psycopg.__version__,
        "postgresql": pg["version"],
        "postgresql_full": pg["version_full"],
        "postgresql_settings": {k: pg[k] for k in ("work_mem", "shared_buffers", "max_connections")},
        "load_generator": "same machine: Python http.client, one process, one thread per client",
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None,
    }


def summarise_explain(report: dict) -> dict:
    out = {}
    for path, page in report.items():
        queries = page["queries"]
        slowest = sorted(queries, key=lambda q: q["seconds"], reverse=True)[:2]
        out[path] = {
            "status": page["status"],
            "in_process_seconds": page["seconds"],
            "queries": len(queries),
            "db_ms": round(sum(q["seconds"] for q in queries) * 1000, 1),
            "slowest": [
                {"ms": round(q["seconds"] * 1000, 1), "sql": q["sql"][:400] + ("…" if len(q["sql"]) > 400 else ""),
                 "plan": q.get("plan", [])}
                for q in slowest
            ],
        }
    return out


