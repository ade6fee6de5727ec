"""A partner's full mirror of `/api/v1/persons/` against a `COPY` of the same rows (issue 10).

As the demo partner (a token issued through the service, as `bench/pages.py` does), page through
`/api/v1/persons/` at the largest page size the API allows until there is no `next` link, in
process with Django's test client against PostgreSQL and the production settings module (DEBUG
off; only ALLOWED_HOSTS=testserver and secure cookies off for the client's plain HTTP). Then the
same persons and fields read by one `COPY (SELECT …) TO STDOUT` through psycopg: every field of
the person that the list gives (the persons the partner's gate returns, without those merged into
a person it does not see), its names, and the public ids of its organisation, team, assignee and
survivor. Printed: each round's mirror time (wall, this process's CPU, and the SQL time as the
driver sees it), the COPY's time, their ratio (target ≤ 20), the time per page, and the EXPLAIN
(ANALYZE, BUFFERS) of one page's person query (target: no sequential scan of a big table).

The mirror writes what the API writes (one audit event per page); run it on a copy:

    .venv/bin/python bench/api_mirror.py --template casework_bench100k_pristine \\
        --database casework_mirror --rounds 3

`--template` drops `--database` and copies it afresh from the template (then migrates it).
"""

from __future__ import annotations

import argparse
import re
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _harness import loadavg, recreate_database, setup_in_process

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 20.0
BIG_TABLES = ("casework_person", "casework_personname", "casework_namekey", "casework_auditevent")


def partner_client(username: str):
    from django.test import Client

    from casework.models import User
    from casework.services.accounts import CommandLine, partner_token_issue

    partner = User.objects.get(username=username)
    issued = partner_token_issue(
        actor=CommandLine("bench/api_mirror.py"), user=partner, name="mirror benchmark", days=1
    )
    client = Client(raise_request_exception=True, headers={"Authorization": f"Bearer {issued.key}"})
    return partner, client


