"""Load benchmark: N concurrent caseworkers against gunicorn + PostgreSQL (SECURITY.md § "Load").

Target: 50 concurrent caseworkers, reads p95 ≤ 500 ms, writes p95 ≤ 1 s, zero 5xx.

What one run does (all on 127.0.0.1, stops by itself):

1. setup (Django ORM, the same settings as the server): creates or reuses `--users` caseworkers
   `load.cw.NN` in the demo organisation (`demo-ngo`), spread round-robin over its teams, each
   with a confirmed TOTP device, and builds an authenticated, second-factor-verified session for
   each (the session keys the login + 2FA views would set). Each user gets its own slice of
   non-protected persons of its team (no two virtual users share a person, so a 409 would be a
   real bug, not a test artefact) and the three commonest surnames for searches.
2. collectstatic into a temporary STATIC_ROOT, then starts gunicorn (`--workers`, `--threads`)
   with a fresh random DJANGO_SECRET_KEY, DEBUG off, CASEWORK_DEMO unset.
3. one thread per virtual user, plain `http.client` keep-alive connections (a request on one
   the server already closed is re-sent once on a new one, as browsers do), think time
   0.5–2 s between actions. Mix (weights): home 10, person list 15, list ?q=<surname> 15,
   list ?status=located 10, person detail 25, API /api/v1/persons/ 10, add a note 10 (GET the
   form, think, POST with the CSRF token), change the status 5 (GET the form, pick an allowed
   move, POST with the version). Redirects are not followed: a POST must answer 302 to the
   person, a GET 200; anything else is an error, listed by status.
   Setup also runs ANALYZE (see `setup_users`; `--no-analyze` skips it).
4. `--warmup` seconds not counted, then `--duration` seconds measured; per-endpoint
   count/p50/p95/p99/max, errors by status, CPU of gunicorn, PostgreSQL, the load generator
   and the whole machine over the measured window. The server is stopped at the end.

Reproduce from a clean checkout (PostgreSQL on 127.0.0.1:5432, user postgres, no password):

    make install
    # a database with 100,000 seeded persons, either a copy of an existing seeded one ...
    createdb -h 127.0.0.1 -U postgres -T casework_seedbench casework_load
    # ... or built from scratch (~4 min):
    #   createdb -h 127.0.0.1 -U postgres casework_load
    #   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_load
    #   DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python manage.py migrate
    #   DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python manage.py seed_demo --persons 100000
    .venv/bin/python bench/load_test.py --users 50 --warmup 20 --duration 90 --runs 2 \
        --json /tmp/load.json
    # or: make load LOAD_ARGS="--runs 2"

The benchmark writes notes and status changes into that database: use a copy, not a shared one.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/casework_load"
USER_PREFIX = "load.cw."
PERSONS_PER_USER = 40
READ_P95_MS = 500.0
WRITE_P95_MS = 1000.0

# endpoint name -> is a write
ENDPOINTS = {
    "home": False,
    "person_list": False,
    "person_list_q": False,
    "person_list_status": False,
    "person_detail": False,
    "api_persons": False,
    "note_form": False,
    "note_post": True,
    "status_form": False,
    "status_post": True,
}
ACTIONS = [
    ("home", 10),
    ("person_list", 15),
    ("person_list_q", 15),
    ("person_list_status", 10),
    ("person_detail", 25),
    ("api_persons", 10),
    ("note", 10),
    ("status", 5),
]
# Moves a caseworker is offered that end a case: avoided when another move is possible, so that
# the persons keep moving along the active path across runs.
EXIT_STATUSES = {"not_traceable", "closed_other", "deceased"}


# --- setup (Django ORM) --------------------------------------------------------------------------


@dataclass
class VirtualUser:
    username: str
    session_key: str
    persons: list[str]
    surnames: list[str]


def setup_users(n_users: int, org_slug: str, analyze: bool) -> list[VirtualUser]:
    """Idempotent: users, memberships and devices are reused; sessions are new each time.

    With `analyze`, runs ANALYZE first: the PostgreSQL on this machine runs with autovacuum off,
    so a freshly seeded or copied database has no planner statistics at all (a production server
    with autovacuum on collects them by itself)."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casework.middleware import SESSION_EPOCH, SESSION_SEEN, SESSION_STARTED
    from casework.models import Membership, Organisation, Person, PersonName, Team, User

    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    org = Organisation.objects.get(slug=org_slug)
    teams = list(Team.objects.filter(organisation=org).order_by("id"))
    if not teams:
        raise SystemExit(f"organisation {org_slug} has no teams")
    users: list[tuple[User, Team]] = []
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

    # Each team's persons are split between that team's virtual users: no shared person.
    per_team: dict[int, list[str]] = {}
    for team in teams:
        n = sum(1 for _, t in users if t.pk == team.pk)
        ids = (
            Person.objects.filter(team=team, organisation=org)
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
        out.append(VirtualUser(user.username, session.session_key, mine, surnames))
    connection.close()
    return out


# --- the server ----------------------------------------------------------------------------------


def server_env(args, static_root: str, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CASEWORK_DEMO", None)
    env.pop("DJANGO_DEBUG", None)
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="casework.settings",
        DJANGO_SECRET_KEY=secret,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_STATIC_ROOT=static_root,
        LOG_LEVEL="WARNING",
    )
    return env


def start_server(args, env, log_path: Path) -> subprocess.Popen:
    venv_bin = Path(sys.executable).parent
    cmd = [
        str(venv_bin / "gunicorn"),
        "casework.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--timeout",
        "60",
    ]
    log = open(log_path, "ab")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.time() + 40
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"gunicorn did not answer /health/ in 40 s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- CPU accounting from /proc -------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds) of a process, or None if it is gone. The CPU time includes the
    children it has reaped (PostgreSQL's per-query parallel workers and ended backends, gunicorn's
    restarted workers), so short-lived processes are not lost between two snapshots."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    return comm, int(rest[1]), sum(int(x) for x in rest[11:15]) / TICKS


def cpu_snapshot(server_pid: int) -> dict:
    """CPU seconds by group: gunicorn (master + workers), postgres, this process, whole machine."""
    groups: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres": {}}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _proc_stat(int(entry))
        if stat is None:
            continue
        comm, ppid, cpu = stat
        if int(entry) == server_pid or ppid == server_pid:
            groups["gunicorn"][int(entry)] = cpu
        elif comm == "postgres" or comm.startswith("postgres"):
            groups["postgres"][int(entry)] = cpu
    t = os.times()
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + values[4]
    return {
        **groups,
        "self": t.user + t.system,
        "machine_busy": (sum(values[:8]) - idle) / TICKS,
        "machine_total": sum(values[:8]) / TICKS,
        "wall": time.monotonic(),
    }


def cpu_usage(a: dict, b: dict) -> dict:
    wall = b["wall"] - a["wall"]

    def group(name):
        # A process gone by the second snapshot has its whole time in its parent's cutime.
        gone = sum(cpu for pid, cpu in a[name].items() if pid not in b[name])
        return sum(cpu - a[name].get(pid, 0.0) for pid, cpu in b[name].items()) - gone

    busy = b["machine_busy"] - a["machine_busy"]
    total = b["machine_total"] - a["machine_total"]
    return {
        "wall_s": round(wall, 1),
        "gunicorn_cores": round(group("gunicorn") / wall, 2),
        "postgres_cores": round(group("postgres") / wall, 2),
        "loadgen_cores": round((b["self"] - a["self"]) / wall, 2),
        "machine_busy_pct": round(100 * busy / total, 1) if total else None,
        "cores": os.cpu_count(),
    }


# --- the virtual caseworker ----------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
SELECT_TO_RE = re.compile(r'<select name="to".*?</select>', re.S)
OPTION_RE = re.compile(r'<option value="([a-z_]+)"')


@dataclass
class Sample:
    name: str
    status: int | str
    ms: float
    started: float


@dataclass
class Shared:
    port: int
    measure_from: float
    stop_at: float
    max_requests: int
    actions: list[tuple[str, int]]
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0


class Caseworker(threading.Thread):
    def __init__(self, vu: VirtualUser, shared: Shared, seed: int):
        super().__init__(daemon=True, name=vu.username)
        self.vu = vu
        self.shared = shared
        self.rng = random.Random(seed)
        self.cookies = {"sessionid": vu.session_key}
        self.conn: http.client.HTTPConnection | None = None
        self.reused = False

    # one request, recorded
    def call(self, name: str, method: str, path: str, body: dict | None = None, expect=200):
        sh = self.shared
        with sh.lock:
            if sh.count >= sh.max_requests:
                return None, ""
            sh.count += 1
        headers = {
            "Host": f"127.0.0.1:{sh.port}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "en",
        }
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{sh.port}"
            headers["Referer"] = f"http://127.0.0.1:{sh.port}{path}"
        start = time.time()
        t0 = time.perf_counter()
        text = ""
        try:
            try:
                resp = self._send(method, path, data, headers)
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
                # gunicorn closes a keep-alive connection idle for 2 s; like a browser, send the
                # request again once on a new connection when a reused one turns out closed.
                if not self.reused:
                    raise
                self.conn.close()
                self.conn = None
                resp = self._send(method, path, data, headers)
            raw = resp.read()
            status: int | str = resp.status
            for cookie in resp.headers.get_all("Set-Cookie") or []:
                key, _, rest = cookie.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
            if status == expect:
                text = raw.decode("utf-8", "replace")
            elif 300 <= status < 400:
                # A redirect where a page was expected (to the login or 2FA page) is a failure.
                status = f"{status}->{resp.headers.get('Location', '?')[:40]}"
            if resp.will_close:
                self.conn.close()
                self.conn = None
        except (OSError, http.client.HTTPException) as exc:
            status = f"EXC:{type(exc).__name__}"
            if self.conn is not None:
                self.conn.close()
            self.conn = None
        ms = (time.perf_counter() - t0) * 1000
        with sh.lock:
            sh.samples.append(Sample(name, status, ms, start))
        return status, text

    def _send(self, method, path, data, headers) -> http.client.HTTPResponse:
        self.reused = self.conn is not None
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.shared.port, timeout=60)
        self.conn.request(method, path, body=data, headers=headers)
        return self.conn.getresponse()

    def think(self):
        time.sleep(self.rng.uniform(0.5, 2.0))

    def action(self, kind: str):
        person = self.rng.choice(self.vu.persons)
        if kind == "home":
            self.call("home", "GET", "/")
        elif kind == "person_list":
            page = self.rng.choice(["", "", "?page=2"])
            self.call("person_list", "GET", f"/persons/{page}")
        elif kind == "person_list_q":
            q = urllib.parse.quote(self.rng.choice(self.vu.surnames))
            self.call("person_list_q", "GET", f"/persons/?q={q}")
        elif kind == "person_list_status":
            self.call("person_list_status", "GET", "/persons/?status=located")
        elif kind == "person_detail":
            self.call("person_detail", "GET", f"/persons/{person}/")
        elif kind == "api_persons":
            self.call("api_persons", "GET", "/api/v1/persons/")
        elif kind == "note":
            path = f"/persons/{person}/notes/new/"
            status, page = self.call("note_form", "GET", path)
            token = CSRF_RE.search(page) if status == 200 else None
            if token is None:
                return
            self.think()
            text = f"Load-test note {self.rng.randrange(10**6)}: called the family, no news."
            body = {"csrfmiddlewaretoken": token.group(1), "text": text}
            self.call("note_post", "POST", path, body, expect=302)
        elif kind == "status":
            path = f"/persons/{person}/status/"
            status, page = self.call("status_form", "GET", path)
            token = CSRF_RE.search(page) if status == 200 else None
            version = VERSION_RE.search(page) if status == 200 else None
            select = SELECT_TO_RE.search(page) if status == 200 else None
            moves = OPTION_RE.findall(select.group(0)) if select else []
            if token is None or version is None or not moves:
                return
            preferred = [m for m in moves if m not in EXIT_STATUSES] or moves
            self.think()
            body = {
                "csrfmiddlewaretoken": token.group(1),
                "to": self.rng.choice(preferred),
                "reason": "Load test: new information from the family.",
                "version": version.group(1),
            }
            self.call("status_post", "POST", path, body, expect=302)

    def run(self):
        kinds = [k for k, _ in self.shared.actions]
        weights = [w for _, w in self.shared.actions]
        time.sleep(self.rng.uniform(0, 2.0))  # stagger the start
        while time.time() < self.shared.stop_at and self.shared.count < self.shared.max_requests:
            self.action(self.rng.choices(kinds, weights)[0])
            self.think()
        if self.conn is not None:
            self.conn.close()


