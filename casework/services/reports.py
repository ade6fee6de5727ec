"""Family reports: taking them in (public form, staff entering a letter or call, a partner system),
and triaging each person they describe. UI, API and the public form all call these.

A report is kept as the family told it: entries are never edited afterwards (a correction is a new
entry); triage only records what became of each entry.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.entry_numbers import entry_number
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
    ReportFollowUp,
    ReportStatus,
    TriageOutcome,
)
from casework.permissions import (
    Action,
    Denied,
    Hidden,
    active_agreements_between,
    is_partner_system,
    require,
)
from casework.services.errors import ServiceError
from casework.services.persons import NameInput, person_create
from casework.services.text_input import clean_input
from casework.services.uploads import UploadRefused, clean_upload

logger = logging.getLogger(__name__)

# The languages of the public pages and of what is sent to families.
PUBLIC_LANGUAGES = ("ru", "en", "ar")

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
    "reporter_phone": 40,
    "reporter_messenger": 120,
    "reporter_email": 254,
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
    "mother_name": 300,
    "father_name": 300,
    "relationship_to_others": 300,
    "description": DESCRIPTION_MAX_CHARS,
}
# Entry fields a family writes over several lines: line breaks are kept.
MULTILINE_ENTRY_FIELDS = {"description"}
ENTRY_FIELDS = set(ENTRY_TEXT_FIELDS) | {
    "sex",
    "birth_date",
    "birth_precision",
    "age_stated",
    "last_known_date",
    "last_known_precision",
}
LAST_KNOWN_PRECISIONS = (DatePrecision.EXACT, DatePrecision.MONTH, DatePrecision.YEAR)
ENTRY_NAME_FIELDS = ("family_name", "given_name", "full_name", "aliases")


def _required_reason(reason, missing: str) -> str:
    """A staff action's reason, cleaned; a ServiceError on `reason` when it is bad or missing."""
    return clean_input("reason", reason, max_length=REASON_MAX_CHARS, required=missing)


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
        errors[f"{prefix}__all__"] = [gettext("An entry must describe one person.")]
        return {}
    unknown = set(raw) - ENTRY_FIELDS
    for name in sorted(unknown):
        errors[prefix + name] = [gettext("Not a field of a report entry.")]
    entry = {
        name: clean_input(
            prefix + name,
            raw.get(name),
            max_length=limit,
            multiline=name in MULTILINE_ENTRY_FIELDS,
            errors=errors,
        )
        for name, limit in ENTRY_TEXT_FIELDS.items()
    }
    if not any(entry[name] for name in ENTRY_NAME_FIELDS):
        errors[prefix + "__all__"] = [gettext("Name the person: a name, a nickname or a kunya.")]
    sex = raw.get("sex") or ""
    if sex not in ("", "F", "M", "U"):
        errors[prefix + "sex"] = [gettext("Sex must be F, M or U (unknown).")]
    entry["sex"] = sex if sex != "U" else ""
    birth_date = raw.get("birth_date")
    if birth_date in ("", None):
        birth_date = None
    else:
        try:
            birth_date = _parse_date(birth_date)
        except (ValueError, TypeError):
            errors[prefix + "birth_date"] = [
                gettext("Not a real date (use YYYY-MM-DD; 29 February exists only in leap years).")
            ]
            birth_date = None
    if birth_date is not None:
        if birth_date > today:
            errors[prefix + "birth_date"] = [gettext("The birth date is in the future.")]
        elif birth_date.year < 1900:
            errors[prefix + "birth_date"] = [gettext("The birth date is before 1900.")]
    precision = raw.get("birth_precision") or ""
    if precision and precision not in DatePrecision.values:
        errors[prefix + "birth_precision"] = [
            gettext("Unknown precision %(precision)r.") % {"precision": precision}
        ]
    if not precision:
        precision = DatePrecision.EXACT if birth_date else DatePrecision.UNKNOWN
    if precision in (DatePrecision.EXACT, DatePrecision.MONTH, DatePrecision.YEAR) and not (
        birth_date
    ):
        errors.setdefault(prefix + "birth_date", [gettext("Give the date for this precision.")])
    age = raw.get("age_stated")
    if age in ("", None):
        age = None
    else:
        try:
            if isinstance(age, bool) or (isinstance(age, str) and len(age) > 4):
                raise ValueError(age)
            age = int(age)
        except (ValueError, TypeError):
            errors[prefix + "age_stated"] = [gettext("An age is a whole number of years.")]
            age = None
    if age is not None and not 0 <= age <= 120:
        errors[prefix + "age_stated"] = [gettext("An age must be between 0 and 120.")]
        age = None
    if age is not None and birth_date is not None:
        # Stated today-ish: a year of slack either side for how families count ages.
        implied = today.year - birth_date.year
        if not implied - 2 <= age <= implied + 1:
            errors[prefix + "age_stated"] = [
                gettext("An age of %(age)s contradicts the birth date %(date)s.")
                % {"age": age, "date": f"{birth_date:%Y-%m-%d}"}
            ]
    entry.update(_clean_last_known(prefix, raw, today, errors))
    entry.update(
        birth_date=birth_date,
        birth_precision=precision if (birth_date or precision == "unknown") else "unknown",
        age_stated=age,
    )
    if age is not None and birth_date is None and precision == DatePrecision.UNKNOWN:
        entry["birth_precision"] = DatePrecision.AGE_ESTIMATE
    return entry


