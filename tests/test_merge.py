"""Merging two records of one person, and undoing the merge exactly (suggestions and keys too)."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import (
    AuditEvent,
    CaseNote,
    CaseTask,
    LegalProceeding,
    ListImport,
    ListImportRow,
    ManifestEntry,
    MatchSuggestion,
    NameKey,
    Person,
    PersonName,
    Placement,
    Relationship,
)
from casework.permissions import Denied
from casework.services.errors import ServiceError
from casework.services.merge import persons_merge, persons_unmerge
from casework.services.names import name_keys_for, refresh_name_keys
from casework.services.persons import NameInput, person_create
from tests.factories import FlightFactory


def _person(actor, family, given, **kwargs):
    return person_create(
        actor=actor, names=[NameInput(family_name=family, given_name=given)], sex="M", **kwargs
    )


def _snapshot(person):
    return {
        "names": set(PersonName.objects.filter(person=person).values_list("pk", "is_primary")),
        "placements": set(Placement.objects.filter(person=person).values_list("pk", flat=True)),
        "notes": set(CaseNote.objects.filter(person=person).values_list("pk", flat=True)),
        "tasks": set(CaseTask.objects.filter(person=person).values_list("pk", flat=True)),
        "legal": set(LegalProceeding.objects.filter(person=person).values_list("pk", flat=True)),
        "manifest": set(ManifestEntry.objects.filter(person=person).values_list("pk", flat=True)),
        "rel_out": set(
            Relationship.objects.filter(from_person=person).values_list("to_person", "kind")
        ),
        "rel_in": set(
            Relationship.objects.filter(to_person=person).values_list("from_person", "kind")
        ),
        "keys": set(NameKey.objects.filter(person=person).values_list("key", flat=True)),
    }


@pytest.fixture
def pair(world):
    sup = world.supervisor
    survivor = _person(
        sup, "Tagirov", "Bilal", birth_precision="year", birth_date=dt.date(2015, 1, 1)
    )
    absorbed = _person(sup, "Тагиров", "Билал")
    mother = _person(sup, "Tagirova", "Zarema")
    sibling = _person(sup, "Tagirov", "Adam")
    # absorbed: a mother (also the survivor's: a duplicate), a sibling, and a link to the survivor
    Relationship.objects.create(from_person=mother, to_person=absorbed, kind="mother")
    Relationship.objects.create(from_person=mother, to_person=survivor, kind="mother")
    Relationship.objects.create(from_person=absorbed, to_person=sibling, kind="sibling")
    Relationship.objects.create(from_person=absorbed, to_person=survivor, kind="sibling")
    Placement.objects.create(
        person=absorbed,
        place_text="Roj camp",
        start_date=dt.date(2024, 1, 1),
        source="letter",
        reliability="probable",
    )
    CaseNote.objects.create(person=absorbed, author=sup, text="Voice message from aunt")
    CaseTask.objects.create(person=absorbed, title="Call the aunt")
    LegalProceeding.objects.create(person=absorbed, country="IQ", charge="none", status="released")
    flight = FlightFactory(organisation=world.north)
    ManifestEntry.objects.create(flight=flight, person=absorbed)
    for person in (survivor, absorbed, mother, sibling):
        refresh_name_keys(person)  # relatives set up above, not through a service
    return survivor, absorbed, mother, sibling, flight


def test_it_carries_everything_over_and_closes_the_absorbed_record(world, pair):
    survivor, absorbed, mother, sibling, _ = pair
    merge = persons_merge(
        actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="Same birth record"
    )
    absorbed.refresh_from_db()
    assert absorbed.status == "closed_duplicate" and absorbed.merged_into == survivor
    after = _snapshot(survivor)
    assert len(after["names"]) == 2
    assert sum(1 for _, primary in after["names"] if primary) == 1
    assert len(after["placements"]) == 1 and len(after["notes"]) == 1
    assert len(after["tasks"]) == 1 and len(after["legal"]) == 1 and len(after["manifest"]) == 1
    assert after["rel_in"] == {(mother.pk, "mother")}  # the duplicate mother link dropped
    assert after["rel_out"] == {(sibling.pk, "sibling")}  # the self-link dropped
    assert not NameKey.objects.filter(person=absorbed).exists()
    assert len(merge.moved["relations_dropped"]) == 2
    events = AuditEvent.objects.filter(action="merge", object_id=merge.public_id)
    assert {e.person_id for e in events} == {survivor.public_id, absorbed.public_id}


def test_unmerge_restores_exactly_what_was_there(world, pair):
    survivor, absorbed, *_ = pair
    before = {"survivor": _snapshot(survivor), "absorbed": _snapshot(absorbed)}
    status_before = absorbed.status
    merge = persons_merge(
        actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="Same birth record"
    )
    persons_unmerge(actor=world.supervisor, merge=merge, reason="Different fathers after all")
    absorbed.refresh_from_db()
    merge.refresh_from_db()
    assert {"survivor": _snapshot(survivor), "absorbed": _snapshot(absorbed)} == before
    assert absorbed.status == status_before and absorbed.merged_into is None
    assert merge.undone_at is not None and merge.undone_by == world.supervisor
    assert AuditEvent.objects.filter(action="unmerge", object_id=merge.public_id).count() == 2
    with pytest.raises(ServiceError):
        persons_unmerge(actor=world.supervisor, merge=merge, reason="again")


def test_it_refuses_two_records_on_the_same_flight(world, pair):
    survivor, absorbed, _, _, flight = pair
    ManifestEntry.objects.create(flight=flight, person=survivor)
    with pytest.raises(ServiceError) as refusal:
        persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="x")
    assert flight.reference in str(refusal.value)
    absorbed.refresh_from_db()
    assert absorbed.merged_into is None


def test_only_a_supervisor_merges(world, pair):
    survivor, absorbed, *_ = pair
    Person.objects.filter(pk__in=[survivor.pk, absorbed.pk]).update(team=world.team_a)
    survivor.refresh_from_db()
    with pytest.raises(Denied):
        persons_merge(actor=world.caseworker, survivor=survivor, absorbed=absorbed, reason="x")


def test_it_needs_a_reason_and_refuses_a_second_merge(world, pair):
    survivor, absorbed, *_ = pair
    with pytest.raises(ServiceError):
        persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason=" ")
    persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="same")
    absorbed.refresh_from_db()
    with pytest.raises(ServiceError):
        persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="same")
    assert timezone.now()


def test_the_survivors_history_carries_the_absorbed_records_history(world, pair):
    from casework.selectors import history_for

    survivor, absorbed, *_ = pair
    absorbed_created = AuditEvent.objects.get(action="create", person_id=absorbed.public_id)
    assert absorbed_created not in history_for(world.supervisor, survivor)
    merge = persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="x")
    assert absorbed_created in history_for(world.supervisor, survivor)
    persons_unmerge(actor=world.supervisor, merge=merge, reason="not the same")
    assert absorbed_created not in history_for(world.supervisor, survivor)


# --- Suggestions across a merge and its undo ------------------------------------------------------


def _suggestion(world, person, **kwargs):
    defaults = {"organisation": world.north, "probability": 0.8, "explanation": {"fields": []}}
    return MatchSuggestion.objects.create(person=person, **defaults, **kwargs)


def _row(world, number):
    list_import = ListImport.objects.get_or_create(
        organisation=world.north, sha256="0" * 64, defaults={"source": "Camp list"}
    )[0]
    return ListImportRow.objects.create(
        list_import=list_import, row_number=number, data={"raw": {}, "fields": {}},
        outcome="ambiguous",
    )  # fmt: skip


def _state(suggestion):
    suggestion.refresh_from_db()
    return (
        suggestion.person_id,
        suggestion.decision,
        suggestion.decided_by_id,
        suggestion.decided_at,
        suggestion.decision_reason,
    )


def test_unmerge_puts_back_the_decisions_the_merge_took(world, pair):
    survivor, absorbed, *_ = pair
    low, high = sorted([survivor, absorbed], key=lambda p: p.pk)
    pending = _suggestion(world, low, kind="person_person", other_person=high)
    before = _state(pending)
    merge = persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="x")
    assert _state(pending)[1] == "confirmed"
    persons_unmerge(actor=world.supervisor, merge=merge, reason="Different fathers")
    assert _state(pending) == before  # pending again, decided by no one


def test_unmerge_restores_a_needs_information_decision_with_its_decider(world, pair):
    survivor, absorbed, *_ = pair
    low, high = sorted([survivor, absorbed], key=lambda p: p.pk)
    asked = _suggestion(
        world, low, kind="person_person", other_person=high, decision="needs_info",
        decided_by=world.caseworker, decided_at=timezone.now(), decision_reason="Ask the aunt",
    )  # fmt: skip
    before = _state(asked)
    merge = persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="x")
    persons_unmerge(actor=world.supervisor, merge=merge, reason="Different fathers")
    assert _state(asked) == before


def test_row_suggestions_for_the_absorbed_record_move_to_the_survivor_and_back(world, pair):
    survivor, absorbed, *_ = pair
    only_absorbed = _suggestion(world, absorbed, kind="row_person", list_row=_row(world, 2))
    shared_row = _row(world, 3)
    on_survivor = _suggestion(world, survivor, kind="row_person", list_row=shared_row)
    on_absorbed = _suggestion(world, absorbed, kind="row_person", list_row=shared_row)
    merge = persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="x")
    only_absorbed.refresh_from_db()
    assert only_absorbed.person == survivor
    # the row already had the survivor's pair: one question, asked once
    assert list(MatchSuggestion.objects.filter(list_row=shared_row)) == [on_survivor]
    assert not MatchSuggestion.objects.filter(person=absorbed).exists()
    persons_unmerge(actor=world.supervisor, merge=merge, reason="Different fathers")
    only_absorbed.refresh_from_db()
    assert only_absorbed.person == absorbed
    back = MatchSuggestion.objects.get(list_row=shared_row, person=absorbed)
    assert back.public_id == on_absorbed.public_id and back.decision == "pending"


def test_a_merge_and_its_undo_refresh_the_keys_of_the_children(world):
    sup = world.supervisor
    child = _person(sup, "Tagirov", "Bilal")
    kept = person_create(actor=sup, names=[NameInput(family_name="Khasieva", given_name="Seda")])
    duplicate = person_create(
        actor=sup, names=[NameInput(family_name="Примерова", given_name="Хеда")]
    )
    Relationship.objects.create(from_person=duplicate, to_person=child, kind="mother")
    refresh_name_keys(child)

    def mothers_keys():
        keys = NameKey.objects.filter(person=child, kind__in=["sm", "gm"])
        return set(keys.values_list("key", flat=True))

    as_linked = mothers_keys()
    assert as_linked
    merge = persons_merge(actor=sup, survivor=kept, absorbed=duplicate, reason="Same mother")
    assert Relationship.objects.get(to_person=child).from_person == kept
    assert mothers_keys() == {key for key, kind in name_keys_for(child) if kind in ("sm", "gm")}
    assert mothers_keys() != as_linked  # the child's mother is now known by the survivor's name
    persons_unmerge(actor=sup, merge=merge, reason="Two sisters")
    assert mothers_keys() == as_linked


def test_the_side_by_side_review_is_a_read_on_the_trail(world, pair, login):
    survivor, absorbed = pair[0], pair[1]
    suggestion = _suggestion(world, survivor, other_person=absorbed, kind="person_person")
    response = login(world.supervisor).get(f"/review/{suggestion.public_id}/")
    assert response.status_code == 200
    # One event for the page, found from each of the two persons.
    for person in (survivor, absorbed):
        event = AuditEvent.objects.about([person.public_id]).get(
            action__in=["read_sensitive", "read_restricted"],
            actor=world.supervisor,
        )
        assert event.changes["view"] == "review_suggestion"
        assert "birth_date" in event.fields and "birthplace" in event.fields
