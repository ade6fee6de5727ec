"""Link two lists of people, or find the duplicates within one list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .keys import DEFAULT_BLOCK_CAP, PreparedRecord, candidate_pairs, prepare
from .records import PersonRecord
from .scoring import (
    FIELDS,
    Model,
    Scored,
    compare,
    default_model,
    fit_model,
    score_levels,
    term_frequencies,
)

# Above AUTO_LINK a pair may be linked without a person looking at it (if a strong field
# agrees); between MATCH and AUTO_LINK it goes to review; below MATCH it is not proposed.
AUTO_LINK_THRESHOLD = 0.95
MATCH_THRESHOLD = 0.5
REVIEW_FLOOR = 0.01  # scored pairs kept (for review queues and calibration checks)


def band(probability: float) -> str:
    if probability >= AUTO_LINK_THRESHOLD:
        return "auto"
    if probability >= MATCH_THRESHOLD:
        return "review"
    return "unlikely"


@dataclass
class LinkResult:
    links: list[Scored]  # pairs judged the same at the threshold, one-to-one filtered
    scored: list[Scored]  # every scored candidate pair at or above REVIEW_FLOOR
    model: Model
    candidates: int


@dataclass
class Cluster:
    record_ids: list[str]
    links: list[Scored]
    needs_review: bool  # a weak link holds it together, or members contradict each other


@dataclass
class DedupeResult:
    links: list[Scored]
    clusters: list[Cluster]
    model: Model
    candidates: int
    scored: list[Scored] = field(default_factory=list)


def _prepare_all(records: Sequence[PersonRecord | PreparedRecord]) -> list[PreparedRecord]:
    return [r if isinstance(r, PreparedRecord) else prepare(r) for r in records]


def _compare_all(
    left: list[PreparedRecord], right: list[PreparedRecord], pairs: list[tuple[int, int]]
) -> tuple[np.ndarray, list[bool]]:
    compared = [compare(left[i], right[j]) for i, j in pairs]
    rows = np.array([levels for levels, _ in compared], dtype=np.int64).reshape(-1, len(FIELDS))
    return rows, [swapped for _, swapped in compared]


def _model_for(
    left: list[PreparedRecord],
    right: list[PreparedRecord] | None,
    pairs: list[tuple[int, int]],
    rows: np.ndarray,
    model: Model | None,
    fit: bool,
) -> Model:
    base = model or default_model()
    if fit and len(pairs) >= 50:
        fitted = fit_model(left, right, pairs, base, level_rows=rows)
    else:
        fitted = Model(m=base.m, u=base.u, prior=base.prior, calibration=base.calibration)
    fitted.tf = term_frequencies(left + (right or []))
    return fitted


def _score(
    left: list[PreparedRecord],
    right: list[PreparedRecord],
    pairs: list[tuple[int, int]],
    rows: np.ndarray,
    swapped: list[bool],
    model: Model,
) -> list[tuple[int, int, Scored]]:
    out = []
    for k, (i, j) in enumerate(pairs):
        scored = score_levels(
            left[i], right[j], rows[k].tolist(), swapped[k], model, explain_from=REVIEW_FLOOR
        )
        if scored.probability >= REVIEW_FLOOR:
            out.append((i, j, scored))
    return out


def link_lists(
    left: Sequence[PersonRecord | PreparedRecord],
    right: Sequence[PersonRecord | PreparedRecord],
    threshold: float = MATCH_THRESHOLD,
    model: Model | None = None,
    fit: bool = True,
    block_cap: int = DEFAULT_BLOCK_CAP,
) -> LinkResult:
    """Blocking → scoring → keep a pair when it is the best partner of either of its rows.

    Best-of-either rather than strict one-to-one: a list that names one person twice still links
    both rows to the same person on the other list.
    """
    lp, rp = _prepare_all(left), _prepare_all(right)
    pairs = candidate_pairs(lp, rp, cap=block_cap)
    rows, swapped = _compare_all(lp, rp, pairs)
    model = _model_for(lp, rp, pairs, rows, model, fit)
    scored = _score(lp, rp, pairs, rows, swapped, model)
    best_left: dict[int, float] = defaultdict(float)
    best_right: dict[int, float] = defaultdict(float)
    for i, j, s in scored:
        best_left[i] = max(best_left[i], s.match_weight)
        best_right[j] = max(best_right[j], s.match_weight)
    links = [
        s
        for i, j, s in scored
        if s.probability >= threshold
        and (s.match_weight >= best_left[i] or s.match_weight >= best_right[j])
    ]
    links.sort(key=lambda s: -s.probability)
    return LinkResult(links, [s for _, _, s in scored], model, len(pairs))


def dedupe_list(
    records: Sequence[PersonRecord | PreparedRecord],
    threshold: float = MATCH_THRESHOLD,
    model: Model | None = None,
    fit: bool = True,
    block_cap: int = DEFAULT_BLOCK_CAP,
) -> DedupeResult:
    """Score pairs within one list, then cluster the links (connected components)."""
    prepared = _prepare_all(records)
    pairs = candidate_pairs(prepared, None, cap=block_cap)
    rows, swapped = _compare_all(prepared, prepared, pairs)
    model = _model_for(prepared, None, pairs, rows, model, fit)
    scored = _score(prepared, prepared, pairs, rows, swapped, model)
    links = [s for _, _, s in scored if s.probability >= threshold]
    links.sort(key=lambda s: -s.probability)
    return DedupeResult(
        links, cluster_links(links, scored), model, len(pairs), [s for _, _, s in scored]
    )


def cluster_links(links: list[Scored], scored: list[tuple[int, int, Scored]]) -> list[Cluster]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in links:
        parent[find(s.left_id)] = find(s.right_id)
    members: dict[str, list[str]] = defaultdict(list)
    for x in list(parent):
        members[find(x)].append(x)
    by_pair = {frozenset((s.left_id, s.right_id)): s for _, _, s in scored}
    clusters = []
    for ids in members.values():
        ids.sort()
        cluster_links_ = [s for s in links if find(s.left_id) == find(ids[0])]
        weak = any(s.probability < AUTO_LINK_THRESHOLD for s in cluster_links_)
        contradiction = any(
            (pair := by_pair.get(frozenset((x, y)))) is None or pair.probability < MATCH_THRESHOLD
            for k, x in enumerate(ids)
            for y in ids[k + 1 :]
        )
        clusters.append(Cluster(ids, cluster_links_, weak or contradiction))
    clusters.sort(key=lambda c: c.record_ids)
    return clusters
