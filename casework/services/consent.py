"""Withdrawing a consent stops what it covered, at once and in the same transaction.

- Sharing with a named partner: the report's persons stop being shared with that partner; the
  partner's change feed delivers them as tombstones (the outbox rows are written by the shares'
  deletion, models/sync.py).
- Sharing with authorities: recorded; casework shares nothing with authorities by itself.
- Contact: no more messages to the family (the status page's "please contact us" is taken down and
  cannot be put up again; no mail is sent).
- Processing: the report is set aside; nobody triages it until the data-protection officer decides
  to resume on another basis (a vital interest, a legal obligation: written down) or to erase it.

Consent is never a precondition for help: a withdrawal changes what is done with the data, never
whether the person is looked for by other means.
"""

from __future__ import annotations

import contextlib

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import (
    ConsentPurpose,
    FamilyReport,
    Organisation,
    ReportAttachment,
    ReportConsent,
    ReportEntry,
    ReportStatus,
    SharedCase,
)
from casework.permissions import Action, Hidden, require
from casework.services.errors import ServiceError
from casework.services.text_input import clean_input

REASON_MAX_CHARS = 500
ERASED_NAME = "[erased]"

# What an erased report keeps: its reference, channel, dates, status and consents (the record of
# what the family allowed and withdrew), so that counts by month and channel stay true.
_REPORTER_FIELDS = (
    "reporter_name",
    "reporter_relationship",
    "reporter_contact",
    "reporter_phone",
    "reporter_messenger",
    "reporter_email",
    "reporter_region",
    "account",
    "secret_hash",
)
_ENTRY_TEXT_FIELDS = (
    "family_name",
    "given_name",
    "patronymic",
    "aliases",
    "birthplace",
    "relationship_to_reporter",
    "last_known_place",
    "mother_name",
    "father_name",
    "relationship_to_others",
    "description",
)
_ENTRY_DATE_FIELDS = ("birth_date", "last_known_date", "age_stated")


def _reason(reason: str) -> str:
    return clean_input(
        "reason",
        reason,
        max_length=REASON_MAX_CHARS,
        required=gettext("Say how the family said so."),
    )


def report_consent_withdraw(
    *, actor, report: FamilyReport, purpose: str, reason: str, partner: Organisation | None = None
) -> FamilyReport:
    """Record that the family withdrew the consent `purpose` (for `partner` when it is sharing
    with a named partner) and stop what it covered."""
    require(actor, Action.TRIAGE_REPORT, report)
    reason = _reason(reason)
    if purpose not in ConsentPurpose.values:
        raise ServiceError({"purpose": [gettext("Choose which consent is withdrawn.")]})
    if (purpose == ConsentPurpose.SHARE_PARTNER) != (partner is not None):
        raise ServiceError(
            {"partner": [gettext("Name the partner for sharing with a partner, and only then.")]}
        )
    with transaction.atomic():
        locked = FamilyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == ReportStatus.ERASED:
            raise ServiceError({"purpose": [gettext("This report was erased.")]})
        consent, created = ReportConsent.objects.get_or_create(
            report=locked, purpose=purpose, partner=partner, defaults={"given": False}
        )
        if not created:
            if not consent.given:
                raise ServiceError({"purpose": [gettext("This consent is already withdrawn.")]})
            ReportConsent.objects.filter(pk=consent.pk).update(given=False)
        fields = ["consents"]
        changes: dict = {"consent_withdrawn": purpose}
        if partner is not None:
            changes["partner"] = partner.slug
        if purpose == ConsentPurpose.SHARE_PARTNER:
            changes["shares_ended"] = _end_shares(actor, locked, partner, reason)
        elif purpose == ConsentPurpose.CONTACT and locked.public_status_note:
            changes["public_status_note"] = [locked.public_status_note, ""]
            locked.public_status_note = ""
            fields.append("public_status_note")
        elif purpose == ConsentPurpose.PROCESS and locked.status != ReportStatus.SET_ASIDE:
            changes["status"] = [locked.status, ReportStatus.SET_ASIDE]
            locked.status = ReportStatus.SET_ASIDE
            fields.append("status")
        if len(fields) > 1:
            locked.save(update_fields=[*fields[1:], "updated_at"])
        audit.record(
            actor, AuditAction.UPDATE, locked, fields=fields, changes=changes, reason=reason
        )
    return locked


