"""A row of an imported list as a person: what the person service is given for it, and the row
that becomes a new person once a reviewer rejected every candidate. Used by the import and by the
review of its suggestions."""

from __future__ import annotations

from django.utils import timezone

from casework.imports.messages import ALL_CANDIDATES_REJECTED
from casework.imports.rows import RowData, validate_row
from casework.models import ListImport, ListImportRow, RowOutcome
from casework.permissions import Action, require
from casework.services.errors import ServiceError
from casework.services.persons import NameInput, PersonDraft, persons_create


def person_draft_of_row(data: RowData, list_import: ListImport, team=None) -> PersonDraft:
    """The person a valid row describes, as the person service takes it."""
    details = {}
    if data.fields.get("birth_place"):
        details["birthplace"] = data.fields["birth_place"]
    if data.fields.get("region"):
        details["region_of_origin"] = data.fields["region"]
    return PersonDraft(
        names=[NameInput(source=f"list: {list_import.source}"[:200], **n) for n in data.names],
        sex=data.sex,
        birth_precision=data.birth_precision,
        birth_date=data.birth_date,
        age_stated=data.age_stated,
        age_stated_on=data.age_stated_on,
        team=team,
        details=details,
        # The list's names for the person's parents stay with the row (`ListImportRow.data`),
        # which is where later matching reads them from (`names.parents_of`): key them now.
        parents={
            "mother": data.fields.get("mother_name", ""),
            "father": data.fields.get("father_name", ""),
        },
        reason=f"list import “{list_import.source}”, row {data.number}",
    )


def list_moved_on(row: ListImportRow) -> None:
    """A row's outcome changed after the import (a review): its list's `updated_at` says so, for
    whoever follows the list by it (a partner's `updated_since`)."""
    ListImport.objects.filter(pk=row.list_import_id).update(updated_at=timezone.now())


def row_create_person(*, actor, row: ListImportRow):
    """A row every candidate of which was rejected: it becomes a new person (called by the
    review service inside its transaction)."""
    list_import = row.list_import
    # A row of another organisation's list is missing to the actor, whatever their role.
    require(actor, Action.CREATE_PERSON, list_import)
    data, errors = validate_row(
        row.row_number,
        row.data.get("raw", {}),
        list_import.column_mapping,
        as_of=list_import.as_of,
        today=timezone.localdate(),
    )
    if errors:
        raise ServiceError({"row": [str(e) for e in errors]})
    (person,) = persons_create(actor=actor, drafts=[person_draft_of_row(data, list_import)])
    row.outcome = RowOutcome.CREATED
    row.person = person
    row.reason = ALL_CANDIDATES_REJECTED
    row.save(update_fields=["outcome", "person", "reason"])
    list_moved_on(row)
    return person
