"""The gates themselves, persona by persona: exactly which records each one lets through.

Pages and the API are checked in tests/matrix; this is the layer under them, which every surface,
export and import calls.
"""

import datetime as dt

import pytest
from django.utils import timezone

from casework import selectors
from casework.models import (
    AuditEvent,
    BreakGlassGrant,
    FamilyReport,
    RepatriationFlight,
    SharedCase,
)
from casework.permissions import Level, person_level, person_scope
from tests.factories import FlightFactory, ReportFactory

PERSON_LEVELS = {
    # persona: (case_a, case_b, protected_a, south_case)
    "caseworker": (Level.SENSITIVE, Level.NONE, Level.NONE, Level.NONE),
    "other_team_caseworker": (Level.NONE, Level.SENSITIVE, Level.NONE, Level.NONE),
    "intake": (Level.MINIMAL, Level.MINIMAL, Level.NONE, Level.NONE),
    "supervisor": (Level.RESTRICTED, Level.RESTRICTED, Level.RESTRICTED, Level.NONE),
    "dpo": (Level.MINIMAL, Level.MINIMAL, Level.NONE, Level.NONE),
    "admin": (Level.NONE, Level.NONE, Level.NONE, Level.NONE),
    "partner": (Level.PARTNER, Level.NONE, Level.NONE, Level.NONE),
    "partner_without_agreement": (Level.NONE, Level.NONE, Level.NONE, Level.NONE),
    "anonymous": (Level.NONE, Level.NONE, Level.NONE, Level.NONE),
}


def _persons(world):
    return (world.case_a, world.case_b, world.protected_a, world.south_case)


@pytest.mark.parametrize("persona", sorted(PERSON_LEVELS))
def test_person_level_and_scope_agree_for_every_persona(world, persona):
    from django.contrib.auth.models import AnonymousUser

    user = world.personas()[persona] or AnonymousUser()
    levels = tuple(person_level(user, p) for p in _persons(world))
    assert levels == PERSON_LEVELS[persona]
    expected = {p.pk for p, level in zip(_persons(world), levels, strict=True) if level}
    assert set(person_scope(user).values_list("pk", flat=True)) == expected


def test_the_assigned_caseworker_sees_the_protected_case_at_the_restricted_level(world):
    world.protected_a.assigned_to = world.caseworker
    world.protected_a.save()
    assert person_level(world.caseworker, world.protected_a) == Level.RESTRICTED
    assert world.protected_a in person_scope(world.caseworker)


def test_break_glass_opens_one_record_until_it_expires(world):
    grant = BreakGlassGrant.objects.create(
        user=world.caseworker,
        person=world.case_b,
        reason="Family visit today needs the file",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
    )
    assert person_level(world.caseworker, world.case_b) == Level.RESTRICTED
    assert set(person_scope(world.caseworker)) == {world.case_a, world.case_b}
    grant.expires_at = timezone.now() - dt.timedelta(seconds=1)
    grant.save()
    assert person_level(world.caseworker, world.case_b) == Level.NONE
    assert set(person_scope(world.caseworker)) == {world.case_a}


def test_a_partner_loses_the_case_when_the_agreement_is_revoked_or_expires(world):
    assert set(person_scope(world.partner)) == {world.case_a}
    world.agreement.valid_until = dt.date(2025, 6, 1)
    world.agreement.save()
    assert not person_scope(world.partner).exists()
    world.agreement.valid_until = None
    world.agreement.revoked_at = timezone.now()
    world.agreement.save()
    assert not person_scope(world.partner).exists()


def test_a_partner_never_sees_a_case_shared_with_someone_else(world):
    SharedCase.objects.filter(agreement=world.agreement).delete()
    assert not person_scope(world.partner).exists()
    assert not person_scope(world.partner_without_agreement).exists()


def test_a_deactivated_user_sees_nothing(world):
    world.supervisor.is_active = False
    world.supervisor.save()
    assert not person_scope(world.supervisor).exists()
    assert not FamilyReport.objects.visible_to(world.supervisor).exists()


def _report(world, *entries, organisation=None, status="new", **fields):
    """A report in a given state: each entry an (outcome, person or None) pair, set as stored."""
    from casework.models import ReportEntry

    report = ReportFactory(organisation=organisation or world.north, status=status, **fields)
    for position, (outcome, person) in enumerate(entries, start=1):
        ReportEntry.objects.create(
            report=report,
            position=position,
            family_name=f"Entryova {position}",
            outcome=outcome,
            person=person,
        )
    return report


