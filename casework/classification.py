"""Every field of every casework model has a sensitivity, and this is the one place it is said.

- STAFF: shown to any staff member who may see the record at all (name, birth year, status).
- SENSITIVE: reporter contacts, photos and documents, whereabouts, relatives, the working record.
- RESTRICTED: legal proceedings, security notes, and everything of a protected person.
- SYSTEM: keys and bookkeeping, never shown as data (integer ids, hashes, versions).

A test fails when a model field is missing here. Those without the right see a field as withheld,
never as empty, so nobody mistakes "hidden" for "unknown".
"""

from enum import StrEnum

from casework.levels import Level


class Sens(StrEnum):
    STAFF = "staff"
    SENSITIVE = "sensitive"
    RESTRICTED = "restricted"
    SYSTEM = "system"


S, SE, R, SY = Sens.STAFF, Sens.SENSITIVE, Sens.RESTRICTED, Sens.SYSTEM

_COMMON = {"id": SY, "public_id": S, "created_at": S, "updated_at": S}

FIELDS: dict[str, dict[str, Sens]] = {
    "Organisation": {
        **_COMMON,
        "name": S,
        "slug": S,
        "is_partner_only": S,
        "caseworkers_may_break_glass": S,
        "receives_public_reports": S,
    },
    "Team": {**_COMMON, "organisation": S, "name": S},
    "User": {
        "id": SY,
        "public_id": S,
        "password": SY,
        "last_login": SE,
        "is_superuser": S,
        "username": S,
        "first_name": S,
        "last_name": S,
        "email": SE,
        "is_staff": S,
        "is_active": S,
        "date_joined": S,
        "organisation": S,
        "role": S,
        "session_epoch": SY,
        "groups": SY,
        "user_permissions": SY,
        "teams": S,
    },
    "Membership": {**_COMMON, "user": S, "team": S},
    "SharingAgreement": {
        **_COMMON,
        "owner": S,
        "partner": S,
        "title": S,
        "shared_fields": S,
        "may_submit_reports": S,
        "may_submit_list_rows": S,
        "may_decide_suggestions": S,
        "valid_from": S,
        "valid_until": S,
        "revoked_at": S,
    },
    "SharedCase": {"id": SY, "agreement": S, "person": S, "shared_at": S},
    "PartnerToken": {
        **_COMMON,
        "user": S,
        "name": S,
        "prefix": S,
        "key_hash": SY,
        "scopes": S,
        "expires_at": S,
        "revoked_at": S,
        "last_used_at": S,
        "session_epoch": SY,
    },
    "IdempotencyRecord": {
        "id": SY,
        "user": SY,
        "key": SY,
        "method": SY,
        "path": SY,
        "body_sha256": SY,
        "status_code": SY,
        "response_body": SY,
        "created_at": SY,
    },
    "AgreementFeedState": {"agreement": SY, "in_force": SY},
    "ChangeOutbox": {
        "id": SY,
        "txid": SY,
        "partner": S,
        "person_public_id": S,
        "record": S,
        "kind": S,
        "created_at": S,
    },
    "BreakGlassGrant": {
        **_COMMON,
        "user": S,
        "person": S,
        "reason": SE,
        "expires_at": S,
        "revoked_at": S,
        "reviewed_at": S,
        "reviewed_by": S,
        "review_note": SE,
    },
    "Person": {
        **_COMMON,
        "organisation": S,
        "team": S,
        "assigned_to": S,
        "display_name": S,
        "sex": S,
        "birth_date": SE,
        "birth_precision": SE,
        "age_stated": SE,
        "age_stated_on": SE,
        "birth_earliest": S,  # shown only as a birth year at the staff level
        "birth_latest": S,
        "birthplace": SE,
        "citizenship": SE,
        "region_of_origin": SE,
        "languages": SE,
        "documents_held": SE,
        "vulnerabilities": SE,
        "sensitivity": S,
        "security_notes": R,
        "status": S,
        "status_changed_at": S,
        "merged_into": S,
        "version": SY,
    },
    "PersonName": {
        **_COMMON,
        "person": S,
        "family_name": S,
        "given_name": S,
        "patronymic": S,
        "full_text": S,
        "script": S,
        "kind": SE,  # an alias or kunya says something about the person's past
        "source": SE,
        "is_primary": S,
    },
    "NameKey": {"id": SY, "person": SY, "key": SY, "kind": SY},
    "Relationship": {
        **_COMMON,
        "from_person": SE,
        "to_person": SE,
        "kind": SE,
        "source": SE,
        "confidence": SE,
    },
    "FamilyReport": {
        **_COMMON,
        "organisation": S,
        "channel": S,
        "received_at": S,
        "reporter_name": SE,
        "reporter_relationship": SE,
        "reporter_contact": SE,
        "reporter_phone": SE,
        "reporter_messenger": SE,
        "reporter_email": SE,
        "reporter_region": SE,
        "reporter_language": SE,
        "account": SE,
        "status": S,
        "reference": S,
        "secret_hash": SY,
        "public_status_note": S,
        "submission_key": SY,
        "entered_by": S,
        "source_partner": S,
    },
    "ReportConsent": {
        "id": SY,
        "public_id": S,
        "report": S,
        "purpose": S,
        "partner": S,
        "given": S,
        "recorded_at": S,
    },
    "ReportAttachment": {
        **_COMMON,
        "report": S,
        "kind": S,
        "file": SE,
        "content_type": S,
        "size": S,
        "sha256": SY,
    },
    "ReportFollowUp": {
        **_COMMON,
        "report": S,
        "received_at": S,
        "text": SE,
        "entries_added": S,
        "attachments_added": S,
    },
    "ReportEntry": {
        **_COMMON,
        "report": S,
        "position": S,
        "family_name": S,
        "given_name": S,
        "patronymic": S,
        "full_name": S,
        "aliases": SE,
        "sex": S,
        "birth_date": SE,
        "birth_precision": SE,
        "age_stated": SE,
        "birthplace": SE,
        "relationship_to_reporter": SE,
        "last_known_place": SE,
        "last_known_date": SE,
        "last_known_precision": SE,
        "mother_name": SE,
        "father_name": SE,
        "relationship_to_others": SE,
        "description": SE,
        "person": S,
        "outcome": S,
        "triaged_by": S,
        "triaged_at": S,
    },
    "DetentionLocation": {
        **_COMMON,
        "name": S,
        "kind": S,
        "country": S,
        "governorate": S,
        "city": S,
        "controlling_authority": S,
        "latitude": S,
        "longitude": S,
        "reported_population": S,
        "population_as_of": S,
        "access_notes": SE,
    },
    "PopulationReport": {
        **_COMMON,
        "location": S,
        "as_of": S,
        "estimate": S,
        "low": S,
        "high": S,
        "source": S,
        "notes": S,
        "recorded_by": S,
    },
    "PlaceAlias": {**_COMMON, "location": S, "name": S, "key": SY},
    "PlaceName": {
        **_COMMON,
        "organisation": S,
        "name": S,
        "key": SY,
        "times_seen": S,
        "suggested": S,
        "status": S,
        "location": S,
        "decided_by": S,
    },
    "Placement": {
        **_COMMON,
        "person": SE,
        "location": SE,
        "place_text": SE,
        "is_sighting": SE,
        "start_date": SE,
        "start_precision": SE,
        "end_date": SE,
        "source": SE,
        "reliability": SE,
        "notes": SE,
        "recorded_by": SE,
    },
    "LegalProceeding": {
        **_COMMON,
        "person": R,
        "country": R,
        "charge": R,
        "court": R,
        "status": R,
        "sentence": R,
        "started_on": R,
        "notes": R,
    },
    "RepatriationFlight": {
        **_COMMON,
        "organisation": S,
        "reference": S,
        "date": S,
        "origin": S,
        "destination": S,
        "organiser": S,
        "capacity": S,
        "status": S,
        "time_zone": S,
        "version": SY,
    },
    "ManifestEntry": {
        **_COMMON,
        "flight": S,
        "role": S,
        "person": SE,
        "escort_name": SE,
        "status": S,
        "approved_by": S,
        "boarded_at": S,
        "note": SE,
    },
    "Handover": {
        **_COMMON,
        "manifest_entry": SE,
        "recipient_kind": SE,
        "recipient_person": SE,
        "recipient_name": SE,
        "recipient_relationship": SE,
        "handed_at": SE,
        "place": SE,
        "documents": SE,
        "recorded_by": SE,
    },
    "ListImport": {
        **_COMMON,
        "organisation": S,
        "source": S,
        "as_of": S,
        "original_filename": SE,
        "file": SE,
        "sha256": SY,
        "status": S,
        "column_mapping": S,
        "row_count": S,
        "stats": S,
        "created_by": S,
        "submitted_by_partner": S,
    },
    "ListImportRow": {
        "id": SY,
        "public_id": S,
        "list_import": S,
        "row_number": S,
        "record_id": S,
        "data": SE,
        "outcome": S,
        "reason": S,
        "person": S,
        "updated_at": S,
    },
    "MatchSuggestion": {
        **_COMMON,
        "organisation": S,
        "kind": S,
        "person": S,
        "other_person": S,
        "list_row": S,
        "report_entry": S,
        "probability": S,
        "explanation": SE,
        "decision": S,
        "decided_by": S,
        "decided_at": S,
        "decision_reason": SE,
    },
    # A partner's note may describe the persons, as a staff decision's reason does.
    # A long piece of work run in the background: its file holds the rows of an export (as
    # sensitive as the list it came from) and its parameters the filters and reason asked for.
    "BackgroundJob": {
        **_COMMON,
        "kind": S,
        "action": SY,
        "organisation": S,
        "requested_by": S,
        "private": SY,
        "parameters": SE,
        "state": S,
        "progress_done": S,
        "progress_total": S,
        "message": S,
        "result_file": SE,
        "result_name": SE,
        "result_type": SY,
        "result_summary": S,
        "task_result_id": SY,
        "started_at": S,
        "finished_at": S,
    },
    "SuggestionOpinion": {
        **_COMMON,
        "suggestion": S,
        "partner": S,
        "opinion": S,
        "note": SE,
        "given_by": S,
    },
    "PersonMerge": {
        **_COMMON,
        "survivor": S,
        "absorbed": S,
        "performed_by": S,
        "reason": SE,
        "moved": SY,
        "undone_at": S,
        "undone_by": S,
    },
    "CaseNote": {
        **_COMMON,
        "person": SE,
        "author": SE,
        "text": SE,
        "is_security_note": SE,
    },
    "CaseTask": {
        **_COMMON,
        "person": SE,
        "title": SE,
        "due_on": SE,
        "assigned_to": SE,
        "done_at": SE,
    },
    "AuditEvent": {
        "id": SY,
        "public_id": S,
        "at": S,
        "actor": S,
        "actor_label": S,
        "organisation": S,
        "action": S,
        "object_type": S,
        "object_id": S,
        "person_id": S,
        "fields": S,
        "changes": SE,
        "reason": SE,
        "ip": SE,
        "request_id": S,
        "subjects_digest": SY,
        "chain_position": SY,
        "chain_hash": SY,
    },
    "AuditEventSubject": {"id": SY, "event": S, "person_id": S},
}

