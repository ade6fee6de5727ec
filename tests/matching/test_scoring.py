"""Scorer: levels, weights, explanations and calibration on invented records."""

import json

from casework.matching import PersonRecord, default_model, prepare, score_pair
from casework.matching.normalise import surname_key
from casework.matching.scoring import FIELDS, LEVELS, Model, compare


def rec(**fields) -> PersonRecord:
    return PersonRecord.from_dict({"record_id": fields.pop("record_id", "X"), **fields})


CYRILLIC = rec(
    record_id="A1",
    family_name="Тестоева",
    given_name="Хадижат",
    sex="F",
    birth_date="2012-06-17",
    mother_name="Примерова Зулейха",
)
LATIN = rec(
    record_id="B1",
    full_name="Khadija Testoyeva",
    sex="F",
    birth_date="2012",
    mother_name="Zulaykha Primerova",
)
SISTER = rec(
    record_id="B2",
    full_name="Testoeva Madina",
    sex="F",
    birth_date="2009",
    mother_name="Zuleikha Primerova",
)


def test_cross_script_pair_scores_high_and_sister_low():
    model = default_model()
    same = score_pair(prepare(CYRILLIC), prepare(LATIN), model)
    sister = score_pair(prepare(CYRILLIC), prepare(SISTER), model)
    assert same.probability > 0.95
    assert sister.probability < 0.2


def test_explanation_is_a_waterfall():
    s = score_pair(prepare(CYRILLIC), prepare(LATIN))
    by_field = {f.field: f for f in s.explanation}
    assert by_field["given_name"].level == "equivalent"
    assert by_field["given_name"].left == "Хадижат" and by_field["given_name"].right == "Khadija"
    assert by_field["family_name"].level in ("same_key", "exact")
    assert by_field["birth_date"].level == "overlap"
    assert by_field["mother"].weight > 0
    # prior + weights = total, in bits
    assert abs(s.prior_weight + sum(f.weight for f in s.explanation) - s.match_weight) < 1e-9
    data = json.loads(s.explanation_json())
    assert set(data) == {"prior", "fields", "total", "p"}
    assert data["fields"][0][:4] == ["family_name", "Тестоева", "Testoyeva", "exact"]


def test_missing_data_weighs_zero():
    sparse = rec(record_id="B3", given_name="Khadija")
    s = score_pair(prepare(CYRILLIC), prepare(sparse))
    by_field = {f.field: f for f in s.explanation}
    assert by_field["family_name"].level == "missing" and by_field["family_name"].weight == 0
    assert by_field["birth_date"].weight == 0
    assert "mother" not in by_field  # absent on one side: not shown, not counted


def test_disagreement_weighs_against():
    other = rec(record_id="B4", family_name="Testoeva", given_name="Khadija", birth_date="1970")
    levels, _ = compare(prepare(CYRILLIC), prepare(other))
    assert LEVELS["birth_date"][levels[FIELDS.index("birth_date")]] == "different"
    s = score_pair(prepare(CYRILLIC), prepare(other))
    assert {f.field: f for f in s.explanation}["birth_date"].weight < 0


def test_swapped_name_order_is_recognised():
    swapped = rec(record_id="B5", family_name="Khadija", given_name="Testoeva", sex="F")
    s = score_pair(prepare(CYRILLIC), prepare(swapped))
    assert {f.field: f.level for f in s.explanation}["given_name"] == "equivalent"


def test_common_surname_counts_less_than_rare():
    model = default_model()
    common_key, rare_key = surname_key("Testoev"), surname_key("Primerov")
    model.tf = {"family_name": {common_key: 0.2, rare_key: 0.001}, "given_name": {}}
    common = score_pair(
        prepare(rec(family_name="Testoev")), prepare(rec(family_name="Тестоев")), model
    )
    rare = score_pair(
        prepare(rec(family_name="Primerov")), prepare(rec(family_name="Примеров")), model
    )
    assert common.explanation[0].weight < rare.explanation[0].weight


def test_calibration_is_read_from_data():
    model = default_model()
    assert model.calibration != (1.0, 0.0)
    text = model.to_json()
    assert Model.from_json(text).calibration == tuple(model.calibration)


def test_intake_check_ranks_candidates_and_prior_depends_on_population():
    from casework.matching import score_against

    new = prepare(CYRILLIC)
    candidates = [prepare(SISTER), prepare(LATIN)]
    small = score_against(new, candidates, population=100)
    large = score_against(new, candidates, population=1_000_000)
    assert [s.right_id for s in small] == ["B1", "B2"]
    assert small[0].probability > large[0].probability
    assert small[0].prior_weight > large[0].prior_weight