def _report_states(world) -> dict:
    """One report in each state the gate tells apart (see REPORT_VISIBILITY)."""
    pending = ("pending", None)
    return {
        "new": _report(world, pending),
        "new_without_entries": _report(world),
        "spam": _report(world, pending, status="spam"),
        "linked_a_and_pending": _report(
            world, ("linked", world.case_a), pending, status="in_triage"
        ),
        "linked_b_and_pending": _report(
            world, ("created", world.case_b), pending, status="in_triage"
        ),
        "linked_protected_and_pending": _report(
            world, ("linked", world.protected_a), pending, status="in_triage"
        ),
        "linked_a_and_b_and_pending": _report(
            world, ("linked", world.case_a), ("linked", world.case_b), pending, status="in_triage"
        ),
        "triaged_a": _report(world, ("linked", world.case_a), status="triaged"),
        "triaged_not_a_person": _report(world, ("not_a_person", None), status="triaged"),
        "south": _report(world, pending, organisation=world.south),
        "from_partner": _report(
            world, pending, channel="partner", source_partner=world.partner_org
        ),
        "from_partner_linked_protected": _report(
            world,
            ("linked", world.protected_a),
            pending,
            status="in_triage",
            channel="partner",
            source_partner=world.partner_org,
        ),
    }


# Supervisors: every report of their organisation. Intake and caseworkers: the queue (waiting for
# triage, or an entry not yet triaged), and for a caseworker the reports about their own cases,
# minus any report with an entry linked to a person outside their person scope. Partners: the
# reports they sent. The DPO, admins, anonymous: none.
_QUEUE_OF_ANYONE = {"new", "new_without_entries", "spam", "from_partner"}
REPORT_VISIBILITY = {
    "caseworker": _QUEUE_OF_ANYONE | {"linked_a_and_pending", "triaged_a"},
    "other_team_caseworker": _QUEUE_OF_ANYONE | {"linked_b_and_pending"},
    "intake": _QUEUE_OF_ANYONE
    | {"linked_a_and_pending", "linked_b_and_pending", "linked_a_and_b_and_pending"},
    "supervisor": {
        "new",
        "new_without_entries",
        "spam",
        "linked_a_and_pending",
        "linked_b_and_pending",
        "linked_protected_and_pending",
        "linked_a_and_b_and_pending",
        "triaged_a",
        "triaged_not_a_person",
        "from_partner",
        "from_partner_linked_protected",
    },
    "dpo": set(),
    "admin": set(),
    "partner": {"from_partner", "from_partner_linked_protected"},
    "partner_without_agreement": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("persona", sorted(REPORT_VISIBILITY))
def test_reports_visible_to_each_persona(world, persona):
    from django.contrib.auth.models import AnonymousUser

    reports = _report_states(world)
    user = world.personas()[persona] or AnonymousUser()
    seen = {
        name
        for name, report in reports.items()
        if report in set(FamilyReport.objects.visible_to(user))
    }
    assert seen == REPORT_VISIBILITY[persona]
    # Entries and the reporter follow the gate: nothing of a hidden report, all of a visible one.
    for name, report in reports.items():
        entries = set(selectors.report_entries_for(user, report))
        assert entries == (set(report.entries.all()) if name in seen else set()), name
        reporter = selectors.may_see_reporter(user, report)
        assert reporter == (name in seen and persona not in {"partner"}), name


def test_the_report_gate_is_id_subqueries_without_joins_or_distinct(world):
    _report_states(world)
    for user in (world.intake, world.caseworker, world.supervisor, world.partner):
        qs = FamilyReport.objects.visible_to(user)
        # The outer query reads reports alone (joins inside an id subquery repeat no report).
        outer = str(qs.query).upper().split(" WHERE ", 1)[0]
        assert "JOIN" not in outer and not qs.query.distinct
        assert qs.count() == len(list(qs)) == len(set(qs))


def test_a_caseworker_assigned_the_protected_case_sees_its_reports(world):
    report = _report(world, ("linked", world.protected_a), ("pending", None), status="in_triage")
    assert report not in FamilyReport.objects.visible_to(world.caseworker)
    world.protected_a.assigned_to = world.caseworker
    world.protected_a.save()
    assert report in FamilyReport.objects.visible_to(world.caseworker)
    assert report not in FamilyReport.objects.visible_to(world.intake)  # protected stays closed


def test_break_glass_opens_another_teams_report_until_it_expires(world):
    report = _report(world, ("linked", world.case_b), ("pending", None), status="in_triage")
    assert report not in FamilyReport.objects.visible_to(world.caseworker)
    grant = BreakGlassGrant.objects.create(
        user=world.caseworker,
        person=world.case_b,
        reason="Family visit today needs the file",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
    )
    assert report in FamilyReport.objects.visible_to(world.caseworker)
    grant.expires_at = timezone.now() - dt.timedelta(seconds=1)
    grant.save()
    assert report not in FamilyReport.objects.visible_to(world.caseworker)


def test_a_report_leaves_the_queue_when_its_last_entry_is_triaged(world):
    from casework.services.reports import report_triage_entry

    report = _report(world, ("pending", None), ("pending", None))
    first, second = report.entries.order_by("position")
    report_triage_entry(actor=world.caseworker, entry=first, person=world.case_a)
    report.refresh_from_db()
    assert report.status == "in_triage"
    assert report in FamilyReport.objects.visible_to(world.caseworker)
    assert report in FamilyReport.objects.visible_to(world.intake)
    assert report not in FamilyReport.objects.visible_to(world.other_team_caseworker)
    report_triage_entry(actor=world.caseworker, entry=second, not_a_person_reason="A pet cat")
    for user in (world.intake, world.other_team_caseworker):
        assert report not in FamilyReport.objects.visible_to(user)
    # The caseworker of the case it is about keeps it: the family's account of their case.
    assert report in FamilyReport.objects.visible_to(world.caseworker)
    assert report in FamilyReport.objects.visible_to(world.supervisor)


FLIGHT_VISIBILITY = {"caseworker", "other_team_caseworker", "supervisor"}


@pytest.mark.parametrize("persona", sorted(PERSON_LEVELS))
def test_flights_visible_to_each_persona(world, persona):
    from django.contrib.auth.models import AnonymousUser

    north_flight = FlightFactory(organisation=world.north)
    FlightFactory(organisation=world.south)
    user = world.personas()[persona] or AnonymousUser()
    expected = {north_flight} if persona in FLIGHT_VISIBILITY else set()
    assert set(RepatriationFlight.objects.visible_to(user)) == expected


@pytest.mark.parametrize("persona", sorted(PERSON_LEVELS))
def test_audit_rows_follow_the_records_one_may_see(world, persona):
    from django.contrib.auth.models import AnonymousUser

    from casework import audit

    events = {
        p: audit.record(world.supervisor, "update", p, fields=["sex"])
        for p in (world.case_a, world.case_b, world.protected_a)
    }
    south_event = audit.record(world.south_supervisor, "update", world.south_case, fields=["sex"])
    user = world.personas()[persona] or AnonymousUser()
    seen = set(AuditEvent.objects.visible_to(user))
    assert south_event not in seen
    if persona == "dpo":
        assert set(events.values()) <= seen
    elif persona.startswith("partner"):
        # A sharing agreement shares case fields, never our audit trail.
        assert seen == set()
    else:
        visible = set(person_scope(user))
        assert {events[p] for p in events if p in visible} == seen & set(events.values())


@pytest.mark.parametrize("persona", sorted(PERSON_LEVELS))
def test_bulk_levels_agree_with_person_level(world, persona, django_assert_max_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from casework.permissions import person_levels

    user = world.personas()[persona] or AnonymousUser()
    persons = _persons(world)
    with django_assert_max_num_queries(3):
        bulk = person_levels(user, persons)
    assert bulk == {p.pk: person_level(user, p) for p in persons}


def test_the_report_services_refuse_a_report_the_actor_may_not_see_like_a_missing_one(world):
    from casework.permissions import Hidden
    from casework.services.reports import report_set_status, report_triage_entry

    report = _report(world, ("linked", world.case_a), ("pending", None), status="in_triage")
    pending = report.entries.get(outcome="pending")
    for actor in (world.other_team_caseworker, world.south_supervisor):
        with pytest.raises(Hidden):
            report_triage_entry(actor=actor, entry=pending, not_a_person_reason="A pet cat")
        with pytest.raises(Hidden):
            report_set_status(actor=actor, report=report, status="spam", reason="Probing")
    pending.refresh_from_db()
    report.refresh_from_db()
    assert (pending.outcome, report.status) == ("pending", "in_triage")
    # The caseworker of case A may work it.
    report_triage_entry(actor=world.caseworker, entry=pending, not_a_person_reason="A pet cat")
    pending.refresh_from_db()
    assert pending.outcome == "not_a_person"