_LEVEL_SHOWS = {
    Level.MINIMAL: {Sens.STAFF},
    Level.SENSITIVE: {Sens.STAFF, Sens.SENSITIVE},
    Level.RESTRICTED: {Sens.STAFF, Sens.SENSITIVE, Sens.RESTRICTED},
}

# What a sharing agreement may share of its persons besides their own fields: records of the
# working record (sensitive), each withheld unless the agreement names it.
# - relationships: family links between two persons both shared under agreements naming it;
# - whereabouts: the current placement's place and since when;
# - placements: every placement and sighting, with their places;
# - flights: the flights they are passengers on, with their own manifest rows.
SHAREABLE_PERSON_RECORDS = ("relationships", "whereabouts", "placements", "flights")

# Person fields a sharing agreement may name: never restricted or system fields.
SHAREABLE_PERSON_FIELDS = sorted(
    [name for name, sens in FIELDS["Person"].items() if sens in (Sens.STAFF, Sens.SENSITIVE)]
    + list(SHAREABLE_PERSON_RECORDS)
)


def sensitivity(model_name: str, field: str) -> Sens:
    return FIELDS[model_name][field]


def shown_at(model_name: str, level: Level, *, partner_fields: set[str] | None = None) -> set[str]:
    """The fields of `model_name` a viewer at `level` may see."""
    fields = FIELDS[model_name]
    if level == Level.PARTNER:
        allowed = partner_fields or set()
        return {n for n, s in fields.items() if n in allowed and s in (Sens.STAFF, Sens.SENSITIVE)}
    shows = _LEVEL_SHOWS.get(level, set())
    return {name for name, sens in fields.items() if sens in shows}


def sensitive_fields(model_name: str) -> set[str]:
    """Fields whose values are redacted in audit diffs."""
    return {
        name
        for name, sens in FIELDS[model_name].items()
        if sens in (Sens.SENSITIVE, Sens.RESTRICTED, Sens.SYSTEM)
    }
