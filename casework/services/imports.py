"""List import: upload → preview (with a column mapping) → dry run → commit.

A commit is all or nothing: one transaction, and any invalid row stops it (named by row and field)
unless the importer chose to keep invalid rows as `rejected`. A large list (a background job) is
read and matched before that transaction (`list_import_plan`, progress reported by chunk), and the
commit writes that plan after asking again, on the locked persons, what it assumed. Every row is
kept with its raw data and ends linked, created, ambiguous (a suggestion waits in the review
queue) or rejected.

Rows are matched against every person the duplicate check may reveal to the importer (their whole
organisation, `duplicate_check_scope`), each judged only on what the importer may see of that
person (`candidates_bulk(viewer=...)`). A row is linked to, and written onto (a sighting), only a
person the importer may write to (`can(actor, RECORD_PLACEMENT or EDIT_PERSON, person)`, checked
when planning and again on the locked person inside the commit). A confident match to anyone else
goes to the review queue as ambiguous, with a suggestion scored on the whole record for those who
may see it (that case's team, a supervisor) to decide: never linked, never written onto, and never
silently created as a duplicate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from casework import audit
from casework.audit import AuditAction
from casework.imports.columns import check_mapping, suggest_mapping
from casework.imports.files import FileError, Table, read_table
from casework.imports.messages import (
    MAYBE_SAME_AS_ROW,
    NO_KNOWN_PERSON,
    POSSIBLE_MATCHES,
    POSSIBLE_MATCHES_OUTSIDE,
    SAME_AS_ROW,
)
from casework.imports.rows import RowData, RowError, validate_row
from casework.matching import AUTO_LINK_THRESHOLD, MATCH_THRESHOLD, dedupe_list
from casework.models import (
    ImportStatus,
    ListImport,
    ListImportRow,
    MatchSuggestion,
    Person,
    Placement,
    RowOutcome,
    SuggestionKind,
)
from casework.permissions import Action, can, home_team, must_work_in_a_team, require
from casework.services.errors import ServiceError
from casework.services.list_rows import person_draft_of_row
from casework.services.matching import (
    Candidate,
    candidates_bulk,
    explanation_of,
    strong_field_agrees,
)
from casework.services.names import refresh_name_keys_of
from casework.services.persons import persons_create
from casework.services.place_names import PlaceIndex, queue_place_name
from casework.services.text_input import clean_input

PREVIEW_ROWS = 20
MAX_SUGGESTIONS_PER_ROW = 5
BULK_SCORE_LIMIT = 20  # persons scored per row (those sharing the most keys with it)
BULK_LEAST_SHARED = 1.6  # two shared keys, or one no one else has
LOCK_CHUNK = 5000  # persons locked per query (SQLite's bound parameters are limited)
MATCH_CHUNK = 500  # rows matched between two progress reports of a background import
ERRORS_SHOWN = 50


class ImportRejected(ServiceError):
    """Rows are invalid: nothing was written. `row_errors` names each row and field."""

    def __init__(self, row_errors: list[RowError]):
        self.row_errors = row_errors
        shown = [str(e) for e in row_errors[:ERRORS_SHOWN]]
        if len(row_errors) > ERRORS_SHOWN:
            more = len(row_errors) - ERRORS_SHOWN
            shown.append(
                ngettext("… and %(count)s more error.", "… and %(count)s more errors.", more)
                % {"count": more}
            )
        super().__init__({"rows": shown})


# --- Upload and mapping -----------------------------------------------------------------------


def _already_imported(organisation_id: int, sha256: str, exclude_pk=None) -> ListImport | None:
    qs = ListImport.objects.filter(
        organisation_id=organisation_id, sha256=sha256, status=ImportStatus.COMMITTED
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _refuse_repeat(previous: ListImport) -> None:
    raise ServiceError(
        {
            "file": [
                gettext(
                    "This file was already imported on %(day)s as “%(source)s” (list of "
                    "%(as_of)s, %(rows)s rows). Nothing was imported again."
                )
                % {
                    "day": f"{previous.created_at:%Y-%m-%d}",
                    "source": previous.source,
                    "as_of": previous.as_of or gettext("no date"),
                    "rows": previous.row_count,
                }
            ]
        }
    )


def list_import_upload(
    *, actor, source: str, as_of: dt.date | None, filename: str, data: bytes
) -> ListImport:
    """Keep the file and read its header; nothing else is written until the commit."""
    require(actor, Action.IMPORT_LIST)
    source = clean_input(
        "source", source, max_length=200, required=gettext("Say who compiled the list.")
    )
    if as_of is not None and as_of > timezone.localdate():
        raise ServiceError({"as_of": [gettext("The list cannot be dated in the future.")]})
    sha256 = hashlib.sha256(data).hexdigest()
    previous = _already_imported(actor.organisation_id, sha256)
    if previous is not None:
        _refuse_repeat(previous)
    try:
        table = read_table(filename, data)
    except FileError as exc:
        raise ServiceError({"file": [str(exc)]}) from exc
    extension = ".xlsx" if table.kind == "xlsx" else ".csv"
    list_import = None
    try:
        with transaction.atomic():
            list_import = ListImport(
                organisation_id=actor.organisation_id,
                source=source,
                as_of=as_of,
                original_filename=os.path.basename(filename or "")[:255],
                sha256=sha256,
                status=ImportStatus.PREVIEWED,
                column_mapping=suggest_mapping(table.headers),
                row_count=len(table.rows),
                stats={"encoding": table.encoding, "headers": table.headers},
                created_by=actor,
            )
            # A random stored name: an uploaded file's name may carry a child's name.
            list_import.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(data), save=False)
            list_import.save()
            audit.record(
                actor,
                AuditAction.IMPORT,
                list_import,
                fields=["file", "source", "as_of"],
                changes={"stage": "uploaded", "rows": len(table.rows)},
            )
    except BaseException:
        # A failed transaction keeps no row, so it keeps no file either.
        if list_import is not None and list_import.file.name:
            with contextlib.suppress(OSError):
                list_import.file.storage.delete(list_import.file.name)
        raise
    return list_import


def list_import_set_mapping(*, actor, list_import: ListImport, mapping: dict[str, str]):
    require(actor, Action.IMPORT_LIST, list_import)
    if list_import.status != ImportStatus.PREVIEWED:
        raise ServiceError({"mapping": [gettext("This list was already imported.")]})
    headers = list_import.stats.get("headers", [])
    mapping = {h: (mapping.get(h) or "") for h in headers}
    errors = check_mapping(headers, mapping)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        before = list_import.column_mapping
        list_import.column_mapping = mapping
        list_import.save(update_fields=["column_mapping", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            list_import,
            fields=["column_mapping"],
            changes={"column_mapping": [before, mapping]},
        )
    return list_import


# --- Reading and validating -------------------------------------------------------------------


def _table(list_import: ListImport) -> Table:
    try:
        with list_import.file.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        # Erased by the retention rules, or lost with a disk: said, never a server error.
        raise ServiceError(
            {"file": [gettext("The list's file is no longer stored: upload the list again.")]}
        ) from exc
    try:
        return read_table(list_import.file.name, data)
    except FileError as exc:
        raise ServiceError({"file": [str(exc)]}) from exc


@dataclass
class ValidatedRow:
    number: int
    raw: dict[str, str]
    data: RowData | None
    errors: list[RowError]


def validate_rows(list_import: ListImport, table: Table) -> list[ValidatedRow]:
    """Every row of the table checked with the import's column mapping."""
    today = timezone.localdate()
    out = []
    for number, cells in table.rows:
        raw = dict(zip(table.headers, cells, strict=True))
        data, errors = validate_row(
            number, raw, list_import.column_mapping, as_of=list_import.as_of, today=today
        )
        out.append(ValidatedRow(number, raw, data, errors))
    return out


