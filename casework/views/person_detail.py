"""What one person's page shows a given user: each part only at the level it needs, a withheld
field as "withheld", and the read written to the audit trail when the level is sensitive or more."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.classification import shown_at
from casework.models import Person, RelationshipKind
from casework.permissions import Action, Level, allowed_status_moves, can
from casework.presenters import WITHHELD, history_rows, person_fields_for
from casework.selectors import history_for
from casework.services.placements import current_whereabouts
from casework.services.relationships import reciprocal

# (field, label) in the order the page shows them.
DETAIL_FIELDS = [
    ("sex", _("Sex")),
    ("birth", _("Born")),
    ("age_stated", _("Age stated")),
    ("birthplace", _("Birthplace")),
    ("citizenship", _("Citizenship")),
    ("region_of_origin", _("Region of origin")),
    ("languages", _("Languages")),
    ("documents_held", _("Documents held")),
    ("vulnerabilities", _("Vulnerabilities")),
    ("sensitivity", _("Sensitivity")),
    ("team", _("Team")),
    ("assigned_to", _("Assigned to")),
    ("updated_at", _("Last updated")),
]


def _birth(person: Person, shown: set[str]):
    if "birth_date" in shown:
        if person.birth_precision == "age" and person.birth_earliest:
            return _("about %(year)s (estimated from the stated age)") % {"year": person.birth_year}
        if person.birth_date is None:
            return _("unknown")
        formats = {"exact": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
        return person.birth_date.strftime(formats.get(person.birth_precision, "%Y-%m-%d"))
    if "birth_earliest" in shown:
        return person.birth_year if person.birth_year else _("unknown")
    return WITHHELD


def _value(person: Person, name: str, shown: set[str]):
    if name == "birth":
        return _birth(person, shown)
    if name == "age_stated":
        if "age_stated" not in shown:
            return WITHHELD
        if person.age_stated is None:
            return ""
        return _("%(age)s on %(date)s") % {"age": person.age_stated, "date": person.age_stated_on}
    if name not in shown:
        return WITHHELD
    value = getattr(person, name)
    if name == "team":
        return value.name if value else ""
    if name == "assigned_to":
        return value.get_username() if value else ""
    if name == "updated_at":
        return value.strftime("%Y-%m-%d %H:%M")
    display = getattr(person, f"get_{name}_display", None)
    if display is not None:
        return display()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value if value is not None else ""


def _names(person: Person, level: Level) -> list[dict]:
    shown = shown_at("PersonName", level)
    return [
        {
            "text": name.as_text(),
            "script": name.get_script_display(),
            "kind": name.get_kind_display() if "kind" in shown else WITHHELD,
            "source": name.source if "source" in shown else WITHHELD,
            "primary": name.is_primary,
        }
        for name in person.names.order_by("-is_primary", "id")
    ]


def relatives_of(user, person: Person) -> list[dict]:
    """Every recorded relative, both directions; those the user may not see as withheld."""
    rows = []
    links = person.relations_in.select_related("from_person")
    for link in links:  # from is the <kind> of this person
        rows.append((link, link.from_person, link.get_kind_display()))
    for link in person.relations_out.select_related("to_person"):
        # this person is the <kind> of `to`: `to` is the reciprocal of this person
        kind = reciprocal(link.kind, other_sex=link.to_person.sex)
        label = kind.label if isinstance(kind, RelationshipKind) else gettext("parent")
        rows.append((link, link.to_person, label))
    visible = set(
        Person.objects.visible_to(user)
        .filter(pk__in=[other.pk for _, other, _k in rows])
        .values_list("pk", flat=True)
    )
    return [
        {
            "kind": kind,
            "person": other if other.pk in visible else None,
            "confidence": link.get_confidence_display(),
            "source": link.source,
        }
        for link, other, kind in rows
    ]


def detail_context(user, person: Person) -> dict:
    level, shown = person_fields_for(user, person)
    sensitive = level >= Level.SENSITIVE
    restricted = level >= Level.RESTRICTED
    context = {
        "person": person,
        "level": level,
        "sensitive": sensitive,
        "restricted": restricted,
        "fields": [(label, _value(person, name, shown)) for name, label in DETAIL_FIELDS],
        "names": _names(person, level),
        "status_label": person.get_status_display(),
        "moves": sorted(allowed_status_moves(user, person)),
        "may_edit": can(user, Action.EDIT_PERSON, person),
        "may_assign": can(user, Action.ASSIGN_CASE, person),
        "may_place": can(user, Action.RECORD_PLACEMENT, person),
        "may_link": can(user, Action.LINK_RELATIVE, person),
        "may_note": can(user, Action.ADD_NOTE, person),
        "may_share": can(user, Action.SHARE_CASE, person),
        # Who, when, what for every event; why and what it touched only at the level it needs.
        "history": history_rows(history_for(user, person)[:100], level, viewer=user),
        # A merged record points to the one it lives on in, when the user may see that one.
        "merged_into": (
            Person.objects.visible_to(user).filter(pk=person.merged_into_id).first()
            if person.merged_into_id
            else None
        ),
    }
    if sensitive:
        context["relatives"] = relatives_of(user, person)
        context["placements"] = person.placements.select_related("location")
        context["whereabouts"] = current_whereabouts(person)
        notes = person.notes.select_related("author")
        context["notes"] = notes if restricted else notes.filter(is_security_note=False)
    if restricted:
        context["proceedings"] = person.legal_proceedings.all()
        context["security_notes"] = person.security_notes
    audit.record_read(user, person, level, fields=sorted(shown))
    return context
