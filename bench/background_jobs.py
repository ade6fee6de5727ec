"""Background jobs at 100,000 persons (issue 12): a persons export of ~10,000 and of ~95,000 rows
to XLSX and CSV, and "find duplicates" over the organisation, each run as the worker runs it.

Each job is started through the app (`casework.background`: the policy asked, the start audited,
the task enqueued on the database backend, as a page does) and run by a real worker,
`manage.py db_worker --batch` (it takes the queued task, runs it and exits), in a process of its
own; meanwhile this script reads the job's progress row every second, as the job page's script
does, and prints it. For each job: the wall time, the worker's peak RSS (`wait4`), and with
--tracemalloc the peak of Python allocations inside the task (the task then runs in this
process instead, through `run_job.call`, which is the worker's call; tracemalloc slows it).

Constant memory: the export's peak should be about the same at 10,000 and at 95,000 rows.

Reproduce (PostgreSQL on 127.0.0.1:5432, user postgres, no password; the template is the
100,000-person seed of bench/pages.py, never written to):

    createdb -h 127.0.0.1 -U postgres -T casework_bench100k_pristine casework_tasks_100k
    .venv/bin/python bench/background_jobs.py --database casework_tasks_100k export
    .venv/bin/python bench/background_jobs.py --database casework_tasks_100k export --tracemalloc
    .venv/bin/python bench/background_jobs.py --database casework_tasks_100k find-duplicates
    .venv/bin/python bench/background_jobs.py --database casework_tasks_100k export-phases
    .venv/bin/python bench/background_jobs.py --database casework_tasks_100k import

`import` uploads the list of bench/import_benchmark.py (--rows, 10,000 by default: ~60 % known
persons as an authority writes them, the rest invented) as the supervisor and imports it as the
commit page does above `CASEWORK_IMPORT_BACKGROUND_ROWS`: the rows matched against the
organisation's persons outside the write transaction, then written in one. The import is kept, so
each run needs a fresh copy of the database (the same file again is refused as already imported).

`export-phases` splits the export's memory (tracemalloc, in this process) into its two phases:
reading the ids and writing the audit event that names every person (`persons_table`), then
the rows as the file writer takes them (the first 3,000 read, presented and formatted).

The machine is shared (2 cores): memory is robust, times are as measured.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import _harness

ROOT = _harness.ROOT
# The supervisor of the seed's large organisation sees its ~95,500 persons; "returned" is ~9,000.
EXPORTS = [("~10,000 rows", "status=returned"), ("~95,000 rows", "")]


def _mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.0f} MiB"


def _follow(job, proc: subprocess.Popen | None, started: float) -> tuple[float, int]:
    """Print the job's progress row each second until it has finished; the worker's peak RSS."""
    from casework.models import BackgroundJob

    last = None
    peak_rss = 0
    while True:
        row = BackgroundJob.objects.values_list(
            "state", "progress_done", "progress_total", "message"
        ).get(pk=job.pk)
        if row != last:
            state, done, total, message = row
            at = time.monotonic() - started
            print(f"  {at:7.1f} s  {state:8} {done:>7}/{total:<7} {message}")
            last = row
        if row[0] in ("done", "failed"):
            break
        if proc is not None and proc.poll() is not None:
            print("  the worker exited before the job finished")
            break
        time.sleep(1)
    elapsed = time.monotonic() - started
    if proc is not None:
        _pid, _status, usage = os.wait4(proc.pid, 0)
        peak_rss = usage.ru_maxrss * 1024
    return elapsed, peak_rss


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
    )


def run(start, env: dict, in_process: bool) -> dict:
    from casework.background import run_job

    started = time.monotonic()
    job = start()
    if in_process:
        _enqueue_only()
        tracemalloc.start()
        run_job.call(str(job.public_id))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        elapsed, _ = _follow(job, None, started)
        job.refresh_from_db()
        return {"wall_s": round(elapsed, 1), "tracemalloc_peak": peak, "job": job}
    proc = _worker(env)
    elapsed, rss = _follow(job, proc, started)
    job.refresh_from_db()
    return {"wall_s": round(elapsed, 1), "worker_peak_rss": rss, "job": job}


def _enqueue_only():
    """Starting a job enqueues its task; with --tracemalloc the script runs it itself, so the
    enqueued copy is dropped."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").delete()


