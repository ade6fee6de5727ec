"""Family reports: taking them in (public form, staff entering a letter or call, a partner system),
and triaging each person they describe. UI, API and the public form all call these.

A report is kept as the family told it: entries are never edited afterwards (a correction is a new
entry); triage only records what became of each entry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable

from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from casework import audit
from casework.audit import AuditAction
from casework.models import (
    Channel,
    ConsentPurpose,
    DatePrecision,
    FamilyReport,
    IdempotencyRecord,
    Organisation,
    Person,
    ReportAttachment,
    ReportConsent,
    ReportEntry,
    ReportStatus,
    Role,
    SharingAgreement,
    TriageOutcome,
)
from casework.permissions import (
    Action,
    Denied,
    Hidden,
    duplicate_check_scope,
    person_scope,
    require,
    role_of,
)
from casework.services.errors import ServiceError
from casework.services.persons import NameInput, person_create
from casework.services.uploads import UploadRefused, clean_upload

# No 0/O, 1/I/L: a family reads the reference out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10
MAX_ENTRIES = 50
MAX_ATTACHMENTS = 10
ACCOUNT_MAX_CHARS = 20_000
DESCRIPTION_MAX_CHARS = 5_000
REASON_MAX_CHARS = 500

STAFF_CHANNELS = {Channel.LETTER, Channel.PHONE, Channel.VISIT, Channel.INTERNET_BOARD}

REPORTER_FIELDS = {
    "reporter_name": 200,
    "reporter_relationship": 100,
    "reporter_contact": 300,
    "reporter_region": 100,
    "reporter_language": 10,
}
ENTRY_TEXT_FIELDS = {
    "family_name": 150,
    "given_name": 150,
    "patronymic": 150,
    "full_name": 300,
    "aliases": 300,
    "birthplace": 200,
    "relationship_to_reporter": 100,
    "last_known_place": 300,
    "description": DESCRIPTION_MAX_CHARS,
}
ENTRY_FIELDS = set(ENTRY_TEXT_FIELDS) | {"sex", "birth_date", "birth_precision", "age_stated"}
ENTRY_NAME_FIELDS = ("family_name", "given_name", "full_name", "aliases")
# Roles that see who reported and how to reach them (the org's own report staff).
REPORTER_ROLES = {Role.INTAKE, Role.CASEWORKER, Role.SUPERVISOR}


# --- Text checks shared by every field ---------------------------------------------------------


def text_problem(value: str, max_chars: int) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if "\x00" in value:
        return "This text contains a NUL character (\\0), which cannot be stored: remove it."
    if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        return "This text contains a broken character (a lone surrogate): retype it."
    if len(value) > max_chars:
        return f"Keep this under {max_chars:,} characters (it has {len(value):,})."
    return None


def _clean_text(errors: dict, key: str, value, max_chars: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(key, []).append("Expected text.")
        return ""
    problem = text_problem(value, max_chars)
    if problem:
        errors.setdefault(key, []).append(problem)
        return ""
    return value.strip()


# --- Reference and secret ---------------------------------------------------------------------


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def hash_secret(secret: str) -> str:
    # The secret is 128 random bits: a plain digest cannot be guessed back, and compares fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def report_secret_matches(report: FamilyReport, secret: str) -> bool:
    """Whether `secret` is the one given to the family for this report (constant time)."""
    if not report.secret_hash or not secret:
        return False
    return hmac.compare_digest(report.secret_hash, hash_secret(secret))


# --- Submission -------------------------------------------------------------------------------


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise ValueError(value)


def _clean_entry(index: int, raw: dict, today: dt.date, errors: dict) -> dict:
    prefix = f"entries-{index}-"
    if not isinstance(raw, dict):
        errors[f"{prefix}__all__"] = ["An entry must describe one person."]
        return {}
    unknown = set(raw) - ENTRY_FIELDS
    for name in sorted(unknown):
        errors[prefix + name] = ["Not a field of a report entry."]
    entry = {
        name: _clean_text(errors, prefix + name, raw.get(name), limit)
        for name, limit in ENTRY_TEXT_FIELDS.items()
    }
    if not any(entry[name] for name in ENTRY_NAME_FIELDS):
        errors[prefix + "__all__"] = ["Name the person: a name, a nickname or a kunya."]
    sex = raw.get("sex") or ""
    if sex not in ("", "F", "M", "U"):
        errors[prefix + "sex"] = ["Sex must be F, M or U (unknown)."]
    entry["sex"] = sex if sex != "U" else ""
    birth_date = raw.get("birth_date")
    if birth_date in ("", None):
        birth_date = None
    else:
        try:
            birth_date = _parse_date(birth_date)
        except (ValueError, TypeError):
            errors[prefix + "birth_date"] = [
                "Not a real date (use YYYY-MM-DD; 29 February exists only in leap years)."
            ]
            birth_date = None
    if birth_date is not None:
        if birth_date > today:
            errors[prefix + "birth_date"] = ["The birth date is in the future."]
        elif birth_date.year < 1900:
            errors[prefix + "birth_date"] = ["The birth date is before 1900."]
    precision = raw.get("birth_precision") or ""
    if precision and precision not in DatePrecision.values:
        errors[prefix + "birth_precision"] = [f"Unknown precision {precision!r}."]
    if not precision:
        precision = DatePrecision.EXACT if birth_date else DatePrecision.UNKNOWN
    if precision in (DatePrecision.EXACT, DatePrecision.MONTH, DatePrecision.YEAR) and not (
        birth_date
    ):
        errors.setdefault(prefix + "birth_date", ["Give the date for this precision."])
    age = raw.get("age_stated")
    if age in ("", None):
        age = None
    else:
        try:
            if isinstance(age, bool) or (isinstance(age, str) and len(age) > 4):
                raise ValueError(age)
            age = int(age)
        except (ValueError, TypeError):
            errors[prefix + "age_stated"] = ["An age is a whole number of years."]
            age = None
    if age is not None and not 0 <= age <= 120:
        errors[prefix + "age_stated"] = ["An age must be between 0 and 120."]
        age = None
    if age is not None and birth_date is not None:
        # Stated today-ish: a year of slack either side for how families count ages.
        implied = today.year - birth_date.year
        if not implied - 2 <= age <= implied + 1:
            errors[prefix + "age_stated"] = [
                f"An age of {age} contradicts the birth date {birth_date:%Y-%m-%d}."
            ]
    entry.update(
        birth_date=birth_date,
        birth_precision=precision if (birth_date or precision == "unknown") else "unknown",
        age_stated=age,
    )
    if age is not None and birth_date is None and precision == DatePrecision.UNKNOWN:
        entry["birth_precision"] = DatePrecision.AGE_ESTIMATE
    return entry


def _partner_agreements(partner_org, owner):
    today = timezone.localdate()
    return SharingAgreement.objects.filter(
        partner=partner_org, owner=owner, revoked_at__isnull=True, valid_from__lte=today
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def _check_submitter(actor, organisation, channel, source_partner) -> tuple:
    """Who may submit what: returns the (channel, source_partner, entered_by) to store."""
    if not isinstance(organisation, Organisation) or organisation.is_partner_only:
        raise ServiceError({"organisation": ["Choose the organisation the report is for."]})
    if actor is None:
        if channel != Channel.WEB_FORM:
            raise ServiceError({"channel": ["The public form submits web-form reports only."]})
        if source_partner is not None:
            raise ServiceError({"source_partner": ["Not accepted from the public form."]})
        return Channel.WEB_FORM, None, None
    role = role_of(actor)
    if role == Role.PARTNER:
        require(actor, Action.ENTER_REPORT)
        agreements = _partner_agreements(actor.organisation_id, organisation)
        if not agreements.exists():
            exc = Hidden()
            audit.record_denial(actor, Action.ENTER_REPORT, organisation, hidden=True, exc=exc)
            raise exc
        if not agreements.filter(may_submit_reports=True).exists():
            exc = Denied()
            audit.record_denial(actor, Action.ENTER_REPORT, organisation, hidden=False, exc=exc)
            raise exc
        if source_partner is not None and source_partner.pk != actor.organisation_id:
            raise ServiceError({"source_partner": ["A partner submits in its own name only."]})
        if channel not in (None, "", Channel.PARTNER):
            raise ServiceError({"channel": ["A partner's reports have the channel 'partner'."]})
        return Channel.PARTNER, actor.organisation, actor
    require(actor, Action.ENTER_REPORT)
    if organisation.pk != actor.organisation_id:
        exc = Hidden()
        audit.record_denial(actor, Action.ENTER_REPORT, organisation, hidden=True, exc=exc)
        raise exc
    if channel not in STAFF_CHANNELS:
        allowed = ", ".join(sorted(STAFF_CHANNELS))
        raise ServiceError({"channel": [f"Staff enter reports received by: {allowed}."]})
    if source_partner is not None:
        raise ServiceError({"source_partner": ["Only a partner system submits as a partner."]})
    return channel, None, actor


def _clean_consents(consents, organisation, errors: dict) -> list[dict]:
    cleaned, seen = [], set()
    for index, raw in enumerate(consents or ()):
        key = f"consents-{index}"
        if not isinstance(raw, dict):
            errors[key] = ["A consent is a purpose and whether it was given."]
            continue
        purpose, partner, given = raw.get("purpose"), raw.get("partner"), raw.get("given")
        if purpose not in ConsentPurpose.values:
            errors[key] = [f"Unknown consent purpose {purpose!r}."]
            continue
        if not isinstance(given, bool):
            errors[key] = ["Say whether the consent was given (yes or no)."]
            continue
        if purpose == ConsentPurpose.SHARE_PARTNER:
            if not isinstance(partner, Organisation) or not (
                _partner_agreements(partner, organisation).exists()
            ):
                errors[key] = ["Name a partner the organisation has a sharing agreement with."]
                continue
        elif partner is not None:
            errors[key] = ["Only sharing with a partner names a partner."]
            continue
        identity = (purpose, partner.pk if partner else None)
        if identity in seen:
            errors[key] = ["This consent is given twice."]
            continue
        seen.add(identity)
        cleaned.append({"purpose": purpose, "partner": partner, "given": given})
    return cleaned


def _clean_attachments(attachments, errors: dict) -> list:
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        errors["attachments"] = [f"Send at most {MAX_ATTACHMENTS} files with one report."]
        return []
    cleaned = []
    for index, uploaded in enumerate(attachments):
        try:
            cleaned.append(clean_upload(uploaded))
        except UploadRefused as exc:
            # Numbered, never the sender's file name: it may carry a child's name into logs.
            errors.setdefault("attachments", []).append(f"File {index + 1}: {exc}")
    return cleaned


def report_submit(
    *,
    actor,
    organisation,
    channel,
    reporter: dict,
    account: str,
    consents: list[dict],
    entries: list[dict],
    attachments: Iterable = (),
    source_partner=None,
    received_at=None,
) -> tuple[FamilyReport, str]:
    """Take in one report with its consents, entries and files, in one transaction with one audit
    event. Returns the report and the family's status secret (shown once, only its hash kept)."""
    channel, source_partner, entered_by = _check_submitter(
        actor, organisation, channel, source_partner
    )
    now = timezone.now()
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    reporter = reporter or {}
    if not isinstance(reporter, dict):
        raise ServiceError({"reporter": ["The reporter is a set of named fields."]})
    for name in sorted(set(reporter) - set(REPORTER_FIELDS)):
        errors[name] = ["Not a field of the reporter."]
    reporter_values = {
        name: _clean_text(errors, name, reporter.get(name), limit)
        for name, limit in REPORTER_FIELDS.items()
    }
    account_text = _clean_text(errors, "account", account, ACCOUNT_MAX_CHARS)
    if actor is None or received_at is None:
        received_at = now  # the public form cannot backdate what it sends
    elif not isinstance(received_at, dt.datetime):
        errors["received_at"] = ["Give the date and time the report was received."]
        received_at = now
    elif received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = ["The report cannot have been received in the future."]
    elif received_at.year < 2000:
        errors["received_at"] = ["The date received is implausibly early."]
    entries = list(entries or ())
    if not entries:
        errors["entries"] = ["Describe at least one person the report is about."]
    elif len(entries) > MAX_ENTRIES:
        errors["entries"] = [f"A report describes at most {MAX_ENTRIES} persons."]
        entries = []
    cleaned_entries = [_clean_entry(i, raw, today, errors) for i, raw in enumerate(entries)]
    cleaned_consents = _clean_consents(consents, organisation, errors)
    cleaned_files = _clean_attachments(attachments, errors)
    if errors:
        raise ServiceError(errors)

    secret = secrets.token_urlsafe(16)
    stored: list = []
    try:
        with transaction.atomic():
            report = _create_report(
                organisation=organisation,
                channel=channel,
                received_at=received_at,
                reporter_values=reporter_values,
                account=account_text,
                secret=secret,
                entered_by=entered_by,
                source_partner=source_partner,
            )
            for consent in cleaned_consents:
                ReportConsent.objects.create(report=report, **consent)
            for position, entry in enumerate(cleaned_entries, start=1):
                ReportEntry.objects.create(report=report, position=position, **entry)
            for clean in cleaned_files:
                attachment = ReportAttachment(
                    report=report,
                    kind=clean.kind,
                    content_type=clean.content_type,
                    size=len(clean.content),
                    sha256=clean.sha256,
                )
                attachment.file.save(
                    f"{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content), save=False
                )
                stored.append(attachment.file.name)
                attachment.save()
            audit.record(
                actor,
                AuditAction.CREATE,
                report,
                fields=[n for n, v in reporter_values.items() if v]
                + (["account"] if account_text else []),
                changes={
                    "channel": channel,
                    "entries": len(cleaned_entries),
                    "consents": len(cleaned_consents),
                    "attachments": len(cleaned_files),
                },
            )
    except BaseException:
        _delete_files(stored)
        raise
    return report, secret


