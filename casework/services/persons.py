"""Writes on persons: create, edit, move through the workflow. UI, API, imports and commands alike
call these; each checks permission, writes in one transaction and audits in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit, workflow
from casework.audit import AuditAction
from casework.classification import sensitive_fields
from casework.models import (
    DatePrecision,
    Person,
    PersonName,
    PersonStatus,
    Role,
)
from casework.permissions import Action, Hidden, require
from casework.services._common import clean_text, recheck_scope
from casework.services.errors import Conflict, ServiceError
from casework.services.names import clean_name_parts, guess_script, refresh_name_keys


@dataclass
class NameInput:
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    full_text: str = ""
    script: str = ""
    kind: str = "legal"
    source: str = ""


def birth_range(
    precision: str,
    birth_date: dt.date | None,
    age: int | None = None,
    age_on: dt.date | None = None,
) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest possible birth date for what is known."""
    if precision == DatePrecision.EXACT and birth_date:
        return birth_date, birth_date
    if precision == DatePrecision.MONTH and birth_date:
        start = birth_date.replace(day=1)
        next_month = (start + dt.timedelta(days=32)).replace(day=1)
        return start, next_month - dt.timedelta(days=1)
    if precision == DatePrecision.YEAR and birth_date:
        return dt.date(birth_date.year, 1, 1), dt.date(birth_date.year, 12, 31)
    if precision == DatePrecision.AGE_ESTIMATE and age is not None and age_on is not None:
        # Aged `age` on `age_on`: born after age_on − (age+1) years and on or before age_on − age.
        latest = _years_before(age_on, age)
        earliest = _years_before(age_on, age + 1) + dt.timedelta(days=1)
        return earliest, latest
    return None, None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def validate_birth(
    precision: str,
    birth_date: dt.date | None,
    age: int | None,
    age_on: dt.date | None,
    *,
    today: dt.date | None = None,
) -> None:
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if precision not in DatePrecision.values:
        errors["birth_precision"] = [
            gettext("Unknown precision %(precision)r.") % {"precision": precision}
        ]
    dated = (DatePrecision.EXACT, DatePrecision.MONTH, DatePrecision.YEAR)
    if precision in dated and birth_date is None:
        errors["birth_date"] = [gettext("A birth date is needed for this precision.")]
    if precision == DatePrecision.AGE_ESTIMATE and (age is None or age_on is None):
        errors["age_stated"] = [gettext("An age and the date it was stated on are needed.")]
    if precision == DatePrecision.UNKNOWN and birth_date is not None:
        errors["birth_precision"] = [gettext("Give the precision of the birth date.")]
    if birth_date is not None:
        if birth_date > today:
            errors["birth_date"] = [gettext("The birth date is in the future.")]
        elif birth_date.year < 1900:
            errors["birth_date"] = [gettext("The birth date is before 1900.")]
    if age is not None and not 0 <= age <= 120:
        errors["age_stated"] = [gettext("An age must be between 0 and 120.")]
    if age_on is not None and age_on > today:
        errors["age_stated_on"] = [gettext("The date the age was stated is in the future.")]
    if birth_date is not None and age is not None and age_on is not None and not errors:
        earliest, latest = birth_range(DatePrecision.AGE_ESTIMATE, None, age, age_on)
        if not (earliest.year - 1 <= birth_date.year <= latest.year + 1):
            errors["age_stated"] = [
                gettext("An age of %(age)s on %(on)s contradicts the birth date %(date)s.")
                % {"age": age, "on": f"{age_on:%Y-%m-%d}", "date": f"{birth_date:%Y-%m-%d}"}
            ]
    if errors:
        raise ServiceError(errors)


def _apply_birth(person: Person) -> None:
    person.birth_earliest, person.birth_latest = birth_range(
        person.birth_precision, person.birth_date, person.age_stated, person.age_stated_on
    )


def _snapshot(person: Person) -> dict:
    return {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}


# Set by the database or derived on save: not something the creator filled in.
_SYSTEM_FIELDS = {"id", "public_id", "created_at", "updated_at", "version"}