def _clean_last_known(prefix: str, raw: dict, today: dt.date, errors: dict) -> dict:
    """When and how precisely the person was last known to be somewhere (a day, month or year)."""
    value = raw.get("last_known_date")
    precision = raw.get("last_known_precision") or ""
    if value in ("", None):
        if precision not in ("", DatePrecision.UNKNOWN):
            errors[prefix + "last_known_date"] = [gettext("Give the date for this precision.")]
        return {"last_known_date": None, "last_known_precision": DatePrecision.UNKNOWN}
    try:
        value = _parse_date(value)
    except (ValueError, TypeError):
        errors[prefix + "last_known_date"] = [gettext("Not a real date (use YYYY-MM-DD).")]
        return {}
    if precision and precision not in LAST_KNOWN_PRECISIONS:
        errors[prefix + "last_known_precision"] = [
            gettext("The last known date is a day, a month or a year.")
        ]
        return {}
    if value > today:
        errors[prefix + "last_known_date"] = [gettext("The date is in the future.")]
    elif value.year < 1900:
        errors[prefix + "last_known_date"] = [gettext("The date is before 1900.")]
    return {"last_known_date": value, "last_known_precision": precision or DatePrecision.EXACT}


def _check_submitter(actor, organisation, channel, source_partner) -> tuple:
    """Who may submit what: returns the (channel, source_partner, entered_by) to store."""
    if not isinstance(organisation, Organisation) or organisation.is_partner_only:
        raise ServiceError(
            {"organisation": [gettext("Choose the organisation the report is for.")]}
        )
    if actor is None:
        if channel != Channel.WEB_FORM:
            raise ServiceError(
                {"channel": [gettext("The public form submits web-form reports only.")]}
            )
        if source_partner is not None:
            raise ServiceError({"source_partner": [gettext("Not accepted from the public form.")]})
        return Channel.WEB_FORM, None, None
    if is_partner_system(actor):
        require(actor, Action.ENTER_REPORT)
        agreements = active_agreements_between(organisation.pk, actor.organisation_id)
        if not agreements.exists():
            exc = Hidden()
            audit.record_denial(actor, Action.ENTER_REPORT, organisation, hidden=True, exc=exc)
            raise exc
        if not agreements.filter(may_submit_reports=True).exists():
            exc = Denied()
            audit.record_denial(actor, Action.ENTER_REPORT, organisation, hidden=False, exc=exc)
            raise exc
        if source_partner is not None and source_partner.pk != actor.organisation_id:
            raise ServiceError(
                {"source_partner": [gettext("A partner submits in its own name only.")]}
            )
        if channel not in (None, "", Channel.PARTNER):
            raise ServiceError(
                {"channel": [gettext("A partner's reports have the channel 'partner'.")]}
            )
        return Channel.PARTNER, actor.organisation, actor
    require(actor, Action.ENTER_REPORT)
    if organisation.pk != actor.organisation_id:
        exc = Hidden()
        audit.record_denial(actor, Action.ENTER_REPORT, organisation, hidden=True, exc=exc)
        raise exc
    if channel not in STAFF_CHANNELS:
        allowed = ", ".join(str(Channel(c).label) for c in sorted(STAFF_CHANNELS))
        raise ServiceError(
            {
                "channel": [
                    gettext("Staff enter reports received by: %(allowed)s.") % {"allowed": allowed}
                ]
            }
        )
    if source_partner is not None:
        raise ServiceError(
            {"source_partner": [gettext("Only a partner system submits as a partner.")]}
        )
    return channel, None, actor


