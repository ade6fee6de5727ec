"""Records the matrix lines share, each built at most once per world, and helpers to assert on them.

Canaries are invented values that must show on a page exactly for the personas who may see them
(and be "withheld" for everyone else)."""

from __future__ import annotations

import datetime as dt

from casework.models import (
    AuditEvent,
    BreakGlassGrant,
    CaseNote,
    LegalProceeding,
    Person,
    Placement,
    Relationship,
)

# Canary values per person: (world attribute, suffix).
CANARY_PERSONS = (("case_a", "A"), ("case_b", "B"), ("protected_a", "P"), ("south_case", "S"))


def canary(kind: str, suffix: str) -> str:
    return f"Canary-{kind}-{suffix}"


def canaries(w):
    """Every person of the world gets a sensitive birthplace and region, a restricted security
    note, a note, a security note, a placement and a legal proceeding, each a canary value; case_b
    is recorded as case_a's mother."""
    if getattr(w, "canaries_built", False):
        return w
    for name, suffix in CANARY_PERSONS:
        person = getattr(w, name)
        Person.objects.filter(pk=person.pk).update(
            birthplace=canary("Birthplace", suffix),
            region_of_origin=canary("Region", suffix),
            security_notes=canary("Security", suffix),
        )
        person.refresh_from_db()
        CaseNote.objects.create(person=person, author=w.supervisor, text=canary("Note", suffix))
        CaseNote.objects.create(
            person=person,
            author=w.supervisor,
            text=canary("SecurityNote", suffix),
            is_security_note=True,
        )
        Placement.objects.create(
            person=person,
            place_text=canary("Place", suffix),
            start_date=dt.date(2024, 3, 1),
            source="letter",
            reliability="confirmed",
        )
        LegalProceeding.objects.create(
            person=person, country="IQ", charge=canary("Charge", suffix), status="trial"
        )
    Relationship.objects.create(from_person=w.case_b, to_person=w.case_a, kind="mother")
    w.canaries_built = True
    return w


def audited(user, action: str, **filters) -> bool:
    """Whether `user` has an audit event of `action` matching `filters`."""
    return AuditEvent.objects.filter(actor=user, action=action, **filters).exists()


def fresh(obj):
    """The record as the database now holds it."""
    return type(obj)._base_manager.get(pk=obj.pk)


def grant(w, user, person, reason="A family visit today, the caseworker is away."):
    from django.utils import timezone

    return BreakGlassGrant.objects.create(
        user=user, person=person, reason=reason, expires_at=timezone.now() + dt.timedelta(hours=1)
    )
