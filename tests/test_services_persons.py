"""Person services: creation, the status workflow, edits with optimistic locking."""

import datetime as dt

import pytest

from casework import workflow
from casework.audit import write_deferred
from casework.models import AuditEvent, Person, PersonStatus, Team
from casework.permissions import Denied, Hidden
from casework.services.errors import Conflict, ServiceError
from casework.services.persons import (
    NameInput,
    birth_range,
    person_assign,
    person_change_status,
    person_create,
    person_update,
)

ALL_STATUSES = [s.value for s in PersonStatus]
ALLOWED_MOVES = [
    (current, target)
    for current in ALL_STATUSES
    for target in sorted(workflow.allowed_targets(current))
]
FORBIDDEN_MOVES = [
    (current, target)
    for current in ALL_STATUSES
    for target in ALL_STATUSES
    if target not in workflow.allowed_targets(current)
]


def _at_status(world, status):
    Person.objects.filter(pk=world.case_a.pk).update(status=status)
    return Person.objects.get(pk=world.case_a.pk)


@pytest.mark.parametrize(("current", "target"), ALLOWED_MOVES)
def test_every_allowed_move_works_and_is_audited(world, current, target):
    person = _at_status(world, current)
    # Moves that commit resources need a supervisor; the others a caseworker of the team.
    actor = world.supervisor if target in workflow.NEEDS_SUPERVISOR else world.caseworker
    moved = person_change_status(actor=actor, person=person, to=target, reason="Letter of 3 May")
    assert moved.status == target
    event = AuditEvent.objects.filter(action="status_change", object_id=person.public_id).get()
    assert event.changes == {"status": [current, target]}
    assert event.reason == "Letter of 3 May"
    assert event.actor == actor


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_MOVES)
def test_every_other_move_is_refused_with_a_message_and_changes_nothing(world, current, target):
    person = _at_status(world, current)
    version = person.version
    with pytest.raises(ServiceError) as refusal:
        person_change_status(actor=world.supervisor, person=person, to=target, reason="Try")
    assert refusal.value.message_dict["status"][0]
    person.refresh_from_db()
    assert (person.status, person.version) == (current, version)
    assert not AuditEvent.objects.filter(action="status_change").exists()


def test_a_caseworker_cannot_clear_a_person_for_return(world):
    person = _at_status(world, PersonStatus.IDENTITY_CONFIRMED)
    with pytest.raises(Denied):
        person_change_status(
            actor=world.caseworker, person=person, to="cleared_for_return", reason="Ready"
        )
    person.refresh_from_db()
    assert person.status == PersonStatus.IDENTITY_CONFIRMED


def test_a_status_change_needs_a_reason(world):
    with pytest.raises(ServiceError) as refusal:
        person_change_status(
            actor=world.caseworker, person=world.case_a, to="verifying", reason=" "
        )
    assert "reason" in refusal.value.message_dict


def test_another_teams_caseworker_gets_hidden_and_the_refusal_is_audited(world):
    with pytest.raises(Hidden) as refusal:
        person_change_status(
            actor=world.other_team_caseworker, person=world.case_a, to="verifying", reason="x"
        )
    # The refusal outlives the (test's) transaction: the request boundary writes it.
    write_deferred(refusal.value)
    assert AuditEvent.objects.filter(action="denied", actor=world.other_team_caseworker).exists()


def test_create_writes_names_keys_and_one_audit_event(world):
    person = person_create(
        actor=world.caseworker,
        names=[
            NameInput(family_name="Тагирова", given_name="Амина", script="cyrl"),
            NameInput(family_name="Tagirova", given_name="Amina", kind="translit"),
            NameInput(full_text="Umm Bilal", kind="kunya"),
        ],
        sex="F",
        birth_precision="year",
        birth_date=dt.date(1990, 1, 1),
    )
    assert person.team == world.team_a
    assert person.display_name == "Тагирова Амина"
    assert person.names.count() == 3
    assert person.name_keys.exists()
    assert (person.birth_earliest, person.birth_latest) == (
        dt.date(1990, 1, 1),
        dt.date(1990, 12, 31),
    )
    assert AuditEvent.objects.filter(action="create", object_id=person.public_id).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"birth_precision": "exact", "birth_date": dt.date(2099, 1, 1)}, "birth_date"),
        ({"birth_precision": "year", "birth_date": dt.date(1850, 1, 1)}, "birth_date"),
        (
            {"birth_precision": "age", "age_stated": 200, "age_stated_on": dt.date(2020, 1, 1)},
            "age_stated",
        ),
        (
            {"birth_precision": "age", "age_stated": -1, "age_stated_on": dt.date(2020, 1, 1)},
            "age_stated",
        ),
        (
            {
                "birth_precision": "exact",
                "birth_date": dt.date(2015, 4, 1),
                "age_stated": 30,
                "age_stated_on": dt.date(2020, 1, 1),
            },
            "age_stated",
        ),
        ({"birth_precision": "exact"}, "birth_date"),
    ],
)
def test_create_refuses_impossible_births_and_writes_nothing(world, kwargs, field):
    before = Person.objects.count()
    with pytest.raises(ServiceError) as refusal:
        person_create(actor=world.caseworker, names=[NameInput(given_name="Bilal")], **kwargs)
    assert field in refusal.value.message_dict
    assert Person.objects.count() == before