def _create_report(*, secret, reporter_values, **fields) -> FamilyReport:
    for _ in range(8):
        try:
            with transaction.atomic():
                return FamilyReport.objects.create(
                    reference=new_reference(),
                    secret_hash=hash_secret(secret),
                    status=ReportStatus.NEW,
                    **reporter_values,
                    **fields,
                )
        except IntegrityError:
            # A reference collision (1 in 30^10): draw again.
            continue
    raise RuntimeError("Could not draw a unique report reference.")


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


# --- One-time form tokens: the same form posted twice makes one report ------------------------

_FORM_TOKEN_SALT = "casework.report-form"  # noqa: S105 (a signing salt, not a secret)
FORM_TOKEN_MAX_AGE = 24 * 3600


def report_form_token(user) -> str:
    """A signed one-time token for one report form shown to `user`."""
    return signing.dumps({"u": user.pk, "n": secrets.token_hex(16)}, salt=_FORM_TOKEN_SALT)


def _check_form_token(user, token: str) -> str:
    try:
        payload = signing.loads(token or "", salt=_FORM_TOKEN_SALT, max_age=FORM_TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise ServiceError(
            {
                "form_token": [
                    "This form has expired or was altered: reload the page and enter it again."
                ]
            }
        ) from exc
    if payload.get("u") != user.pk:
        raise ServiceError({"form_token": ["This form was issued to someone else."]})
    return f"report-form:{payload['n']}"


def report_submit_once(*, actor, form_token: str, **submit) -> tuple[FamilyReport, bool]:
    """`report_submit` for a staff form: a second post of the same form returns the first report
    (created False) instead of making another."""
    key = _check_form_token(actor, form_token)
    existing = _report_for_token(actor, key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=actor,
                key=key,
                method="POST",
                path="report-form",
                body_sha256="",
                status_code=201,
                response_body={},
            )
            report, _secret = report_submit(actor=actor, **submit)
            record.response_body = {"report": str(report.public_id)}
            record.save(update_fields=["response_body"])
    except IntegrityError:
        # The same form arrived twice at once: the other request made the report.
        existing = _report_for_token(actor, key)
        if existing is None:
            raise
        return existing, False
    return report, True


def _report_for_token(actor, key: str) -> FamilyReport | None:
    record = IdempotencyRecord.objects.filter(user=actor, key=key).first()
    if record is None or "report" not in record.response_body:
        return None
    return FamilyReport.objects.filter(
        public_id=record.response_body["report"], organisation_id=actor.organisation_id
    ).first()


# --- Triage -----------------------------------------------------------------------------------


def triage_link_scope(user):
    """Persons an entry may be linked to: those the user sees, and those the duplicate check may
    show them (another team's case), never a protected one they cannot see."""
    return Person.objects.filter(
        Q(pk__in=person_scope(user).values("pk"))
        | Q(pk__in=duplicate_check_scope(user).values("pk"))
    )


def _names_from(names: list) -> list[NameInput]:
    return [name if isinstance(name, NameInput) else NameInput(**name) for name in names]


def person_input_from_entry(entry: ReportEntry) -> dict:
    """What a new person record would start from, as the family described them."""
    names = [
        NameInput(
            family_name=entry.family_name,
            given_name=entry.given_name,
            patronymic=entry.patronymic,
            full_text=entry.full_name if not (entry.family_name or entry.given_name) else "",
            source=f"report {entry.report.reference}",
        )
    ]
    for alias in filter(None, (a.strip() for a in entry.aliases.split(","))):
        names.append(NameInput(full_text=alias, kind="alias", source=names[0].source))
    data = {"names": names, "sex": entry.sex or "U", "birthplace": entry.birthplace}
    if entry.birth_date:
        data.update(birth_precision=entry.birth_precision, birth_date=entry.birth_date)
    elif entry.age_stated is not None:
        data.update(
            birth_precision=DatePrecision.AGE_ESTIMATE,
            age_stated=entry.age_stated,
            age_stated_on=timezone.localtime(entry.report.received_at).date(),
        )
    return data


def report_triage_entry(
    *, actor, entry: ReportEntry, person=None, create: dict | None = None, not_a_person_reason=""
) -> ReportEntry:
    """Link one entry to a known person, create a person for it, or mark it not a person."""
    require(actor, Action.TRIAGE_REPORT, entry.report)
    chosen = [person is not None, create is not None, bool((not_a_person_reason or "").strip())]
    if sum(chosen) != 1:
        raise ServiceError(
            {"__all__": ["Choose one: link to a known person, create a person, or not a person."]}
        )
    errors: dict = {}
    reason = _clean_text(errors, "not_a_person_reason", not_a_person_reason, REASON_MAX_CHARS)
    if errors:
        raise ServiceError(errors)
    if person is not None and not triage_link_scope(actor).filter(pk=person.pk).exists():
        raise Hidden()
    if person is not None and person.merged_into_id:
        raise ServiceError({"person": ["This record was merged into another: link to that one."]})
    with transaction.atomic():
        report = FamilyReport.objects.select_for_update().get(pk=entry.report_id)
        locked = ReportEntry.objects.select_for_update().get(pk=entry.pk)
        if report.status == ReportStatus.SPAM:
            raise ServiceError({"__all__": ["This report was set aside as not a report."]})
        if locked.outcome != TriageOutcome.PENDING:
            raise ServiceError({"__all__": ["This entry has already been triaged."]})
        if create is not None:
            details = dict(create)
            names = _names_from(details.pop("names", None) or [])
            person = person_create(
                actor=actor,
                names=names,
                reason=f"From report {report.reference}, entry {locked.position}",
                **details,
            )
            locked.outcome = TriageOutcome.CREATED
        elif person is not None:
            locked.outcome = TriageOutcome.LINKED
        else:
            locked.outcome = TriageOutcome.NOT_A_PERSON
        locked.person = person
        locked.triaged_by = actor
        locked.triaged_at = timezone.now()
        locked.save(update_fields=["outcome", "person", "triaged_by", "triaged_at", "updated_at"])
        before = report.status
        pending = report.entries.filter(outcome=TriageOutcome.PENDING).exists()
        report.status = ReportStatus.IN_TRIAGE if pending else ReportStatus.TRIAGED
        report.save(update_fields=["status", "updated_at"])
        changes = {"outcome": [TriageOutcome.PENDING, locked.outcome]}
        if before != report.status:
            changes["report_status"] = [before, report.status]
        audit.record(
            actor,
            AuditAction.UPDATE,
            locked,
            fields=["outcome", "person"],
            changes=changes,
            reason=reason,
        )
    return locked


_STATUS_MOVES = {
    ReportStatus.NEW: {ReportStatus.SPAM},
    ReportStatus.IN_TRIAGE: {ReportStatus.SPAM},
    ReportStatus.SPAM: {ReportStatus.NEW},
}


def report_set_status(*, actor, report: FamilyReport, status: str, reason: str) -> FamilyReport:
    """Set a report aside as not a report (spam), or bring it back to the queue."""
    require(actor, Action.TRIAGE_REPORT, report)
    errors: dict = {}
    reason = _clean_text(errors, "reason", reason, REASON_MAX_CHARS)
    if errors:
        raise ServiceError(errors)
    if not reason:
        raise ServiceError({"reason": ["Say why."]})
    with transaction.atomic():
        locked = FamilyReport.objects.select_for_update().get(pk=report.pk)
        if status not in _STATUS_MOVES.get(locked.status, set()):
            raise ServiceError(
                {"status": [f"A report cannot move from {locked.status!r} to {status!r}."]}
            )
        if (
            status == ReportStatus.SPAM
            and locked.entries.exclude(outcome=TriageOutcome.PENDING).exists()
        ):
            raise ServiceError({"status": ["Entries of this report are already triaged."]})
        before = locked.status
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            actor,
            AuditAction.STATUS_CHANGE,
            locked,
            fields=["status"],
            changes={"status": [before, status]},
            reason=reason,
        )
    return locked