def _clean_consents(consents, organisation, errors: dict) -> list[dict]:
    cleaned, seen = [], set()
    for index, raw in enumerate(consents or ()):
        key = f"consents-{index}"
        if not isinstance(raw, dict):
            errors[key] = [gettext("A consent is a purpose and whether it was given.")]
            continue
        purpose, partner, given = raw.get("purpose"), raw.get("partner"), raw.get("given")
        if purpose not in ConsentPurpose.values:
            errors[key] = [gettext("Unknown consent purpose %(purpose)r.") % {"purpose": purpose}]
            continue
        if not isinstance(given, bool):
            errors[key] = [gettext("Say whether the consent was given (yes or no).")]
            continue
        if purpose == ConsentPurpose.SHARE_PARTNER:
            if not isinstance(partner, Organisation) or not (
                active_agreements_between(organisation.pk, partner.pk).exists()
            ):
                errors[key] = [
                    gettext("Name a partner the organisation has a sharing agreement with.")
                ]
                continue
        elif partner is not None:
            errors[key] = [gettext("Only sharing with a partner names a partner.")]
            continue
        identity = (purpose, partner.pk if partner else None)
        if identity in seen:
            errors[key] = [gettext("This consent is given twice.")]
            continue
        seen.add(identity)
        cleaned.append({"purpose": purpose, "partner": partner, "given": given})
    return cleaned


