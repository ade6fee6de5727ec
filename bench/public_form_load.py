"""Load benchmark of the families' public report form (`/report/`) on loopback, with locust.

What it measures: `--rate` submissions a minute (default 200) for `--duration` seconds (default
300), each a new visitor who GETs /report/ in Russian, English or Arabic, waits 3.2 s (the server
refuses a form filled in under PUBLIC_FORM_MIN_SECONDS = 3 s, left at its default here) and POSTs
it with one person, an account, the consents and one 3-megapixel JPEG carrying EXIF GPS tags.
The server runs as README.md § "Running it in production" runs it: gunicorn `casework.wsgi`,
PostgreSQL, DEBUG off, CASEWORK_DEMO unset, a fresh random DJANGO_SECRET_KEY, static files
collected into a temporary STATIC_ROOT; relaxed only for plain HTTP on 127.0.0.1
(DJANGO_SECURE_COOKIES=0, DJANGO_HSTS_SECONDS=0) and with the per-address post limit raised
(PUBLIC_REPORT_RATE=100000/h: every virtual family comes from 127.0.0.1).

Then, with the server stopped, it reconciles what the clients were told with what was stored:
the references the clients saw accepted are exactly the FamilyReport references in the database
(none lost, none extra, none twice); each report has exactly one ReportAttachment whose file is in
CASEWORK_PRIVATE_ROOT, encrypted, its plaintext with the sha256 the row records; no file in that
folder is unnamed by a row (orphans); and the stored JPEGs carry no GPS (exiftool when
installed, else Pillow's EXIF).

It prints: POSTs attempted / accepted / failed by status, POST p50/p95/p99/max and GET p95 (from
locust's `*_stats.csv`), the achieved rate a minute, the reconciliation counts (all must be 0),
the CPU seconds of gunicorn, of this database's PostgreSQL backends and of locust, and how busy
the whole machine was (it may be shared); `--json OUT` writes the same as JSON. Exit status 1
when reconciliation finds any problem or fewer than 95 % of the POSTs were accepted.

Everything runs on 127.0.0.1 and stops by itself: the server is stopped in every case, the
temporary directories are removed, the database is left for inspection (dropped with `--drop`).

Reproduce (PostgreSQL on 127.0.0.1:5432, user postgres, no password; 2-core machine):

    .venv/bin/python bench/public_form_load.py --duration 300 --rate 200 --workers 4 \
        --database casework_publicload --json /tmp/public_form_load.json

A short check: `.venv/bin/python bench/public_form_load.py --duration 30 --rate 60`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _harness import (
    BackendSampler,
    cpu_spent,
    machine_ticks,
    process_tree_cpu,
    production_env,
    psql,
    recreate_database,
    start_server,
    stop_server,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
LOCUSTFILE = Path(__file__).resolve().parent / "public_form_locustfile.py"
POST_NAME = "POST /report/ (submit)"
GET_NAME = "GET /report/ (form)"
FILL_SECONDS = 3.2
MIN_ACCEPTED = 0.95


# --- database and settings ----------------------------------------------------------------------


def server_env(database: str, private_root: Path, static_root: Path) -> dict[str, str]:
    """The production settings module, relaxed only for plain HTTP on loopback."""
    env = production_env(
        f"postgres://postgres@127.0.0.1:5432/{database}",
        allowed_hosts="127.0.0.1",
        static_root=static_root,
        private_root=private_root,
    )
    env.pop("PUBLIC_FORM_MIN_SECONDS", None)  # the default (3 s): virtual families wait like people
    env["PUBLIC_REPORT_RATE"] = "100000/h"
    return env


def django_json(code: str, env: dict) -> object:
    """Run `code` in `manage.py shell` with the server's settings; it prints one JSON line."""
    out = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def prepare_database(database: str, env: dict) -> None:
    recreate_database(database)
    manage = [str(VENV_BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    org = django_json(
        "import json\n"
        "from casework.models import Organisation\n"
        "o = Organisation.objects.create(name='Public form load benchmark', slug='public-load',"
        " receives_public_reports=True)\n"
        "print(json.dumps(o.slug))",
        env,
    )
    print(f"setup: database {database} migrated, organisation {org} receives public reports")


# --- the photo ----------------------------------------------------------------------------------


def make_jpeg(path: Path) -> int:
    """A 2048 x 1536 photo (3.1 megapixels) of gradients and noise, quality 90 (~1.6 MB), with
    EXIF GPS tags that the server must remove."""
    from PIL import ExifTags, Image, ImageChops

    width, height = 2048, 1536
    gradient = Image.linear_gradient("L").resize((width, height))
    shapes = [
        gradient,
        gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        gradient.rotate(180),
    ]
    bands = []
    for shape, sigma in zip(shapes, (18, 22, 26), strict=True):
        dimmed = ImageChops.multiply(shape, Image.new("L", (width, height), 200))
        noise = Image.effect_noise((width, height), sigma)
        bands.append(ImageChops.add(dimmed, noise, offset=-100))
    photo = Image.merge("RGB", bands)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (36.0, 20.0, 15.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (43.0, 7.0, 48.2)
    photo.save(path, "JPEG", quality=90, exif=exif)
    if not has_gps(path):
        raise SystemExit("the generated photo has no GPS tags: the check would prove nothing")
    return path.stat().st_size


def has_gps(path: Path) -> bool:
    if shutil.which("exiftool"):
        out = subprocess.run(
            ["exiftool", "-json", "-G", str(path)], capture_output=True, text=True, check=True
        ).stdout
        return any(
            key.startswith(("GPS", "EXIF:GPS", "Composite:GPS")) for key in json.loads(out)[0]
        )
    from PIL import ExifTags, Image

    with Image.open(path) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or ExifTags.Base.GPSInfo in exif


def has_exif(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        return bool(image.getexif()) or "exif" in image.info


# --- the server ---------------------------------------------------------------------------------


def gunicorn_cpu(server_pid: int) -> dict[int, float]:
    """CPU seconds of gunicorn's master and workers, by pid."""
    return process_tree_cpu(server_pid)[0]


# --- locust -------------------------------------------------------------------------------------


def run_locust(args, port: int, jpeg: Path, results_dir: Path, csv_prefix: Path) -> float:
    """Locust, headless: enough users paced at --pacing seconds to send --rate forms a minute,
    started evenly over one pacing period. Returns the CPU seconds locust used."""
    users = max(1, math.ceil(args.rate * args.pacing / 60))
    pacing = users * 60 / args.rate  # exact rate with a whole number of users
    env = dict(os.environ)
    env.update(
        PUBLIC_LOAD_JPEG=str(jpeg),
        PUBLIC_LOAD_RESULTS=str(results_dir),
        PUBLIC_LOAD_PACING=f"{pacing:.4f}",
        PUBLIC_LOAD_FILL_SECONDS=str(FILL_SECONDS),
    )
    cmd = [
        str(VENV_BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(users),
        "-r",
        f"{users / pacing:.4f}",
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "120",  # a visit under way at the end is finished, so its answer is known
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print(
        f"locust: {users} users paced at {pacing:.2f} s = {args.rate}/min for {args.duration} s",
        flush=True,
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Locust exits 1 when any request failed: the failures are counted below, not here.
    subprocess.run(cmd, cwd=ROOT, env=env, timeout=args.duration + 240)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_stats(csv_prefix: Path) -> dict[str, dict]:
    with open(f"{csv_prefix}_stats.csv", newline="") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def latency(row: dict | None) -> dict:
    if not row:
        return {}
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "max_ms": round(float(row["Max Response Time"])),
    }


def read_posts(results_dir: Path) -> list[dict]:
    lines = []
    for path in sorted(results_dir.glob("posts-*.jsonl")):
        lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return lines


# --- reconciliation -----------------------------------------------------------------------------

DB_DUMP = """
import json
from casework.models import FamilyReport, ReportAttachment
reports = list(FamilyReport.objects.values_list("reference", flat=True))
attachments = list(ReportAttachment.objects.values_list("report__reference", "file", "sha256"))
print(json.dumps({"reports": reports, "attachments": attachments}))
"""

# The files are encrypted at rest: the app's own storage opens them (with the server's key) into
# a scratch folder, where their sha256 and EXIF are checked; on disk they must be ciphertext.
PLAINTEXT_COPY = """
import json, os
from pathlib import Path
from django.core.files.storage import default_storage
from casework.models import ReportAttachment
out = Path(os.environ["BENCH_PLAINTEXT_DIR"])
for name in ReportAttachment.objects.values_list("file", flat=True):
    if default_storage.exists(name):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name) as handle:
            target.write_bytes(handle.read())
print(json.dumps("ok"))
"""
SEALED_MAGIC = b"CWVAULT1"  # casework/file_keys.py MAGIC


def _check_plaintext(path, name, sha, wrong_sha, with_gps, with_exif) -> None:
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        wrong_sha.append(name)
    if has_gps(path):
        with_gps.append(name)
    if has_exif(path):
        with_exif.append(name)


def reconcile(accepted: list[str], env: dict, private_root: Path) -> dict:
    stored = django_json(DB_DUMP, env)
    in_db = Counter(stored["reports"])
    seen = Counter(accepted)
    per_report = Counter(ref for ref, _file, _sha in stored["attachments"])
    named = {name for _ref, name, _sha in stored["attachments"]}
    on_disk = {
        str(path.relative_to(private_root)) for path in private_root.rglob("*") if path.is_file()
    }
    missing_files, wrong_sha, with_gps, with_exif, in_clear = [], [], [], [], []
    plaintext_dir = Path(tempfile.mkdtemp(prefix="casework-bench-plain-"))
    try:
        django_json(PLAINTEXT_COPY, {**env, "BENCH_PLAINTEXT_DIR": str(plaintext_dir)})
        for _ref, name, sha in stored["attachments"]:
            if not (private_root / name).is_file():
                missing_files.append(name)
                continue
            if not (private_root / name).read_bytes().startswith(SEALED_MAGIC):
                in_clear.append(name)
            _check_plaintext(plaintext_dir / name, name, sha, wrong_sha, with_gps, with_exif)
    finally:
        shutil.rmtree(plaintext_dir, ignore_errors=True)
    problems = {
        "accepted_not_in_db": sorted(set(seen) - set(in_db)),
        "in_db_not_accepted": sorted(set(in_db) - set(seen)),
        "accepted_more_than_once": sorted(ref for ref, n in seen.items() if n > 1),
        "reference_twice_in_db": sorted(ref for ref, n in in_db.items() if n > 1),
        "reports_without_exactly_one_attachment": sorted(
            ref for ref in in_db if per_report[ref] != 1
        ),
        "attachment_file_missing": sorted(missing_files),
        "attachment_sha256_mismatch": sorted(wrong_sha),
        "orphan_files": sorted(on_disk - named),
        "attachment_stored_in_clear": sorted(in_clear),
        "stored_photo_with_gps": sorted(with_gps),
        "stored_photo_with_any_exif": sorted(with_exif),
    }
    return {
        "reports_in_db": sum(in_db.values()),
        "attachments_in_db": len(stored["attachments"]),
        "files_on_disk": len(on_disk),
        "gps_checked_with": "exiftool" if shutil.which("exiftool") else "Pillow getexif()",
        "problem_counts": {k: len(v) for k, v in problems.items()},
        "problem_examples": {k: v[:5] for k, v in problems.items() if v},
    }


# --- report -------------------------------------------------------------------------------------


def server_log(log_path: Path) -> list[str]:
    """gunicorn's log without its routine [INFO] lines, verbatim: Django's errors with their
    tracebacks, its WARNING lines (a 400 is logged as "Bad Request"), worker time-outs."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return [line for line in text.splitlines() if line.strip() and "[INFO]" not in line]


def is_error(line: str) -> bool:
    return any(m in line for m in (" ERROR ", "Traceback", "[ERROR]", "[CRITICAL]", "TIMEOUT"))


def print_summary(result: dict) -> None:
    subs = result["submissions"]
    post, get = result["post_latency"], result["get_latency"]
    rec = result["reconciliation"]
    rows = [
        ("submissions attempted (POSTs)", subs["attempted"]),
        ("accepted (200 with a receipt)", subs["accepted"]),
        ("failed, by status", subs["failed_by_status"] or 0),
        ("forms not obtained (GET failed)", subs["get_failed"]),
        ("achieved rate, POSTs a minute", subs["achieved_per_minute"]),
        ("POST p50 / p95 / p99 / max ms", _ms(post)),
        ("GET p50 / p95 / p99 / max ms", _ms(get)),
        (
            "reports / attachments / files",
            (f"{rec['reports_in_db']} / {rec['attachments_in_db']} / {rec['files_on_disk']}"),
        ),
    ]
    rows += [(f"  {name}", n) for name, n in rec["problem_counts"].items()]
    cpu = result["cpu_seconds"]
    rows.append(
        (
            "CPU s: gunicorn / its PG backends / locust",
            f"{cpu['gunicorn']} / {cpu['postgres_backends']} / {cpu['locust']} over {cpu['wall']} s"
            f" (machine {cpu['machine_busy_pct']} % busy)",
        )
    )
    rows.append(("error lines in gunicorn's log", sum(map(is_error, result["server_log"]))))
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"\nresult: {'PASS' if result['ok'] else 'FAIL'}")


def _ms(stats: dict) -> str:
    if not stats:
        return "-"
    return " / ".join(f"{stats[k]:.0f}" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of load (≤ 900)")
    parser.add_argument("--rate", type=int, default=200, help="submissions a minute, in total")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--pacing", type=float, default=12.0, help="seconds per visit and user")
    parser.add_argument("--database", default="casework_publicload")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        raise SystemExit("--database: lower-case letters, digits and _ only")
    if not (0 < args.duration <= 900 and 0 < args.rate <= 2000):
        raise SystemExit("--duration in 1..900 s and --rate in 1..2000 a minute")
    if args.pacing <= FILL_SECONDS + 1:
        raise SystemExit(f"--pacing must leave time for the {FILL_SECONDS} s of filling in")

    workdir = Path(tempfile.mkdtemp(prefix="casework-publicload-"))
    private_root, static_root, results_dir = (workdir / d for d in ("private", "static", "posts"))
    for folder in (private_root, results_dir):
        folder.mkdir()
    log_path = workdir / "gunicorn.log"
    env = server_env(args.database, private_root, static_root)
    server = None
    try:
        prepare_database(args.database, env)
        jpeg = workdir / "photo.jpg"
        print(f"setup: photo 2048x1536 with GPS tags, {make_jpeg(jpeg):,} bytes")
        server, url = start_server(env, log_path, workers=args.workers, bin_dir=VENV_BIN)
        port = int(url.rsplit(":", 1)[1])
        print(f"server: gunicorn --workers {args.workers} on 127.0.0.1:{port}", flush=True)

        backends = BackendSampler(args.database)
        backends.start()
        cpu_before, wall_before = gunicorn_cpu(server.pid), time.monotonic()
        machine_before = machine_ticks()
        locust_cpu = run_locust(args, port, jpeg, results_dir, workdir / "locust")
        cpu_after, wall = gunicorn_cpu(server.pid), time.monotonic() - wall_before
        busy, total = (a - b for a, b in zip(machine_ticks(), machine_before, strict=True))
        postgres_cpu = backends.stop()
        stop_server(server)

        stats = read_stats(workdir / "locust")
        lines = read_posts(results_dir)
        posts = [p for p in lines if p["kind"] == "post"]
        gets_failed = sum(1 for p in lines if p["kind"] == "get" and not p["ok"])
        accepted = [p["reference"] for p in posts if p["ok"]]
        failed = Counter(str(p["status"]) for p in posts if not p["ok"])
        starts = sorted(p["t"] for p in posts)
        span = (starts[-1] - starts[0]) if len(starts) > 1 else 0
        post_stats = latency(stats.get(POST_NAME))
        if post_stats.get("requests") != len(posts):
            print(
                f"warning: locust's CSV has {post_stats.get('requests')} POSTs, the clients "
                f"recorded {len(posts)}: its percentiles do not cover every POST"
            )
        reconciliation = reconcile(accepted, env, private_root)
        log = server_log(log_path)
        result = {
            "command": " ".join([".venv/bin/python", "bench/public_form_load.py", *sys.argv[1:]]),
            "settings": {
                "duration_s": args.duration,
                "rate_per_minute": args.rate,
                "gunicorn_workers": args.workers,
                "pacing_s": args.pacing,
                "fill_seconds": FILL_SECONDS,
                "photo_bytes": jpeg.stat().st_size,
                "cores": os.cpu_count(),
                "database": args.database,
            },
            "submissions": {
                "attempted": len(posts),
                "accepted": len(accepted),
                "failed_by_status": dict(failed),
                "get_failed": gets_failed,
                "achieved_per_minute": round((len(starts) - 1) * 60 / span, 1) if span else None,
            },
            "post_latency": post_stats,
            "get_latency": latency(stats.get(GET_NAME)),
            "reconciliation": reconciliation,
            "cpu_seconds": {
                "gunicorn": round(cpu_spent(cpu_before, cpu_after), 1),
                "postgres_backends": round(postgres_cpu, 1),
                "locust": round(locust_cpu, 1),
                "wall": round(wall, 1),
                "machine_busy_pct": round(100 * busy / total, 1) if total else None,
            },
            "server_log": log,
        }
        result["ok"] = (
            not any(reconciliation["problem_counts"].values())
            and len(posts) > 0
            and len(accepted) >= MIN_ACCEPTED * len(posts)
        )
        print_summary(result)
        for line in log[:300]:
            print("  gunicorn:", line)
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
            print(f"written: {args.json}")
        return 0 if result["ok"] else 1
    finally:
        if server is not None:
            stop_server(server)
        if any(map(is_error, server_log(log_path))):
            kept = Path(tempfile.gettempdir()) / f"{args.database}-gunicorn.log"
            shutil.copy(log_path, kept)
            print(f"gunicorn log with errors kept: {kept}")
        shutil.rmtree(workdir, ignore_errors=True)
        if args.drop:
            psql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            print(f"database {args.database} dropped")
        else:
            print(f"database left for inspection: {args.database}")


if __name__ == "__main__":
    sys.exit(main())