@dataclass
class Preview:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[ValidatedRow]  # the first rows, as parsed with the mapping
    errors: list[RowError]  # every row's
    row_count: int


def list_import_preview(*, actor, list_import: ListImport, limit: int = PREVIEW_ROWS) -> Preview:
    """The first rows as they would be read, and every row's errors. Writes nothing."""
    require(actor, Action.IMPORT_LIST, list_import)
    table = _table(list_import)
    validated = validate_rows(list_import, table)
    errors = [e for row in validated for e in row.errors]
    return Preview(
        table.headers, list_import.column_mapping, validated[:limit], errors, len(validated)
    )


# --- Planning: what each row would become ------------------------------------------------------


@dataclass
class RowPlan:
    row: ValidatedRow
    outcome: str = ""
    reason: str = ""  # kept in English, translated where it is shown (imports.messages)
    person_id: int | None = None  # an existing person to link to
    same_as_row: int | None = None  # or the person another row of this list creates
    suggestions: list[tuple[int | None, int | None, float, dict]] = field(default_factory=list)
    link: tuple[float, dict] | None = None  # the score of a link (a suggestion if it is undone)


@dataclass
class Plan:
    rows: list[RowPlan]
    errors: list[RowError]
    # What it was made with: a plan made before the commit's transaction is written only if the
    # list is still read the same way.
    mapping: dict[str, str] = field(default_factory=dict)
    reject_invalid: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(r.outcome for r in self.rows if r.outcome)
        return {o: counts.get(o, 0) for o in RowOutcome.values} | {"invalid": len(self.errors)}


