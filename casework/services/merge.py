"""Merging two records of one person, and undoing it exactly.

Everything that hangs on the absorbed record moves to the survivor; what moved (and the relations
dropped as self-links or duplicates) is written into `PersonMerge.moved`, which is what the undo
reads. Sharing with partners does not move: a merge never widens what a partner sees.

Suggestions: the pending pairs of the two records are confirmed by the merge (the undo puts back
the decision each had); suggestions that a list row or report entry is the absorbed record move to
the survivor (one the survivor already has for that row stays, and the absorbed one is set aside
for the undo). Name keys are stored again for both records and the children of each (a child's
keys carry the names of their parents).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import (
    CaseNote,
    CaseTask,
    Decision,
    Handover,
    LegalProceeding,
    ListImportRow,
    ManifestEntry,
    MatchSuggestion,
    Person,
    PersonMerge,
    PersonName,
    PersonStatus,
    Placement,
    Relationship,
    ReportEntry,
    SuggestionKind,
)
from casework.models.sync import ChangeKind, note_person_changes
from casework.permissions import Action, require
from casework.services.errors import ServiceError
from casework.services.names import children_of, refresh_name_keys_of
from casework.services.text_input import MAX_TEXT, clean_input

# (key in `moved`, model, the field pointing at the person)
CARRIED = [
    ("names", PersonName, "person"),
    ("placements", Placement, "person"),
    ("report_entries", ReportEntry, "person"),
    ("list_rows", ListImportRow, "person"),
    ("notes", CaseNote, "person"),
    ("tasks", CaseTask, "person"),
    ("legal_proceedings", LegalProceeding, "person"),
    ("manifest_entries", ManifestEntry, "person"),
    ("handovers_received", Handover, "recipient_person"),
]


def _lock(*persons: Person) -> dict[int, Person]:
    # Always in key order, so two merges of overlapping pairs cannot deadlock.
    pks = sorted(p.pk for p in persons)
    return {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


def _relationship_row(rel: Relationship) -> dict:
    return {
        "public_id": str(rel.public_id),
        "from_person": rel.from_person_id,
        "to_person": rel.to_person_id,
        "kind": rel.kind,
        "source": rel.source,
        "confidence": rel.confidence,
    }


def _touched(model) -> dict:
    """A carried record's `updated_at` moved with it, where it has one: a partner's
    `updated_since` then sees the record now under another person."""
    names = {f.name for f in model._meta.concrete_fields}
    return {"updated_at": timezone.now()} if "updated_at" in names else {}


def _move_relationships(survivor: Person, absorbed: Person) -> dict:
    moved_from, moved_to, dropped = [], [], []
    for side, other_side, moved in (
        ("from_person", "to_person", moved_from),
        ("to_person", "from_person", moved_to),
    ):
        for rel in Relationship.objects.filter(**{side: absorbed}).order_by("pk"):
            other_id = getattr(rel, f"{other_side}_id")
            duplicate = Relationship.objects.filter(
                **{side: survivor, f"{other_side}_id": other_id, "kind": rel.kind}
            ).exists()
            if other_id == survivor.pk or duplicate:
                dropped.append(_relationship_row(rel))
                rel.delete()
                continue
            setattr(rel, side, survivor)
            rel.save(update_fields=[side, "updated_at"])
            moved.append(rel.pk)
    return {"relations_from": moved_from, "relations_to": moved_to, "relations_dropped": dropped}


_DECISION_FIELDS = ("decision", "decided_by_id", "decided_at", "decision_reason")
# Suggestions that something else (a list row, a report entry) is the person: (kind, its field).
_ITEM_SUGGESTIONS = (
    (SuggestionKind.ROW_PERSON, "list_row"),
    (SuggestionKind.ENTRY_PERSON, "report_entry"),
)


def _decision_row(suggestion: MatchSuggestion) -> dict:
    return {
        "pk": suggestion.pk,
        "decision": suggestion.decision,
        "decided_by": suggestion.decided_by_id,
        "decided_at": suggestion.decided_at.isoformat() if suggestion.decided_at else None,
        "decision_reason": suggestion.decision_reason,
    }


def _suggestion_row(suggestion: MatchSuggestion) -> dict:
    return {
        "public_id": str(suggestion.public_id),
        "organisation": suggestion.organisation_id,
        "kind": suggestion.kind,
        "list_row": suggestion.list_row_id,
        "report_entry": suggestion.report_entry_id,
        "probability": suggestion.probability,
        "explanation": suggestion.explanation,
        **{k: v for k, v in _decision_row(suggestion).items() if k != "pk"},
        "created_at": suggestion.created_at.isoformat(),
    }


def _move_item_suggestions(survivor: Person, absorbed: Person) -> dict:
    """Suggestions that a row or entry is the absorbed record now say it may be the survivor."""
    moved, set_aside = [], []
    for kind, item in _ITEM_SUGGESTIONS:
        taken = set(
            MatchSuggestion.objects.filter(person=survivor, kind=kind).values_list(
                f"{item}_id", flat=True
            )
        )
        for suggestion in MatchSuggestion.objects.filter(person=absorbed, kind=kind).order_by("pk"):
            if getattr(suggestion, f"{item}_id") not in taken:
                moved.append(suggestion.pk)
            elif suggestion.decision in (Decision.PENDING, Decision.NEEDS_INFO):
                # The survivor's pair asks the same question now; the undo brings this one back.
                set_aside.append(_suggestion_row(suggestion))
                suggestion.delete()
    MatchSuggestion.objects.filter(pk__in=moved).update(person=survivor)
    return {"suggestions_moved": moved, "suggestions_set_aside": set_aside}


def _restore_item_suggestions(survivor: Person, absorbed: Person, moved: dict) -> None:
    MatchSuggestion.objects.filter(
        pk__in=moved.get("suggestions_moved", []), person=survivor
    ).update(person=absorbed)
    for row in moved.get("suggestions_set_aside", []):
        if MatchSuggestion.objects.filter(public_id=row["public_id"]).exists():
            continue
        suggestion = MatchSuggestion(
            public_id=row["public_id"],
            organisation_id=row["organisation"],
            kind=row["kind"],
            person=absorbed,
            list_row_id=row["list_row"],
            report_entry_id=row["report_entry"],
            probability=row["probability"],
            explanation=row["explanation"],
            decision=row["decision"],
            decided_by_id=row["decided_by"],
            decided_at=parse_datetime(row["decided_at"]) if row["decided_at"] else None,
            decision_reason=row["decision_reason"],
        )
        suggestion.save()
        MatchSuggestion.objects.filter(pk=suggestion.pk).update(
            created_at=parse_datetime(row["created_at"])
        )


def _restore_decisions(actor, confirmed: list, reason: str) -> None:
    """Put back the decision each pair had before the merge confirmed it (unless a person has
    decided it again since)."""
    for entry in confirmed:
        if isinstance(entry, dict):
            previous = entry
        else:  # [pk, decision]: a merge recorded before the decider was kept
            previous = {"pk": entry[0], "decision": entry[1], "decided_by": None}
        suggestion = MatchSuggestion.objects.select_for_update().filter(pk=previous["pk"]).first()
        if suggestion is None or suggestion.decision != Decision.CONFIRMED:
            continue
        suggestion.decision = previous["decision"]
        if previous["decision"] == Decision.PENDING:
            suggestion.decided_by = None
            suggestion.decided_at = None
            suggestion.decision_reason = ""
        elif previous.get("decided_by"):
            suggestion.decided_by_id = previous["decided_by"]
            suggestion.decided_at = parse_datetime(previous["decided_at"] or "") or None
            suggestion.decision_reason = previous.get("decision_reason", "")
        else:
            suggestion.decided_by = actor
            suggestion.decided_at = timezone.now()
            suggestion.decision_reason = f"merge undone: {reason}"
        suggestion.save(update_fields=list(_DECISION_FIELDS))


def _refresh_keys(*persons: Person) -> None:
    ids = [p.pk for p in persons]
    refresh_name_keys_of([*ids, *children_of(ids)])


def merge_blocks(pairs) -> dict[tuple[int, int], list[str]]:
    """What stands in the way of merging each (survivor, absorbed) pair, in plain words ([] when
    nothing does), in one query whatever the number of pairs. `persons_merge` refuses for the
    same reasons; the review queue shows them on a pair decided "the same person"."""
    pairs = list(pairs)
    ids = {p.pk for pair in pairs for p in pair}
    flights: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    entries = ManifestEntry.objects.filter(person_id__in=ids).values_list(
        "person_id", "flight_id", "flight__reference"
    )
    for person_id, flight_id, reference in entries:
        flights[person_id][flight_id] = reference
    blocks = {}
    for survivor, absorbed in pairs:
        found = []
        if absorbed.merged_into_id or survivor.merged_into_id:
            found.append(gettext("One of the records was already merged into another."))
        shared = sorted(
            flights[survivor.pk][f] for f in flights[survivor.pk].keys() & flights[absorbed.pk]
        )
        for reference in shared:
            found.append(
                gettext(
                    "Both records are on the manifest of the same flight "
                    "(%(flight)s): settle the manifest first."
                )
                % {"flight": reference}
            )
        blocks[(survivor.pk, absorbed.pk)] = found
    return blocks


def persons_merge(*, actor, survivor: Person, absorbed: Person, reason: str) -> PersonMerge:
    """Fold `absorbed` into `survivor` (a supervisor's act, on both records)."""
    require(actor, Action.MERGE_PERSONS, survivor)
    require(actor, Action.MERGE_PERSONS, absorbed)
    if survivor.pk == absorbed.pk:
        raise ServiceError({"absorbed": [gettext("A record cannot be merged into itself.")]})
    reason = clean_input(
        "reason",
        reason,
        max_length=MAX_TEXT,
        required=gettext("Say why these are the same person."),
    )
    with transaction.atomic():
        locked = _lock(survivor, absorbed)
        survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
        if absorbed.merged_into_id or absorbed.status == PersonStatus.CLOSED_DUPLICATE:
            raise ServiceError(
                {"absorbed": [gettext("This record was already merged into another.")]}
            )
        if survivor.merged_into_id:
            raise ServiceError(
                {"survivor": [gettext("This record was merged into another itself.")]}
            )
        blocks = merge_blocks([(survivor, absorbed)])[(survivor.pk, absorbed.pk)]
        if blocks:
            raise ServiceError({"absorbed": blocks})
        moved: dict = {"absorbed_status": absorbed.status}
        moved["primary_names"] = list(
            PersonName.objects.filter(person=absorbed, is_primary=True).values_list("pk", flat=True)
        )
        PersonName.objects.filter(person=absorbed, is_primary=True).update(is_primary=False)
        for key, model, field in CARRIED:
            ids = list(model.objects.filter(**{field: absorbed}).values_list("pk", flat=True))
            model.objects.filter(pk__in=ids).update(**{field: survivor}, **_touched(model))
            moved[key] = ids
        moved.update(_move_relationships(survivor, absorbed))
        confirmed = []
        for suggestion in MatchSuggestion.objects.filter(
            person_id__in=[survivor.pk, absorbed.pk],
            other_person_id__in=[survivor.pk, absorbed.pk],
            decision__in=[Decision.PENDING, Decision.NEEDS_INFO],
        ):
            confirmed.append(_decision_row(suggestion))
            suggestion.decision = Decision.CONFIRMED
            suggestion.decided_by = actor
            suggestion.decided_at = timezone.now()
            suggestion.decision_reason = reason
            suggestion.save()
        moved["suggestions_confirmed"] = confirmed
        moved.update(_move_item_suggestions(survivor, absorbed))
        absorbed.status = PersonStatus.CLOSED_DUPLICATE
        absorbed.status_changed_at = timezone.now()
        absorbed.merged_into = survivor
        absorbed.version = F("version") + 1
        absorbed.save()
        # A new version of the survivor (its names and relations grew) is a change like any other.
        Person.objects.filter(pk=survivor.pk).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        survivor.refresh_from_db()
        absorbed.refresh_from_db()
        _refresh_keys(survivor, absorbed)
        merge = PersonMerge.objects.create(
            survivor=survivor,
            absorbed=absorbed,
            performed_by=actor,
            reason=reason,
            moved=moved,
        )
        counts = {k: len(v) for k, v in moved.items() if isinstance(v, list)}
        for person in (survivor, absorbed):
            audit.record(
                actor,
                AuditAction.MERGE,
                merge,
                person=person,
                fields=["merged_into", "status"] if person is absorbed else [],
                changes={
                    "survivor": str(survivor.public_id),
                    "absorbed": str(absorbed.public_id),
                    "moved": counts,
                },
                reason=reason,
            )
        note_person_changes([survivor.pk, absorbed.pk], ChangeKind.MERGED)
    return merge


def persons_unmerge(*, actor, merge: PersonMerge, reason: str) -> PersonMerge:
    """Undo a merge: everything that moved goes back, dropped relations come back, the absorbed
    record reopens with the status it had."""
    require(actor, Action.MERGE_PERSONS, merge.survivor)
    require(actor, Action.MERGE_PERSONS, merge.absorbed)
    reason = clean_input(
        "reason", reason, max_length=MAX_TEXT, required=gettext("Say why the merge is undone.")
    )
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ServiceError({"merge": [gettext("This merge was already undone.")]})
        locked = _lock(merge.survivor, merge.absorbed)
        survivor, absorbed = locked[merge.survivor_id], locked[merge.absorbed_id]
        if absorbed.merged_into_id != survivor.pk:
            raise ServiceError(
                {"merge": [gettext("The absorbed record no longer points at the survivor.")]}
            )
        moved = merge.moved
        for key, model, field in CARRIED:
            model.objects.filter(pk__in=moved.get(key, []), **{field: survivor}).update(
                **{field: absorbed}, **_touched(model)
            )
        PersonName.objects.filter(pk__in=moved.get("primary_names", []), person=absorbed).update(
            is_primary=True
        )
        Relationship.objects.filter(
            pk__in=moved.get("relations_from", []), from_person=survivor
        ).update(from_person=absorbed)
        Relationship.objects.filter(
            pk__in=moved.get("relations_to", []), to_person=survivor
        ).update(to_person=absorbed)
        for row in moved.get("relations_dropped", []):
            Relationship.objects.get_or_create(
                from_person_id=row["from_person"],
                to_person_id=row["to_person"],
                kind=row["kind"],
                defaults={
                    "public_id": row["public_id"],
                    "source": row["source"],
                    "confidence": row["confidence"],
                },
            )
        _restore_item_suggestions(survivor, absorbed, moved)
        _restore_decisions(actor, moved.get("suggestions_confirmed", []), reason)
        absorbed.status = moved.get("absorbed_status", PersonStatus.VERIFYING)
        absorbed.status_changed_at = timezone.now()
        absorbed.merged_into = None
        absorbed.version = F("version") + 1
        absorbed.save()
        Person.objects.filter(pk=survivor.pk).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        survivor.refresh_from_db()
        absorbed.refresh_from_db()
        _refresh_keys(survivor, absorbed)
        merge.undone_at = timezone.now()
        merge.undone_by = actor
        merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
        for person in (survivor, absorbed):
            audit.record(
                actor,
                AuditAction.UNMERGE,
                merge,
                person=person,
                fields=["merged_into", "status"] if person is absorbed else [],
                changes={
                    "survivor": str(survivor.public_id),
                    "absorbed": str(absorbed.public_id),
                },
                reason=reason,
            )
        note_person_changes([survivor.pk, absorbed.pk], ChangeKind.UNMERGED)
    return merge
