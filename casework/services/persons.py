"""Writes on persons: create, edit, move through the workflow. UI, API, imports and commands alike
call these; each checks permission, writes in one transaction and audits in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit, workflow
from casework.audit import AuditAction
from casework.births import birth_problems, birth_range
from casework.classification import sensitive_fields
from casework.models import (
    DatePrecision,
    NameKey,
    Person,
    PersonName,
    PersonStatus,
    Team,
    User,
)
from casework.models.sync import ChangeKind, note_person_changes
from casework.permissions import Action, Hidden, home_team, require
from casework.services._common import recheck_scope
from casework.services.errors import Conflict, ServiceError
from casework.services.names import (
    clean_name_parts,
    guess_script,
    new_name_keys,
    refresh_name_keys,
)
from casework.services.text_input import MAX_TEXT, clean_input


@dataclass
class NameInput:
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    full_text: str = ""
    script: str = ""
    kind: str = "legal"
    source: str = ""


def validate_birth(
    precision: str,
    birth_date: dt.date | None,
    age: int | None,
    age_on: dt.date | None,
    *,
    today: dt.date | None = None,
) -> None:
    errors = birth_problems(precision, birth_date, age, age_on, today=today or timezone.localdate())
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
    blank = _blank_snapshot()
    return [
        name
        for name, value in _snapshot(person).items()
        if name not in _SYSTEM_FIELDS and value != blank[name]
    ]


@functools.cache
def _blank_snapshot() -> dict:
    return _snapshot(Person())


# Short text details of a person (one line each); security notes are multi-line; languages and
# vulnerabilities are lists of short texts.
_LINE_DETAILS = {"birthplace", "citizenship", "region_of_origin"}
_MULTILINE_DETAILS = {"security_notes"}
_LIST_DETAILS = {"languages", "vulnerabilities"}
_LIST_ITEM_LENGTH = 200


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
    source = clean_input("source", name.source, max_length=200)
    return dataclasses.replace(name, **parts, source=source)


def _cleaned_details(details: dict) -> dict:
    cleaned = dict(details)
    for field in _LINE_DETAILS & set(details):
        if isinstance(details[field], str):
            limit = Person._meta.get_field(field).max_length
            cleaned[field] = clean_input(field, details[field], max_length=limit)
    for field in _MULTILINE_DETAILS & set(details):
        if isinstance(details[field], str):
            cleaned[field] = clean_input(field, details[field], max_length=MAX_TEXT, multiline=True)
    for field in _LIST_DETAILS & set(details):
        if isinstance(details[field], list | tuple):
            items = [clean_input(field, i, max_length=_LIST_ITEM_LENGTH) for i in details[field]]
            cleaned[field] = [item for item in items if item]
    return cleaned


def _display_name(name: NameInput) -> str:
    if name.full_text:
        return name.full_text.strip()
    return " ".join(p for p in (name.family_name, name.given_name, name.patronymic) if p).strip()


@dataclass
class PersonDraft:
    """One person to create: what `person_create` takes, and `persons_create` many of."""

    names: list[NameInput]
    sex: str = "U"
    birth_precision: str = DatePrecision.UNKNOWN
    birth_date: dt.date | None = None
    age_stated: int | None = None
    age_stated_on: dt.date | None = None
    team: Team | None = None
    assigned_to: User | None = None
    details: dict = dataclass_field(default_factory=dict)
    # Names given for the person's mother and father where no record of them exists (a list's
    # columns): they go into the person's name keys, as `names.parents_of` reads them later.
    parents: dict[str, str] = dataclass_field(default_factory=dict)
    reason: str = ""


@dataclass
class _Checked:
    person: Person  # not saved yet
    names: list[NameInput]
    parents: dict[str, str]
    reason: str


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
    """One person, checked and written as `persons_create` writes each of many (a refusal names
    the field alone)."""
    require(actor, Action.CREATE_PERSON)
    draft = PersonDraft(
        names=list(names),
        sex=sex,
        birth_precision=birth_precision,
        birth_date=birth_date,
        age_stated=age_stated,
        age_stated_on=age_stated_on,
        team=team,
        assigned_to=assigned_to,
        details=details,
        reason=reason,
    )
    return _insert(actor, [_checked(actor, draft, _default_team(actor, [draft]))])[0]


def persons_create(*, actor, drafts: Iterable[PersonDraft]) -> list[Person]:
    """Many persons in a few statements (a list import): each draft checked and cleaned exactly
    as `person_create` checks one, all written in one transaction, one creation event each.

    A refusal names every bad draft by its place in the list: `persons-<index>-<field>`."""
    require(actor, Action.CREATE_PERSON)
    drafts = list(drafts)
    default_team = _default_team(actor, drafts)
    checked, errors = [], {}
    for index, draft in enumerate(drafts):
        try:
            checked.append(_checked(actor, draft, default_team))
        except ServiceError as exc:
            errors.update({f"persons-{index}-{k}": v for k, v in exc.message_dict.items()})
    if errors:
        raise ServiceError(errors)
    return _insert(actor, checked)


def _default_team(actor, drafts: list[PersonDraft]) -> Team | None:
    """A caseworker's new cases are their (first) team's, unless a team is given."""
    if any(d.team is None for d in drafts):
        return home_team(actor)
    return None


def _checked(actor, draft: PersonDraft, default_team: Team | None) -> _Checked:
    """The person a draft describes, cleaned and validated, not yet saved (no query)."""
    names = [_cleaned_name(name) for name in draft.names]
    details = _cleaned_details(draft.details)
    reason = clean_input("reason", draft.reason, max_length=MAX_TEXT)
    if not names or not any(_display_name(n) for n in names):
        raise ServiceError(
            {"names": [gettext("A person needs at least one name, alias or kunya.")]}
        )
    validate_birth(draft.birth_precision, draft.birth_date, draft.age_stated, draft.age_stated_on)
    for related in (draft.team, draft.assigned_to):
        if related is not None and related.organisation_id != actor.organisation_id:
            raise Hidden()
    unknown = set(details) - _EDITABLE_DETAILS
    if unknown:
        raise ServiceError(
            {name: [gettext("Not a field of a person.")] for name in sorted(unknown)}
        )
    person = Person(
        organisation_id=actor.organisation_id,
        team=draft.team or default_team,
        assigned_to=draft.assigned_to,
        sex=draft.sex,
        birth_precision=draft.birth_precision,
        birth_date=draft.birth_date,
        age_stated=draft.age_stated,
        age_stated_on=draft.age_stated_on,
        display_name=_display_name(names[0])[:300],
        **details,
    )
    _apply_birth(person)
    try:
        # The unique public id and the table's check constraints are the database's to enforce
        # (a query each, per person); validate_birth and the fields' choices check what they do.
        person.full_clean(
            exclude=["organisation", "team", "assigned_to"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        raise ServiceError(exc.message_dict) from exc
    return _Checked(person, names, draft.parents, reason)


def _insert(actor, checked: list[_Checked]) -> list[Person]:
    """Write checked persons with their names and name keys, recheck the actor's scope on them
    and audit each creation: the same statements for one person or thousands."""
    persons = [item.person for item in checked]
    with transaction.atomic():
        Person.objects.bulk_create(persons, batch_size=500)
        names, keys = [], []
        for item in checked:
            own = [
                PersonName(
                    person=item.person,
                    family_name=name.family_name,
                    given_name=name.given_name,
                    patronymic=name.patronymic,
                    full_text=name.full_text,
                    script=name.script or guess_script(_display_name(name)),
                    kind=name.kind,
                    source=name.source,
                    is_primary=index == 0,
                )
                for index, name in enumerate(item.names)
                if _display_name(name)
            ]
            names.extend(own)
            keys.extend(new_name_keys(item.person, own, item.parents))
        PersonName.objects.bulk_create(names, batch_size=1000)
        NameKey.objects.bulk_create(keys, batch_size=5000)
        if persons:
            recheck_scope(actor, *persons)
        audit.record_many(
            actor,
            AuditAction.CREATE,
            [
                (item.person, {"fields": _filled_fields(item.person), "reason": item.reason})
                for item in checked
            ],
        )
    return persons


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
    reason = clean_input("reason", reason, max_length=MAX_TEXT)
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
        note_person_changes([locked.pk], ChangeKind.EDITED)
    return locked


def person_change_status(*, actor, person: Person, to: str, reason: str, expected_version=None):
    """Move a person along the workflow. A forbidden move raises and changes nothing."""
    require(actor, Action.CHANGE_STATUS, person)
    if to not in PersonStatus.values:
        raise ServiceError({"status": [gettext("Unknown status %(status)r.") % {"status": to}]})
    reason = clean_input(
        "reason", reason, max_length=MAX_TEXT, required=gettext("Say why the status changes.")
    )
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
        _set_status(actor, locked, to, reason)
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
    note_person_changes([locked.pk], ChangeKind.STATUS)


def person_assign(*, actor, person: Person, team=None, assigned_to=None, reason: str = ""):
    require(actor, Action.ASSIGN_CASE, person)
    reason = clean_input("reason", reason, max_length=MAX_TEXT)
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
        note_person_changes([locked.pk], ChangeKind.ASSIGNED)
    return locked