def _within_list(valid: list[RowPlan]) -> tuple[dict[int, list], set[int]]:
    """Links between rows of this list (row number → [(other, Scored)]) and the rows whose
    cluster needs review (a weak link, or members that contradict each other)."""
    if len(valid) < 2:
        return {}, set()
    result = dedupe_list([p.row.data.record() for p in valid])
    links: dict[int, list] = defaultdict(list)
    for s in result.links:
        a, b = int(s.left_id), int(s.right_id)
        links[a].append((b, s))
        links[b].append((a, s))
    weak = {int(i) for c in result.clusters if c.needs_review for i in c.record_ids}
    return links, weak


def _write_action(data: RowData) -> Action:
    """What linking this row writes onto a person: a sighting when it says where they are, else
    the row itself (and the names it gives of the person's parents)."""
    return Action.RECORD_PLACEMENT if data.fields.get("location") else Action.EDIT_PERSON


class _MayWrite:
    """`can(actor, action, person)` for the persons rows would be linked to, asked once each."""

    def __init__(self, actor):
        self.actor = actor
        self.answers: dict[tuple[int, str], bool] = {}

    def __call__(self, person: Person, data: RowData) -> bool:
        action = _write_action(data)
        key = (person.pk, action)
        if key not in self.answers:
            self.answers[key] = not person.merged_into_id and can(self.actor, action, person)
        return self.answers[key]


def _suggestion(candidate: Candidate) -> tuple[int, None, float, dict]:
    """What the review queue keeps: for a person the importer sees only minimally, the score on
    the whole record (the queue shows it only to those who may see that person)."""
    if candidate.full_probability is not None:
        return candidate.person.pk, None, candidate.full_probability, candidate.full_explanation
    return candidate.person.pk, None, candidate.probability, candidate.explanation


def _decide(
    plan: RowPlan,
    candidates: list[Candidate],
    mates,
    weak: set[int],
    by_number: dict[int, RowPlan],
    may_write: _MayWrite,
):
    likely = [c for c in candidates if c.probability >= MATCH_THRESHOLD]
    top = likely[0] if likely else None
    data = plan.row.data
    if top and top.probability >= AUTO_LINK_THRESHOLD and top.strong_field_agrees:
        rival = len(likely) > 1 and likely[1].probability >= AUTO_LINK_THRESHOLD
        if not rival and not top.restricted and may_write(top.person, data):
            plan.outcome, plan.person_id = RowOutcome.LINKED, top.person.pk
            plan.reason = f"p={top.probability:.3f}"
            plan.link = (top.probability, top.explanation)
            return
    if likely:
        plan.outcome = RowOutcome.AMBIGUOUS
        if top.restricted or not may_write(top.person, data):
            plan.reason = POSSIBLE_MATCHES_OUTSIDE % {"count": len(likely)}
        else:
            plan.reason = POSSIBLE_MATCHES % {"count": len(likely), "p": f"{top.probability:.3f}"}
        plan.suggestions = [_suggestion(c) for c in likely[:MAX_SUGGESTIONS_PER_ROW]]
        return
    # Not known before this list: is it a row this list already named?
    earlier = [
        (other, s)
        for other, s in mates
        if other < plan.row.number and by_number[other].outcome in ("linked", "created")
    ]
    if earlier:
        other, s = max(earlier, key=lambda pair: pair[1].probability)
        mate = by_number[other]
        target = (mate.person_id, None if mate.person_id else other)
        explanation = explanation_of(s)
        if (
            s.probability >= AUTO_LINK_THRESHOLD
            and strong_field_agrees(explanation)
            and plan.row.number not in weak
        ):
            plan.outcome = RowOutcome.LINKED
            plan.person_id, plan.same_as_row = target
            plan.reason = SAME_AS_ROW % {"row": other, "p": f"{s.probability:.3f}"}
            plan.link = (s.probability, explanation)
        else:
            plan.outcome = RowOutcome.AMBIGUOUS
            plan.reason = MAYBE_SAME_AS_ROW % {"row": other}
            plan.suggestions = [(*target, s.probability, explanation)]
        return
    plan.outcome = RowOutcome.CREATED
    plan.reason = NO_KNOWN_PERSON


