"""Exports of person lists: pseudonymised by default, identifiable only with the permission and a
reason, always audited, always formula-safe.

The rows are the persons of `PersonFilterSet` over `Person.objects.visible_to(actor)` (the same
filters as the list page and the API), each as `presenters.present_persons` shows it to the
exporter (as the page and the API do): a field they may not see is written as "withheld", never as
an empty cell. The export's event names every person it wrote.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import uuid

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from casework import audit
from casework.classification import Sens, sensitivity
from casework.filtersets import PersonFilterSet
from casework.models import Person, Team
from casework.permissions import Action, require
from casework.presenters import WITHHELD, present_persons
from casework.services.errors import ServiceError
from casework.spreadsheet import safe_row

WITHHELD_CELL = "withheld"
MAX_ROWS = 200_000

# (column, the presented person field it writes; None: the pseudonym, made from the public id)
PSEUDONYMISED = [
    ("pseudonym", None),
    ("sex", "sex"),
    ("birth_year", "birth_year"),
    ("status", "status"),
    ("region_of_origin", "region_of_origin"),
    ("documents_held", "documents_held"),
]
IDENTIFIABLE = [
    ("id", "public_id"),
    ("name", "display_name"),
    ("sex", "sex"),
    ("birth_year", "birth_year"),
    ("birth_earliest", "birth_earliest"),
    ("birth_latest", "birth_latest"),
    ("birth_precision", "birth_precision"),
    ("birthplace", "birthplace"),
    ("citizenship", "citizenship"),
    ("region_of_origin", "region_of_origin"),
    ("documents_held", "documents_held"),
    ("status", "status"),
    ("team", "team"),
]


def pseudonym(public_id) -> str:
    """Stable across exports (analysts can join two of them), not reversible without the key."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"export:{public_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"P-{digest[:16]}"


def _cell(value) -> str:
    """A presented value as CSV text; whether it shows is the presenter's."""
    if value is WITHHELD:
        return WITHHELD_CELL
    if value is None:
        return ""
    if isinstance(value, Team):
        return value.name
    return str(value)


def _known_value(name: str, value: str) -> bool:
    """Whether `value` is one the filter itself offers (a status, a sex, an ordering key, a year, a
    team id), never free text the caller typed."""
    declared = PersonFilterSet.base_filters[name]
    if name == "ordering":
        return value.removeprefix("-") in declared.param_map
    choices = declared.extra.get("choices")
    if choices is not None:
        return value in {str(key) for key, _label in choices}
    if name in ("born_from", "born_to"):
        return value.isdigit() and len(value) <= 4
    if name == "team":
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    return False


def _shown_as_is(name: str) -> bool:
    """A filter whose value may enter the trail: on a staff-level field and no free-text search
    (`q` is a name someone looked for; region and birthplace are sensitive)."""
    if name == "ordering":
        return True
    field = PersonFilterSet.FILTER_FIELDS.get(name)
    return field is not None and name != "q" and sensitivity("Person", field) == Sens.STAFF


def audited_filters(params) -> dict:
    """The export's filters as the audit trail keeps them: the name of every filter used, and its
    value only when `_shown_as_is` and the value is one the filter offers; otherwise the redaction
    marker. A parameter that is no filter is left out (its very name is the caller's text)."""
    kept = {}
    for name in sorted(params or {}):
        if name not in PersonFilterSet.base_filters:
            continue
        raw = params.getlist(name) if hasattr(params, "getlist") else params[name]
        values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])]
        if _shown_as_is(name) and all(_known_value(name, v) for v in values):
            kept[name] = values[0] if len(values) == 1 else values
        else:
            kept[name] = audit.REDACTED
    return kept


def persons_export(
    *, actor, params, identifiable: bool = False, reason: str = ""
) -> tuple[str, int]:
    """The CSV text of the filtered persons the actor may see, and its row count."""
    if identifiable:
        require(actor, Action.EXPORT_IDENTIFIABLE)
        if len((reason or "").strip()) < 10:
            raise ServiceError(
                {"reason": [gettext("Say why identifiable data must leave the system.")]}
            )
    else:
        require(actor, Action.EXPORT_PSEUDONYMISED)
    filterset = PersonFilterSet(
        params or None,
        queryset=Person.objects.visible_to(actor)
        .select_related("team")
        .order_by("display_name", "id"),
        user=actor,
    )
    if filterset.is_bound and not filterset.is_valid():
        # A filter the export cannot apply (a birth year of 0) would export more persons than
        # were asked for: refused, naming the filter, like the list page shows it.
        raise ServiceError(
            {name: [str(error) for error in errors] for name, errors in filterset.errors.items()}
        )
    persons = list((filterset.qs if filterset.is_bound else filterset.queryset)[: MAX_ROWS + 1])
    if len(persons) > MAX_ROWS:
        raise ServiceError(
            {
                "filters": [
                    gettext("More than %(count)s persons: narrow the filters.")
                    % {"count": MAX_ROWS}
                ]
            }
        )
    columns = IDENTIFIABLE if identifiable else PSEUDONYMISED
    fields = [field for _column, field in columns if field is not None]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _ in columns])
    # The export's own event below is the record of this read.
    for view in present_persons(actor, persons, fields, read=None):
        writer.writerow(
            safe_row(
                pseudonym(view.person.public_id) if field is None else _cell(view[field])
                for _column, field in columns
            )
        )
    with transaction.atomic():
        audit.record_export(
            actor,
            persons,
            fields=[name for name, _ in columns],
            changes={
                "rows": len(persons),
                "identifiable": identifiable,
                "filters": audited_filters(params),
            },
            reason=reason.strip(),
        )
    return out.getvalue(), len(persons)