def test_create_refuses_a_person_without_any_name(world):
    with pytest.raises(ServiceError) as refusal:
        person_create(actor=world.caseworker, names=[NameInput()])
    assert "names" in refusal.value.message_dict


@pytest.mark.parametrize("persona", ["admin", "dpo", "partner", "partner_without_agreement"])
def test_create_is_refused_to_roles_that_do_not_keep_cases(world, persona):
    user = world.personas()[persona]
    with pytest.raises(Denied):
        person_create(actor=user, names=[NameInput(given_name="Bilal")])


def test_an_age_stated_on_a_date_becomes_a_two_year_range():
    earliest, latest = birth_range("age", None, 7, dt.date(2019, 3, 15))
    assert earliest == dt.date(2011, 3, 16)
    assert latest == dt.date(2012, 3, 15)


def test_an_age_stated_on_29_february_does_not_crash():
    earliest, latest = birth_range("age", None, 3, dt.date(2020, 2, 29))
    assert latest == dt.date(2017, 2, 28)


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(world):
    person = Person.objects.get(pk=world.case_a.pk)
    person_update(actor=world.caseworker, person=person, expected_version=1, birthplace="Raqqa")
    with pytest.raises(Conflict):
        person_update(actor=world.supervisor, person=person, expected_version=1, birthplace="Mosul")
    person.refresh_from_db()
    assert (person.birthplace, person.version) == ("Raqqa", 2)


def test_an_edit_audits_the_fields_and_redacts_sensitive_values(world):
    person_update(
        actor=world.caseworker, person=world.case_a, expected_version=1, birthplace="Raqqa", sex="M"
    )
    event = AuditEvent.objects.get(action="update", object_id=world.case_a.public_id)
    assert event.changes["birthplace"] == ["[redacted]", "[redacted]"]
    assert event.changes["sex"] == ["F", "M"]
    assert "Raqqa" not in str(event.changes)


def test_an_edit_of_an_unknown_field_is_refused(world):
    with pytest.raises(ServiceError):
        person_update(
            actor=world.caseworker, person=world.case_a, expected_version=1, organisation_id=2
        )


# --- Assignment --------------------------------------------------------------------------------


def test_a_supervisor_assigns_a_case_to_a_team_and_caseworker_and_it_is_audited(world):
    person = person_assign(
        actor=world.supervisor,
        person=world.case_a,
        team=world.team_b,
        assigned_to=world.other_team_caseworker,
        reason="Team B has the Mosul contacts.",
    )
    assert (person.team, person.assigned_to) == (world.team_b, world.other_team_caseworker)
    event = AuditEvent.objects.filter(object_id=world.case_a.public_id).latest("at")
    assert event.actor == world.supervisor
    assert set(event.fields) == {"team", "assigned_to"}
    assert event.reason == "Team B has the Mosul contacts."


@pytest.mark.parametrize("persona", ["caseworker", "intake", "dpo"])
def test_only_a_supervisor_assigns(world, persona):
    with pytest.raises((Denied, Hidden)):
        person_assign(actor=getattr(world, persona), person=world.case_a, team=world.team_b)
    assert Person.objects.get(pk=world.case_a.pk).team == world.case_a.team


def test_a_case_cannot_be_assigned_to_another_organisations_team_or_user(world):
    south_team = Team.objects.create(organisation=world.south, name="South field team")
    with pytest.raises(Hidden):
        person_assign(actor=world.supervisor, person=world.case_a, team=south_team)
    with pytest.raises(Hidden):
        person_assign(
            actor=world.supervisor, person=world.case_a, assigned_to=world.south_supervisor
        )
    unchanged = Person.objects.get(pk=world.case_a.pk)
    assert (unchanged.team, unchanged.assigned_to) == (world.case_a.team, world.case_a.assigned_to)


def test_the_creation_event_lists_the_fields_given_and_no_restricted_one_left_empty(world):
    person = person_create(
        actor=world.caseworker,
        names=[NameInput(family_name="Testova", given_name="Madina")],
        sex="F",
        birthplace="Raqqa",
        team=world.team_a,
    )
    event = AuditEvent.objects.get(action="create", object_id=person.public_id)
    assert {"sex", "birthplace", "team_id", "display_name", "organisation_id"} <= set(event.fields)
    assert "security_notes" not in event.fields
    assert "citizenship" not in event.fields


