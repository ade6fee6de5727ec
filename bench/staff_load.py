"""Load benchmark: N caseworkers at once against the server and PostgreSQL, with locust.

Target (SECURITY.md § Load, issue 8): 50 concurrent caseworkers, reads p95 ≤ 500 ms, writes p95
≤ 1 s, no error.

What one run does (stops by itself):

1. setup, with the Django ORM on the server's database: `--users` caseworkers `load.cw.NN` in the
   demo organisation (`demo-ngo`), round-robin over its teams, each with a confirmed TOTP device
   and a new session that passed the second factor (the keys the login and second-factor views
   store); each gets 40 non-protected persons of its team (no person shared by two users) and
   the three commonest surnames for the name search. Idempotent: users are reused, sessions new.
2. the server: either the one at `--host` (it must use the same DATABASE_URL and
   DJANGO_SECRET_KEY as this process, which signs the sessions), or, without `--host`, gunicorn
   started here as README.md § "Running it in production" runs it: `gunicorn casework.wsgi
   --workers 4 --timeout 60` on 127.0.0.1, the production settings module, DEBUG off,
   CASEWORK_DEMO unset, a fresh random DJANGO_SECRET_KEY, static files collected into a
   temporary STATIC_ROOT. Relaxed only for plain HTTP on loopback: DJANGO_SECURE_COOKIES=0 and
   DJANGO_HSTS_SECONDS=0 (no TLS in front of it here; DJANGO_BEHIND_TLS_PROXY stays unset, so
   there is no redirect to HTTPS).
3. `locust --headless` with bench/staff_locustfile.py (the mix is described there): all users
   started within `--spawn-seconds`, `--warmup` seconds not counted, then `--duration` seconds
   measured; locust stops at the end (a request under way is finished).
4. the report: per endpoint count / p50 / p95 / p99 / max / errors, from every request's own
   time (not locust's rounded percentiles); reads and writes p95; requests a second; CPU of
   gunicorn, PostgreSQL and locust and how busy the machine was over the measured window, and
   /proc/loadavg before and after (2 shared cores). `--json FILE` writes it all. Exit 1 when the
   target is missed.

Reproduce (PostgreSQL on 127.0.0.1:5432, user postgres, no password; the seeded template is made
as bench/pages.py says):

    .venv/bin/python bench/staff_load.py --template casework_bench100k_pristine \\
        --database casework_load --users 50 --warmup 30 --duration 120 --json /tmp/load.json
    make load LOAD_ARGS="--template casework_bench100k_pristine --database casework_load"

The run writes notes and status changes: `--template` recreates `--database` from the template
first (and migrates it); without it, use a copy, never a shared database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "staff_locustfile.py"
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
USER_PREFIX = "load.cw."
PERSONS_PER_USER = 40
READ_P95_MS = 500.0
WRITE_P95_MS = 1000.0
ENDPOINTS = [
    "home",
    "person_list",
    "person_list_q",
    "person_list_status",
    "person_detail",
    "api_persons",
    "note_form",
    "note_post",
    "status_form",
    "status_post",
]
WRITES = {"note_post", "status_post"}


# --- database and settings ----------------------------------------------------------------------


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", *PG, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True
    )


def server_env(database_url: str, static_root: Path, private_root: Path) -> dict[str, str]:
    """The production settings module, relaxed only for plain HTTP on loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CASEWORK_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="casework.settings",
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_STATIC_ROOT=str(static_root),
        CASEWORK_PRIVATE_ROOT=str(private_root),
        LOG_LEVEL="WARNING",
    )
    return env


