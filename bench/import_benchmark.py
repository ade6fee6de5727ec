"""A 2,000-row list imported and matched against the database: time and peak memory.

Target: ≤ 60 s against 100,000 persons on PostgreSQL. Build the database as for
bench/intake_benchmark.py (seed_demo --persons 100000, or --synthetic here), then:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_matchbench
    psql -h 127.0.0.1 -U postgres -d casework_matchbench -c ANALYZE
    .venv/bin/python bench/import_benchmark.py [--rows 2000] [--persons 100000 --synthetic] [--keep]

ANALYZE first: the PostgreSQL here runs with autovacuum off, so a seeded or copied database has no
planner statistics until it is analysed (and a run with --keep adds rows: analyse again before the
next run). --synthetic runs ANALYZE itself after creating persons; seed_demo does not.

The list: about 60 % of its rows are known persons as an authority would write them (Latin script,
typos, ages instead of dates), the rest invented people no one has, a few named twice. Upload, dry
run and commit go through the same services as the pages. The commit runs inside a transaction
that is rolled back afterwards (unless --keep), so the database can be reused.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import resource
import time

import _matching_setup as setup
from django.db import connection, transaction

from casework.models import ListImport, PersonName
from casework.services.imports import list_import_commit, list_import_dry_run, list_import_upload

COLUMNS = ["record_id", "family_name", "given_name", "sex", "birth_date", "age",
           "age_reference_date", "location"]  # fmt: skip
PLACES = ["Roj camp", "al-Hol camp", "Baghdad, prison", "Qamishli", "Mosul, orphanage"]


def build_list(org, rows: int, rng: random.Random) -> bytes:
    known = list(
        PersonName.objects.filter(
            person__organisation=org, is_primary=True, person__merged_into__isnull=True
        )
        .exclude(family_name="")
        .order_by("?")
        .values_list("family_name", "given_name", "person__sex", "person__birth_date")[
            : int(rows * 0.6)
        ]
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    today = dt.date(2026, 10, 1)
    last = None
    for i in range(rows):
        if i < len(known):
            family, given, sex, birth = known[i]
            family, given = setup.perturbed(family, rng), setup.perturbed(given, rng)
        elif i % 50 == 0 and last is not None:
            family, given, sex, birth = last  # a row named twice
        else:
            sex = rng.choice("FM")
            family, given = setup.synthetic_name(rng, sex)
            family = f"{family[:-2]}ханов" if sex == "M" else f"{family[:-3]}ханова"
            birth = dt.date(rng.randint(1980, 2022), rng.randint(1, 12), rng.randint(1, 28))
            last = (family, given, sex, birth)
        use_age = birth is not None and rng.random() < 0.3
        writer.writerow(
            [
                f"L{i:05d}",
                family,
                given,
                sex if sex in ("F", "M") else "",
                "" if use_age or birth is None else birth.isoformat(),
                (today.year - birth.year) if use_age else "",
                today.isoformat() if use_age else "",
                rng.choice(PLACES),
            ]
        )
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--synthetic", action="store_true", help="bulk-create missing persons")
    parser.add_argument("--keep", action="store_true", help="keep what the import wrote")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    org, supervisor, _ = setup.actors()
    if args.synthetic:
        setup.ensure_persons(org, args.persons, rng)
    total = org.persons.count()
    data = build_list(org, args.rows, rng)
    print(f"{connection.vendor}: {args.rows}-row list ({len(data) // 1024} KB) against {total} "
          f"persons of {org.slug!r}")  # fmt: skip
    with transaction.atomic():
        started = time.perf_counter()
        upload = list_import_upload(
            actor=supervisor, source=f"bench {time.time():.0f}", as_of=dt.date(2026, 10, 1),
            filename="bench.csv", data=data,
        )  # fmt: skip
        uploaded = time.perf_counter()
        plan = list_import_dry_run(actor=supervisor, list_import=upload)
        dry = time.perf_counter()
        done = list_import_commit(actor=supervisor, list_import=upload)
        committed = time.perf_counter()
        if not args.keep:
            transaction.set_rollback(True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"upload {uploaded - started:.1f} s, dry run {dry - uploaded:.1f} s, "
          f"commit {committed - dry:.1f} s (validate, match, write: one transaction)")  # fmt: skip
    print(f"dry run counts: {plan.counts}")
    print(f"commit counts:  {done.stats['counts']}")
    print(f"peak memory (RSS of the process) {rss:.0f} MB")
    if not args.keep:
        assert not ListImport.objects.filter(pk=done.pk).exists()
        print("rolled back: the database is as before")


if __name__ == "__main__":
    main()
