"""Candidate search by stored keys, the intake check, suggestions and decisions on them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.matching import PersonRecord, prepare
from casework.models import AuditEvent, Decision, MatchSuggestion, NameKey, Person
from casework.permissions import Denied
from casework.services.errors import ServiceError
from casework.services.matching import (
    candidates_for,
    intake_candidates,
    suggestion_decide,
    suggestions_find_duplicates,
)
from casework.services.persons import NameInput, person_create
from casework.services.relationships import relationship_link


def _person(actor, family, given, year=None, **kwargs):
    birth = {"birth_precision": "year", "birth_date": dt.date(year, 1, 1)} if year else {}
    return person_create(
        actor=actor,
        names=[NameInput(family_name=family, given_name=given)],
        sex="M",
        **birth,
        **kwargs,
    )


@pytest.fixture
def bilal(world):
    return _person(world.supervisor, "Тагиров", "Билал", 2015, birthplace="Raqqa")


def test_name_keys_are_the_engines_blocking_keys(world, bilal):
    keys = set(NameKey.objects.filter(person=bilal).values_list("key", flat=True))
    latin = prepare(PersonRecord(record_id="x", family_name="Tagirov", given_name="Bilal")).blocking
    assert {k for k in keys if k.startswith("s|")} == {k for k in latin if k.startswith("s|")}
    assert any(k.startswith("sy|") for k in keys)  # with the birth year


def test_it_finds_a_cyrillic_record_from_a_latin_one_by_index(world, bilal):
    record = PersonRecord(record_id="x", family_name="Tagirov", given_name="Bilal")
    with CaptureQueriesContext(connection) as queries:
        found = candidates_for(record, Person.objects.filter(organisation=world.north))
    assert found[0].person == bilal and found[0].probability > 0.5
    # no scan: a fixed handful of queries, the key look-up by `key IN (...)`
    assert len(queries) <= 7  # head count, keys, scope, persons, names, two for parents
    assert any(
        "IN (" in q["sql"] and "namekey" in q["sql"].lower() for q in queries.captured_queries
    )


def test_it_scores_with_an_explanation_field_by_field(world, bilal):
    found = candidates_for(
        PersonRecord(record_id="x", family_name="Tagirov", given_name="Bilal"),
        Person.objects.all(),
    )
    fields = {f["field"]: f for f in found[0].explanation["fields"]}
    assert fields["family_name"]["right"] == "Тагиров"
    assert {"prior", "total", "probability"} <= set(found[0].explanation)


def test_intake_reveals_minimal_fields_only(world, bilal):
    found = intake_candidates(
        actor=world.intake, names=[NameInput(family_name="Tagirov", given_name="Bilal")],
        birth_date=dt.date(2015, 3, 1), birth_precision="exact", birthplace="Raqqa",
    )  # fmt: skip
    assert found and found[0].person == bilal
    assert found[0].birth_year == 2015 and found[0].status == "reported"
    fields = {f["field"]: f for f in found[0].explanation["fields"]}
    assert fields["birth_date"]["right"] == "2015"
    # only what the minimal level shows was compared, and only that is explained
    assert set(fields) <= {"family_name", "given_name", "birth_date", "sex", "father", "kunya"}
    assert "Raqqa" not in str(found[0].explanation)


@pytest.fixture
def hidden_child(world):
    """A child of team A with a birthplace, an exact birth date and a mother on record."""
    sup = world.supervisor
    child = person_create(
        actor=sup, names=[NameInput(family_name="Тагиров", given_name="Билал")], sex="M",
        birth_precision="exact", birth_date=dt.date(2015, 4, 3), birthplace="Raqqa",
        region_of_origin="Dagestan", team=world.team_a,
    )  # fmt: skip
    mother = person_create(
        actor=sup, names=[NameInput(family_name="Тагирова", given_name="Зарема")], sex="F",
        team=world.team_a,
    )  # fmt: skip
    relationship_link(actor=sup, person=child, relative=mother, kind="mother")
    return child


def _probe(actor, **evidence):
    found = intake_candidates(
        actor=actor, names=[NameInput(family_name="Tagirov", given_name="Bilal")], sex="M",
        **evidence,
    )  # fmt: skip
    assert found, evidence
    return found[0].probability, found[0].explanation


@pytest.mark.parametrize("persona", ["intake", "other_team_caseworker"])
def test_intake_cannot_learn_a_hidden_value_by_trying_values(world, hidden_child, persona):
    actor = getattr(world, persona)
    year = {"birth_precision": "year", "birth_date": dt.date(2015, 1, 1)}
    tries = [
        {**year, "birthplace": "Raqqa"},
        {**year, "birthplace": "Mosul"},
        {**year, "region": "Dagestan"},
        {**year, "region": "Chechnya"},
        {**year, "mother_name": "Тагирова Зарема"},
        {**year, "mother_name": "Khasieva Seda"},
        {"birth_precision": "exact", "birth_date": dt.date(2015, 4, 3)},
        {"birth_precision": "exact", "birth_date": dt.date(2015, 9, 20)},
    ]
    answers = [_probe(actor, **evidence) for evidence in tries]
    assert len({round(p, 9) for p, _ in answers}) == 1, [p for p, _ in answers]
    for _, explanation in answers:
        shown = {f["field"]: f["right"] for f in explanation["fields"]}
        assert set(shown) <= {"family_name", "given_name", "birth_date", "sex", "father", "kunya"}
        assert shown["birth_date"] == "2015"
        for hidden in ("Raqqa", "Dagestan", "Зарема", "2015-04-03"):
            assert not any(hidden in value for value in shown.values())


def test_a_caller_with_full_access_keeps_the_full_score(world, hidden_child):
    year = {"birth_precision": "year", "birth_date": dt.date(2015, 1, 1)}
    for actor in (world.supervisor, world.caseworker):  # team A's caseworker: their own case
        raqqa, explanation = _probe(actor, **year, birthplace="Raqqa")
        mosul, _ = _probe(actor, **year, birthplace="Mosul")
        assert raqqa > mosul
        assert "birth_place" in {f["field"] for f in explanation["fields"]}


def test_intake_never_reveals_a_protected_person(world):
    hidden = _person(world.supervisor, "Khasiev", "Magomed", 2012, sensitivity="protected")
    query = {"names": ["Хасиев Магомед"], "birth_date": dt.date(2012, 1, 1)}
    assert intake_candidates(actor=world.intake, **query) == []
    assert intake_candidates(actor=world.caseworker, **query) == []
    assert intake_candidates(actor=world.supervisor, **query)[0].person == hidden


def test_intake_stays_inside_the_organisation(world, bilal):
    assert intake_candidates(actor=world.south_supervisor, names="Tagirov Bilal") == []


def test_merged_away_records_are_no_candidates(world, bilal):
    Person.objects.filter(pk=bilal.pk).update(merged_into=world.case_a)
    assert intake_candidates(actor=world.supervisor, names="Tagirov Bilal") == []


@pytest.fixture
def twins(world):
    a = _person(world.supervisor, "Tagirov", "Bilal", 2015, team=world.team_a)
    b = _person(world.supervisor, "Тагиров", "Билал", 2015, team=world.team_a)
    return a, b


def test_find_duplicates_stores_a_suggestion_and_a_rejected_pair_never_returns(world, twins):
    assert suggestions_find_duplicates(actor=world.supervisor) == 1
    suggestion = MatchSuggestion.objects.get(kind="person_person")
    assert {suggestion.person, suggestion.other_person} == set(twins)
    suggestion_decide(
        actor=world.caseworker, suggestion=suggestion, decision="rejected", reason="Other father"
    )
    suggestion.refresh_from_db()
    assert suggestion.decision == Decision.REJECTED and suggestion.decided_by == world.caseworker
    assert suggestion.decision_reason == "Other father"
    assert suggestions_find_duplicates(actor=world.supervisor) == 0
    assert MatchSuggestion.objects.count() == 1
    event = AuditEvent.objects.get(action="decide_match", object_id=suggestion.public_id)
    assert event.changes["decision"] == ["pending", "rejected"] and event.reason == "Other father"


def test_a_decision_needs_a_reason_and_is_taken_once(world, twins):
    suggestions_find_duplicates(actor=world.supervisor)
    suggestion = MatchSuggestion.objects.get()
    with pytest.raises(ServiceError):
        suggestion_decide(
            actor=world.caseworker, suggestion=suggestion, decision="confirmed", reason=""
        )
    suggestion_decide(
        actor=world.caseworker, suggestion=suggestion, decision="confirmed", reason="ok"
    )
    with pytest.raises(ServiceError):
        suggestion_decide(
            actor=world.caseworker, suggestion=suggestion, decision="rejected", reason="no"
        )


def test_intake_may_not_decide(world, twins):
    suggestions_find_duplicates(actor=world.supervisor)
    with pytest.raises(Denied):
        suggestion_decide(
            actor=world.intake, suggestion=MatchSuggestion.objects.get(), decision="rejected",
            reason="x",
        )  # fmt: skip


def test_candidate_search_makes_the_same_queries_for_one_candidate_or_many(world):
    record = PersonRecord(record_id="x", family_name="Tagirov", given_name="Bilal")
    scope = Person.objects.filter(organisation=world.north)
    _person(world.supervisor, "Tagirov", "Bilal", 2015)
    with CaptureQueriesContext(connection) as one:
        assert len(candidates_for(record, scope)) == 1
    for year in range(2000, 2010):
        _person(world.supervisor, "Тагиров", "Билал", year)
    with CaptureQueriesContext(connection) as many:
        assert len(candidates_for(record, scope)) == 10
    assert len(many) == len(one)  # bulk loads: no query per candidate


@pytest.mark.parametrize(
    ("known", "searched", "sex"),
    [
        ("ibn Abu Muhammad", "ибн Абу Магомед", "M"),
        ("bint Abu Bakr", "Bint Abu Bakr", "F"),
        ("bint Yusuf", "binti Yusuf", "F"),
    ],
)
def test_intake_finds_a_child_known_only_by_a_child_of_alias(world, known, searched, sex):
    child = person_create(
        actor=world.supervisor, names=[NameInput(full_text=known, kind="alias")], sex=sex,
        birth_precision="year", birth_date=dt.date(2015, 1, 1),
    )  # fmt: skip
    keys = set(NameKey.objects.filter(person=child).values_list("kind", flat=True))
    assert {"pa", "pay"} <= keys
    for actor in (world.intake, world.supervisor):
        found = intake_candidates(
            actor=actor, names=[{"full_text": searched, "kind": "alias"}], sex=sex,
            birth_precision="year", birth_date=dt.date(2015, 1, 1),
        )  # fmt: skip
        assert [c.person for c in found] == [child]
