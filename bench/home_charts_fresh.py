"""The home page with its chart counts worked out afresh on every request (issue 12).

The home page keeps each user's grouped chart counts for HOME_CHARTS_SECONDS; bench/pages.py
therefore measures the cached page. This measures the first view of each window: the cache is
cleared before every request. Same database, settings and personas as bench/pages.py (run that
first, with --template, to make the database):

    .venv/bin/python bench/home_charts_fresh.py --database casework_pages
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages  # noqa: E402 (bench/pages.py, beside this file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="casework_pages")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    pages.configure(args.database, Path(tempfile.mkdtemp(prefix="casework-home-")))
    people = pages.personas()
    from django.core.cache import cache

    import casework.wsgi  # noqa: F401 (loads the views and settles the collector, as a worker)

    for name in ("caseworker", "supervisor", "intake", "dpo"):
        client = people[name].client()
        times = []
        for i in range(args.warmup + args.requests):
            cache.clear()
            started = time.perf_counter()
            response = client.get("/")
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            if i >= args.warmup:
                times.append(elapsed)
        p95 = pages.pct(times, 95)
        print(f"{name:11} charts afresh: p50 {statistics.median(times):6.1f}  p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