def plan_import(
    *,
    actor,
    list_import: ListImport,
    reject_invalid: bool = False,
    validated: list[ValidatedRow] | None = None,
    progress=None,
) -> Plan:
    """Full validation and matching; what every row would become. Writes nothing.

    With `progress(done, total)`, the rows are matched `MATCH_CHUNK` at a time and each chunk
    reported: each row's candidates depend on it and the persons alone, so the plan is the same."""
    require(actor, Action.IMPORT_LIST, list_import)
    if validated is None:
        validated = validate_rows(list_import, _table(list_import))
    plans = [RowPlan(row) for row in validated]
    errors = [e for row in validated for e in row.errors]
    for plan in plans:
        if plan.row.errors:
            plan.outcome = RowOutcome.REJECTED if reject_invalid else ""
            plan.reason = "; ".join(e.english for e in plan.row.errors)[:500]
    valid = [p for p in plans if p.row.data is not None]
    chunk = MATCH_CHUNK if progress is not None else max(len(valid), 1)
    found = []
    for start in range(0, len(valid), chunk):
        found += candidates_bulk(
            [[p.row.data.record()] for p in valid[start : start + chunk]],
            Person.objects.known_to(actor),
            limit=MAX_SUGGESTIONS_PER_ROW + 1,
            score_limit=BULK_SCORE_LIMIT,
            least_shared=BULK_LEAST_SHARED,
            viewer=actor,
            keep_full=True,
        )
        if progress is not None:
            progress(min(start + chunk, len(valid)), len(valid))
    mates, weak = _within_list(valid)
    by_number = {p.row.number: p for p in valid}
    may_write = _MayWrite(actor)
    for plan, candidates in zip(valid, found, strict=True):
        _decide(plan, candidates, mates.get(plan.row.number, []), weak, by_number, may_write)
    return Plan(plans, errors, dict(list_import.column_mapping), reject_invalid)


def _recheck_persons(actor, plan: Plan) -> None:
    """Inside the commit: lock every existing person a row would be linked to or suggested as, and
    ask again on the locked rows what the plan assumed (a concurrent reassignment or merge may have
    happened since it was made; a background import's plan was made before the transaction).
    A row that may no longer be written onto its person waits in the review queue instead; a
    suggestion of a person merged since names the survivor, as the merge moved the others."""
    linked = [p for p in plan.rows if p.outcome == RowOutcome.LINKED and p.person_id]
    suggested = {s[0] for p in plan.rows for s in p.suggestions if s[0]}
    ids = sorted({p.person_id for p in linked} | suggested)
    locked = {}
    for start in range(0, len(ids), LOCK_CHUNK):  # in id order, as one lock would take them
        chunk = ids[start : start + LOCK_CHUNK]
        locked.update(
            (p.pk, p)
            for p in Person.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        )
    answers: dict[tuple[int, str], bool] = {}
    for row_plan in linked:
        person = locked.get(row_plan.person_id)
        action = _write_action(row_plan.row.data)
        key = (row_plan.person_id, action)
        if key not in answers:
            answers[key] = (
                person is not None and not person.merged_into_id and can(actor, action, person)
            )
        if answers[key]:
            continue
        probability, explanation = row_plan.link or (MATCH_THRESHOLD, {})
        row_plan.outcome = RowOutcome.AMBIGUOUS
        row_plan.reason = POSSIBLE_MATCHES_OUTSIDE % {"count": 1}
        if person is not None:
            row_plan.suggestions = [(person.pk, None, probability, explanation)]
        row_plan.person_id, row_plan.same_as_row, row_plan.link = None, None, None
    for row_plan in plan.rows:
        if any(s[0] and _moved(s[0], locked) != s[0] for s in row_plan.suggestions):
            row_plan.suggestions = _redirected(row_plan.suggestions, locked)


def _moved(person_id: int, locked: dict[int, Person]) -> int | None:
    """The person a suggestion names now: itself, the survivor it was merged into, or none."""
    person = locked.get(person_id)
    if person is None:
        return None
    return person.merged_into_id or person.pk