def setup_users(n_users: int, org_slug: str) -> list[dict]:
    """Caseworkers with verified sessions and persons of their own (see the module's step 1)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casework.middleware import SESSION_EPOCH, SESSION_SEEN, SESSION_STARTED
    from casework.models import Membership, Organisation, Person, PersonName, Team, User

    org = Organisation.objects.get(slug=org_slug)
    teams = list(Team.objects.filter(organisation=org).order_by("id"))
    if not teams:
        raise SystemExit(f"organisation {org_slug} has no teams")
    users = []
    for i in range(n_users):
        team = teams[i % len(teams)]
        user, created = User.objects.get_or_create(
            username=f"{USER_PREFIX}{i + 1:02d}",
            defaults={"organisation": org, "role": "caseworker", "is_active": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.filter(user=user).exclude(team=team).delete()
        Membership.objects.get_or_create(user=user, team=team)
        TOTPDevice.objects.get_or_create(user=user, name="load", defaults={"confirmed": True})
        users.append((user, team))
    per_team = {}
    for team in teams:
        n = sum(1 for _, t in users if t.pk == team.pk)
        ids = (
            Person.objects.filter(team=team, organisation=org, merged_into__isnull=True)
            .exclude(sensitivity="protected")
            .order_by("public_id")
            .values_list("public_id", flat=True)[: n * PERSONS_PER_USER]
        )
        per_team[team.pk] = [str(x) for x in ids]
    surnames = list(
        PersonName.objects.filter(person__organisation=org)
        .exclude(family_name="")
        .values("family_name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("family_name", flat=True)[:3]
    )
    out = []
    taken: dict[int, int] = defaultdict(int)
    now = int(time.time())
    for user, team in users:
        k = taken[team.pk]
        taken[team.pk] += 1
        mine = per_team[team.pk][k * PERSONS_PER_USER : (k + 1) * PERSONS_PER_USER]
        if not mine:
            raise SystemExit(f"team {team} has too few persons for {user.username}")
        device = TOTPDevice.objects.get(user=user, name="load")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_STARTED] = now
        session[SESSION_SEEN] = now
        session[SESSION_EPOCH] = user.session_epoch
        session.create()
        out.append(
            {
                "username": user.username,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "session_key": session.session_key,
                "persons": mine,
                "surnames": surnames,
            }
        )
    connection.close()
    return out


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args, env: dict, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "casework.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "60",
    ]
    if args.threads > 1:
        cmd += ["--threads", str(args.threads)]
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


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(name, parent pid, CPU seconds incl. reaped children) of a process, or None if gone. A
    backend that ends between two readings is lost (gunicorn keeps its connections open)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2 :].split()
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    return name, int(rest[1]), sum(int(x) for x in rest[11:15]) / TICKS


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
        self.started_with: set[int] = set()
        self.done = threading.Event()

    def _read(self) -> dict[int, float]:
        found = {}
        for entry in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and self.marker in cmdline:
                stat = _stat(entry)
                if stat:
                    found[int(entry)] = stat[2]
        return found

    def run(self) -> None:
        initial = self._read()
        self.started_with = set(initial)
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


def cpu_snapshot(server_pid: int | None, locust_pid: int | None) -> dict:
    groups: dict[str, dict[int, float]] = {"server": {}, "locust": {}}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(entry)
        if stat is None:
            continue
        _name, ppid, cpu = stat
        pid = int(entry)
        if server_pid and (pid == server_pid or ppid == server_pid):
            groups["server"][pid] = cpu
        elif locust_pid and (pid == locust_pid or ppid == locust_pid):
            groups["locust"][pid] = cpu
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return {
        **groups,
        "busy": (sum(values) - values[3] - values[4]) / TICKS,
        "total": sum(values) / TICKS,
        "wall": time.monotonic(),
    }


def cpu_usage(a: dict, b: dict, postgres_seconds: float) -> dict:
    wall = b["wall"] - a["wall"]

    def cores(group: str) -> float:
        gone = sum(cpu for pid, cpu in a[group].items() if pid not in b[group])
        spent = sum(cpu - a[group].get(pid, 0.0) for pid, cpu in b[group].items()) - gone
        return round(spent / wall, 2)

    total = b["total"] - a["total"]
    return {
        "wall_s": round(wall, 1),
        "server_cores": cores("server"),
        "postgres_cores": round(postgres_seconds / wall, 2),
        "locust_cores": cores("locust"),
        "machine_busy_pct": round(100 * (b["busy"] - a["busy"]) / total, 1) if total else None,
        "cores": os.cpu_count(),
    }


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- statistics ---------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def read_samples(results_dir: Path) -> list[dict]:
    lines = []
    for path in sorted(results_dir.glob("samples-*.jsonl")):
        lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return lines


def summarise(samples: list[dict], measure_from: float, stop_at: float) -> dict:
    measured = [s for s in samples if measure_from <= s["t"] < stop_at]
    rows = {}
    for name in ENDPOINTS:
        mine = [s for s in measured if s["name"] == name]
        errors: dict[str, int] = defaultdict(int)
        for s in mine:
            if s["error"]:
                errors[s["error"][:60]] += 1
        ms = [s["ms"] for s in mine]
        rows[name] = {
            "write": name in WRITES,
            "count": len(mine),
            "p50": round(pct(ms, 50), 1),
            "p95": round(pct(ms, 95), 1),
            "p99": round(pct(ms, 99), 1),
            "max": round(max(ms), 1) if ms else None,
            "errors": dict(errors),
        }
    reads = [s["ms"] for s in measured if not s["write"]]
    writes = [s["ms"] for s in measured if s["write"]]
    errors = sum(1 for s in measured if s["error"])
    total = {
        "requests": len(measured),
        "rps": round(len(measured) / (stop_at - measure_from), 1),
        "read_p50": round(pct(reads, 50), 1),
        "read_p95": round(pct(reads, 95), 1),
        "read_p99": round(pct(reads, 99), 1),
        "write_p50": round(pct(writes, 50), 1),
        "write_p95": round(pct(writes, 95), 1),
        "write_p99": round(pct(writes, 99), 1),
        "errors": errors,
        "5xx": sum(1 for s in measured if (s["status"] or 0) >= 500),
    }
    total["meets_target"] = bool(
        measured
        and total["read_p95"] <= READ_P95_MS
        and total["write_p95"] <= WRITE_P95_MS
        and errors == 0
    )
    return {"endpoints": rows, "total": total}


def report(result: dict) -> str:
    t, cpu = result["total"], result["cpu"]
    lines = [
        f"`{result['command']}`",
        "",
        f"{result['when']}, commit {result['commit']}; {result['users']} caseworkers, "
        f"{result['warmup']} s warm-up, {result['duration']} s measured; server: "
        f"{result['server']}; load average {result['load_before']} before, "
        f"{result['load_after']} after.",
        "",
        "| endpoint | kind | requests | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in result["endpoints"].items():
        errs = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "0"
        lines.append(
            f"| {name} | {'write' if r['write'] else 'read'} | {r['count']} | {r['p50']} "
            f"| {r['p95']} | {r['p99']} | {r['max']} | {errs} |"
        )
    verdict = "MET" if t["meets_target"] else "MISSED"
    lines += [
        "",
        f"Reads p50/p95/p99 {t['read_p50']}/{t['read_p95']}/{t['read_p99']} ms (target p95 ≤ "
        f"{READ_P95_MS:.0f}); writes {t['write_p50']}/{t['write_p95']}/{t['write_p99']} ms "
        f"(≤ {WRITE_P95_MS:.0f}); {t['requests']} requests ({t['rps']}/s), {t['errors']} errors, "
        f"{t['5xx']} 5xx. Target **{verdict}**.",
        f"CPU over the measured window (cores, of {cpu['cores']}): server {cpu['server_cores']}, "
        f"PostgreSQL (this database's backends) {cpu['postgres_cores']}, "
        f"locust {cpu['locust_cores']}; machine {cpu['machine_busy_pct']} % busy. "
        "Error lines in the server's log: "
        f"{result['server_log_errors']}.",
    ]
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


def run_locust(args, host, users_file: Path, results_dir: Path, server_pid, database) -> dict:
    env = dict(os.environ, STAFF_LOAD_USERS=str(users_file), STAFF_LOAD_RESULTS=str(results_dir))
    run_time = args.warmup + args.duration
    cmd = [
        str(VENV_BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        f"{args.users / args.spawn_seconds:.3f}",
        "--run-time",
        f"{run_time}s",
        "--stop-timeout",
        "90",
        "--host",
        host,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    started = time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    time.sleep(args.warmup)
    backends = BackendSampler(database)
    backends.start()
    before = cpu_snapshot(server_pid, proc.pid)
    time.sleep(args.duration)
    after = cpu_snapshot(server_pid, proc.pid)
    postgres_seconds = backends.stop()
    proc.wait(timeout=run_time + 180)  # locust exits 1 when any request failed: counted below
    return {"started": started, "cpu": cpu_usage(before, after, postgres_seconds)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", help="a running server (else gunicorn is started here)")
    parser.add_argument("--database", default="casework_load", help="on 127.0.0.1, user postgres")
    parser.add_argument("--database-url", help="instead of --database (e.g. the --host's)")
    parser.add_argument("--template", help="recreate --database from this one first")
    parser.add_argument("--org", default="demo-ngo")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-seconds", type=float, default=10)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (README: 4)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 120):
        raise SystemExit("--duration in 1..600 s, --warmup in 0..120 s")
    if args.spawn_seconds > args.warmup:
        raise SystemExit("--spawn-seconds must fit in --warmup: every user runs when measured")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        raise SystemExit("--database: lower-case letters, digits and _ only")
    database_url = args.database_url or f"postgres://postgres@127.0.0.1:5432/{args.database}"
    if not database_url.startswith("postgres"):
        raise SystemExit("the load target is PostgreSQL")
    command = shlex.join([".venv/bin/python", "bench/staff_load.py", *sys.argv[1:]])
    print(command, flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="casework-staffload-"))
    results_dir = workdir / "samples"
    results_dir.mkdir()
    log_path = workdir / "gunicorn.log"
    env = server_env(database_url, workdir / "static", workdir / "private")
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "CASEWORK_"))})
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    server = None
    try:
        if args.template:
            if args.database_url:
                raise SystemExit("--template recreates --database, not a --database-url")
            psql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            psql(f'CREATE DATABASE "{args.database}" TEMPLATE "{args.template}"')
        manage = [sys.executable, "manage.py"]
        if args.template:
            migrate = [*manage, "migrate", "--noinput", "-v", "0"]
            subprocess.run(migrate, cwd=ROOT, env=env, check=True)
        print(f"setup: {args.users} caseworkers in {args.org} …", flush=True)
        users = setup_users(args.users, args.org)
        users_file = workdir / "users.json"
        users_file.write_text(json.dumps(users))
        host = args.host
        server_desc = f"{host} (running)"
        if host is None:
            subprocess.run(
                [*manage, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
            )
            server, host = start_server(args, env, log_path)
            server_desc = f"gunicorn casework.wsgi --workers {args.workers}" + (
                f" --threads {args.threads}" if args.threads > 1 else ""
            )
        parsed = urllib.parse.urlsplit(host)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SystemExit("--host: a URL such as http://127.0.0.1:8000")
        load_before = loadavg()
        print(f"locust: {args.users} users against {host}", flush=True)
        database = urllib.parse.urlsplit(database_url).path.lstrip("/")
        server_pid = server.pid if server else None
        ran = run_locust(args, host, users_file, results_dir, server_pid, database)
        load_after = loadavg()
        if server is not None:
            stop_server(server)
        measure_from = ran["started"] + args.warmup
        result = summarise(read_samples(results_dir), measure_from, measure_from + args.duration)
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        error_lines = [
            line
            for line in log.splitlines()
            if any(m in line for m in (" ERROR ", "Traceback", "[CRITICAL]", "TIMEOUT"))
        ]
        result.update(
            command=command,
            commit=subprocess.run(
                ["git", "describe", "--always", "--dirty"],
                cwd=ROOT,
                capture_output=True,
                text=True,
            ).stdout.strip(),
            when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            users=args.users,
            warmup=args.warmup,
            duration=args.duration,
            server=server_desc,
            load_before=load_before,
            load_after=load_after,
            cpu=ran["cpu"],
            server_log_errors=len(error_lines),
            server_log_tail=error_lines[:20],
        )
        print()
        print(report(result))
        for line in error_lines[:20]:
            print("  server:", line)
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
        return 0 if result["total"]["meets_target"] else 1
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
