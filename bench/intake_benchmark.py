"""The intake check ("this person may already be known") against a large database: latency.

Target: p95 ≤ 100 ms against 100,000 persons on PostgreSQL. Build the database once (the demo seed,
or, with --synthetic, invented persons bulk-created here), then run:

    createdb -h 127.0.0.1 -U postgres casework_matchbench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_matchbench
    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python manage.py migrate
    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python manage.py seed_demo --persons 100000
    psql -h 127.0.0.1 -U postgres -d casework_matchbench -c ANALYZE
    .venv/bin/python bench/intake_benchmark.py [--persons 100000 --synthetic] [--queries 300]

ANALYZE is part of the reproduction: the PostgreSQL here runs with autovacuum off, so a freshly
seeded (or copied, `createdb -T`) database has no planner statistics until it is analysed, and the
name-key look-ups are then planned blind. Run it again after any large seed or import. (--synthetic
runs ANALYZE itself after creating persons; seed_demo does not.)

The check runs as a caseworker: candidates of their own team are scored on the whole record, the
organisation's other persons on the minimal evidence only (names, sex, birth year), as the intake
check does for every caller.

Each query is a known person's name as another list would write it (Latin script, sometimes a
typo) with a birth date, or an invented name no one has; the script reports p50/p95/p99, the
queries per check and how often the known person came first.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import _matching_setup as setup
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from casework.models import Person, PersonName
from casework.services.matching import intake_candidates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--synthetic", action="store_true", help="bulk-create missing persons")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    org, _, caseworker = setup.actors()
    if args.synthetic:
        setup.ensure_persons(org, args.persons, rng)
    total = Person.objects.filter(organisation=org).count()
    print(f"{connection.vendor}: organisation {org.slug!r} holds {total} persons")
    names = list(
        PersonName.objects.filter(
            person__organisation=org, is_primary=True, person__merged_into__isnull=True
        )
        .exclude(family_name="")
        .order_by("?")
        .values_list("person_id", "family_name", "given_name", "person__birth_date")[: args.queries]
    )
    timings, queries, first = [], [], 0
    intake_candidates(actor=caseworker, names=["Warm Up"])  # caches, connection
    for i in range(args.queries):
        known = i % 4 != 3 and names
        if known:
            person_id, family, given, birth = names[i % len(names)]
            query = {
                "names": [f"{setup.perturbed(family, rng)} {setup.perturbed(given, rng)}"],
                "birth_date": birth,
                "birth_precision": "exact" if birth else None,
            }
        else:
            family, given = setup.synthetic_name(rng, rng.choice("FM"))
            query = {"names": [f"{family}ин {given}"]}
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found = intake_candidates(actor=caseworker, **query)
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
        if known and found and found[0].person.pk == person_id:
            first += 1
    timings.sort()
    pct = lambda p: timings[min(len(timings) - 1, int(p * len(timings)))]  # noqa: E731
    known_count = sum(1 for i in range(args.queries) if i % 4 != 3)
    print(
        f"{args.queries} intake checks: p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, "
        f"p99 {pct(0.99):.1f} ms, max {timings[-1]:.1f} ms, mean {statistics.mean(timings):.1f} ms"
    )
    print(f"queries per check: max {max(queries)}, mean {statistics.mean(queries):.1f}")
    print(f"the known person came first in {first}/{known_count} checks")


if __name__ == "__main__":
    main()
