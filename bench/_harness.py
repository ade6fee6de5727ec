"""What the benchmarks that run the application share (`pages.py`, `staff_load.py`,
`public_form_load.py`): PostgreSQL on 127.0.0.1 by `psql`, gunicorn started and stopped as the
README runs it in production, CPU read from /proc (the machine is shared: only the processes of
the run count), and a browser session that passed the second factor.

Imported as a sibling (`import _harness`): the scripts run as `python bench/<script>.py`.
"""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]


# --- PostgreSQL ---------------------------------------------------------------------------------


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", *PG, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True
    )


def recreate_database(database: str, template: str | None = None) -> None:
    """Drop `database` and create it afresh (a copy of `template` when given)."""
    if database == template:
        raise SystemExit("the database must not be the template itself")
    psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else ""))


# --- settings -----------------------------------------------------------------------------------


def production_env(
    database_url: str,
    *,
    allowed_hosts: str,
    static_root: Path,
    private_root: Path,
    log_level: str = "WARNING",
    secret_key: str | None = None,
) -> dict[str, str]:
    """This process's environment with the production settings module (`casework.settings`,
    DEBUG off, a fresh random secret key unless one is given), relaxed only for plain HTTP on
    loopback (no secure cookies, no HSTS); every other DJANGO_* and CASEWORK_* variable is
    dropped, so nothing of a developer's shell leaks into the measurement."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CASEWORK_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="casework.settings",
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=secret_key or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=allowed_hosts,
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_STATIC_ROOT=str(static_root),
        CASEWORK_PRIVATE_ROOT=str(private_root),
        # A fresh key of the files at rest, as production needs one (README: Security).
        CASEWORK_FILE_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        LOG_LEVEL=log_level,
    )
    return env


def setup_in_process(database: str, workdir: Path, *, collect_static: bool = False) -> dict:
    """Django set up in this process on `database` with the production settings (relaxed only for
    the test client's plain HTTP), migrated: a template seeded before the newest migrations
    (indexes) gets them now, else a no-op. Returns the environment it set."""
    import sys

    env = production_env(
        f"postgres://postgres@127.0.0.1:5432/{database}",
        allowed_hosts="testserver",
        static_root=workdir / "static",
        private_root=workdir / "private",
        log_level="ERROR",
    )
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    if collect_static:
        call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    return env


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    env: dict, log_path: Path, *, workers: int, threads: int = 1, bin_dir: Path
) -> tuple[subprocess.Popen, str]:
    """`gunicorn casework.wsgi --workers N --timeout 60` on a free loopback port, in its own
    process group; returns it and its URL once /health/ answers 200 (at most 40 s)."""
    port = free_port()
    cmd = [
        str(bin_dir / "gunicorn"),
        "casework.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
    ]
    if threads > 1:
        cmd += ["--threads", str(threads)]
    log = open(log_path, "ab")  # noqa: SIM115 (the child keeps it)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    log.close()
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"gunicorn did not answer /health/ within 40 s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the whole process group (master and workers), SIGKILL after 30 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


# --- CPU from /proc -----------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: str) -> tuple[str, int, float] | None:
    """(name, parent pid, CPU seconds incl. reaped children) of a process, or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2 :].split()
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    return name, int(rest[1]), sum(int(x) for x in rest[11:15]) / TICKS


def process_tree_cpu(*roots: int | None) -> list[dict[int, float]]:
    """For each root pid (None: none), the CPU seconds of it and its children, by pid."""
    groups: list[dict[int, float]] = [{} for _ in roots]
    for entry in filter(str.isdigit, os.listdir("/proc")):
        stat = proc_stat(entry)
        if stat is None:
            continue
        _name, ppid, cpu = stat
        pid = int(entry)
        for group, root in zip(groups, roots, strict=True):
            if root and (pid == root or ppid == root):
                group[pid] = cpu
                break
    return groups


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds a group of processes spent between two readings: a process gone by `after`
    has its time in its parent's reaped-children time."""
    gone = sum(cpu for pid, cpu in before.items() if pid not in after)
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items()) - gone


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class BackendSampler(threading.Thread):
    """CPU seconds of the PostgreSQL backends connected to one database, read every 0.5 s over
    the measured window. The machine is shared (other databases, other engineers' test runs):
    only this database's backends count. Django reopens its connections every DB_CONN_MAX_AGE
    seconds, so backends come and go within the window: each is read while it lives (one that
    ends loses at most its last half second)."""

    def __init__(self, database: str):
        super().__init__(daemon=True)
        self.marker = f" {database} ".encode()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.done = threading.Event()

    def _read(self) -> dict[int, float]:
        found = {}
        for entry in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and self.marker in cmdline:
                stat = proc_stat(entry)
                if stat:
                    found[int(entry)] = stat[2]
        return found

    def run(self) -> None:
        initial = self._read()
        self.first.update(initial)
        self.last.update(initial)
        while not self.done.wait(0.5):
            for pid, cpu in self._read().items():
                self.first.setdefault(pid, 0.0)  # a backend born in the window
                self.last[pid] = cpu

    def stop(self) -> float:
        self.done.set()
        self.join()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


# --- sessions -----------------------------------------------------------------------------------


def verified_session(user, device=None) -> str:
    """A new session for `user` holding what the login and second-factor views store for a user
    who passed both; `device`: their confirmed TOTP device (else their first). Needs Django set
    up."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casework.middleware import SESSION_EPOCH, SESSION_SEEN, SESSION_STARTED

    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        raise SystemExit(f"{user.username} has no confirmed TOTP device: not a seeded database?")
    now = int(time.time())
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now
    session[SESSION_EPOCH] = user.session_epoch
    session.create()
    return session.session_key
