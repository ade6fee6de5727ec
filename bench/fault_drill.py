"""Fault drill (issue 11): API writes under faults, retried with their Idempotency-Keys, reconciled.

    .venv/bin/python bench/fault_drill.py [--pg-version 15] [--port 5439] [--duration 75]
                                          [--rate 20] [--workers 4] [--keep]

On a PostgreSQL cluster of its own (`pg_createcluster VERSION drill --port PORT`: never the
shared cluster on 5432, which other people use), migrated and seeded with `seed_demo`, gunicorn
as `_harness` starts it (the README's production settings, relaxed for loopback HTTP) takes a
steady RATE report submissions a second through the partner API (`POST /api/v1/reports/`, two
entries each, each with its own Idempotency-Key, spread over four partner accounts so that the
per-account rate limit never answers), while the drill
  (a) kills two gunicorn workers with SIGKILL while requests are in flight,
  (b) restarts PostgreSQL (`pg_ctlcluster … restart`),
  (c) stops PostgreSQL for 10 s, then starts it again;
`/health/` is polled every second throughout. Then every write that did not get its 201 is sent
again with its same key and body until it does, and a sample of acknowledged ones is sent again
(it must be replayed, not done twice). Then it reconciles, in the database:
  - every write exists exactly once (its key in the report's `account` text), with the id its
    201 named, with both entries (nothing half-written), with one idempotency record;
  - no report of the drill that no request asked for;
  - under /api/ no 5xx other than a JSON 503 with Retry-After (never an HTML 500);
  - the audit trail's chains verify (`manage.py verify_audit`) after the killed transactions;
prints a table and exits 1 on any problem. The cluster is dropped at the end unless `--keep`.
Not part of the test suite: it restarts a database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import _harness
import psycopg

ROOT = _harness.ROOT
PYTHON = Path(sys.executable)
CLUSTER = "drill"
DATABASE = "casework_drill"
PARTNERS = 4
MARKER = "fault-drill"
REQUEST_TIMEOUT = 20


# --- the drill's own cluster --------------------------------------------------------------------


def pg(version: str, action: str) -> None:
    subprocess.run(["pg_ctlcluster", version, CLUSTER, action], check=True)  # noqa: S603 S607


def create_cluster(version: str, port: int) -> None:
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in listed.splitlines():
        ver, name, cluster_port, *_ = line.split()
        if name == CLUSTER and ver == version:
            raise SystemExit(f"cluster {version}/{CLUSTER} exists: drop it first (--keep left it?)")
        if int(cluster_port) == port:
            raise SystemExit(f"port {port} is cluster {ver}/{name}'s: choose another --port")
    subprocess.run(  # noqa: S603
        ["pg_createcluster", version, CLUSTER, "--port", str(port), "--", "--auth=trust"],  # noqa: S607
        check=True,
        stdout=subprocess.DEVNULL,
    )
    pg(version, "start")


def drop_cluster(version: str) -> None:
    subprocess.run(["pg_dropcluster", "--stop", version, CLUSTER], check=False)  # noqa: S603 S607


# --- setup --------------------------------------------------------------------------------------


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def setup_database(env: dict) -> list[str]:
    """Migrate, seed, and issue one token to each of the drill's partner accounts."""
    for args in (("migrate", "--no-input"), ("seed_demo", "--persons", "10")):
        done = manage(env, *args)
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from casework.models import Organisation, Role, User
    from casework.services.accounts import CommandLine, partner_token_issue

    partner_org = Organisation.objects.get(slug="demo-partner")
    tokens = []
    for n in range(1, PARTNERS + 1):
        user, _ = User.objects.get_or_create(
            username=f"drill.partner.{n}",
            defaults={"organisation": partner_org, "role": Role.PARTNER, "is_active": True},
        )
        issued = partner_token_issue(
            actor=CommandLine("bench/fault_drill.py"), user=user, name="fault drill", days=1
        )
        tokens.append(issued.key)
    connection.close()
    return tokens


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Attempt:
    at: float  # sent, seconds from the start of the load
    took: float = 0.0  # until the answer (or its failure)
    status: int | None = None  # None: no answer (connection refused, reset, timed out)
    content_type: str = ""
    retry_after: str = ""
    replayed: bool = False
    report_id: str = ""
    error: str = ""
    body: str = ""


@dataclass
class Write:
    key: str
    token: str
    body: bytes
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return any(a.status == 201 for a in self.attempts)

    @property
    def ids(self) -> set[str]:
        return {a.report_id for a in self.attempts if a.status == 201}