def _end_shares(actor, report: FamilyReport, partner: Organisation, reason: str) -> int:
    """End the shares of the report's persons with `partner` (under any of the report owner's
    agreements with it), each on the person's own trail."""
    persons = ReportEntry.objects.filter(report=report, person__isnull=False).values("person_id")
    shares = list(
        SharedCase.objects.select_related("agreement", "person").filter(
            person_id__in=persons,
            agreement__owner_id=report.organisation_id,
            agreement__partner=partner,
        )
    )
    for share in shares:
        # One by one, so that each deletion writes its outbox row (the partner's tombstone).
        share.delete()
    audit.record_many(
        actor,
        AuditAction.UPDATE,
        [
            (
                share.person,
                {
                    "fields": ["shares"],
                    "changes": {
                        "unshared": {
                            "agreement": str(share.agreement.public_id),
                            "partner": partner.slug,
                        },
                        "consent_withdrawn": ConsentPurpose.SHARE_PARTNER.value,
                    },
                    "reason": reason,
                },
            )
            for share in shares
        ],
    )
    return len(shares)


def report_withdrawal_decide(
    *, actor, report: FamilyReport, resume: bool, reason: str
) -> FamilyReport:
    """The data-protection officer's decision on a report set aside after the family withdrew its
    consent to the processing: resume it on another basis (the reason says which), or erase what
    the family told, keeping only what counts need."""
    require(actor, Action.DECIDE_WITHDRAWAL)
    if report.organisation_id != actor.organisation_id:
        exc = Hidden()
        audit.record_denial(actor, Action.DECIDE_WITHDRAWAL, report, hidden=True, exc=exc)
        raise exc
    reason = _reason(reason)
    with transaction.atomic():
        locked = FamilyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.SET_ASIDE:
            raise ServiceError(
                {"status": [gettext("This report is not waiting for a decision on a withdrawal.")]}
            )
        if resume:
            pending = locked.entries.filter(outcome="pending").exists()
            status = ReportStatus.NEW if pending else ReportStatus.TRIAGED
            locked.status = status
            locked.save(update_fields=["status", "updated_at"])
            fields = ["status"]
        else:
            fields = erase_report_contents(locked)
        audit.record(
            actor,
            AuditAction.STATUS_CHANGE,
            locked,
            fields=fields,
            changes={"status": [ReportStatus.SET_ASIDE, locked.status], "resumed": resume},
            reason=reason,
        )
    return locked


def erase_report_contents(report: FamilyReport) -> list[str]:
    """What the family told gone (reporter, account, entries' names and dates, files, follow-ups),
    the report itself kept as erased for the counts. The caller locks, permits and audits; returns
    the fields erased."""
    names = list(ReportAttachment.objects.filter(report=report).values_list("file", flat=True))
    for field in _REPORTER_FIELDS:
        setattr(report, field, "")
    report.status = ReportStatus.ERASED
    report.public_status_note = ""
    report.save(update_fields=[*_REPORTER_FIELDS, "status", "public_status_note", "updated_at"])
    ReportEntry.objects.filter(report=report).update(
        **dict.fromkeys(_ENTRY_TEXT_FIELDS, ""),
        **dict.fromkeys(_ENTRY_DATE_FIELDS, None),
        # An entry names someone (a constraint): the marker, not the name.
        full_name=ERASED_NAME,
    )
    ReportAttachment.objects.filter(report=report).delete()
    report.follow_ups.all().delete()
    transaction.on_commit(lambda: _delete_files(names))
    return [*_REPORTER_FIELDS, "status", "entries", "attachments", "follow_ups"]


def _delete_files(names: list[str]) -> None:
    for name in names:
        # A file already gone is what erasing wanted.
        with contextlib.suppress(OSError):
            default_storage.delete(name)
