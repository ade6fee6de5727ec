"""Legal proceedings against a person: recorded and edited by those allowed at the restricted
level (`Action.RECORD_PROCEEDING`), each change audited; the trail is the proceeding's history."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import LegalProceeding, ProceedingStatus
from casework.models.legal import SENTENCE_STATUSES
from casework.permissions import Action, require
from casework.services._common import not_in_future, recheck_scope
from casework.services.errors import ServiceError
from casework.services.text_input import MAX_TEXT, clean_input

PROCEEDING_FIELDS = ("country", "charge", "court", "status", "sentence", "started_on", "notes")


def _clean(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {
        "charge": clean_input("charge", values.get("charge") or "", max_length=300),
        "court": clean_input("court", values.get("court") or "", max_length=200),
        "sentence": clean_input("sentence", values.get("sentence") or "", max_length=200),
        "notes": clean_input(
            "notes", values.get("notes") or "", max_length=MAX_TEXT, multiline=True
        ),
    }
    country = (values.get("country") or "").strip()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        errors["country"] = [gettext("A two-letter country code, such as IQ or SY.")]
    clean["country"] = country.upper()
    status = values.get("status")
    if status not in ProceedingStatus.values:
        errors["status"] = [gettext("Choose the state of the proceeding.")]
    clean["status"] = status
    if not clean["charge"]:
        errors["charge"] = [gettext("What is the person charged with?")]
    if clean["sentence"] and status in ProceedingStatus.values and status not in SENTENCE_STATUSES:
        errors["sentence"] = [
            gettext("A sentence is recorded only once one was passed: sentenced, appeal, released.")
        ]
    started_on = values.get("started_on")
    if started_on is not None and not isinstance(started_on, dt.date):
        errors["started_on"] = [gettext("Write a date.")]
    clean["started_on"] = started_on
    if errors:
        raise ServiceError(errors)
    not_in_future("started_on", started_on)
    return clean


def proceeding_record(
    *,
    actor,
    person,
    country: str,
    charge: str,
    status: str,
    court: str = "",
    sentence: str = "",
    started_on: dt.date | None = None,
    notes: str = "",
) -> LegalProceeding:
    require(actor, Action.RECORD_PROCEEDING, person)
    values = _clean(
        {
            "country": country,
            "charge": charge,
            "status": status,
            "court": court,
            "sentence": sentence,
            "started_on": started_on,
            "notes": notes,
        }
    )
    with transaction.atomic():
        proceeding = LegalProceeding.objects.create(person=person, **values)
        recheck_scope(actor, person)
        audit.record(actor, AuditAction.CREATE, proceeding, fields=list(PROCEEDING_FIELDS))
    return proceeding


def proceeding_update(*, actor, proceeding: LegalProceeding, **changes) -> LegalProceeding:
    """Edit a proceeding (its status as the case moves on, the sentence once passed)."""
    require(actor, Action.RECORD_PROCEEDING, proceeding)
    unknown = set(changes) - set(PROCEEDING_FIELDS)
    if unknown:
        raise ServiceError(
            {name: [gettext("Not a field of a legal proceeding.")] for name in sorted(unknown)}
        )
    with transaction.atomic():
        locked = LegalProceeding.objects.select_for_update().get(pk=proceeding.pk)
        before = {name: getattr(locked, name) for name in PROCEEDING_FIELDS}
        values = _clean({**before, **changes})
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        recheck_scope(actor, locked.person)
        changed = audit.diff(before, {name: getattr(locked, name) for name in PROCEEDING_FIELDS})
        if changed:
            audit.record(actor, AuditAction.UPDATE, locked, fields=changed, changes=changed)
    return locked