def export_phases(supervisor) -> None:
    from itertools import islice

    from django.http import QueryDict

    from casework.exports import persons_table

    print("| rows | ids and audit: peak | kept after | 3,000 rows: peak |")
    print("|---:|---:|---:|---:|")
    for _label, query in EXPORTS:
        tracemalloc.start()
        table = persons_table(actor=supervisor, params=QueryDict(query))
        current, audit_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _row in islice(table.rows, 3000):
            pass
        _current, rows_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"| {table.count:,} | {_mib(audit_peak)} | {_mib(current)} | {_mib(rows_peak)} |")


def start_import_of(supervisor, rows: int, seed: int):
    import datetime as dt
    import random

    from import_benchmark import build_list  # Django is set up by now, on this database

    from casework.background import start_import
    from casework.services.imports import list_import_upload

    upload = list_import_upload(
        actor=supervisor,
        source="Invented bench list",
        as_of=dt.date(2026, 10, 1),
        filename="bench.csv",
        data=build_list(supervisor.organisation, rows, random.Random(seed)),
    )
    return start_import(actor=supervisor, list_import=upload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--workdir", default="/tmp/casework-bench-jobs")  # noqa: S108
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("what", choices=["export", "find-duplicates", "export-phases", "import"])
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    env = _harness.setup_in_process(args.database, workdir)

    from django.db import connection
    from django.http import QueryDict

    from casework.background import start_export, start_find_duplicates
    from casework.models import MatchSuggestion, User

    supervisor = User.objects.get(username="supervisor")
    results = []
    if args.what == "export-phases":
        export_phases(supervisor)
        return
    if args.what == "export":
        for file_format in args.formats.split(","):
            for label, query in EXPORTS:
                print(f"export {file_format}, {label} ({query or 'no filter'}):")

                def start(file_format=file_format, query=query):
                    return start_export(
                        actor=supervisor,
                        list_name="persons",
                        params=QueryDict(query),
                        file_format=file_format,
                    )

                result = run(start, env, args.tracemalloc)
                job = result.pop("job")
                size = job.result_file.size if job.result_file else 0
                results.append((file_format, label, job.state, job.progress_total, size, result))
    elif args.what == "import":
        print(f"list import of {args.rows:,} rows as a job:")

        result = run(
            lambda: start_import_of(supervisor, args.rows, args.seed), env, args.tracemalloc
        )
        job = result.pop("job")
        results.append(("-", "list import", job.state, job.progress_total, 0, result))
        print(f"  {job.message} {job.result_summary.get('counts', '')}")
    else:
        MatchSuggestion.objects.filter(
            organisation_id=supervisor.organisation_id, kind="person_person"
        ).delete()
        print("find duplicates over the organisation:")

        result = run(lambda: start_find_duplicates(actor=supervisor), env, args.tracemalloc)
        job = result.pop("job")
        results.append(("-", "find duplicates", job.state, job.progress_total, 0, result))
        print(f"  {job.message}")
    connection.close()

    print()
    print("| job | rows / pairs | state | file | wall time | peak memory |")
    print("|---|---:|---|---:|---:|---:|")
    for file_format, label, state, total, size, result in results:
        memory = (
            f"{_mib(result['tracemalloc_peak'])} (tracemalloc)"
            if "tracemalloc_peak" in result
            else f"{_mib(result['worker_peak_rss'])} (worker RSS)"
        )
        name = label if file_format == "-" else f"export {file_format}, {label}"
        print(
            f"| {name} | {total:,} | {state} | {_mib(size) if size else '-'} "
            f"| {result['wall_s']} s | {memory} |"
        )


if __name__ == "__main__":
    main()