def _redirected(suggestions: list, locked: dict[int, Person]) -> list:
    kept, named = [], set()
    for person_id, same_as_row, probability, explanation in suggestions:
        if person_id:
            person_id = _moved(person_id, locked)
            if person_id is None or person_id in named:
                continue  # erased since, or the survivor is already suggested for this row
            named.add(person_id)
        kept.append((person_id, same_as_row, probability, explanation))
    return kept


def _check_open(list_import: ListImport) -> None:
    if list_import.status != ImportStatus.PREVIEWED:
        raise ServiceError({"file": [gettext("This list was already imported.")]})
    previous = _already_imported(list_import.organisation_id, list_import.sha256, list_import.pk)
    if previous is not None:
        _refuse_repeat(previous)


def _validated(list_import: ListImport, reject_invalid: bool) -> list[ValidatedRow]:
    validated = validate_rows(list_import, _table(list_import))
    errors = [e for row in validated for e in row.errors]
    if errors and not reject_invalid:
        raise ImportRejected(errors)  # before any matching: nothing is written
    return validated


def list_import_dry_run(*, actor, list_import: ListImport, reject_invalid: bool = False) -> Plan:
    _check_open(list_import)
    return plan_import(actor=actor, list_import=list_import, reject_invalid=reject_invalid)


def list_import_plan(*, actor, list_import: ListImport, reject_invalid: bool = False, progress):
    """The long part of a commit done before it, outside any transaction (a background import):
    the rows read, validated and matched, `progress(done, total)` told after each chunk. Writes
    nothing; `list_import_commit(plan=...)` writes it, checking again what may have changed."""
    require(actor, Action.IMPORT_LIST, list_import)
    _check_open(list_import)
    return plan_import(
        actor=actor,
        list_import=list_import,
        reject_invalid=reject_invalid,
        validated=_validated(list_import, reject_invalid),
        progress=progress,
    )


# --- Commit -----------------------------------------------------------------------------------


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _stored_raw(raw: dict[str, str]) -> dict[str, str]:
    # PostgreSQL's JSON holds neither NUL nor a lone surrogate (no UTF-8 encodes one); a rejected
    # row keeps everything else as received.
    return {_UNSTORABLE.sub("\ufffd", k): _UNSTORABLE.sub("\ufffd", v) for k, v in raw.items()}


def _create_persons(actor, rows: list[RowData], list_import: ListImport) -> dict[int, Person]:
    """New persons for the rows (row number → person), through the person service's bulk form,
    in the commit's transaction."""
    if not rows:
        return {}
    team = home_team(actor)
    if must_work_in_a_team(actor) and team is None:
        raise ServiceError(
            {"file": [gettext("You belong to no team: a supervisor must import this.")]}
        )
    persons = persons_create(
        actor=actor, drafts=[person_draft_of_row(data, list_import, team) for data in rows]
    )
    return {data.number: person for data, person in zip(rows, persons, strict=True)}


def _record_placements(
    actor, list_import: ListImport, plan: Plan, created: dict[int, Person]
) -> list[Placement]:
    """A sighting for each linked or created row that says where the person is, each audited."""
    sighted = [
        p
        for p in plan.rows
        if p.outcome in (RowOutcome.LINKED, RowOutcome.CREATED) and p.row.data.fields["location"]
    ]
    persons = {person.pk: person for person in created.values()}
    known = {p.person_id for p in sighted if p.person_id} - set(persons)
    if known:
        # The audit names each sighting's person, and its organisation: read once, not per row.
        persons.update(
            (person.pk, person)
            for person in Person.objects.filter(pk__in=known).only("public_id", "organisation_id")
        )
    # Each place as written is matched to a known place (any script); a name that matches none
    # for sure is kept as written and waits in the review queue of places.
    index = PlaceIndex.build()
    matched = {}
    for text in {p.row.data.fields["location"] for p in sighted}:
        match = index.match(text)
        matched[text] = match.place
        queue_place_name(actor, text, match)
    placements = [
        Placement(
            person=persons[p.person_id] if p.person_id else created[p.row.number],
            location=matched[p.row.data.fields["location"]],
            place_text=p.row.data.fields["location"],
            is_sighting=True,
            start_date=list_import.as_of or timezone.localdate(),
            source="authority_list",
            reliability="unconfirmed",
            notes=f"List “{list_import.source}”, row {p.row.number}",
            recorded_by=actor,
        )
        for p in sighted
    ]
    Placement.objects.bulk_create(placements, batch_size=1000)
    reason = f"list import “{list_import.source}”"
    fields = ["location", "place_text", "start_date", "source", "reliability"]
    audit.record_many(
        actor,
        AuditAction.CREATE,
        [(placement, {"fields": fields, "reason": reason}) for placement in placements],
    )
    return placements


