"""Fellegi–Sunter scoring of a pair of person records, with a field-by-field explanation.

Each field is compared to a level (exact / equivalent / same key / close / different / missing).
A level weighs log2(m/u): m = P(level | same person), u = P(level | different people). u comes
from random pairs, m from EM on candidate pairs (no labels needed). Missing data weighs zero:
records of children are sparse and absence is not evidence. The total (prior + weights) in bits is
mapped to a probability through a calibration stored as data.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
from rapidfuzz.distance import JaroWinkler, Levenshtein

from . import normalise as nm
from .keys import NameKeys, PreparedRecord

MISSING = -1

LEVELS: dict[str, tuple[str, ...]] = {
    "family_name": ("exact", "same_key", "skeleton", "close", "near", "different"),
    "given_name": ("exact", "equivalent", "same_key", "close", "near", "different"),
    "birth_date": ("same_day", "overlap", "within_1y", "within_3y", "different"),
    "sex": ("agree", "different"),
    "father": ("agree", "different"),
    "patronymic": ("agree", "close", "different"),
    "mother": ("both_agree", "one_agrees", "different"),
    "kunya": ("agree", "different"),
    "region": ("agree", "different"),
    "birth_place": ("agree", "different"),
    "identifier": ("exact", "close", "different"),
}
FIELDS: tuple[str, ...] = tuple(LEVELS)

# Sane starting m-probabilities (and EM pseudo-counts): typos and transliteration variants are
# common, disagreement on a true pair is rare but not impossible.
M_PRIORS: dict[str, tuple[float, ...]] = {
    "family_name": (0.55, 0.25, 0.08, 0.06, 0.03, 0.03),
    "given_name": (0.55, 0.25, 0.07, 0.06, 0.04, 0.03),
    # ages given to authorities are often rough: a few years off is not rare for a true pair
    "birth_date": (0.3, 0.42, 0.17, 0.08, 0.03),
    "sex": (0.97, 0.03),
    "father": (0.85, 0.15),
    # a patronymic is written by the person's own family and rarely changes between records;
    # two patronymics of different fathers (Абдуллаевна / Умаровна) say "not the same person"
    "patronymic": (0.93, 0.06, 0.01),
    "mother": (0.6, 0.3, 0.1),
    "kunya": (0.6, 0.4),  # a woman may be known by the names of different sons
    "region": (0.75, 0.25),
    "birth_place": (0.7, 0.3),
    "identifier": (0.8, 0.15, 0.05),
}
# u when random pairs say little (a field rarely filled on both sides): pseudo-counts only.
U_PRIORS: dict[str, tuple[float, ...]] = {
    "family_name": (0.005, 0.005, 0.005, 0.005, 0.01, 0.97),
    "given_name": (0.02, 0.005, 0.002, 0.007, 0.04, 0.926),
    "birth_date": (0.001, 0.03, 0.08, 0.15, 0.739),
    "sex": (0.5, 0.5),
    "father": (0.03, 0.97),
    "patronymic": (0.04, 0.01, 0.95),
    "mother": (0.007, 0.05, 0.943),
    "kunya": (0.05, 0.95),  # Umm + a common given name: about as common as that name
    "region": (0.3, 0.7),
    "birth_place": (0.2, 0.8),
    "identifier": (0.0001, 0.001, 0.9989),
}
U_PRIOR_STRENGTH = 20.0
# No level is rarer than this among different people (two strangers share a birthday about once
# in 10,000 pairs); without a floor a level never seen in the random sample weighs 17+ bits.
MIN_U = 1e-4
PRIOR_STRENGTH = 30.0  # pseudo-pairs behind each prior in EM
# Fields whose m EM must not learn: within a family's block siblings agree on surname, mother
# and region, and unconstrained EM learns "same family" instead of "same person" (measured on the
# samples: precision fell to 0.5). Names, birth date and sex keep their priors; EM learns the
# match prior and the m of the supporting fields.
FROZEN_FIELDS = frozenset({"family_name", "given_name", "birth_date", "sex"})
TF_FIELDS = {"family_name": (0, 1, 2), "given_name": (0, 1)}  # levels that get a tf adjustment
TF_MAX_BITS = 4.0
# Siblings share a surname and both parents: once the surname agrees, parents agreeing is much
# less surprising than for a random pair, so it counts for part of its weight only.
PARENT_FIELDS = frozenset({"mother", "father", "patronymic"})
PARENT_WEIGHT_WHEN_FAMILY_AGREES = 0.4  # cap on how far term frequency moves a weight, either way


@dataclass(frozen=True)
class FieldWeight:
    field: str
    left: str
    right: str
    level: str
    weight: float  # bits


@dataclass
class Scored:
    left_id: str
    right_id: str
    probability: float
    match_weight: float  # bits, prior included, before calibration
    prior_weight: float
    explanation: list[FieldWeight]

    def explanation_json(self) -> str:
        """Compact waterfall: prior, fields (field, left, right, level, weight), total."""
        return json.dumps(
            {
                "prior": round(self.prior_weight, 2),
                "fields": [
                    [f.field, f.left, f.right, f.level, round(f.weight, 2)]
                    for f in self.explanation
                ],
                "total": round(self.match_weight, 2),
                "p": round(self.probability, 4),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


# ---------------------------------------------------------------------------------------------
# Comparison levels


def _jw(a: str, b: str) -> float:
    return JaroWinkler.similarity(a, b)


def family_level(a: NameKeys, b: NameKeys) -> int:
    if not a.key or not b.key:
        return MISSING
    if a.fold == b.fold:
        return 0
    if a.key == b.key:
        return 1
    if a.skeleton == b.skeleton and len(a.skeleton) >= 3:
        return 2
    sim = _jw(a.key, b.key)
    if sim >= 0.92:
        return 3
    if sim >= 0.85:
        return 4
    return 5


def given_level(a: NameKeys, b: NameKeys) -> int:
    if not a.key or not b.key:
        return MISSING
    if a.fold == b.fold:
        return 0
    if a.classes & b.classes:
        return 1
    # short skeletons collide (Saida/Seda/Sayyid are all "sd")
    if a.key == b.key or (a.skeleton == b.skeleton and len(a.skeleton) >= 3):
        return 2
    sim = _jw(a.key, b.key)
    if sim >= 0.9:
        return 3
    if sim >= 0.82:
        return 4
    return 5


def birth_level(a: PreparedRecord, b: PreparedRecord) -> int:
    gap = a.birth.gap_days(b.birth)
    if gap is None:
        return MISSING
    if gap == 0:
        both_exact = a.birth.precision == "exact" and b.birth.precision == "exact"
        return 0 if both_exact else 1
    if gap <= 366:
        return 2
    if gap <= 3 * 366:
        return 3
    return 4


def _set_level(a: frozenset[str], b: frozenset[str]) -> int:
    if not a or not b:
        return MISSING
    return 0 if a & b else 1


def _text_level(a: str, b: str) -> int:
    if not a or not b:
        return MISSING
    return 0 if a == b else 1


def mother_level(a: PreparedRecord, b: PreparedRecord) -> int:
    fam = family_level(a.mother_family, b.mother_family)
    giv = given_level(a.mother_given, b.mother_given)
    if fam == MISSING and giv == MISSING:
        return MISSING
    agree = [lvl <= 3 for lvl in (fam, giv) if lvl != MISSING]
    if all(agree) and len(agree) == 2:
        return 0
    return 1 if any(agree) else 2


def identifier_level(a: frozenset[str], b: frozenset[str]) -> int:
    if not a or not b:
        return MISSING
    if a & b:
        return 0
    close = any(Levenshtein.distance(x, y) <= 1 for x in a for y in b)
    return 1 if close else 2


def name_levels(a: PreparedRecord, b: PreparedRecord) -> tuple[int, int, bool]:
    """Family and given levels, trying the swapped order too (lists swap name order)."""
    straight = (family_level(a.family, b.family), given_level(a.given, b.given))
    if not (a.family.key and b.family.key and a.given.key and b.given.key):
        # a one-part name may have been put in the wrong slot
        if a.family.key and not a.given.key and b.given.key and not b.family.key:
            return (MISSING, given_level(a.family_as_given, b.given), True)
        if b.family.key and not b.given.key and a.given.key and not a.family.key:
            return (MISSING, given_level(a.given, b.family_as_given), True)
        return (*straight, False)
    if straight[0] == 0 and straight[1] <= 1:
        return (*straight, False)
    crossed = (family_level(a.family, b.given_as_family), given_level(a.given, b.family_as_given))
    if sum(crossed) < sum(straight):
        return (*crossed, True)
    return (*straight, False)


def patronymic_level(a: PreparedRecord, b: PreparedRecord) -> int:
    """Agree (one father's name in any spelling), close (a spelling the name table does not
    know: Абдулхамидовна / Abdulkhamidowna), or different fathers."""
    if a.patronymic_classes & b.patronymic_classes:
        return 0
    close = any(
        JaroWinkler.similarity(x, y) >= 0.9
        for x in a.patronymic_classes
        for y in b.patronymic_classes
    )
    return 1 if close else 2


def _father_levels(a: PreparedRecord, b: PreparedRecord) -> tuple[int, int]:
    """(father, patronymic) levels. With a patronymic on both sides the patronymics are compared
    as evidence of their own, and the father's name only where a list or alias gives it;
    otherwise a patronymic stands for the father's name (a list's "father" column)."""
    if a.patronymic_classes and b.patronymic_classes:
        return (
            _set_level(a.named_father_classes, b.named_father_classes),
            patronymic_level(a, b),
        )
    return _set_level(a.father_classes, b.father_classes), MISSING


def compare(a: PreparedRecord, b: PreparedRecord) -> tuple[list[int], bool]:
    """Level of every field (MISSING when either side lacks it) and whether names were swapped."""
    fam, giv, swapped = name_levels(a, b)
    sex = MISSING if not (a.sex and b.sex) else (0 if a.sex == b.sex else 1)
    levels = [
        fam,
        giv,
        birth_level(a, b),
        sex,
        *_father_levels(a, b),
        mother_level(a, b),
        _set_level(a.kunyas, b.kunyas),
        _text_level(a.region, b.region),
        _text_level(a.birth_place, b.birth_place),
        identifier_level(a.identifiers, b.identifiers),
    ]
    return levels, swapped


# ---------------------------------------------------------------------------------------------
# Model


@dataclass
class Model:
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float  # P(match) among candidate pairs
    calibration: tuple[float, float] = (1.0, 0.0)  # p = sigmoid(a * ln-odds + b)
    tf: dict[str, dict[str, float]] = field(default_factory=dict)  # value → frequency

    def with_prior(self, prior: float) -> Model:
        """The same model for another population: P(match) of a random pair changes with its size
        (for an intake check against N stored persons, about share_already_known / N)."""
        return Model(self.m, self.u, min(max(prior, 1e-9), 0.5), self.calibration, self.tf)

    def weights(self) -> dict[str, list[float]]:
        return {
            f: [
                math.log2(max(m, 1e-6) / max(u, MIN_U))
                for m, u in zip(self.m[f], self.u[f], strict=True)
            ]
            for f in FIELDS
        }

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("tf")
        for table in (data["m"], data["u"]):
            for name, values in table.items():
                table[name] = [round(v, 6) for v in values]
        lines = [f'  "{k}": {json.dumps(v)}' for k, v in data.items() if k not in ("m", "u")]
        for k in ("m", "u"):
            fields = ",\n".join(f'    "{f}": {json.dumps(v)}' for f, v in data[k].items())
            lines.append(f'  "{k}": {{\n{fields}\n  }}')
        return "{\n" + ",\n".join(lines) + "\n}"

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        m = {f: data["m"].get(f, list(M_PRIORS[f])) for f in FIELDS}
        u = {f: data["u"].get(f, list(U_PRIORS[f])) for f in FIELDS}
        return cls(m=m, u=u, prior=data["prior"], calibration=tuple(data["calibration"]))


@lru_cache(maxsize=1)
def _default_model_text() -> str:
    return resources.files(__package__).joinpath("data/model.json").read_text("utf-8")


def default_model() -> Model:
    """The model shipped as data (fitted without labels; calibration checked on the samples).

    A fresh copy each call: callers may set ``tf`` or change the prior.
    """
    return Model.from_json(_default_model_text())


def term_frequencies(records: Sequence[PreparedRecord]) -> dict[str, dict[str, float]]:
    family = Counter(r.family.key for r in records if r.family.key)
    given = Counter(c for r in records for c in r.given.classes)
    n_family = max(sum(family.values()), 1)
    n_given = max(sum(1 for r in records if r.given.classes), 1)
    return {
        "family_name": {k: v / n_family for k, v in family.items()},
        "given_name": {k: v / n_given for k, v in given.items()},
    }


def estimate_u(
    left: Sequence[PreparedRecord],
    right: Sequence[PreparedRecord] | None,
    samples: int = 20_000,
    seed: int = 7,
) -> dict[str, list[float]]:
    """u-probabilities from random pairs: almost all random pairs are different people."""
    rng = random.Random(seed)
    other = right if right is not None else left
    counts = {f: U_PRIOR_STRENGTH * np.array(U_PRIORS[f]) for f in FIELDS}
    for _ in range(samples):
        a = left[rng.randrange(len(left))]
        b = other[rng.randrange(len(other))]
        if a is b:
            continue
        levels, _ = compare(a, b)
        for f, level in zip(FIELDS, levels, strict=True):
            if level != MISSING:
                counts[f][level] += 1
    return {f: list(counts[f] / counts[f].sum()) for f in FIELDS}


def fit_m_em(
    level_rows: np.ndarray, u: dict[str, list[float]], match_share: float, iterations: int = 30
) -> dict[str, list[float]]:
    """EM for the m of the supporting fields, u and the share of matches held fixed.

    Letting EM also move the match share or the name fields' m made it learn "same family"
    (siblings share surname, mother and region) instead of "same person".
    """
    m = {f: np.array(M_PRIORS[f], dtype=float) for f in FIELDS}
    uu = {f: np.array(u[f], dtype=float) for f in FIELDS}
    n = len(level_rows)
    lam = min(max(match_share, 1e-4), 0.9)
    if n == 0:
        return {f: list(v) for f, v in m.items()}
    for _ in range(iterations):
        log_ratio = np.zeros(n)
        for k, f in enumerate(FIELDS):
            ratio = np.append(np.log(m[f] / uu[f]), 0.0)  # index -1 (missing) → 0
            log_ratio += ratio[level_rows[:, k]]
        logit = np.clip(log_ratio + math.log(lam / (1 - lam)), -50, 50)
        w = 1.0 / (1.0 + np.exp(-logit))
        for k, f in enumerate(FIELDS):
            if f in FROZEN_FIELDS:
                continue
            col = level_rows[:, k]
            present = col != MISSING
            counts = np.bincount(col[present], weights=w[present], minlength=len(LEVELS[f]))
            counts = counts + PRIOR_STRENGTH * np.array(M_PRIORS[f])
            m[f] = np.clip(counts / counts.sum(), 1e-4, 1.0)
    return {f: list(v) for f, v in m.items()}


def expected_matches(n_left: int, n_right: int | None) -> float:
    """Prior belief in how many true pairs exist: half the shorter list overlaps the other;
    a list repeats about one person in twenty."""
    if n_right is None:
        return max(1.0, 0.05 * n_left)
    return max(1.0, 0.5 * min(n_left, n_right))


def fit_model(
    left: Sequence[PreparedRecord],
    right: Sequence[PreparedRecord] | None,
    pairs: Sequence[tuple[int, int]],
    base: Model | None = None,
    level_rows: np.ndarray | None = None,
) -> Model:
    """u from random pairs of these lists, m of supporting fields by EM on the candidate pairs.

    The prior is P(match) for a random pair, consistent with u from random pairs: blocking only
    filters pairs, it does not change their odds.
    """
    other = right if right is not None else left
    u = estimate_u(left, right)
    rows = level_rows
    if rows is None:
        rows = np.array([compare(left[i], other[j])[0] for i, j in pairs], dtype=np.int64)
    rows = rows.reshape(-1, len(FIELDS))
    expected = expected_matches(len(left), len(right) if right is not None else None)
    m = fit_m_em(rows, u, expected / max(len(pairs), 1))
    total_pairs = len(left) * len(other) if right is not None else len(left) * (len(left) - 1) / 2
    calibration = base.calibration if base else (1.0, 0.0)
    return Model(m=m, u=u, prior=min(0.5, expected / max(total_pairs, 1)), calibration=calibration)


# ---------------------------------------------------------------------------------------------
# Scoring


def birth_text(b) -> str:
    """A birth range at its own precision, in no language: 2015-05-02, 2015-05, 2015, or the
    years it may be (2014–2016) for an age or an estimate."""
    first, last = b.earliest, b.latest
    if b.precision == "exact" or first == last:
        return first.isoformat()
    if b.precision == "month" or (first.year, first.month) == (last.year, last.month):
        return first.strftime("%Y-%m")
    if first.year == last.year:
        return str(first.year)
    return f"{first.year}–{last.year}"


def _display(p: PreparedRecord, name: str, swapped_side: bool = False) -> str:
    r = p.record
    if name == "family_name":
        return p.given.text if swapped_side else p.family.text
    if name == "given_name":
        return p.family.text if swapped_side else p.given.text
    if name == "birth_date":
        b = p.birth
        if not b.known:
            return ""
        return birth_text(b)
    # the values as written, never the folded keys they are compared on ("hehnia")
    if name == "father":
        children_of = _aliases_of(r, ("ibn", "bint", "child_of_abu"))
        return " / ".join(x for x in (r.father_name, p.patronymic_text, *children_of) if x)
    if name == "patronymic":
        return p.patronymic_text
    if name == "mother":
        return r.mother_name
    if name == "kunya":
        return " / ".join(_aliases_of(r, ("umm", "abu")))
    if name == "identifier":
        return " / ".join(r.identifiers)
    if name in ("region", "birth_place"):
        return getattr(r, name)
    return str(getattr(p, name, "") or "")


def _aliases_of(record, kinds: tuple[str, ...]) -> list[str]:
    texts = [*record.aliases]
    if record.full_name:
        texts += nm.split_full_name(record.full_name).aliases
    return [t for t in texts if (a := nm.parse_alias(t)) and a.kind in kinds]


def level_weight(
    model: Model,
    name: str,
    level: int,
    a: PreparedRecord,
    b: PreparedRecord,
    family_agrees: bool = False,
) -> float:
    m = model.m[name][level]
    u = model.u[name][level]
    weight = math.log2(max(m, 1e-6) / max(u, MIN_U))
    if name in PARENT_FIELDS and level == 0 and family_agrees:
        weight *= PARENT_WEIGHT_WHEN_FAMILY_AGREES
    if name in TF_FIELDS and level in TF_FIELDS[name] and model.tf:
        freqs = model.tf.get(name, {})
        if name == "family_name":
            values = [a.family.key, b.family.key]
        else:
            values = list(a.given.classes & b.given.classes) or [a.given.key]
        f = max((freqs.get(v, 0.0) for v in values), default=0.0)
        if f > 0:
            tf_weight = math.log2(max(m, 1e-6) / f)
            weight = max(weight - TF_MAX_BITS, min(weight + TF_MAX_BITS, tf_weight))
    return weight


def prior_weight(model: Model) -> float:
    return math.log2(model.prior / (1 - model.prior))


def calibrated(model: Model, bits: float) -> float:
    a, b = model.calibration
    z = a * bits * math.log(2) + b
    z = max(-700.0, min(700.0, z))
    return 1.0 / (1.0 + math.exp(-z))


def score_pair(
    a: PreparedRecord, b: PreparedRecord, model: Model | None = None, explain: bool = True
) -> Scored:
    """Probability that two records are the same person, with a waterfall explanation."""
    model = model or default_model()
    levels, swapped = compare(a, b)
    return score_levels(a, b, levels, swapped, model, explain)


def score_levels(
    a: PreparedRecord,
    b: PreparedRecord,
    levels: Sequence[int],
    swapped: bool,
    model: Model,
    explain: bool = True,
    explain_from: float = 0.0,
) -> Scored:
    """Weights, total and probability for levels already computed by ``compare``.

    The explanation is built only when ``explain`` and the probability reaches ``explain_from``
    (building it for every candidate pair of a large list costs more than scoring).
    """
    prior = prior_weight(model)
    family_agrees = levels[0] in (0, 1, 2)
    weights = [
        0.0 if level == MISSING else level_weight(model, name, level, a, b, family_agrees)
        for name, level in zip(FIELDS, levels, strict=True)
    ]
    total = prior + sum(weights)
    probability = calibrated(model, total)
    explanation: list[FieldWeight] = []
    if explain and probability >= explain_from:
        for name, level, weight in zip(FIELDS, levels, weights, strict=True):
            if level == MISSING and name not in ("family_name", "given_name", "birth_date"):
                continue
            explanation.append(
                FieldWeight(
                    name,
                    _display(a, name),
                    _display(b, name, swapped and name in ("family_name", "given_name")),
                    "missing" if level == MISSING else LEVELS[name][level],
                    weight,
                )
            )
    return Scored(
        left_id=a.record.record_id,
        right_id=b.record.record_id,
        probability=probability,
        match_weight=total,
        prior_weight=prior,
        explanation=explanation,
    )


def score_against(
    record: PreparedRecord,
    candidates: Sequence[PreparedRecord],
    population: int | None = None,
    share_known: float = 0.3,
    model: Model | None = None,
) -> list[Scored]:
    """Score one record (an intake) against candidates found by key look-up, best first.

    ``population`` is how many persons the candidates were drawn from: the prior that the new
    record is any one of them is about ``share_known / population``.
    """
    model = model or default_model()
    if population:
        model = model.with_prior(share_known / max(population, 1))
    scored = [score_pair(record, c, model) for c in candidates if c is not record]
    return sorted(scored, key=lambda s: -s.match_weight)
