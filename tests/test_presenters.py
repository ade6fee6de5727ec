"""casework/presenters.py: which fields of a person show at each level, the values it gives, and
the reads it records (one event per page, found from each person it names)."""

import datetime as dt

import pytest

from casework.audit import AuditAction
from casework.exports import persons_export
from casework.models import AuditEvent, Person, PersonStatus
from casework.permissions import Level
from casework.presenters import WITHHELD, present_person, present_persons, visible_fields
from casework.selectors import history_for
from tests.factories import PersonFactory

BORN = dt.date(2015, 4, 21)


@pytest.fixture
def born(world):
    Person.objects.filter(pk__in=[world.case_a.pk, world.case_b.pk]).update(
        birth_precision="exact", birth_date=BORN, birth_earliest=BORN, birth_latest=BORN
    )
    world.case_a.refresh_from_db()
    world.case_b.refresh_from_db()


# --- Which fields show -------------------------------------------------------------------------


def test_below_the_sensitive_level_a_birth_shows_as_its_year_only():
    minimal = visible_fields(Level.MINIMAL)
    assert "birth_year" in minimal and "names" in minimal
    assert not {"birth_date", "birth_earliest", "birth_latest"} & minimal
    sensitive = visible_fields(Level.SENSITIVE)
    assert {"birth_year", "birth_date", "birth_earliest", "birth_latest"} <= sensitive
    assert "security_notes" not in sensitive
    assert "security_notes" in visible_fields(Level.RESTRICTED)


def test_a_partner_sees_what_its_agreement_names_and_never_the_names():
    # And, whatever it names, when the record was made and last changed (for its copy).
    dates = {"created_at", "updated_at"}
    assert visible_fields(Level.PARTNER, {"display_name", "birth_year"}) == {
        "display_name",
        "birth_year",
        *dates,
    }
    # An agreement naming no birth field shows no birth year.
    assert visible_fields(Level.PARTNER, {"display_name"}) == {"display_name", *dates}
    # Nor a restricted field, whatever the agreement says.
    assert visible_fields(Level.PARTNER, {"security_notes"}) == dates
    assert visible_fields(Level.NONE) == set()


# --- The values it gives -----------------------------------------------------------------------


def test_each_persona_gets_values_or_withheld(world, born):
    fields = ["display_name", "birth_year", "birth_date", "birthplace", "names"]
    intake = present_person(world.intake, world.case_a, fields, record=False)
    assert intake.level == Level.MINIMAL
    assert (intake["display_name"], intake["birth_year"]) == ("Alieva Madina", 2015)
    assert intake["birth_date"] is WITHHELD and intake["birthplace"] is WITHHELD
    assert [n.text for n in intake["names"]] == ["Alieva Madina"]
    assert intake["names"][0].kind is WITHHELD  # an alias or kunya says too much at this level
    caseworker = present_person(world.caseworker, world.case_a, fields, record=False)
    assert caseworker["birth_date"] == BORN and caseworker["names"][0].kind == "legal"
    world.agreement.shared_fields = ["display_name", "birth_year"]
    world.agreement.save()
    partner = present_person(world.partner, world.case_a, fields, record=False)
    assert partner["birth_year"] == 2015
    assert partner["names"] is WITHHELD and partner["birth_date"] is WITHHELD


def test_an_unknown_field_is_an_error_not_a_silent_blank(world):
    with pytest.raises(ValueError, match="birth_yaer"):
        present_persons(world.supervisor, [world.case_a], ["birth_yaer"], read=None)


def test_a_merged_person_points_to_its_survivor_only_for_those_who_see_it(world):
    for survivor in (world.case_a, world.case_b):
        duplicate = PersonFactory(organisation=world.north, team=world.team_a)
        Person.objects.filter(pk=duplicate.pk).update(
            merged_into=survivor, status=PersonStatus.CLOSED_DUPLICATE
        )
    merged = list(Person.objects.filter(merged_into__isnull=False).order_by("merged_into_id"))
    views = present_persons(world.caseworker, merged, ["merged_into"], read=None)
    # Team A's caseworker sees case A (team A), not case B (team B).
    assert [v["merged_into"] for v in views] == [world.case_a, WITHHELD]
    [unmerged] = present_persons(world.caseworker, [world.case_a], ["merged_into"], read=None)
    assert unmerged["merged_into"] is None


# --- The reads it records ----------------------------------------------------------------------


def test_one_person_is_one_event_on_that_person(world, born):
    present_person(world.caseworker, world.case_a, ["birth_year", "birthplace"])
    [event] = AuditEvent.objects.filter(action=AuditAction.READ_SENSITIVE)
    assert event.person_id == event.object_id == world.case_a.public_id
    # A derived field is named by the fields it is made of.
    assert event.fields == ["birth_earliest", "birth_latest", "birthplace"]
    assert not event.subjects.exists()


def test_a_page_is_one_event_found_from_each_person_and_only_by_those_who_see_one(world):
    persons = [world.case_a, world.case_b, world.protected_a]
    present_persons(world.supervisor, persons, ["display_name", "birthplace"], read="a_page")
    [event] = AuditEvent.objects.filter(action__startswith="read_")
    assert event.changes["view"] == "a_page"
    for person in persons:
        assert list(history_for(world.supervisor, person)) == [event]
    # Team A's caseworker finds it from case A, in their scope; they never see case B's history.
    assert event in AuditEvent.objects.visible_to(world.caseworker)
    assert list(history_for(world.caseworker, world.case_a)) == [event]
    assert not history_for(world.caseworker, world.case_b).exists()
    assert event not in AuditEvent.objects.visible_to(world.south_supervisor)


def test_a_page_that_shows_nothing_sensitive_is_no_event(world):
    present_persons(world.intake, [world.case_a, world.case_b], ["display_name"], read="a_page")
    assert not AuditEvent.objects.filter(action__startswith="read_").exists()


def test_an_export_names_every_person_it_wrote(world):
    persons_export(
        actor=world.supervisor, params={}, identifiable=True, reason="Subject access request 7"
    )
    [event] = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    exported = {world.case_a.public_id, world.case_b.public_id, world.protected_a.public_id}
    assert set(event.subjects.values_list("person_id", flat=True)) == exported
    # Who received a person's data is found from the person (a subject-access request).
    assert list(AuditEvent.objects.about([world.case_b.public_id])) == [event]
    assert "records" not in event.changes  # the subjects name them, not a list in the event
