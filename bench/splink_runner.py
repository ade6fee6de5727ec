"""Run splink on prepared columns; called by linklists_eval.py with the splink venv's python.

Usage: splink_runner.py LEFT.csv [RIGHT.csv] OUT.csv
Input columns: unique_id, first_name, surname, birth_year, dob, sex, mother.
Output: left_id,right_id,probability for pairs with probability >= 0.5.
"""

from __future__ import annotations

import csv
import logging
import sys

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def main(argv: list[str]) -> None:
    *inputs, out = argv
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None) for p in inputs]
    link = len(frames) == 2
    db_api = DuckDBAPI()
    tables = [db_api.register(f, table_name=f"t{i}") for i, f in enumerate(frames)]
    # the same prior belief as linklists: half the shorter list overlaps; 1 in 20 repeated
    n = min(len(f) for f in frames) if link else max(1, len(frames[0]) // 20)
    total = len(frames[0]) * (len(frames[1]) if link else (len(frames[0]) - 1) / 2)
    settings = SettingsCreator(
        probability_two_random_records_match=max(1e-6, min(0.5, n / total * (0.5 if link else 1))),
        link_type="link_only" if link else "dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
            cl.ExactMatch("dob"),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("sex"),
            cl.JaroWinklerAtThresholds("mother", [0.9, 0.8]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("surname"),
            block_on("first_name", "birth_year"),
            block_on("substr(surname, 1, 3)", "substr(first_name, 1, 2)"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(tables if link else tables[0], settings, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=200_000)
    for rule in (block_on("surname"), block_on("first_name")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["left_id", "right_id", "probability"])
        for row in pred.itertuples():
            writer.writerow([row.unique_id_l, row.unique_id_r, row.match_probability])


if __name__ == "__main__":
    main(sys.argv[1:])