def test_names_and_short_details_pass_the_one_text_cleaner(world):
    import unicodedata

    from casework.services.notes import note_add
    from casework.services.persons import NameInput, person_create

    decomposed = unicodedata.normalize("NFD", "Йылдыз")
    person = person_create(
        actor=world.supervisor,
        names=[
            NameInput(family_name=f"\u202e{decomposed}\u200b", given_name="Ali\u2066ya\u2069"),
            NameInput(full_text="Umm\u00a0\u00a0Bilal\u200e", kind="kunya"),
        ],
        birthplace="Raq\u200bqa\u202e",
        region_of_origin="Dagestan\u2067",
    )
    legal, kunya = person.names.order_by("id")
    assert legal.family_name == "Йылдыз" and unicodedata.is_normalized("NFC", legal.family_name)
    assert legal.given_name == "Aliya"
    assert kunya.full_text == "Umm Bilal"
    assert person.birthplace == "Raqqa" and person.region_of_origin == "Dagestan"
    assert person.display_name == "Йылдыз Aliya"
    # Long free text keeps its characters and lines (it is rendered bidi-isolated); controls go.
    note = note_add(actor=world.supervisor, person=person, text="Line one\u202e\r\nLine\x07two")
    assert note.text == "Line one\u202e\nLine two"


# --- Many persons at once (a list import's new persons) ------------------------------------------


def _stored_keys(person):
    return set(person.name_keys.values_list("key", "kind"))


def _draft(family, given, **fields):
    from casework.services.persons import PersonDraft

    return PersonDraft(names=[NameInput(family_name=family, given_name=given)], **fields)


def test_persons_create_writes_each_person_as_person_create_writes_one(world):
    from casework.services.names import refresh_name_keys_of
    from casework.services.persons import persons_create

    birth = {"sex": "F", "birth_precision": "year", "birth_date": dt.date(2016, 1, 1)}
    one = person_create(
        actor=world.caseworker,
        names=[NameInput(family_name="Testova", given_name="Zarema")],
        birthplace="Raqqa",
        reason="entered by hand",
        **birth,
    )
    many = persons_create(
        actor=world.caseworker,
        drafts=[
            _draft("Testova", "Zarema", details={"birthplace": "Raqqa"}, reason="row 2", **birth),
            _draft("Primerova", "Kheda", reason="row 3"),
        ],
    )
    twin = many[0]
    assert (twin.team, twin.display_name, twin.birth_earliest, twin.birth_latest) == (
        one.team,
        one.display_name,
        one.birth_earliest,
        one.birth_latest,
    )
    assert list(twin.names.values_list("family_name", "given_name", "script", "is_primary")) == [
        ("Testova", "Zarema", "latn", True)
    ]
    assert {k for k, _ in _stored_keys(twin)} == {k for k, _ in _stored_keys(one)}
    # The keys are those the database's own refresh computes.
    before = [_stored_keys(p) for p in many]
    refresh_name_keys_of(p.pk for p in many)
    assert [_stored_keys(p) for p in many] == before
    events = {
        e.object_id: e for e in AuditEvent.objects.filter(action="create", object_type="Person")
    }
    assert events[twin.public_id].fields == events[one.public_id].fields
    assert events[twin.public_id].reason == "row 2"
    assert events[many[1].public_id].reason == "row 3"


def test_persons_create_makes_as_many_queries_for_twenty_persons_as_for_two(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.services.persons import persons_create

    counts = []
    for size in (2, 20):
        drafts = [_draft(f"Testov{size}x{i}", "Adam", sex="M") for i in range(size)]
        with CaptureQueriesContext(connection) as queries:
            created = persons_create(actor=world.caseworker, drafts=drafts)
        assert len(created) == size
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_a_bad_draft_is_named_by_its_place_and_nothing_is_written(world):
    from casework.services.persons import persons_create

    before = (Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceError) as refusal:
        persons_create(
            actor=world.supervisor,
            drafts=[
                _draft("Testova", "Zarema"),
                _draft("Primerova", "Kheda", birth_precision="exact"),
                _draft("", ""),
            ],
        )
    assert set(refusal.value.message_dict) == {"persons-1-birth_date", "persons-2-names"}
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("related", ["team", "assigned_to"])
def test_no_draft_goes_to_another_organisations_team_or_caseworker(world, related):
    from casework.services.persons import persons_create
    from tests.factories import TeamFactory

    elsewhere = {
        "team": TeamFactory(organisation=world.south, name="South A"),
        "assigned_to": world.south_supervisor,
    }
    before = Person.objects.count()
    with pytest.raises(Hidden):
        persons_create(
            actor=world.supervisor,
            drafts=[
                _draft("Testova", "Zarema"),
                _draft("Primerova", "Kheda", **{related: elsewhere[related]}),
            ],
        )
    assert Person.objects.count() == before