def _clean_attachments(attachments, errors: dict) -> list:
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        errors["attachments"] = [
            gettext("Send at most %(count)s files with one report.") % {"count": MAX_ATTACHMENTS}
        ]
        return []
    cleaned = []
    for index, uploaded in enumerate(attachments):
        try:
            cleaned.append(clean_upload(uploaded))
        except UploadRefused as exc:
            # Numbered, never the sender's file name: it may carry a child's name into logs.
            errors.setdefault("attachments", []).append(
                gettext("File %(n)s: %(problem)s") % {"n": index + 1, "problem": exc}
            )
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
    submission_key: str | None = None,
    secret: str | None = None,
) -> tuple[FamilyReport, str]:
    """Take in one report with its consents, entries and files, in one transaction with one audit
    event. Returns the report and the family's status secret (shown once, only its hash kept).

    When the family gave an e-mail address and agreed to be contacted, the reference alone is
    mailed to them once the report is stored."""
    channel, source_partner, entered_by = _check_submitter(
        actor, organisation, channel, source_partner
    )
    now = timezone.now()
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    reporter = reporter or {}
    if not isinstance(reporter, dict):
        raise ServiceError({"reporter": [gettext("The reporter is a set of named fields.")]})
    for name in sorted(set(reporter) - set(REPORTER_FIELDS)):
        errors[name] = [gettext("Not a field of the reporter.")]
    reporter_values = {
        name: clean_input(name, reporter.get(name), max_length=limit, errors=errors)
        for name, limit in REPORTER_FIELDS.items()
    }
    account_text = clean_input(
        "account", account, max_length=ACCOUNT_MAX_CHARS, multiline=True, errors=errors
    )
    if reporter_values["reporter_email"]:
        try:
            validate_email(reporter_values["reporter_email"])
        except ValidationError:
            errors.setdefault("reporter_email", []).append(
                gettext("This is not an e-mail address (name@example.org).")
            )
    if actor is None or received_at is None:
        received_at = now  # the public form cannot backdate what it sends
    elif not isinstance(received_at, dt.datetime):
        errors["received_at"] = [gettext("Give the date and time the report was received.")]
        received_at = now
    elif received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = [gettext("The report cannot have been received in the future.")]
    elif received_at.year < 2000:
        errors["received_at"] = [gettext("The date received is implausibly early.")]
    entries = list(entries or ())
    if not entries:
        errors["entries"] = [gettext("Describe at least one person the report is about.")]
    elif len(entries) > MAX_ENTRIES:
        errors["entries"] = [
            gettext("A report describes at most %(count)s persons.") % {"count": MAX_ENTRIES}
        ]
        entries = []
    cleaned_entries = [_clean_entry(i, raw, today, errors) for i, raw in enumerate(entries)]
    cleaned_consents = _clean_consents(consents, organisation, errors)
    cleaned_files = _clean_attachments(attachments, errors)
    if errors:
        raise ServiceError(errors)

    secret = secret or secrets.token_urlsafe(16)
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
                submission_key=submission_key,
            )
            for consent in cleaned_consents:
                ReportConsent.objects.create(report=report, **consent)
            for position, entry in enumerate(cleaned_entries, start=1):
                ReportEntry.objects.create(report=report, position=position, **entry)
            _store_attachments(report, cleaned_files, stored)
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
    if reporter_values["reporter_email"] and any(
        c["purpose"] == ConsentPurpose.CONTACT and c["given"] for c in cleaned_consents
    ):
        transaction.on_commit(lambda: send_reference_mail(report))
    return report, secret


def _store_attachments(report: FamilyReport, cleaned_files: list, stored: list[str]) -> None:
    """Each file under a random name (the sender's may carry a child's name); `stored` collects
    the names so that a failed transaction removes them again."""
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


def _contact_withdrawn(report: FamilyReport) -> bool:
    return ReportConsent.objects.filter(
        report=report, purpose=ConsentPurpose.CONTACT, given=False
    ).exists()