def new_write(n: int, token: str) -> Write:
    key = f"{MARKER}-{n:05d}-{uuid.uuid4()}"
    body = {
        "account": f"{MARKER} {key}",
        "entries": [
            {"family_name": "Drillova", "given_name": "Zarina", "sex": "F"},
            {"family_name": "Drillov", "given_name": "Ilyas", "sex": "M"},
        ],
        "consents": [{"purpose": "process", "given": True}],
    }
    return Write(key, token, json.dumps(body).encode())


def post(port: int, write: Write, started: float) -> Attempt:
    at = time.monotonic() - started
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        conn.request(
            "POST",
            "/api/v1/reports/",
            body=write.body,
            headers={
                "Host": "127.0.0.1",
                "Authorization": f"Bearer {write.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": write.key,
            },
        )
        response = conn.getresponse()
        raw = response.read()
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return Attempt(at, time.monotonic() - started - at, error=type(exc).__name__)
    attempt = Attempt(
        at,
        time.monotonic() - started - at,
        response.status,
        content_type=response.getheader("Content-Type", ""),
        retry_after=response.getheader("Retry-After", ""),
        replayed=response.getheader("Idempotent-Replayed", "") == "true",
    )
    if response.status == 201:
        attempt.report_id = json.loads(raw)["id"]
    else:
        attempt.body = raw[:300].decode(errors="replace")
    return attempt


