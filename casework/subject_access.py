"""Subject-access requests: everything casework holds about one person, or about one reporter
(the family member behind a report), gathered for the data-protection officer as a ZIP of one
JSON document and the files.

"Everything" is found from the model graph, not from a list kept by hand: every record that points
at the person (names, placements, notes, proceedings, report entries, shares, grants, merges, and
whatever model is added later), and the audit events about them, which say who read or received
their data. Hashes of secrets are left out: they say nothing about the person. The export is on
the trail with every person it names, like any other export; the reporter's contacts never are.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit
from casework.models import AuditEvent, FamilyReport, Person
from casework.permissions import Action, require, visible_or_404
from casework.services.errors import ServiceError
from casework.services.text_input import clean_input

REASON_MAX_CHARS = 500
# Hashes of the family's secret and of a form's one-time key: no information about anyone.
_LEFT_OUT = {"secret_hash", "submission_key", "key_hash", "search_text"}


def subject_access_export(
    *, actor, reason: str, person_id: str = "", report_id: str = ""
) -> tuple[bytes, str]:
    """The ZIP for one subject (a person's public id, or a report's for its reporter) and its file
    name. Only the data-protection officer may, for subjects of their organisation; another id
    answers like a missing one."""
    require(actor, Action.SUBJECT_ACCESS)
    errors: dict[str, list[str]] = {}
    reason = clean_input(
        "reason",
        reason,
        max_length=REASON_MAX_CHARS,
        required=gettext("Say which request this answers (its date and channel)."),
        errors=errors,
    )
    given = [name for name, value in (("person_id", person_id), ("report_id", report_id)) if value]
    if len(given) != 1:
        errors["__all__"] = [gettext("Give either a person's id or a report's id, not both.")]
    else:
        try:
            subject_id = uuid.UUID(str(person_id or report_id).strip())
        except ValueError:
            errors[given[0]] = [gettext("This is not an id of casework (a UUID).")]
    if errors:
        raise ServiceError(errors)
    files: dict[str, models.FileField] = {}
    if person_id:
        person = visible_or_404(
            actor,
            Person.objects.open_to_subject_access(actor),
            subject_id,
            attempted="subject_access",
        )
        document = _about_person(actor, person, files)
        persons, changes = [person], {"subject": "person"}
    else:
        report = visible_or_404(
            actor,
            FamilyReport.objects.open_to_subject_access(actor),
            subject_id,
            attempted="subject_access",
        )
        reports = list(_reports_of_the_reporter(actor, report))
        document = {"reports": [_report(r, files) for r in reports]}
        persons = list(Person._base_manager.filter(report_entries__report__in=reports).distinct())
        changes = {"subject": "reporter", "reports": [str(r.public_id) for r in reports]}
    document["prepared_at"] = timezone.now()
    body = _zip(document, files)
    with transaction.atomic():
        audit.record_export(
            actor,
            persons,
            fields=[],
            changes={"kind": "subject_access", **changes, "files": len(files)},
            reason=reason,
        )
    return body, f"subject-access-{timezone.now():%Y%m%d-%H%M}.zip"


def _about_person(actor, person: Person, files: dict) -> dict:
    records: dict[str, list[dict]] = {}
    for relation in Person._meta.related_objects:
        if not (relation.one_to_many or relation.one_to_one):
            continue
        model = relation.related_model
        rows = model._base_manager.filter(**{relation.field.name: person}).order_by("pk")
        found = [_row(row, files) for row in rows]
        if found:
            records[f"{model._meta.object_name}.{relation.field.name}"] = found
    events = AuditEvent.objects.visible_to(actor).about([person.public_id]).order_by("at", "id")
    return {
        "person": _row(person, files),
        "records": records,
        # Who did what with the record, and who received it (exports, partner reads).
        "audit_trail": [
            {
                "at": event.at,
                "action": event.action,
                "by": event.actor_label,
                "record_type": event.object_type,
                "record_id": event.object_id,
                "fields": event.fields,
            }
            for event in events
        ],
    }


def _reports_of_the_reporter(actor, report: FamilyReport):
    """The report and every other of the organisation from the same e-mail or telephone."""
    same = Q(pk=report.pk)
    if report.reporter_email:
        same |= Q(reporter_email__iexact=report.reporter_email)
    if report.reporter_phone:
        same |= Q(reporter_phone=report.reporter_phone)
    return FamilyReport.objects.open_to_subject_access(actor).filter(same).order_by("received_at")


def _report(report: FamilyReport, files: dict) -> dict:
    return {
        **_row(report, files),
        "entries": [_row(e, files) for e in report.entries.order_by("position")],
        "consents": [_row(c, files) for c in report.consents.order_by("pk")],
        "follow_ups": [_row(f, files) for f in report.follow_ups.order_by("received_at", "pk")],
        "attachments": [_row(a, files) for a in report.attachments.order_by("pk")],
    }


def _row(obj, files: dict) -> dict:
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in _LEFT_OUT or field.primary_key:
            continue
        if field.is_relation:
            related = getattr(obj, field.name)
            row[field.name] = None if related is None else _name_of(related)
        elif isinstance(field, models.FileField):
            name = getattr(obj, field.name).name
            row[field.name] = f"files/{name}" if name else ""
            if name:
                files[f"files/{name}"] = getattr(obj, field.name)
        else:
            row[field.name] = field.value_from_object(obj)
    return row


def _name_of(related) -> str:
    public_id = getattr(related, "public_id", None)
    return str(public_id) if public_id is not None else str(related)


def _zip(document: dict, files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "subject-access.json",
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for name, file in files.items():
            with file.open("rb") as handle:
                archive.writestr(name, handle.read())
    return buffer.getvalue()
