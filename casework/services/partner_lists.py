"""A list a partner sends under its agreement (`may_submit_list_rows`), into the review queue of the
organisation it is sent to.

It is read and checked as a staff import is (`services.imports`: the same file reader, column
names, row checks, matcher and row storage) and kept as that organisation's list, marked as the
partner's. Unlike a staff import it writes onto no one: a partner may not link a row to a person,
record a sighting or create a case in another organisation. So every valid row waits for the
organisation's staff: with its candidates as suggestions in the review queue (matched against the
whole organisation, on the whole record: the partner is told none of it), or, when no known
person matches, as a new candidate. A confirmed suggestion links the row as for any list.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.imports.columns import FIELDS, check_mapping, suggest_mapping
from casework.imports.files import FileError, Table, read_table
from casework.imports.messages import (
    NEW_CANDIDATE_FROM_PARTNER,
    NEW_CANDIDATE_RECORDED,
    POSSIBLE_MATCHES,
)
from casework.matching import MATCH_THRESHOLD
from casework.models import (
    ImportStatus,
    ListImport,
    ListImportRow,
    Organisation,
    Person,
    RowOutcome,
)
from casework.permissions import Action, Denied, agreements_taking_lists, require
from casework.services.errors import ServiceError
from casework.services.imports import (
    BULK_LEAST_SHARED,
    BULK_SCORE_LIMIT,
    MAX_SUGGESTIONS_PER_ROW,
    RowPlan,
    ValidatedRow,
    store_rows,
    validate_rows,
)
from casework.services.list_rows import row_create_person
from casework.services.matching import candidates_bulk
from casework.services.text_input import clean_input

MAX_SUBMITTED_ROWS = 5000
MAX_SUBMITTED_BYTES = 5 * 1024 * 1024
MAX_ERRORS = 50  # row errors named in one refusal


class ListTooLarge(ServiceError):
    """More bytes than a partner may send in one list (the API's 413)."""


def _receiving(actor, organisation: Organisation | None) -> Organisation:
    """The organisation the list is for: one whose agreement with the partner takes lists (named
    when there are several). Refused (audited) when none does."""
    require(actor, Action.SUBMIT_LIST)
    owners = Organisation.objects.filter(
        pk__in=agreements_taking_lists(actor).values("owner_id")
    ).order_by("pk")
    if organisation is not None:
        owners = owners.filter(pk=organisation.pk)
    found = list(owners[:2])
    if not found:
        refusal = Denied()
        audit.record_denial(actor, Action.SUBMIT_LIST, None, hidden=False, exc=refusal)
        raise refusal
    if len(found) > 1:
        raise ServiceError({"organisation": [gettext("Name the organisation the list is for.")]})
    return found[0]


def _table_of_rows(rows: list[dict]) -> Table:
    """Rows sent as JSON objects keyed by the import's field names, as the table a file gives
    (each row numbered by its position, from 1)."""
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            errors[f"rows-{index}"] = [gettext("A row is an object of field names and values.")]
            continue
        for key, value in row.items():
            if key not in FIELDS:
                errors[f"rows-{index}-{key}"] = [gettext("Not a field of a list.")]
            elif value is not None and not isinstance(value, str | int):
                errors[f"rows-{index}-{key}"] = [gettext("A text value.")]
    if errors:
        raise ServiceError(errors)
    headers = [name for name in FIELDS if any(name in row for row in rows)]
    cells = [
        (index + 1, ["" if row.get(name) is None else str(row[name]) for name in headers])
        for index, row in enumerate(rows)
    ]
    return Table(headers=headers, rows=cells, encoding="json", kind="json")


def _row_errors(validated: list[ValidatedRow], *, from_file: bool) -> dict[str, list[str]]:
    """Each invalid row's problems by field path: `file-<row number>-<field>` for a file,
    `rows-<index>-<field>` for rows sent as JSON."""
    errors: dict[str, list[str]] = {}
    for row in validated:
        for error in row.errors:
            index = row.number if from_file else row.number - 1
            key = f"{'file' if from_file else 'rows'}-{index}-{error.field}"
            errors.setdefault(key, []).append(str(error))
            if len(errors) >= MAX_ERRORS:
                return errors
    return errors


def _plan(organisation: Organisation, validated: list[ValidatedRow], reject_invalid: bool):
    """What each row becomes: refused (invalid, when so asked), waiting with its candidates, or
    a new candidate. Matched against every person the organisation holds: its staff review."""
    plans = [RowPlan(row) for row in validated]
    for plan in plans:
        if plan.row.errors:
            plan.outcome = RowOutcome.REJECTED if reject_invalid else ""
            plan.reason = "; ".join(e.english for e in plan.row.errors)[:500]
    valid = [p for p in plans if p.row.data is not None]
    scope = Person.objects.filter(organisation_id=organisation.pk, merged_into__isnull=True)
    found = candidates_bulk(
        [[p.row.data.record()] for p in valid],
        scope,
        limit=MAX_SUGGESTIONS_PER_ROW,
        score_limit=BULK_SCORE_LIMIT,
        least_shared=BULK_LEAST_SHARED,
    )
    for plan, candidates in zip(valid, found, strict=True):
        likely = [c for c in candidates if c.probability >= MATCH_THRESHOLD]
        plan.outcome = RowOutcome.AMBIGUOUS
        if likely:
            best = f"{likely[0].probability:.3f}"
            plan.reason = POSSIBLE_MATCHES % {"count": len(likely), "p": best}
            plan.suggestions = [(c.person.pk, None, c.probability, c.explanation) for c in likely]
        else:
            plan.reason = NEW_CANDIDATE_FROM_PARTNER
    return plans


def _counts(plans: list[RowPlan]) -> dict[str, int]:
    counts = dict.fromkeys(RowOutcome.values, 0)
    for plan in plans:
        counts[plan.outcome] += 1
    return counts


def list_import_submit(
    *,
    actor,
    organisation: Organisation | None = None,
    source: str,
    as_of: dt.date | None = None,
    filename: str = "",
    data: bytes | None = None,
    rows: list[dict] | None = None,
    reject_invalid: bool = False,
) -> ListImport:
    """Receive a partner's list (a CSV or XLSX file in `data`, or `rows`), match it and keep it,
    in one transaction, or refuse it whole: invalid rows are named by path and nothing is written,
    unless `reject_invalid` keeps them as refused with their reasons."""
    organisation = _receiving(actor, organisation)
    source = clean_input(
        "source", source, max_length=200, required=gettext("Say who compiled the list.")
    )
    if as_of is not None and as_of > timezone.localdate():
        raise ServiceError({"as_of": [gettext("The list cannot be dated in the future.")]})
    if (data is None) == (rows is None):
        raise ServiceError({"__all__": [gettext("Send a file or rows, not both.")]})
    if data is not None:
        if len(data) > MAX_SUBMITTED_BYTES:
            raise ListTooLarge(
                {
                    "file": [
                        gettext("The file is larger than %(mb)s MB.")
                        % {"mb": MAX_SUBMITTED_BYTES // (1024 * 1024)}
                    ]
                }
            )
        try:
            table = read_table(filename, data)
        except FileError as exc:
            raise ServiceError({"file": [str(exc)]}) from exc
        mapping = suggest_mapping(table.headers)
        problems = check_mapping(table.headers, mapping)
        if problems:
            raise ServiceError({"file": [m for messages in problems.values() for m in messages]})
        sha256 = hashlib.sha256(data).hexdigest()
    else:
        table = _table_of_rows(rows)
        mapping = {name: name for name in table.headers}
        sha256 = hashlib.sha256(
            json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
    too_many = gettext("At most %(limit)s rows in one list.") % {"limit": MAX_SUBMITTED_ROWS}
    if len(table.rows) > MAX_SUBMITTED_ROWS:
        raise ServiceError({"file" if data is not None else "rows": [too_many]})
    if _sent_before(organisation, actor, sha256):
        raise ServiceError({"__all__": [_already_sent()]})
    list_import = ListImport(
        organisation=organisation,
        submitted_by_partner_id=actor.organisation_id,
        source=source,
        as_of=as_of,
        original_filename=os.path.basename(filename or "")[:255],
        sha256=sha256,
        status=ImportStatus.COMMITTED,
        column_mapping=mapping,
        row_count=len(table.rows),
        created_by=actor,
    )
    validated = validate_rows(list_import, table)
    errors = _row_errors(validated, from_file=data is not None)
    if errors and not reject_invalid:
        raise ServiceError(errors)
    plans = _plan(organisation, validated, reject_invalid)
    counts = _counts(plans)
    list_import.stats = {
        "encoding": table.encoding,
        "headers": table.headers,
        "counts": counts,
        "committed_at": timezone.now().isoformat(),
    }
    try:
        with transaction.atomic():
            if data is not None:
                # A random stored name: an uploaded file's name may carry a child's name.
                extension = ".xlsx" if table.kind == "xlsx" else ".csv"
                list_import.file.save(
                    f"{os.urandom(16).hex()}{extension}", ContentFile(data), save=False
                )
            list_import.save()
            store_rows(list_import, plans, {})
            audit.record(
                actor,
                AuditAction.IMPORT,
                list_import,
                fields=["file", "source", "as_of", "status", "row_count", "stats"],
                changes={"stage": "submitted by partner", "counts": counts},
            )
    except IntegrityError as exc:
        _delete_file(list_import)
        if _sent_before(organisation, actor, sha256):  # sent at the same time by another request
            raise ServiceError({"__all__": [_already_sent()]}) from exc
        raise
    except BaseException:
        _delete_file(list_import)
        raise
    return list_import


def _already_sent() -> str:
    return gettext("You already sent this list; nothing was received again.")


def _sent_before(organisation: Organisation, actor, sha256: str) -> bool:
    """Whether the partner sent this very list before (checked against its own lists only: a
    refusal must not tell it which files the organisation holds)."""
    return ListImport.objects.filter(
        organisation=organisation,
        submitted_by_partner_id=actor.organisation_id,
        sha256=sha256,
        status=ImportStatus.COMMITTED,
    ).exists()


def _delete_file(list_import: ListImport) -> None:
    # A failed transaction keeps no row, so it keeps no file either.
    if list_import.file.name:
        with contextlib.suppress(OSError):
            list_import.file.storage.delete(list_import.file.name)


def is_new_candidate(row: ListImportRow, suggested: bool) -> bool:
    """A row of a partner's list that no known person matched, still waiting for the staff."""
    return (
        row.list_import.submitted_by_partner_id is not None
        and row.outcome == RowOutcome.AMBIGUOUS
        and not suggested
    )


def partner_row_record(*, actor, row: ListImportRow) -> Person:
    """The organisation's staff record a new candidate of a partner's list as a new person (what
    a staff import does at once with a row no known person matches), audited on the list."""
    list_import = row.list_import
    require(actor, Action.IMPORT_LIST, list_import)
    with transaction.atomic():
        locked = ListImportRow.objects.select_for_update().get(pk=row.pk)
        locked.list_import = list_import
        if not is_new_candidate(locked, locked.suggestions.exists()):
            raise ServiceError(
                {"row": [gettext("This row is not a new candidate waiting to be recorded.")]}
            )
        person = row_create_person(actor=actor, row=locked)
        locked.reason = NEW_CANDIDATE_RECORDED
        locked.save(update_fields=["reason", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            list_import,
            fields=["rows"],
            changes={
                "row": locked.row_number,
                "outcome": [RowOutcome.AMBIGUOUS, RowOutcome.CREATED],
                "person": str(person.public_id),
            },
        )
    return person
