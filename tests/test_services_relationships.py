"""relationship_link / relationship_unlink: only between persons the actor may see; read both
ways; a child's name keys follow their parents."""

import datetime as dt

import pytest

from casework.matching import PersonRecord, prepare
from casework.models import AuditEvent, NameKey, Person, Relationship
from casework.permissions import Denied, Hidden
from casework.services.errors import ServiceError
from casework.services.matching import candidates_for
from casework.services.persons import NameInput, person_create
from casework.services.relationships import reciprocal, relationship_link, relationship_unlink
from tests.factories import PersonFactory


def test_a_caseworker_links_two_of_their_cases(world):
    mother = PersonFactory(organisation=world.north, team=world.team_a)
    link = relationship_link(
        actor=world.caseworker, person=world.case_a, relative=mother, kind="mother"
    )
    assert (link.from_person, link.to_person) == (mother, world.case_a)
    assert AuditEvent.objects.get(object_id=link.public_id).person_id == world.case_a.public_id


def test_a_relative_outside_the_scope_is_answered_like_a_missing_one(world):
    for relative in (world.case_b, world.protected_a, world.south_case):
        with pytest.raises(Hidden):
            relationship_link(
                actor=world.caseworker, person=world.case_a, relative=relative, kind="sibling"
            )
    assert not Relationship.objects.exists()


@pytest.mark.parametrize(
    ("persona", "refusal"), [("intake", Denied), ("dpo", Denied), ("other_team_caseworker", Hidden)]
)
def test_others_may_not_link(world, persona, refusal):
    with pytest.raises(refusal):
        relationship_link(
            actor=getattr(world, persona),
            person=world.case_a,
            relative=world.case_b,
            kind="sibling",
        )


def test_bad_links_are_refused(world):
    with pytest.raises(ServiceError):
        relationship_link(
            actor=world.supervisor, person=world.case_a, relative=world.case_a, kind="sibling"
        )
    with pytest.raises(ServiceError):
        relationship_link(
            actor=world.supervisor, person=world.case_a, relative=world.case_b, kind="cousin"
        )
    relationship_link(
        actor=world.supervisor, person=world.case_a, relative=world.case_b, kind="sibling"
    )
    with pytest.raises(ServiceError):
        relationship_link(
            actor=world.supervisor, person=world.case_a, relative=world.case_b, kind="sibling"
        )


def test_kinds_are_reciprocal():
    assert reciprocal("mother") == "child"
    assert reciprocal("child", other_sex="F") == "mother"
    assert reciprocal("child", other_sex="M") == "father"
    assert reciprocal("guardian") == "ward"
    assert reciprocal("grandchild") == "grandparent"
    assert reciprocal("sibling") == "sibling"


def _keys(person) -> set[str]:
    return set(NameKey.objects.filter(person=person).values_list("key", flat=True))


def _child_and_mother(world):
    child = person_create(
        actor=world.caseworker, names=[NameInput(family_name="Тестов", given_name="Билал")],
        sex="M", birth_precision="year", birth_date=dt.date(2015, 1, 1),
    )  # fmt: skip
    mother = person_create(
        actor=world.caseworker, names=[NameInput(family_name="Примерова", given_name="Зарема")],
        sex="F",
    )  # fmt: skip
    return child, mother


@pytest.mark.parametrize("kind", ["mother", "child"])
def test_linking_and_unlinking_a_parent_refreshes_the_childs_keys(world, kind):
    child, mother = _child_and_mother(world)
    before = _keys(child)
    assert not any(k.startswith(("sm|", "gm|")) for k in before)
    # "mother" is recorded on the child; "child" on the mother: the keys follow either way
    person, relative = (child, mother) if kind == "mother" else (mother, child)
    link = relationship_link(actor=world.caseworker, person=person, relative=relative, kind=kind)
    expected = prepare(
        PersonRecord(record_id="x", family_name="Testov", given_name="Bilal",
                     mother_name="Примерова Зарема")
    ).blocking  # fmt: skip
    parents_keys = {k for k in expected if k.startswith(("sm|", "gm|"))}
    assert len(parents_keys) == 2 and parents_keys <= _keys(child)
    relationship_unlink(actor=world.caseworker, relationship=link, reason="Entered in error")
    assert _keys(child) == before
    assert not Relationship.objects.exists()
    event = AuditEvent.objects.get(action="delete", object_id=link.public_id)
    assert event.reason == "Entered in error" and event.person_id == person.public_id


def test_a_linked_mother_lets_intake_find_the_child_by_her_name(world):
    child, mother = _child_and_mother(world)
    relationship_link(actor=world.caseworker, person=child, relative=mother, kind="mother")
    # Only a given name and the mother's: only the key with the mother's name finds the child.
    record = PersonRecord(record_id="x", given_name="Bilal", mother_name="Primerova Zarema")
    assert {k.split("|")[0] for k in prepare(record).blocking} == {"gm"}
    found = candidates_for(record, Person.objects.filter(organisation=world.north))
    assert child in [c.person for c in found]


def test_unlinking_needs_a_reason_and_the_right_to_link_both(world):
    mother = PersonFactory(organisation=world.north, team=world.team_a)
    link = relationship_link(
        actor=world.caseworker, person=world.case_a, relative=mother, kind="mother"
    )
    with pytest.raises(ServiceError):
        relationship_unlink(actor=world.caseworker, relationship=link, reason=" ")
    with pytest.raises(Hidden):
        relationship_unlink(actor=world.other_team_caseworker, relationship=link, reason="x")
    with pytest.raises(Denied):
        relationship_unlink(actor=world.intake, relationship=link, reason="x")
    assert Relationship.objects.filter(pk=link.pk).exists()