def send_reference_mail(report: FamilyReport) -> None:
    """The reference alone, never the secret, in the family's language. The wording is neutral:
    someone else may read the family's mail. Never once the family has withdrawn its consent to
    be contacted."""
    if _contact_withdrawn(report):
        return
    language = report.reporter_language if report.reporter_language in PUBLIC_LANGUAGES else "en"
    with translation.override(language):
        subject = gettext("Your message was received")
        body = gettext(
            "Thank you. Your message was received.\n\n"
            "Your reference: %(reference)s\n\n"
            "Keep the secret code you were shown with it: we never send it by e-mail and never "
            "ask for it. With both you can see the status of your message and add to it.\n"
        ) % {"reference": report.reference}
    try:
        send_mail(subject, body, None, [report.reporter_email])
    except Exception:
        # The report is stored; a mail server that is down must not turn that into an error.
        logger.warning("Could not send the reference mail of report %s", report.public_id)


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
            # The same public form stored by a request a moment earlier: not ours to retry.
            key = fields.get("submission_key")
            if key and FamilyReport.objects.filter(submission_key=key).exists():
                raise
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
                    gettext(
                        "This form has expired or was altered: reload the page and enter it again."
                    )
                ]
            }
        ) from exc
    if payload.get("u") != user.pk:
        raise ServiceError({"form_token": [gettext("This form was issued to someone else.")]})
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
    # Families separate names with the Latin or the Arabic comma (or a semicolon).
    for alias in filter(None, (a.strip() for a in re.split(r"[,،;]", entry.aliases))):
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
            {
                "__all__": [
                    gettext("Choose one: link to a known person, create a person, or not a person.")
                ]
            }
        )
    reason = clean_input("not_a_person_reason", not_a_person_reason, max_length=REASON_MAX_CHARS)
    if person is not None and not Person.objects.linkable_by(actor).filter(pk=person.pk).exists():
        raise Hidden()
    if person is not None and person.merged_into_id:
        raise ServiceError(
            {"person": [gettext("This record was merged into another: link to that one.")]}
        )
    with transaction.atomic():
        report = FamilyReport.objects.select_for_update().get(pk=entry.report_id)
        locked = ReportEntry.objects.select_for_update().get(pk=entry.pk)
        if report.status == ReportStatus.SPAM:
            raise ServiceError({"__all__": [gettext("This report was set aside as not a report.")]})
        if report.status in (ReportStatus.SET_ASIDE, ReportStatus.ERASED):
            raise ServiceError(
                {
                    "__all__": [
                        gettext(
                            "The family withdrew its consent to the processing of this report: "
                            "it waits for the data-protection officer's decision."
                        )
                    ]
                }
            )
        if locked.outcome != TriageOutcome.PENDING:
            raise ServiceError({"__all__": [gettext("This entry has already been triaged.")]})
        if create is not None:
            details = dict(create)
            names = _names_from(details.pop("names", None) or [])
            person = person_create(
                actor=actor,
                names=names,
                reason=f"From report {report.reference}, entry {entry_number(locked)}",
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
    reason = _required_reason(reason, gettext("Say why."))
    with transaction.atomic():
        locked = FamilyReport.objects.select_for_update().get(pk=report.pk)
        if status not in _STATUS_MOVES.get(locked.status, set()):
            raise ServiceError(
                {
                    "status": [
                        gettext("A report cannot move from %(current)s to %(to)s.")
                        % {
                            "current": locked.get_status_display(),
                            "to": dict(ReportStatus.choices).get(status, status),
                        }
                    ]
                }
            )
        if (
            status == ReportStatus.SPAM
            and locked.entries.exclude(outcome=TriageOutcome.PENDING).exists()
        ):
            raise ServiceError({"status": [gettext("Entries of this report are already triaged.")]})
        before = locked.status
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        fields = ["status"]
        if status == ReportStatus.SPAM:
            fields += _drop_attachments(locked)
        audit.record(
            actor,
            AuditAction.STATUS_CHANGE,
            locked,
            fields=fields,
            changes={"status": [before, status]},
            reason=reason,
        )
    return locked


def _drop_attachments(report: FamilyReport) -> list[str]:
    """What a sender attached to something that is not a report is not kept until the retention
    erases the rest: the files go when the transaction commits (a rollback keeps them)."""
    attachments = ReportAttachment.objects.filter(report=report)
    names = list(attachments.values_list("file", flat=True))
    if not names:
        return []
    attachments.delete()
    transaction.on_commit(lambda: _delete_files(names))
    return ["attachments"]


# --- The families' door: the public form and the status page ----------------------------------

_PUBLIC_TOKEN_SALT = "casework.public-report-form"  # noqa: S105 (a signing salt, not a secret)
PUBLIC_FORM_MAX_AGE = 24 * 3600
# A retry of the same form (a double click, a connection that dropped before the answer came)
# shows the receipt again, secret included, only this soon after the report was stored.
RECEIPT_REPLAY_SECONDS = 30 * 60
_STATUS_TOKEN_SALT = "casework.report-status"  # noqa: S105 (a signing salt, not a secret)
STATUS_TOKEN_MAX_AGE = 30 * 60
MAX_FOLLOW_UPS = 100


def public_receiving_organisation() -> Organisation | None:
    """The organisation that receives what families send through the public form."""
    return Organisation.objects.filter(receives_public_reports=True, is_partner_only=False).first()


def public_form_token() -> str:
    """A signed one-time token for one public form: its nonce makes a retry find the same report,
    its time lets the view refuse a form filled faster than a person can."""
    return signing.dumps(
        {"n": secrets.token_hex(16), "t": int(timezone.now().timestamp())},
        salt=_PUBLIC_TOKEN_SALT,
    )


def read_public_form_token(token: str) -> tuple[str, dt.datetime]:
    """The nonce and issue time of a public form token, or ServiceError (expired, altered)."""
    try:
        payload = signing.loads(token or "", salt=_PUBLIC_TOKEN_SALT, max_age=PUBLIC_FORM_MAX_AGE)
        nonce, issued = str(payload["n"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ServiceError(
            {"form_token": [gettext("This form has expired: send it again.")]}
        ) from exc
    return nonce, dt.datetime.fromtimestamp(issued, tz=dt.UTC)


def _derived(purpose: str, nonce: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{nonce}".encode(), "sha256").digest()


def _family_secret_for(nonce: str) -> str:
    # Derived, not stored: a retry of the same form can show the same secret again, and nothing
    # kept in the database leads back to it (the submission key is another derivation).
    raw = _derived("report-secret", nonce)[:16]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def report_submit_public(
    *, form_token: str, organisation, **submit
) -> tuple[FamilyReport, str | None, bool]:
    """`report_submit` for the public form: the same form sent twice makes one report.

    Returns (report, secret, created). A repeat within RECEIPT_REPLAY_SECONDS gets the secret
    again (the family may never have seen the first answer); a later one gets None."""
    nonce, _issued = read_public_form_token(form_token)
    key = _derived("submission", nonce).hex()
    secret = _family_secret_for(nonce)
    existing = FamilyReport.objects.filter(submission_key=key).first()
    if existing is not None:
        return existing, _replayable_secret(existing, secret), False
    try:
        report, secret = report_submit(
            actor=None,
            organisation=organisation,
            channel=Channel.WEB_FORM,
            submission_key=key,
            secret=secret,
            **submit,
        )
    except IntegrityError:
        # The same form arrived twice at once: the other request made the report.
        existing = FamilyReport.objects.filter(submission_key=key).first()
        if existing is None:
            raise
        return existing, _replayable_secret(existing, secret), False
    return report, secret, True


def _replayable_secret(report: FamilyReport, secret: str) -> str | None:
    recent = timezone.now() - report.received_at < dt.timedelta(seconds=RECEIPT_REPLAY_SECONDS)
    return secret if recent and report_secret_matches(report, secret) else None


def normalise_reference(text: str) -> str:
    """A reference as families type it: any case, with spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[: REFERENCE_LENGTH * 2]


_NO_SUCH_HASH = hash_secret("no report has this secret")


def report_for_family(reference: str, secret: str) -> FamilyReport | None:
    """The report whose reference and secret these are, or None. An unknown reference costs the
    same comparison as a wrong secret, so neither answers faster than the other."""
    reference = normalise_reference(reference)
    secret = (secret or "").strip()
    report = FamilyReport.objects.filter(reference=reference).first() if reference else None
    expected = report.secret_hash if report is not None and report.secret_hash else _NO_SUCH_HASH
    matches = hmac.compare_digest(expected, hash_secret(secret))
    return report if (report is not None and matches and secret) else None


def family_status_token(report: FamilyReport) -> str:
    """Carries the family from the status page to adding information without the secret being
    written into the page. It dies with the secret: a new secret ends it."""
    return signing.dumps(
        {"r": str(report.public_id), "h": report.secret_hash[:16]}, salt=_STATUS_TOKEN_SALT
    )


def report_from_status_token(token: str) -> FamilyReport | None:
    try:
        payload = signing.loads(token or "", salt=_STATUS_TOKEN_SALT, max_age=STATUS_TOKEN_MAX_AGE)
        report = FamilyReport.objects.filter(public_id=uuid.UUID(str(payload["r"]))).first()
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if report is None or not report.secret_hash.startswith(str(payload.get("h") or "-")):
        return None
    return report


def report_family_add(
    *, report: FamilyReport, text: str = "", entries: list[dict] = (), attachments: Iterable = ()
) -> FamilyReport:
    """What the family adds later through the status page: a message, more persons, more files,
    kept beside the first account. New persons go back to the triage queue."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    message = clean_input("text", text, max_length=ACCOUNT_MAX_CHARS, multiline=True, errors=errors)
    entries = list(entries or ())
    if len(entries) > MAX_ENTRIES:
        errors["entries"] = [
            gettext("A report describes at most %(count)s persons.") % {"count": MAX_ENTRIES}
        ]
        entries = []
    cleaned_entries = [_clean_entry(i, raw, today, errors) for i, raw in enumerate(entries)]
    cleaned_files = _clean_attachments(attachments, errors)
    if not errors and not (message or cleaned_entries or cleaned_files):
        errors["text"] = [gettext("Write something, describe a person or choose a file to add.")]
    if errors:
        raise ServiceError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = FamilyReport.objects.select_for_update().get(pk=report.pk)
            if locked.follow_ups.count() >= MAX_FOLLOW_UPS:
                raise ServiceError(
                    {"text": [gettext("This report cannot take more additions online.")]}
                )
            if locked.entries.count() + len(cleaned_entries) > MAX_ENTRIES:
                raise ServiceError(
                    {
                        "entries": [
                            gettext("A report describes at most %(count)s persons.")
                            % {"count": MAX_ENTRIES}
                        ]
                    }
                )
            last = locked.entries.order_by("-position").values_list("position", flat=True).first()
            for position, entry in enumerate(cleaned_entries, start=(last or 0) + 1):
                ReportEntry.objects.create(report=locked, position=position, **entry)
            _store_attachments(locked, cleaned_files, stored)
            follow_up = ReportFollowUp.objects.create(
                report=locked,
                received_at=timezone.now(),
                text=message,
                entries_added=len(cleaned_entries),
                attachments_added=len(cleaned_files),
            )
            if cleaned_entries and locked.status == ReportStatus.TRIAGED:
                locked.status = ReportStatus.IN_TRIAGE
                locked.save(update_fields=["status", "updated_at"])
            audit.record(
                None,
                AuditAction.CREATE,
                follow_up,
                fields=["text"] if message else [],
                changes={
                    "report": locked.reference,
                    "entries": len(cleaned_entries),
                    "attachments": len(cleaned_files),
                },
            )
    except BaseException:
        _delete_files(stored)
        raise
    return locked


def report_reissue_secret(*, actor, report: FamilyReport, reason: str) -> str:
    """A new secret for a family who lost theirs (they asked us, and staff know who is asking):
    the old one, and every status page opened with it, stop working. Shown once to staff."""
    require(actor, Action.REISSUE_REPORT_SECRET, report)
    reason = _required_reason(reason, gettext("Say who asked and how you know it is the family."))
    secret = secrets.token_urlsafe(16)
    with transaction.atomic():
        locked = FamilyReport.objects.select_for_update().get(pk=report.pk)
        locked.secret_hash = hash_secret(secret)
        locked.save(update_fields=["secret_hash", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, locked, fields=["secret_hash"], reason=reason)
    return secret


def report_set_family_status(
    *, actor, report: FamilyReport, contact_us: bool, reason: str
) -> FamilyReport:
    """Ask the family, through their status page, to contact us (or stop asking)."""
    require(actor, Action.TRIAGE_REPORT, report)
    reason = _required_reason(reason, gettext("Say why."))
    note = "contact_us" if contact_us else ""
    with transaction.atomic():
        locked = FamilyReport.objects.select_for_update().get(pk=report.pk)
        if contact_us and _contact_withdrawn(locked):
            raise ServiceError(
                {"contact_us": [gettext("The family withdrew its consent to be contacted.")]}
            )
        before = locked.public_status_note
        if before == note:
            return locked
        locked.public_status_note = note
        locked.save(update_fields=["public_status_note", "updated_at"])
        audit.record(
            actor,
            AuditAction.STATUS_CHANGE,
            locked,
            fields=["public_status_note"],
            changes={"public_status_note": [before, note]},
            reason=reason,
        )
    return locked
