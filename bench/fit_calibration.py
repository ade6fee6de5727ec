"""Fit the shipped model and its calibration; write casework/matching/data/model.json.

    .venv/bin/python bench/fit_calibration.py [--samples DIR] [--write]

u comes from random pairs and m from EM (no labels). Only the calibration uses the labels: a
two-parameter logistic map from the total match weight to a probability (Platt scaling), fitted
on the scored candidate pairs of a↔b, a dupes and b dupes together. A leave-one-task-out check
is printed so the map is not judged on the pairs it was fitted on.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casework.matching import PersonRecord, dedupe_list, link_lists, read_rows  # noqa: E402
from casework.matching.scoring import Model  # noqa: E402

MODEL_PATH = ROOT / "casework/matching/data/model.json"


def collect(root: Path, model: Model | None = None):
    a = [PersonRecord.from_dict(r) for r in read_rows(root / "a.csv")]
    b = [PersonRecord.from_dict(r) for r in read_rows(root / "b.csv")]

    def truth(name, symmetric):
        rows = read_rows(root / name)
        pairs = {(r["left_id"], r["right_id"]) for r in rows}
        return {tuple(sorted(p)) for p in pairs} if symmetric else pairs

    tasks = []
    res = link_lists(a, b, model=model)
    t = truth("truth_ab.csv", False)
    tasks.append(
        ("a<->b", res.model, [(s.match_weight, (s.left_id, s.right_id) in t) for s in res.scored])
    )
    for name, recs, file in (
        ("a dupes", a, "truth_a_dupes.csv"),
        ("b dupes", b, "truth_b_dupes.csv"),
    ):
        d = dedupe_list(recs, model=model)
        t = truth(file, True)
        rows = [(s.match_weight, tuple(sorted((s.left_id, s.right_id))) in t) for s in d.scored]
        tasks.append((name, d.model, rows))
    return tasks


def platt(bits: np.ndarray, y: np.ndarray, iterations: int = 200) -> tuple[float, float]:
    """Logistic regression of y on ln-odds, by Newton's method, lightly regularised towards 1, 0."""
    x = bits * math.log(2)
    a, b = 1.0, 0.0
    for _ in range(iterations):
        z = np.clip(a * x + b, -30, 30)
        p = 1 / (1 + np.exp(-z))
        g = np.array([np.sum((p - y) * x) + (a - 1), np.sum(p - y) + b])
        w = p * (1 - p)
        h = np.array([[np.sum(w * x * x) + 1, np.sum(w * x)], [np.sum(w * x), np.sum(w) + 1]])
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def brier(bits, y, a, b) -> float:
    p = 1 / (1 + np.exp(-np.clip(a * bits * math.log(2) + b, -30, 30)))
    return float(np.mean((p - y) ** 2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", default="/work/shared/samples/lists")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    identity = Model.from_json(MODEL_PATH.read_text("utf-8"))
    identity.calibration = (1.0, 0.0)
    tasks = collect(Path(args.samples), identity)
    data = {
        name: (np.array([w for w, _ in rows]), np.array([float(y) for _, y in rows]))
        for name, _, rows in tasks
    }
    for name in data:
        rest = [k for k in data if k != name]
        bits = np.concatenate([data[k][0] for k in rest])
        y = np.concatenate([data[k][1] for k in rest])
        a, b = platt(bits, y)
        print(
            f"held out {name:8s}: fitted on the others a={a:.3f} b={b:.3f}; Brier on {name}: "
            f"uncalibrated {brier(*data[name], 1, 0):.4f} -> "
            f"calibrated {brier(*data[name], a, b):.4f}"
        )
    bits = np.concatenate([d[0] for d in data.values()])
    y = np.concatenate([d[1] for d in data.values()])
    a, b = platt(bits, y)
    print(
        f"all tasks: a={a:.3f} b={b:.3f}; "
        f"Brier {brier(bits, y, 1, 0):.4f} -> {brier(bits, y, a, b):.4f}"
    )
    if args.write:
        model = tasks[0][1]  # u and m fitted on a↔b without labels
        model.calibration = (round(a, 4), round(b, 4))
        MODEL_PATH.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH}")


if __name__ == "__main__":
    main()