def store_rows(list_import: ListImport, plans: list[RowPlan], persons_by_row: dict[int, int]):
    """Every row of a list with its outcome, and the suggestions of those waiting for review, in
    the caller's transaction (a staff commit, a partner's submission). `persons_by_row`: the new
    persons' ids by the row that created them."""
    rows = []
    for row_plan in plans:
        number = row_plan.row.number
        person_id = row_plan.person_id
        if row_plan.outcome == RowOutcome.CREATED:
            person_id = persons_by_row[number]
        elif row_plan.same_as_row is not None:
            person_id = persons_by_row[row_plan.same_as_row]
            row_plan.person_id = person_id
        data = row_plan.row.data
        rows.append(
            ListImportRow(
                list_import=list_import,
                row_number=number,
                record_id=(data.record_id if data else "")[:100],
                data={
                    "raw": _stored_raw(row_plan.row.raw),
                    "fields": data.fields if data else {},
                },
                outcome=row_plan.outcome,
                reason=row_plan.reason[:500],
                person_id=person_id if row_plan.outcome in ("linked", "created") else None,
            )
        )
    ListImportRow.objects.bulk_create(rows, batch_size=1000)
    row_ids = dict(
        ListImportRow.objects.filter(list_import=list_import).values_list("row_number", "pk")
    )
    suggestions = []
    for row_plan in plans:
        for person_id, same_as_row, probability, explanation in row_plan.suggestions:
            suggestions.append(
                MatchSuggestion(
                    organisation_id=list_import.organisation_id,
                    kind=SuggestionKind.ROW_PERSON,
                    person_id=person_id or persons_by_row[same_as_row],
                    list_row_id=row_ids[row_plan.row.number],
                    probability=min(1.0, max(0.0, probability)),
                    explanation=explanation,
                )
            )
    MatchSuggestion.objects.bulk_create(suggestions, batch_size=1000)


def list_import_commit(
    *, actor, list_import: ListImport, reject_invalid: bool = False, plan: Plan | None = None
):
    """Write the whole list in one transaction, or nothing at all. Without a `plan` the rows are
    read and matched inside it; with one (`list_import_plan`), only the writing is."""
    require(actor, Action.IMPORT_LIST, list_import)
    with transaction.atomic():
        locked = ListImport.objects.select_for_update().get(pk=list_import.pk)
        _check_open(locked)
        if plan is None:
            plan = plan_import(
                actor=actor,
                list_import=locked,
                reject_invalid=reject_invalid,
                validated=_validated(locked, reject_invalid),
            )
        elif plan.mapping != locked.column_mapping or plan.reject_invalid != reject_invalid:
            raise ServiceError(
                {
                    "mapping": [
                        gettext(
                            "The column mapping changed while the list was being matched. "
                            "Nothing was imported: import it again."
                        )
                    ]
                }
            )
        _recheck_persons(actor, plan)
        created = _create_persons(
            actor, [p.row.data for p in plan.rows if p.outcome == RowOutcome.CREATED], locked
        )
        persons_by_row = {number: person.pk for number, person in created.items()}
        store_rows(locked, plan.rows, persons_by_row)
        # A linked row naming the person's mother or father adds that name to their keys.
        refresh_name_keys_of(
            p.person_id
            for p in plan.rows
            if p.outcome == RowOutcome.LINKED
            and (p.row.data.fields.get("mother_name") or p.row.data.fields.get("father_name"))
        )
        placements = _record_placements(actor, locked, plan, created)
        counts = plan.counts
        locked.status = ImportStatus.COMMITTED
        locked.row_count = len(plan.rows)
        locked.stats = {
            **locked.stats,
            "counts": counts,
            "committed_at": timezone.now().isoformat(),
        }
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as exc:
            previous = _already_imported(locked.organisation_id, locked.sha256, locked.pk)
            if previous is not None:
                _refuse_repeat(previous)
            raise ServiceError({"file": [gettext("The list could not be saved.")]}) from exc
        audit.record(
            actor,
            AuditAction.IMPORT,
            locked,
            fields=["status", "row_count", "stats"],
            changes={"stage": "committed", "counts": counts, "placements": len(placements)},
        )
    return locked