def _filled_fields(person: Person) -> list[str]:
    """The fields a new person was given a value in: what the creation event lists. Listing every
    column would name restricted ones (security notes) on every creation, and withhold the whole
    event from those who may not see them."""
    blank = _snapshot(Person())
    return [
        field
        for field, value in _snapshot(person).items()
        if field not in _SYSTEM_FIELDS and value != blank[field]
    ]


# Short text details of a person (one line each); security notes are multi-line.
_LINE_DETAILS = {"birthplace", "citizenship", "region_of_origin"}
_MULTILINE_DETAILS = {"security_notes"}


def _cleaned_name(name: NameInput) -> NameInput:
    """A name as stored: through the one text cleaner (no bidi overrides, zero-width or control
    characters, NFC), whichever way it came in."""
    parts = clean_name_parts(
        {
            "family_name": name.family_name,
            "given_name": name.given_name,
            "patronymic": name.patronymic,
            "full_text": name.full_text,
        }
    )
    source = clean_text("source", name.source, max_length=200)
    return dataclasses.replace(name, **parts, source=source)


def _cleaned_details(details: dict) -> dict:
    cleaned = dict(details)
    for field in _LINE_DETAILS & set(details):
        if isinstance(details[field], str):
            limit = Person._meta.get_field(field).max_length
            cleaned[field] = clean_text(field, details[field], max_length=limit)
    for field in _MULTILINE_DETAILS & set(details):
        if isinstance(details[field], str):
            cleaned[field] = clean_text(field, details[field], max_length=10_000, multiline=True)
    return cleaned


def _display_name(name: NameInput) -> str:
    if name.full_text:
        return name.full_text.strip()
    return " ".join(p for p in (name.family_name, name.given_name, name.patronymic) if p).strip()


def person_create(
    *,
    actor,
    names: Iterable[NameInput],
    sex: str = "U",
    birth_precision: str = DatePrecision.UNKNOWN,
    birth_date: dt.date | None = None,
    age_stated: int | None = None,
    age_stated_on: dt.date | None = None,
    team=None,
    assigned_to=None,
    reason: str = "",
    **details,
) -> Person:
    require(actor, Action.CREATE_PERSON)
    names = [_cleaned_name(name) for name in names]
    details = _cleaned_details(details)
    if not names or not any(_display_name(n) for n in names):
        raise ServiceError(
            {"names": [gettext("A person needs at least one name, alias or kunya.")]}
        )
    validate_birth(birth_precision, birth_date, age_stated, age_stated_on)
    if team is not None and team.organisation_id != actor.organisation_id:
        raise Hidden()
    if team is None and actor.role == Role.CASEWORKER:
        team = actor.teams.order_by("id").first()
    unknown = set(details) - _EDITABLE_DETAILS
    if unknown:
        raise ServiceError(
            {name: [gettext("Not a field of a person.")] for name in sorted(unknown)}
        )
    with transaction.atomic():
        person = Person(
            organisation_id=actor.organisation_id,
            team=team,
            assigned_to=assigned_to,
            sex=sex,
            birth_precision=birth_precision,
            birth_date=birth_date,
            age_stated=age_stated,
            age_stated_on=age_stated_on,
            display_name=_display_name(names[0])[:300],
            **details,
        )
        _apply_birth(person)
        person.full_clean(exclude=["organisation", "team", "assigned_to"])
        person.save()
        for index, name in enumerate(names):
            if not _display_name(name):
                continue
            PersonName.objects.create(
                person=person,
                family_name=name.family_name,
                given_name=name.given_name,
                patronymic=name.patronymic,
                full_text=name.full_text,
                script=name.script or guess_script(_display_name(name)),
                kind=name.kind,
                source=name.source,
                is_primary=index == 0,
            )
        refresh_name_keys(person)
        if actor.role != Role.SUPERVISOR:
            recheck_scope(actor, person)
        audit.record(
            actor,
            AuditAction.CREATE,
            person,
            fields=_filled_fields(person),
            reason=reason,
        )
    return person


_EDITABLE_DETAILS = {
    "birthplace",
    "citizenship",
    "region_of_origin",
    "languages",
    "documents_held",
    "vulnerabilities",
    "sensitivity",
    "security_notes",
}
_EDITABLE = _EDITABLE_DETAILS | {
    "sex",
    "birth_precision",
    "birth_date",
    "age_stated",
    "age_stated_on",
}
_RESTRICTED_EDITS = {"sensitivity", "security_notes"}