class HealthPoller(threading.Thread):
    def __init__(self, port: int, started: float):
        super().__init__(daemon=True)
        self.port, self.started = port, started
        self.seen: list[tuple[float, int | None, str]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            at = time.monotonic() - self.started
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/health/", headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                self.seen.append((at, response.status, response.getheader("Content-Type", "")))
                conn.close()
            except (OSError, http.client.HTTPException):
                self.seen.append((at, None, ""))


def workers_of(master: int) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        stat = _harness.proc_stat(entry)
        if stat and stat[1] == master:
            found.append(int(entry))
    return sorted(found)


def busy_worker(master: int) -> int:
    """A worker that is handling a request now (running, or waiting on the database with an open
    client socket), else any: the kill is meant to land mid-request."""
    workers = workers_of(master)
    for _ in range(200):
        for pid in workers:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                wchan = Path(f"/proc/{pid}/wchan").read_text()
            except OSError:
                continue
            # An idle sync worker sleeps in select/poll on its listener; one mid-request is
            # running or reading the database's socket.
            if state == "R" or "sk_wait_data" in wchan or "tcp" in wchan:
                return pid
        time.sleep(0.005)
    return random.choice(workers)  # noqa: S311 (which worker, not a secret)


@dataclass
class Phase:
    name: str
    start: float
    end: float = float("inf")


def run_load(args, port: int, master: int, tokens: list[str]) -> tuple[list[Write], list, list]:
    writes: list[Write] = []
    events: list[Phase] = []
    started = time.monotonic()
    health = HealthPoller(port, started)
    health.start()
    stop = threading.Event()

    def faults() -> None:
        schedule = [
            (0.15, "kill worker 1"),
            (0.22, "kill worker 2"),
            (0.35, "restart PostgreSQL"),
            (0.55, "stop PostgreSQL 10 s"),
        ]
        for fraction, name in schedule:
            while time.monotonic() - started < fraction * args.duration:
                if stop.wait(0.05):
                    return
            at = time.monotonic() - started
            if name.startswith("kill"):
                pid = busy_worker(master)
                os.kill(pid, signal.SIGKILL)
                events.append(Phase(f"{name} (SIGKILL pid {pid})", at, at))
            elif name.startswith("restart"):
                pg(args.pg_version, "restart")
                events.append(Phase(name, at, time.monotonic() - started))
            else:
                pg(args.pg_version, "stop")
                time.sleep(10)
                pg(args.pg_version, "start")
                events.append(Phase(name, at, time.monotonic() - started))

    fault_thread = threading.Thread(target=faults, daemon=True)
    fault_thread.start()
    interval = 1.0 / args.rate
    total = int(args.duration * args.rate)
    with ThreadPoolExecutor(max_workers=256) as pool:
        for n in range(total):
            due = started + n * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            write = new_write(n, tokens[n % len(tokens)])
            writes.append(write)
            pool.submit(lambda w=write: w.attempts.append(post(port, w, started)))
    stop.set()
    fault_thread.join()
    health.done.set()
    health.join()
    return writes, events, health.seen


def retry_failed(port: int, writes: list[Write], deadline_s: float) -> None:
    """Every write without its 201, again with its same key and body, until it has one."""
    started = time.monotonic()
    pending = [w for w in writes if not w.acknowledged]
    while pending and time.monotonic() - started < deadline_s:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for write in pending:
                pool.submit(lambda w=write: w.attempts.append(post(port, w, started)))
        pending = [w for w in writes if not w.acknowledged]
        if pending:
            time.sleep(1)


def replay_sample(port: int, writes: list[Write], n: int) -> list[Write]:
    """Acknowledged writes sent once more: each must be a replay naming the same report."""
    rng = random.Random(11)  # noqa: S311 (a sample, not a secret)
    sample = rng.sample([w for w in writes if w.acknowledged], min(n, len(writes)))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for write in sample:
            pool.submit(lambda w=write: w.attempts.append(post(port, w, started)))
    return sample


# --- reconciliation -----------------------------------------------------------------------------


def reconcile(url: str, writes: list[Write], replayed: list[Write]) -> list[tuple[str, str, bool]]:
    with psycopg.connect(url) as db:
        reports = db.execute(
            "SELECT r.account, r.public_id::text, count(e.id) "
            "FROM casework_familyreport r LEFT JOIN casework_reportentry e ON e.report_id = r.id "
            "WHERE r.account LIKE %s GROUP BY r.id",
            [f"{MARKER} %"],
        ).fetchall()
        keys = Counter(
            key
            for (key,) in db.execute(
                "SELECT key FROM casework_idempotencyrecord WHERE key LIKE %s", [f"{MARKER}-%"]
            )
        )
    by_key: dict[str, list[tuple[str, int]]] = {}
    for account, public_id, entries in reports:
        by_key.setdefault(account.split(" ", 1)[1], []).append((public_id, entries))
    sent = {w.key: w for w in writes}
    never = [w.key for w in writes if not w.acknowledged]
    missing = [k for k in sent if k not in by_key]
    duplicated = [k for k, found in by_key.items() if len(found) > 1]
    extra = [k for k in by_key if k not in sent]
    half = [k for k, found in by_key.items() for _, entries in found if entries != 2]
    wrong_id = [
        w.key
        for w in writes
        if w.acknowledged and (len(w.ids) != 1 or {i for i, _ in by_key.get(w.key, [])} != w.ids)
    ]
    key_rows = [k for k in sent if keys.get(k, 0) != 1]
    not_replays = [
        w.key for w in replayed if not (w.attempts[-1].status == 201 and w.attempts[-1].replayed)
    ]
    attempts = [a for w in writes for a in w.attempts]
    bad_5xx = [
        a
        for a in attempts
        if a.status is not None
        and a.status >= 500
        and not (a.status == 503 and "json" in a.content_type and a.retry_after)
    ]

    def row(name: str, found: list, shown: int = 3) -> tuple[str, str, bool]:
        detail = f"{len(found)}" + (f" e.g. {found[:shown]}" if found else "")
        return name, detail, not found

    return [
        ("writes sent", str(len(writes)), True),
        ("drill reports in the database", str(len(reports)), len(reports) == len(writes)),
        row("never acknowledged after retries", never),
        row("acknowledged but missing", missing),
        row("duplicated (one key, several reports)", duplicated),
        row("reports no request asked for", extra),
        row("half-written (not 2 entries)", half),
        row("201s naming another report", wrong_id),
        row("keys without exactly one idempotency record", key_rows),
        row(f"re-sent acknowledged writes not replayed (of {len(replayed)})", not_replays),
        row(
            "5xx other than JSON 503 + Retry-After",
            [(a.status, a.content_type, a.body[:80]) for a in bad_5xx],
            2,
        ),
    ]


def verify_audit(env: dict) -> tuple[str, str, bool]:
    done = manage(env, "verify_audit", "--against", env["AUDIT_COPY_FILE"])
    text = (done.stdout + done.stderr).strip().splitlines()
    return "verify_audit --against the copy", (text[-1] if text else "")[:90], done.returncode == 0


# --- the report ---------------------------------------------------------------------------------


def outcome(a: Attempt) -> str:
    if a.status is None:
        return f"no answer ({a.error})"
    if a.status == 201 and a.replayed:
        return "201 replayed (done before)"
    if a.status == 503:
        kind = "JSON" if "json" in a.content_type else a.content_type or "no type"
        return f"503 {kind}" + (" + Retry-After" if a.retry_after else " without Retry-After")
    return str(a.status)


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(f"{{:{w}}}" for w in widths) + " |"
    out = [line.format(*header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line.format(*map(str, r)) for r in rows]
    return "\n".join(out)


def window(at: float, events: list[Phase]) -> str:
    """Which part of the run an answer came in: during a fault (a kill: its second), in the 5 s
    after it, or between faults. By the answer's time, not the request's: under load a request
    waits in gunicorn's listen queue, and the server meets the fault when it takes it up."""
    label = "0a before any fault"
    for n, event in enumerate(events, start=1):
        if at < event.start:
            break
        end = max(event.end, event.start + 1)
        short = event.name.split(" (")[0]
        if at < end:
            label = f"{n}a during {short}"
        elif at < end + 5:
            label = f"{n}b ≤5 s after {short}"
        else:
            label = f"{n}c later, after {short}"
    return label


def print_report(writes, events, health, checks, args) -> None:
    first = Counter(outcome(w.attempts[0]) for w in writes)
    retries = Counter(outcome(a) for w in writes for a in w.attempts[1:])
    print(f"\nFaults (seconds from the start of a {args.duration} s load at {args.rate}/s):")
    print(table([(f"{e.start:.1f}–{e.end:.1f}", e.name) for e in events], ("when", "fault")))
    print("\nAnswers to the API writes:")
    names = sorted(set(first) | set(retries))
    print(
        table(
            [(n, first.get(n, 0), retries.get(n, 0)) for n in names],
            ("answer", "first attempts", "retries and re-sends"),
        )
    )
    by_window: dict[str, Counter] = {}
    waits: dict[str, list[float]] = {}
    for w in writes:
        first_attempt = w.attempts[0]
        label = window(first_attempt.at + first_attempt.took, events)
        by_window.setdefault(label, Counter())[outcome(first_attempt)] += 1
        waits.setdefault(label, []).append(first_attempt.took)
    print("\nFirst attempts by when their answer came:")
    print(
        table(
            [
                (
                    name[3:],
                    sum(c.values()),
                    f"{statistics.median(waits[name]):.2f} / {max(waits[name]):.2f}",
                    ", ".join(f"{k}: {v}" for k, v in sorted(c.items())),
                )
                for name, c in sorted(by_window.items())
            ],
            ("part of the run", "writes", "answer s (median / max)", "answers"),
        )
    )
    down = [(at, status) for at, status, _ in health if status != 200]
    health_counts = Counter(str(status) if status else "no answer" for _, status, _ in health)
    print(
        f"\n/health/ polled {len(health)} times: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(health_counts.items()))
        + (f" (not 200 from {down[0][0]:.0f} s to {down[-1][0]:.0f} s)" if down else "")
    )
    print("\nReconciliation:")
    print(table([(n, d, "ok" if ok else "PROBLEM") for n, d, ok in checks], ("check", "found", "")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-version", default="15")
    parser.add_argument("--port", type=int, default=5439, help="the drill cluster's (not 5432)")
    parser.add_argument("--duration", type=int, default=75, help="seconds of load")
    parser.add_argument("--rate", type=float, default=20, help="writes a second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (README: 4)")
    parser.add_argument("--replays", type=int, default=100, help="acknowledged writes re-sent")
    parser.add_argument("--keep", action="store_true", help="keep the cluster afterwards")
    args = parser.parse_args()
    if args.port == 5432:
        raise SystemExit("5432 is the shared cluster: the drill restarts its database")
    url = f"postgres://postgres@127.0.0.1:{args.port}/{DATABASE}"
    workdir = Path(tempfile.mkdtemp(prefix="fault_drill_"))
    (workdir / "static").mkdir()
    create_cluster(args.pg_version, args.port)
    server = None
    try:
        subprocess.run(  # noqa: S603
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(args.port),
                "-U",
                "postgres",
                "-q",
                "-c",  # noqa: S607
                f'CREATE DATABASE "{DATABASE}"',
            ],
            check=True,
        )
        env = _harness.production_env(
            url,
            allowed_hosts="127.0.0.1",
            static_root=workdir / "static",
            private_root=workdir / "private",
            log_level="WARNING",
        )
        env["AUDIT_COPY_FILE"] = str(workdir / "audit-copy.jsonl")
        env["DEMO_PASSWORD"] = "drill-" + uuid.uuid4().hex
        tokens = setup_database(env)
        server, base = _harness.start_server(
            env, workdir / "gunicorn.log", workers=args.workers, bin_dir=PYTHON.parent
        )
        port = int(base.rsplit(":", 1)[1])
        print(f"gunicorn {base} (log {workdir / 'gunicorn.log'}), PostgreSQL :{args.port}")
        writes, events, health = run_load(args, port, server.pid, tokens)
        retry_failed(port, writes, deadline_s=120)
        replayed = replay_sample(port, writes, args.replays)
        checks = reconcile(url, writes, replayed)
        checks.append(verify_audit(env))
        print_report(writes, events, health, checks, args)
    finally:
        if server is not None:
            _harness.stop_server(server)
        if not args.keep:
            drop_cluster(args.pg_version)
    problems = [name for name, _, ok in checks if not ok]
    print("\nRESULT: " + ("PROBLEMS: " + "; ".join(problems) if problems else "all held"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