# --- statistics ----------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarise(samples: list[Sample], measure_from: float, stop_at: float) -> dict:
    measured = [s for s in samples if measure_from <= s.started < stop_at]
    window = stop_at - measure_from
    rows = {}
    for name in ENDPOINTS:
        mine = [s for s in measured if s.name == name]
        ok = [s.ms for s in mine if isinstance(s.status, int) and 200 <= s.status < 400]
        errors: dict[str, int] = defaultdict(int)
        for s in mine:
            if not (isinstance(s.status, int) and 200 <= s.status < 400):
                errors[str(s.status)] += 1
        all_ms = [s.ms for s in mine]
        rows[name] = {
            "write": ENDPOINTS[name],
            "count": len(mine),
            "ok": len(ok),
            "p50": round(pct(all_ms, 50), 1),
            "p95": round(pct(all_ms, 95), 1),
            "p99": round(pct(all_ms, 99), 1),
            "max": round(max(all_ms), 1) if all_ms else None,
            "errors": dict(errors),
        }
    reads = [s.ms for s in measured if not ENDPOINTS[s.name]]
    writes = [s.ms for s in measured if ENDPOINTS[s.name]]
    n5xx = sum(1 for s in measured if isinstance(s.status, int) and s.status >= 500)
    nerr = sum(1 for s in measured if not (isinstance(s.status, int) and 200 <= s.status < 400))
    total = {
        "requests": len(measured),
        "rps": round(len(measured) / window, 1),
        "read_p50": round(pct(reads, 50), 1),
        "read_p95": round(pct(reads, 95), 1),
        "read_p99": round(pct(reads, 99), 1),
        "write_p50": round(pct(writes, 50), 1),
        "write_p95": round(pct(writes, 95), 1),
        "write_p99": round(pct(writes, 99), 1),
        "errors": nerr,
        "5xx": n5xx,
    }
    total["meets_target"] = bool(
        total["read_p95"] <= READ_P95_MS and total["write_p95"] <= WRITE_P95_MS and n5xx == 0
    )
    return {"endpoints": rows, "total": total}


