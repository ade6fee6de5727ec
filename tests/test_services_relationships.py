"""relationship_link: only between persons the actor may see; read both ways."""

import pytest

from casework.models import AuditEvent, Relationship
from casework.permissions import Denied, Hidden
from casework.services.errors import ServiceError
from casework.services.relationships import reciprocal, relationship_link
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
