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
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

from _harness import (
    TICKS,
    BackendSampler,
    cpu_spent,
    loadavg,
    machine_ticks,
    process_tree_cpu,
    production_env,
    recreate_database,
    start_server,
    stop_server,
    verified_session,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "staff_locustfile.py"
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


def server_env(database_url: str, static_root: Path, private_root: Path) -> dict[str, str]:
    """The production settings module, relaxed only for plain HTTP on loopback (with this
    process's secret key when it has one: a --host server signs sessions with it)."""
    return production_env(
        database_url,
        allowed_hosts="127.0.0.1,localhost",
        static_root=static_root,
        private_root=private_root,
        secret_key=os.environ.get("DJANGO_SECRET_KEY"),
    )


def setup_users(n_users: int, org_slug: str) -> list[dict]:
    """Caseworkers with verified sessions and persons of their own (see the module's step 1)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

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
    for user, team in users:
        k = taken[team.pk]
        taken[team.pk] += 1
        mine = per_team[team.pk][k * PERSONS_PER_USER : (k + 1) * PERSONS_PER_USER]
        if not mine:
            raise SystemExit(f"team {team} has too few persons for {user.username}")
        device = TOTPDevice.objects.get(user=user, name="load")
        out.append(
            {
                "username": user.username,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "session_key": verified_session(user, device),
                "persons": mine,
                "surnames": surnames,
            }
        )
    connection.close()
    return out


# --- the server ---------------------------------------------------------------------------------


def cpu_snapshot(server_pid: int | None, locust_pid: int | None) -> dict:
    server, locust = process_tree_cpu(server_pid, locust_pid)
    busy, total = machine_ticks()
    return {
        "server": server,
        "locust": locust,
        "busy": busy / TICKS,
        "total": total / TICKS,
        "wall": time.monotonic(),
    }


def cpu_usage(a: dict, b: dict, postgres_seconds: float) -> dict:
    wall = b["wall"] - a["wall"]

    def cores(group: str) -> float:
        return round(cpu_spent(a[group], b[group]) / wall, 2)

    total = b["total"] - a["total"]
    return {
        "wall_s": round(wall, 1),
        "server_cores": cores("server"),
        "postgres_cores": round(postgres_seconds / wall, 2),
        "locust_cores": cores("locust"),
        "machine_busy_pct": round(100 * (b["busy"] - a["busy"]) / total, 1) if total else None,
        "cores": os.cpu_count(),
    }


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
            recreate_database(args.database, args.template)
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
            server, host = start_server(
                env, log_path, workers=args.workers, threads=args.threads, bin_dir=VENV_BIN
            )
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
