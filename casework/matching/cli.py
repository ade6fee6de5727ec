"""Reconcile two CSV lists, or find duplicates in one, without any database.

Shared by ``python manage.py linklists`` and ``python -m casework.matching``.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from casework.spreadsheet import safe_row

from .csvio import CsvError, read_rows
from .linkage import AUTO_LINK_THRESHOLD, MATCH_THRESHOLD, dedupe_list, link_lists
from .records import PersonRecord


def load(path: str | Path) -> list[PersonRecord]:
    try:
        rows = read_rows(path)
    except CsvError as exc:
        raise CsvError(f"{path}: {exc}") from None
    records = []
    for number, row in enumerate(rows, start=2):
        # a list without record ids still needs stable ones: the row number in the file
        records.append(
            PersonRecord.from_dict(row, record_id=row.get("record_id") or f"row{number}")
        )
    return records


def run(
    left: str | Path,
    right: str | Path | None,
    output: str | Path,
    threshold: float = MATCH_THRESHOLD,
    out: TextIO | None = None,
) -> int:
    """Write left_id,right_id,probability,explanation for pairs at or above the threshold."""
    start = time.perf_counter()
    left_records = load(left)
    if right is not None:
        right_records = load(right)
        result = link_lists(left_records, right_records, threshold=threshold)
        links, candidates = result.links, result.candidates
        what = f"{len(left_records)} x {len(right_records)} rows"
    else:
        result = dedupe_list(left_records, threshold=threshold)
        links, candidates = result.links, result.candidates
        what = f"{len(left_records)} rows (duplicates within one list)"
    with open(output, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["left_id", "right_id", "probability", "explanation"])
        for s in links:
            writer.writerow(
                safe_row([s.left_id, s.right_id, f"{s.probability:.4f}", s.explanation_json()])
            )
    auto = sum(1 for s in links if s.probability >= AUTO_LINK_THRESHOLD)
    elapsed = time.perf_counter() - start
    if out is not None:
        out.write(
            f"{what}: {candidates} candidate pairs scored, {len(links)} pairs at p >= "
            f"{threshold:g} ({auto} at p >= {AUTO_LINK_THRESHOLD:g}, {len(links) - auto} for "
            f"review) written to {output} in {elapsed:.1f} s\n"
        )
        if right is None:
            review = sum(1 for c in result.clusters if c.needs_review)
            out.write(f"{len(result.clusters)} clusters of duplicates, {review} need review\n")
    return len(links)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("left", help="CSV list (UTF-8, UTF-8 with BOM, UTF-16 or cp1251)")
    parser.add_argument("right", nargs="?", help="second list; omit to find duplicates in LEFT")
    parser.add_argument("--output", "-o", required=True, help="where to write the pairs (CSV)")
    parser.add_argument(
        "--threshold",
        type=float,
        default=MATCH_THRESHOLD,
        help=f"minimum probability to report a pair (default {MATCH_THRESHOLD})",
    )


def main(argv: Sequence[str] | None = None) -> int:
    import sys

    parser = argparse.ArgumentParser(prog="python -m casework.matching", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    run(args.left, args.right, args.output, args.threshold, out=sys.stdout)
    return 0
