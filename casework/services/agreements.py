"""The sharing agreements an organisation gives: with whom, which fields of its persons, whether
the partner may send reports or list rows, for how long; and their revocation.

Which persons an agreement covers is `services.sharing`'s (a supervisor, who sees them). The
partners' change feed follows the terms by itself (models/sync.py): a revoked agreement leaves its
partner tombstones.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.classification import SHAREABLE_PERSON_FIELDS
from casework.models import Organisation, SharingAgreement
from casework.permissions import Action, require
from casework.services.errors import ServiceError
from casework.services.text_input import clean_input

REASON_MAX = 500
# The terms an administrator sets, in the order the trail lists them.
TERMS = (
    "title",
    "shared_fields",
    "may_submit_reports",
    "may_submit_list_rows",
    "valid_from",
    "valid_until",
)


def _clean_terms(
    *, title, shared_fields, may_submit_reports, may_submit_list_rows, valid_from, valid_until
) -> dict:
    errors: dict[str, list[str]] = {}
    title = clean_input(
        "title",
        title,
        max_length=SharingAgreement._meta.get_field("title").max_length,
        required=gettext("Give the agreement a title."),
        errors=errors,
    )
    fields = list(shared_fields or [])
    unknown = sorted({str(name) for name in fields} - set(SHAREABLE_PERSON_FIELDS))
    if unknown:
        errors["shared_fields"] = [
            gettext("These fields cannot be shared: %(fields)s.") % {"fields": ", ".join(unknown)}
        ]
    if not isinstance(valid_from, dt.date):
        errors["valid_from"] = [gettext("Give the first day of the agreement.")]
    elif valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = [gettext("The last day comes after the first.")]
    if errors:
        raise ServiceError(errors)
    return {
        "title": title,
        # Kept in the closed list's order, so the same choice is stored the same way.
        "shared_fields": [name for name in SHAREABLE_PERSON_FIELDS if name in fields],
        "may_submit_reports": bool(may_submit_reports),
        "may_submit_list_rows": bool(may_submit_list_rows),
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def _shown(terms: dict) -> dict:
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in terms.items()
    }


def agreement_create(
    *,
    actor,
    partner: Organisation,
    title: str,
    shared_fields,
    valid_from,
    valid_until=None,
    may_submit_reports: bool = False,
    may_submit_list_rows: bool = False,
) -> SharingAgreement:
    """A new agreement given by the actor's organisation to `partner`."""
    require(actor, Action.MANAGE_AGREEMENTS)
    if partner is None or partner.pk == actor.organisation_id:
        raise ServiceError({"partner": [gettext("Choose another organisation as the partner.")]})
    terms = _clean_terms(
        title=title,
        shared_fields=shared_fields,
        may_submit_reports=may_submit_reports,
        may_submit_list_rows=may_submit_list_rows,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    with transaction.atomic():
        agreement = SharingAgreement.objects.create(
            owner_id=actor.organisation_id, partner=partner, **terms
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            agreement,
            fields=["partner", *TERMS],
            changes={"partner": partner.slug, **_shown(terms)},
        )
    return agreement


def agreement_update(*, actor, agreement: SharingAgreement, **terms) -> SharingAgreement:
    """New terms for an agreement in force or to come (a revoked one stays as it ended)."""
    require(actor, Action.MANAGE_AGREEMENTS, agreement)
    terms = _clean_terms(**{name: terms.get(name) for name in TERMS})
    with transaction.atomic():
        locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if locked.revoked_at is not None:
            raise ServiceError({"title": [gettext("This agreement was revoked: make a new one.")]})
        changes = {
            name: [old, new]
            for name, new in _shown(terms).items()
            if (old := _shown({name: getattr(locked, name)})[name]) != new
        }
        if changes:
            for name in changes:
                setattr(locked, name, terms[name])
            # save(), not update(): the partners' feed hears of new terms from its signal.
            locked.save(update_fields=[*changes, "updated_at"])
            audit.record(actor, AuditAction.UPDATE, locked, fields=list(changes), changes=changes)
    return locked


def agreement_revoke(*, actor, agreement: SharingAgreement, reason: str) -> SharingAgreement:
    """The agreement ends now: its partner sees none of its cases any more."""
    require(actor, Action.MANAGE_AGREEMENTS, agreement)
    reason = clean_input(
        "reason", reason, max_length=REASON_MAX, required=gettext("Say why it ends.")
    )
    with transaction.atomic():
        locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if locked.revoked_at is not None:
            raise ServiceError({"reason": [gettext("This agreement was already revoked.")]})
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            locked,
            fields=["revoked_at"],
            changes={"revoked": True},
            reason=reason,
        )
    return locked
