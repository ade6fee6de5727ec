"""The audit trail: redaction of sensitive values, reads recorded, scoped selectors, and on
PostgreSQL a trigger that refuses to change or delete an event."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from casework import audit
from casework.audit import AuditAction
from casework.models import AuditEvent, Person
from casework.permissions import Level
from casework.selectors import history_for
from casework.services.persons import person_update


def test_an_update_names_a_sensitive_field_but_redacts_its_values(world):
    person_update(
        actor=world.caseworker,
        person=world.case_a,
        expected_version=world.case_a.version,
        birthplace="Raqqa",
        sex="M",
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, person_id=world.case_a.public_id)
    assert "birthplace" in event.fields
    assert event.changes["birthplace"] == [audit.REDACTED, audit.REDACTED]
    assert "Raqqa" not in str(event.changes)
    # A staff-level field keeps its old and new values.
    assert event.changes["sex"] == ["F", "M"]


def test_record_read_writes_sensitive_and_restricted_reads(world):
    sensitive = audit.record_read(world.caseworker, world.case_a, Level.SENSITIVE)
    restricted = audit.record_read(world.supervisor, world.protected_a, Level.RESTRICTED)
    assert sensitive.action == AuditAction.READ_SENSITIVE
    assert sensitive.actor == world.caseworker
    assert sensitive.person_id == world.case_a.public_id
    assert sensitive.object_id == world.case_a.public_id
    assert sensitive.organisation == world.north
    assert restricted.action == AuditAction.READ_RESTRICTED
    assert restricted.changes == {"level": "restricted"}


def test_record_read_ignores_reads_that_show_nothing_sensitive(world):
    assert audit.record_read(world.intake, world.case_a, Level.MINIMAL) is None
    assert audit.record_read(world.partner, world.case_a, Level.PARTNER) is None
    # A partner shown only staff-level fields its agreement names: no event either.
    shown = ["display_name", "sex", "status"]
    assert audit.record_read(world.partner, world.case_a, Level.PARTNER, fields=shown) is None
    assert not AuditEvent.objects.filter(action__startswith="read_").exists()


def test_a_partner_shown_a_sensitive_shared_field_is_a_read(world):
    event = audit.record_read(
        world.partner, world.case_a, Level.PARTNER, fields=["display_name", "birthplace"]
    )
    assert event.action == AuditAction.READ_SENSITIVE
    assert event.actor == world.partner
    assert event.object_id == event.person_id == world.case_a.public_id
    assert event.organisation == world.north  # the owner's officer sees who read their record
    assert event.fields == ["birthplace", "display_name"]
    assert event.changes == {"level": "partner"}
    # The same rule for a page of records.
    [page] = audit.record_reads(
        world.partner,
        "api_person_list",
        [(world.case_a, Level.PARTNER, ["birthplace"]), (world.case_b, Level.PARTNER, ["sex"])],
    )
    assert list(page.subjects.values_list("person_id", flat=True)) == [world.case_a.public_id]
    assert AuditEvent.objects.filter(action=AuditAction.READ_SENSITIVE).count() == 2


def test_record_read_names_the_fields_shown(world):
    event = audit.record_read(
        world.caseworker, world.case_a, Level.SENSITIVE, fields=["birthplace", "languages"]
    )
    assert event.fields == ["birthplace", "languages"]


def test_events_cannot_be_changed_or_deleted_through_the_orm(world):
    event = audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def _events_for(world):
    own = audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)
    other_team = audit.record(world.other_team_caseworker, AuditAction.READ_SENSITIVE, world.case_b)
    protected = audit.record(world.supervisor, AuditAction.READ_RESTRICTED, world.protected_a)
    south = audit.record(world.south_supervisor, AuditAction.READ_RESTRICTED, world.south_case)
    login = audit.record(world.caseworker, AuditAction.LOGIN, world.caseworker)
    return own, other_team, protected, south, login


def test_the_dpo_sees_every_event_of_the_organisation_and_nothing_else(world):
    own, other_team, protected, south, login = _events_for(world)
    visible = set(AuditEvent.objects.visible_to(world.dpo))
    assert {own, other_team, protected, login} <= visible
    assert south not in visible
    assert all(e.organisation_id == world.north.pk for e in visible)


def test_staff_see_events_only_of_persons_they_may_see(world):
    own, other_team, protected, south, login = _events_for(world)
    assert set(AuditEvent.objects.visible_to(world.caseworker)) == {own}
    assert set(AuditEvent.objects.visible_to(world.other_team_caseworker)) == {other_team}
    assert set(AuditEvent.objects.visible_to(world.supervisor)) == {own, other_team, protected}
    assert set(AuditEvent.objects.visible_to(world.south_supervisor)) == {south}


@pytest.mark.parametrize("persona", ["admin", "partner", "partner_without_agreement"])
def test_others_see_no_events(world, persona):
    _events_for(world)
    assert not AuditEvent.objects.visible_to(getattr(world, persona)).exists()


def test_history_for_is_the_records_own_history_for_those_who_may_see_it(world):
    own, other_team, *_ = _events_for(world)
    assert list(history_for(world.caseworker, world.case_a)) == [own]
    assert not history_for(world.caseworker, world.case_b).exists()
    assert list(history_for(world.supervisor, world.case_b)) == [other_team]
    assert not history_for(world.south_supervisor, world.case_a).exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgres_refuses_update_and_delete_of_audit_rows(world):
    event = audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)
    for sql in (
        "UPDATE casework_auditevent SET reason = 'tampered' WHERE id = %s",
        "DELETE FROM casework_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.reason == ""
    # Appending still works.
    audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgres_refuses_update_and_delete_of_the_persons_an_event_names(world):
    [event] = audit.record_reads(
        world.caseworker, "person_list", [(world.case_a, Level.SENSITIVE, ["birthplace"])]
    )
    for sql in (
        "UPDATE casework_auditeventsubject SET person_id = %s WHERE event_id = %s",
        "DELETE FROM casework_auditeventsubject WHERE event_id = %s AND person_id <> %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            params = [world.case_b.public_id, event.pk]
            cursor.execute(sql, params if sql.startswith("UPDATE") else params[::-1])
    assert list(event.subjects.values_list("person_id", flat=True)) == [world.case_a.public_id]


def test_an_event_about_a_lazily_loaded_user_names_the_model(world):
    from django.utils.functional import SimpleLazyObject

    from casework import audit

    event = audit.record(
        world.caseworker, "second_factor", SimpleLazyObject(lambda: world.caseworker)
    )
    assert event.object_type == "User"
    assert event.object_id == world.caseworker.public_id


# --- Refusals: written once, carried out of a rolled-back transaction -----------------------------


def test_a_denial_inside_a_transaction_is_carried_to_the_boundary_and_written_once(world):
    from casework.permissions import Action, Denied, require

    caught = None
    try:
        with transaction.atomic():
            require(world.intake, Action.EDIT_PERSON, world.case_a)
    except Denied as exc:
        caught = exc
    assert caught is not None and caught.audited
    audit.write_deferred(caught)
    audit.write_deferred(caught)  # a second boundary writes nothing more
    [event] = AuditEvent.objects.filter(action=AuditAction.DENIED)
    assert event.actor == world.intake
    assert event.object_id == event.person_id == world.case_a.public_id
    assert event.changes == {"attempted": "edit_person", "answered": "403"}


def test_a_read_gates_404_for_a_hidden_record_names_it_and_for_a_missing_one_does_not(world):
    import uuid

    from casework.permissions import Hidden, visible_or_404

    gate = Person.objects.visible_to(world.other_team_caseworker)
    assert visible_or_404(world.other_team_caseworker, gate, world.case_b.public_id, attempted="x")
    refusals = []
    for public_id in (world.case_a.public_id, uuid.uuid4()):
        with pytest.raises(Hidden) as caught:
            visible_or_404(world.other_team_caseworker, gate, public_id, attempted="view")
        refusals.append(caught.value)
        audit.write_deferred(caught.value)
    assert type(refusals[0]) is type(refusals[1]) and str(refusals[0]) == str(refusals[1])
    rows = list(AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("id"))
    # Two rows each: the prober's side (alike for both) and the record's side.
    hidden_prober, hidden, missing, missing_record_side = rows
    assert (hidden.object_type, hidden.object_id, hidden.person_id) == (
        "Person",
        world.case_a.public_id,
        world.case_a.public_id,
    )
    assert (missing.object_type, missing.object_id, missing.person_id) == ("Person", None, None)
    assert hidden.changes == missing.changes == {"attempted": "view", "answered": "404"}
    assert hidden.organisation == missing.organisation == world.north
    assert (hidden_prober.object_id, hidden_prober.organisation) == (None, world.north)
    assert (missing_record_side.object_id, missing_record_side.organisation) == (None, None)


def test_a_page_read_is_one_event_naming_the_records(world):
    from casework.permissions import Level

    [event] = audit.record_reads(
        world.supervisor,
        "person_list",
        [
            (world.case_a, Level.SENSITIVE, ["display_name", "region_of_origin"]),
            (world.protected_a, Level.RESTRICTED, ["display_name", "security_notes"]),
            (world.case_b, Level.MINIMAL, ["display_name"]),  # no event: nothing sensitive
        ],
    )
    # The highest read of the page, every field shown, the persons in the page's order.
    assert event.action == AuditAction.READ_RESTRICTED
    assert event.fields == ["display_name", "region_of_origin", "security_notes"]
    ids = [world.case_a.public_id, world.protected_a.public_id]
    assert event.changes == {
        "view": "person_list",
        "level": "restricted",
        "records": [str(i) for i in ids],
    }
    assert event.object_id is None and event.person_id is None
    assert sorted(event.subjects.values_list("person_id", flat=True)) == sorted(ids)
    # Found from each person it names, and from no other.
    for public_id in ids:
        assert list(AuditEvent.objects.about([public_id])) == [event]
    assert not AuditEvent.objects.about([world.case_b.public_id]).exists()
    # A page that read nothing is no event.
    minimal = [(world.case_a, Level.MINIMAL, ["display_name"])]
    assert audit.record_reads(world.intake, "person_list", minimal) == []


def test_a_partner_page_over_two_owners_is_one_event_for_each_owner(world):
    from casework.permissions import Level

    events = audit.record_reads(
        world.partner,
        "api_person_list",
        [
            (world.case_a, Level.PARTNER, ["birthplace"]),
            (world.south_case, Level.PARTNER, ["birthplace"]),
        ],
    )
    # Each owner's data-protection officer sees the reads of their own persons, and only those.
    assert {e.organisation_id: e.changes["records"] for e in events} == {
        world.north.pk: [str(world.case_a.public_id)],
        world.south.pk: [str(world.south_case.public_id)],
    }
    assert [e.changes["records"] for e in AuditEvent.objects.visible_to(world.dpo)] == [
        [str(world.case_a.public_id)]
    ]


# --- Many events at once ------------------------------------------------------------------------

_WRITTEN_BY_THE_DATABASE = {"id", "public_id", "at", "chain_position", "chain_hash"}


def _as_written(event) -> dict:
    return {
        f.attname: getattr(event, f.attname)
        for f in AuditEvent._meta.concrete_fields
        if f.attname not in _WRITTEN_BY_THE_DATABASE
    }


def test_record_many_writes_each_event_as_record_would_in_one_insert(world):
    from casework.request_context import RequestContext, bind, reset

    token = bind(RequestContext(ip="192.0.2.7", request_id="req-many"))
    try:
        entries = [
            (world.case_a, {"fields": ["sex", "birthplace"], "reason": "list row 2"}),
            (world.case_b, {"fields": ["sex"], "changes": {"row": 3}}),
        ]
        with CaptureQueriesContext(connection) as insert:
            many = audit.record_many(world.supervisor, AuditAction.CREATE, entries)
        singles = [
            audit.record(world.supervisor, AuditAction.CREATE, obj, **details)
            for obj, details in entries
        ]
    finally:
        reset(token)
    # One INSERT (on SQLite the app also reads the head of the chain it links them into).
    assert [q for q in insert.captured_queries if q["sql"].startswith("INSERT")] == [
        insert.captured_queries[-1]
    ]
    stored = AuditEvent.objects.filter(pk__in=[e.pk for e in many]).order_by("pk")
    assert [_as_written(e) for e in stored] == [_as_written(e) for e in singles]
    assert stored[0].fields == ["birthplace", "sex"] and stored[0].ip == "192.0.2.7"
    assert stored[1].person_id == world.case_b.public_id