def print_report(run_no: int, result: dict) -> None:
    t, cpu = result["total"], result["cpu"]
    mix = ", ".join(f"{k} {w}" for k, w in result["actions"])
    print(f"\n### Run {run_no}: {result['users']} users, {result['duration']} s measured")
    print(f"mix: {mix}\n")
    print(
        "| endpoint | kind | requests | p50 ms | p95 ms | p99 ms | max ms | errors (by status) |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    for name, r in result["endpoints"].items():
        errs = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "0"
        kind = "write" if r["write"] else "read"
        print(
            f"| {name} | {kind} | {r['count']} | {r['p50']} | {r['p95']} | {r['p99']} "
            f"| {r['max']} | {errs} |"
        )
    print(
        f"\nall reads p50/p95/p99 {t['read_p50']}/{t['read_p95']}/{t['read_p99']} ms; "
        f"writes {t['write_p50']}/{t['write_p95']}/{t['write_p99']} ms; "
        f"{t['requests']} requests ({t['rps']}/s), {t['errors']} errors, {t['5xx']} 5xx; "
        f"target {'MET' if t['meets_target'] else 'MISSED'}"
    )
    print(
        f"CPU (cores busy, of {cpu['cores']}): gunicorn {cpu['gunicorn_cores']}, "
        f"postgres {cpu['postgres_cores']}, load generator {cpu['loadgen_cores']}; "
        f"machine {cpu['machine_busy_pct']}% busy; server log: {result['server_log_errors']} "
        "error lines"
    )


# --- main ----------------------------------------------------------------------------------------


def wait_database_idle(limit: float = 120) -> None:
    """Queries of an earlier run can outlive its server: start each run on an idle database."""
    from django.db import connection

    deadline = time.time() + limit
    with connection.cursor() as cursor:
        while time.time() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(1)
    connection.close()


def one_run(args, vusers, env, workdir: Path, run_no: int) -> dict:
    wait_database_idle()
    log_path = workdir / f"gunicorn-{run_no}.log"
    proc = start_server(args, env, log_path)
    try:
        start = time.time()
        shared = Shared(
            port=args.port,
            measure_from=start + args.warmup,
            stop_at=start + args.warmup + args.duration,
            max_requests=args.max_requests,
            actions=args.actions,
        )
        threads = [
            Caseworker(vu, shared, seed=args.seed * 1000 + run_no * 100 + i)
            for i, vu in enumerate(vusers)
        ]
        for th in threads:
            th.start()
        time.sleep(max(0.0, shared.measure_from - time.time()))
        cpu_a = cpu_snapshot(proc.pid)
        time.sleep(max(0.0, shared.stop_at - time.time()))
        cpu_b = cpu_snapshot(proc.pid)
        for th in threads:
            th.join(timeout=90)
        result = summarise(shared.samples, shared.measure_from, shared.stop_at)
        result["cpu"] = cpu_usage(cpu_a, cpu_b)
    finally:
        stop_server(proc)
    log = log_path.read_text(errors="replace")
    result["server_log_errors"] = sum(
        1 for line in log.splitlines() if " ERROR " in line or "[CRITICAL]" in line
    )
    result["server_log_tail"] = [
        line for line in log.splitlines() if " ERROR " in line or "[CRITICAL]" in line
    ][:20]
    result.update(
        users=len(vusers),
        duration=args.duration,
        warmup=args.warmup,
        run=run_no,
        actions=args.actions,
        server=f"gunicorn --workers {args.workers} --threads {args.threads}",
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--org", default="demo-ngo")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--duration", type=float, default=90)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=100_000, help="safety bound per run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-analyze", action="store_true", help="skip ANALYZE (measure without statistics)"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--weights",
        default="",
        help="override action weights, e.g. person_list_q=0 (a diagnostic mix, not the target's)",
    )
    args = parser.parse_args()
    weights = dict(ACTIONS)
    for item in filter(None, args.weights.split(",")):
        name, _, value = item.partition("=")
        if name not in weights:
            raise SystemExit(f"--weights: unknown action {name!r} (one of {', '.join(weights)})")
        weights[name] = int(value)
    args.actions = [(k, w) for k, w in weights.items() if w > 0]
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the load target is PostgreSQL: pass --database-url postgres://...")
    if args.duration > 600 or args.warmup > 120:
        raise SystemExit("--duration ≤ 600 s and --warmup ≤ 120 s")

    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="casework-load-"))
    static_root = workdir / "static"
    env = server_env(args, str(static_root), secrets.token_urlsafe(50))
    os.environ.update({k: v for k, v in env.items() if k != "CASEWORK_DEMO"})
    os.environ.pop("CASEWORK_DEMO", None)
    os.environ.pop("DJANGO_DEBUG", None)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"setup: {args.users} caseworkers in {args.org} …", flush=True)
        vusers = setup_users(args.users, args.org, analyze=not args.no_analyze)
        print(
            f"setup: {len(vusers)} verified sessions, {PERSONS_PER_USER} persons each, "
            f"surnames {vusers[0].surnames}",
            flush=True,
        )
        results = []
        for run_no in range(1, args.runs + 1):
            print(
                f"run {run_no}: warm-up {args.warmup:.0f} s, measuring {args.duration:.0f} s …",
                flush=True,
            )
            result = one_run(args, vusers, env, workdir, run_no)
            print_report(run_no, result)
            for line in result["server_log_tail"]:
                print("  server:", line)
            results.append(result)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
