"""A flight's manifest as it is printed and handed over: each passenger and escort, with the
documents each passenger still lacks.

The flight comes through its read gate; each passenger through `Person.objects.visible_to` and
`present_persons`: a passenger the user may not see is a withheld line (the flight page shows it
so), a field they may not see is "withheld". Printing records the reads of the persons shown;
the XLSX file is an export, its event naming every passenger it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.exports import Table
from casework.models import DocumentsHeld, ManifestRole, Person, RepatriationFlight
from casework.permissions import Action, Hidden, require
from casework.presenters import WITHHELD, present_persons

# Documents that carry a passenger across a border; any other holding means some are missing.
RECOGNISED = frozenset({DocumentsHeld.NATIONAL, DocumentsHeld.FOREIGN})
FIELDS = ["display_name", "sex", "birth_year", "documents_held"]
HEADER = [
    _("Passenger or escort"),
    _("Name"),
    _("Sex"),
    _("Year of birth"),
    _("Documents held"),
    _("Documents still missing"),
    _("Manifest status"),
]


@dataclass(frozen=True)
class ManifestLine:
    role: str
    name: object
    sex: object
    birth_year: object
    documents: object
    missing: object
    status: str
    shown: bool

    def cells(self) -> list:
        return [
            self.role,
            self.name,
            self.sex,
            self.birth_year,
            self.documents,
            self.missing,
            self.status,
        ]


def _text(value, labels: dict | None = None):
    if value is WITHHELD:
        return gettext("withheld")
    if value is None:
        return ""
    if labels is not None:
        return str(labels.get(value, value))
    return value


def _missing(documents) -> str:
    if documents is WITHHELD:
        return gettext("withheld")
    if documents in RECOGNISED:
        return gettext("none")
    if documents == DocumentsHeld.UNKNOWN:
        return gettext("unknown: check before boarding")
    return gettext("travel document")


def manifest_lines(actor, flight: RepatriationFlight, *, read: str | None) -> list[ManifestLine]:
    """The manifest's lines, passengers first; `read` names the page whose reads are recorded
    (None when the caller records an export instead)."""
    require(actor, Action.MANAGE_FLIGHT)
    if not RepatriationFlight.objects.visible_to(actor).filter(pk=flight.pk).exists():
        raise Hidden()
    entries = list(flight.manifest.order_by("role", "id"))
    visible = Person.objects.visible_to(actor).filter(manifest_entries__flight=flight).distinct()
    views = {
        view.person.pk: view for view in present_persons(actor, list(visible), FIELDS, read=read)
    }
    sexes = dict(Person._meta.get_field("sex").flatchoices)
    documents = dict(Person._meta.get_field("documents_held").flatchoices)
    lines = []
    for entry in entries:
        role = entry.get_role_display()
        status = entry.get_status_display()
        view = views.get(entry.person_id) if entry.person_id else None
        if entry.role == ManifestRole.ESCORT and view is None:
            name = entry.escort_name if not entry.person_id else gettext("withheld")
            lines.append(ManifestLine(role, name, "", "", "", "", status, shown=True))
        elif view is None:
            hidden = gettext("withheld")
            lines.append(ManifestLine(role, hidden, hidden, hidden, hidden, hidden, status, False))
        else:
            held = view["documents_held"]
            lines.append(
                ManifestLine(
                    role,
                    _text(view["display_name"]),
                    _text(view["sex"], sexes),
                    _text(view["birth_year"]),
                    _text(held, documents),
                    _missing(held) if entry.role == ManifestRole.PASSENGER else "",
                    status,
                    shown=True,
                )
            )
    return lines


def manifest_table(actor, flight: RepatriationFlight):
    """The manifest as an export (`exports.Table`), its event naming every passenger written."""
    lines = manifest_lines(actor, flight, read=None)
    shown = Person.objects.visible_to(actor).filter(manifest_entries__flight=flight).distinct()
    with transaction.atomic():
        audit.record_export(
            actor,
            list(shown.only("public_id")),
            fields=FIELDS,
            changes={"manifest": str(flight.public_id), "rows": len(lines)},
        )
    return Table(
        stem=f"manifest-{flight.reference}",
        title=gettext("Manifest %(reference)s") % {"reference": flight.reference},
        header=[str(h) for h in HEADER],
        count=len(lines),
        rows=iter([line.cells() for line in lines]),
    )