def person_update(*, actor, person: Person, expected_version: int, reason: str = "", **changes):
    """Edit a person's details. Refused with Conflict when the record moved on since it was read."""
    require(actor, Action.EDIT_PERSON, person)
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise ServiceError(
            {name: [gettext("This field cannot be edited here.")] for name in sorted(unknown)}
        )
    if set(changes) & _RESTRICTED_EDITS:
        require(actor, Action.RECORD_PROCEEDING, person)  # restricted-level edit
    changes = _cleaned_details(changes)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.version != expected_version:
            raise Conflict(locked, expected_version)
        before = _snapshot(locked)
        for name, value in changes.items():
            setattr(locked, name, value)
        validate_birth(
            locked.birth_precision, locked.birth_date, locked.age_stated, locked.age_stated_on
        )
        _apply_birth(locked)
        locked.full_clean(exclude=["organisation", "team", "assigned_to", "merged_into"])
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        refresh_name_keys(locked)  # blocking keys carry the birth years
        recheck_scope(actor, locked)
        changed = audit.diff(before, _snapshot(locked), sensitive=sensitive_fields("Person"))
        changed.pop("version", None)
        changed.pop("updated_at", None)
        audit.record(
            actor, AuditAction.UPDATE, locked, fields=changed.keys(), changes=changed, reason=reason
        )
    return locked


def person_change_status(*, actor, person: Person, to: str, reason: str, expected_version=None):
    """Move a person along the workflow. A forbidden move raises and changes nothing."""
    require(actor, Action.CHANGE_STATUS, person)
    if to not in PersonStatus.values:
        raise ServiceError({"status": [gettext("Unknown status %(status)r.") % {"status": to}]})
    if not reason or not reason.strip():
        raise ServiceError({"reason": [gettext("Say why the status changes.")]})
    if to in workflow.ONLY_BY_MERGE:
        raise ServiceError({"status": [gettext("A case is closed as a duplicate by merging it.")]})
    if to in workflow.NEEDS_SUPERVISOR:
        require(actor, Action.APPROVE_STATUS, person)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(locked, expected_version)
        current = locked.status
        if not workflow.is_allowed(current, to):
            allowed = ", ".join(
                str(PersonStatus(target).label)
                for target in sorted(workflow.allowed_targets(current))
            ) or gettext("none")
            raise ServiceError(
                {
                    "status": [
                        gettext(
                            "A person cannot move from %(current)s to %(to)s. "
                            "Allowed from %(current)s: %(allowed)s."
                        )
                        % {
                            "current": PersonStatus(current).label,
                            "to": PersonStatus(to).label,
                            "allowed": allowed,
                        }
                    ]
                }
            )
        _set_status(actor, locked, to, reason.strip())
    return locked


def _set_status(actor, locked: Person, to: str, reason: str) -> None:
    current = locked.status
    locked.status = to
    locked.status_changed_at = timezone.now()
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "status_changed_at", "version", "updated_at"])
    locked.refresh_from_db()
    audit.record(
        actor,
        AuditAction.STATUS_CHANGE,
        locked,
        fields=["status"],
        changes={"status": [current, to]},
        reason=reason,
    )


def person_assign(*, actor, person: Person, team=None, assigned_to=None, reason: str = ""):
    require(actor, Action.ASSIGN_CASE, person)
    if team is not None and team.organisation_id != person.organisation_id:
        raise Hidden()
    if assigned_to is not None and assigned_to.organisation_id != person.organisation_id:
        raise Hidden()
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        before = {"team": locked.team_id, "assigned_to": locked.assigned_to_id}
        locked.team = team
        locked.assigned_to = assigned_to
        locked.version = F("version") + 1
        locked.save(update_fields=["team", "assigned_to", "version", "updated_at"])
        locked.refresh_from_db()
        # The new team or assignee must leave the case inside the actor's own scope.
        recheck_scope(actor, locked)
        after = {"team": locked.team_id, "assigned_to": locked.assigned_to_id}
        changes = audit.diff(before, after)
        audit.record(
            actor, AuditAction.UPDATE, locked, fields=changes, changes=changes, reason=reason
        )
    return locked