class SqlMeter:
    """The statements of the mirror and the time each took to execute; keeps the SQL of the
    first page's person query for EXPLAIN."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.page_query = None

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
            if self.page_query is None and _is_page_query(sql):
                self.page_query = (sql, params)


def _is_page_query(sql: str) -> bool:
    return sql.startswith('SELECT "casework_person"."id"') and "LIMIT" in sql and "ORDER BY" in sql


def mirror(client, page_size: int) -> dict:
    """Every page of the list, following `next` until the end."""
    from django.db import connection

    meter = SqlMeter()
    path = f"/api/v1/persons/?page_size={page_size}"
    records = pages = 0
    ids = set()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(meter):
        while path:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
            body = response.json()
            pages += 1
            records += len(body["results"])
            ids.update(row["id"] for row in body["results"])
            path = body["next"]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if len(ids) != records:
        raise SystemExit(f"the pages repeated records: {records} read, {len(ids)} distinct")
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "sql_s": meter.seconds,
        "queries": meter.count,
        "pages": pages,
        "records": records,
        "page_query": meter.page_query,
    }


PERSON_COLUMNS = [
    "public_id",
    "display_name",
    "sex",
    "birth_date",
    "birth_precision",
    "age_stated",
    "age_stated_on",
    "birth_earliest",
    "birth_latest",
    "birthplace",
    "citizenship",
    "region_of_origin",
    "languages",
    "documents_held",
    "vulnerabilities",
    "sensitivity",
    "status",
    "status_changed_at",
    "created_at",
    "updated_at",
]


def copy_query(partner) -> tuple[str, list]:
    """The persons the list gives the partner, with every field it writes of them, as one SQL
    statement a DBA would write: the ids through the gate and the list's own filter
    (`api.persons._without_lost_merges`) as the API applies them, evaluated once, then each
    person by its key with its names and the public ids of the records it points at."""
    from casework.api.persons import _without_lost_merges
    from casework.models import Person

    ids = _without_lost_merges(partner, Person.objects.visible_to(partner)).order_by().values("pk")
    ids_sql, params = ids.query.sql_with_params()
    columns = ", ".join(f"p.{name}" for name in PERSON_COLUMNS)
    sql = f"""
        SELECT {columns},
            (SELECT o.public_id FROM casework_organisation o WHERE o.id = p.organisation_id),
            (SELECT t.public_id FROM casework_team t WHERE t.id = p.team_id),
            (SELECT u.public_id FROM casework_user u WHERE u.id = p.assigned_to_id),
            (SELECT s.public_id FROM casework_person s WHERE s.id = p.merged_into_id),
            (SELECT json_agg(json_build_object(
                    'family_name', n.family_name, 'given_name', n.given_name,
                    'patronymic', n.patronymic, 'full_text', n.full_text,
                    'script', n.script, 'kind', n.kind) ORDER BY n.is_primary DESC, n.id)
                FROM casework_personname n WHERE n.person_id = p.id)
        FROM casework_person p
        WHERE p.id = ANY(ARRAY({ids_sql}))
        ORDER BY p.created_at, p.public_id"""
    return sql, list(params)


def copy_rows(sql: str, params: list) -> tuple[float, int, int]:
    """(seconds, rows, bytes) of `COPY (sql) TO STDOUT` through psycopg."""
    from django.db import connection

    connection.ensure_connection()
    started = time.perf_counter()
    size = rows = 0
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy,
    ):
        for data in copy:
            size += len(data)
            rows += bytes(data).count(b"\n")
    return time.perf_counter() - started, rows, size


def explain(sql: str, params) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="casework_mirror")
    parser.add_argument("--template", help="drop --database and copy it from this one first")
    parser.add_argument("--partner", default="partner", help="the partner system user")
    parser.add_argument("--page-size", type=int, help="default: the API's largest page size")
    parser.add_argument("--rounds", type=int, default=3, help="full mirrors (and COPYs) timed")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        raise SystemExit("--database: lower-case letters, digits and _ only")
    print(shlex.join([".venv/bin/python", "bench/api_mirror.py", *sys.argv[1:]]), flush=True)
    if args.template:
        recreate_database(args.database, args.template)
    setup_in_process(args.database, Path(tempfile.mkdtemp(prefix="casework-mirror-")))

    from casework.api.persons import PersonViewSet

    page_size = args.page_size or PersonViewSet.pagination_class.max_page_size
    partner, client = partner_client(args.partner)
    sql, params = copy_query(partner)
    print(f"load average before: {loadavg()}; page size {page_size}", flush=True)

    copy_rows(sql, params)  # warm-up, as the mirror's first round warms its caches
    rounds = []
    for n in range(args.rounds):
        run = mirror(client, page_size)
        copy_s, copy_count, copy_bytes = copy_rows(sql, params)
        if copy_count != run["records"]:
            print(f"  note: COPY gave {copy_count} rows, the mirror {run['records']} records")
        ratio = run["wall_s"] / copy_s
        rounds.append({**run, "copy_s": copy_s, "ratio": ratio})
        print(
            f"  round {n + 1}: {run['records']} persons in {run['pages']} pages, "
            f"mirror {run['wall_s'] * 1000:.0f} ms (CPU {run['cpu_s'] * 1000:.0f} ms, "
            f"SQL {run['sql_s'] * 1000:.0f} ms, {run['queries']} queries; "
            f"{run['wall_s'] * 1000 / run['pages']:.1f} ms a page); "
            f"COPY {copy_s * 1000:.1f} ms ({copy_bytes / 1024:.0f} KiB); ratio {ratio:.1f}",
            flush=True,
        )
    best = min(rounds, key=lambda r: r["ratio"])
    median = statistics.median(r["ratio"] for r in rounds)
    verdict = "met" if median <= TARGET_RATIO else "missed"
    print(
        f"\nratio mirror / COPY: median {median:.1f}, best {best['ratio']:.1f} "
        f"(target ≤ {TARGET_RATIO:.0f}: {verdict}); load average after: {loadavg()}"
    )

    page_sql, page_params = rounds[0]["page_query"]
    plan = explain(page_sql, page_params)
    scans = [t for t in BIG_TABLES for line in plan if f"Seq Scan on {t} " in line]
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the first page's person query (page size {page_size}):")
    print("\n".join(plan))
    print(
        "sequential scans of a big table: " + (", ".join(sorted(set(scans))) if scans else "none")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
