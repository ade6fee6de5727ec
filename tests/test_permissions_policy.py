"""The gates themselves, persona by persona: exactly which records each one lets through.

Pages and the API are checked in tests/matrix; this is the layer under them, which every surface,
export and import calls.
"""

import datetime as dt

import pytest
from django.utils import timezone

from casework import selectors
from casework.models import BreakGlassGrant, SharedCase
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
    assert not selectors.reports_visible_to(world.supervisor).exists()


REPORT_VISIBILITY = {
    "caseworker": {"north"},
    "other_team_caseworker": {"north"},
    "intake": {"north"},
    "supervisor": {"north"},
    "dpo": set(),
    "admin": set(),
    "partner": {"from_partner"},
    "partner_without_agreement": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("persona", sorted(REPORT_VISIBILITY))
def test_reports_visible_to_each_persona(world, persona):
    from django.contrib.auth.models import AnonymousUser

    reports = {
        "north": ReportFactory(organisation=world.north),
        "south": ReportFactory(organisation=world.south),
        "from_partner": ReportFactory(
            organisation=world.north, channel="partner", source_partner=world.partner_org
        ),
    }
    user = world.personas()[persona] or AnonymousUser()
    seen = set(selectors.reports_visible_to(user))
    expected = {reports[name] for name in REPORT_VISIBILITY[persona]}
    if persona in {"caseworker", "other_team_caseworker", "intake", "supervisor"}:
        expected.add(reports["from_partner"])  # a partner's report belongs to north
    assert seen == expected


FLIGHT_VISIBILITY = {"caseworker", "other_team_caseworker", "supervisor"}


@pytest.mark.parametrize("persona", sorted(PERSON_LEVELS))
def test_flights_visible_to_each_persona(world, persona):
    from django.contrib.auth.models import AnonymousUser

    north_flight = FlightFactory(organisation=world.north)
    FlightFactory(organisation=world.south)
    user = world.personas()[persona] or AnonymousUser()
    expected = {north_flight} if persona in FLIGHT_VISIBILITY else set()
    assert set(selectors.flights_visible_to(user)) == expected


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
    seen = set(selectors.audit_events_visible_to(user))
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
