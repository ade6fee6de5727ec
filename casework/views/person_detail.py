"""What one person's page shows a given user: each part only at the level it needs, a withheld
field as "withheld", and the read written to the audit trail when the level is sensitive or more."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.dates import shown_at_precision
from casework.models import LegalProceeding, NameKind, Person, RelationshipKind, Script
from casework.permissions import (
    Action,
    Level,
    allowed_status_moves,
    may_at_level,
    person_levels,
)
from casework.presenters import WITHHELD, PersonView, history_rows, present_person
from casework.selectors import history_for
from casework.services.placements import current_whereabouts_among
from casework.services.relationships import reciprocal, relation_word

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
# What the page asks the presenter for: the fields above as the person's own, what "Born" and
# "Age stated" are written from, the names, the record a merged one lives on in, security notes.
PAGE_FIELDS = [
    *(name for name, _label in DETAIL_FIELDS if name not in ("birth", "age_stated")),
    "birth_date",
    "birth_precision",
    "birth_year",
    "birth_earliest",
    "age_stated",
    "age_stated_on",
    "names",
    "merged_into",
    "security_notes",
]
# The actions the page offers, each asked at the level computed once for the page.
PAGE_ACTIONS = {
    "may_edit": Action.EDIT_PERSON,
    "may_assign": Action.ASSIGN_CASE,
    "may_place": Action.RECORD_PLACEMENT,
    "may_link": Action.LINK_RELATIVE,
    "may_note": Action.ADD_NOTE,
    "may_task": Action.KEEP_TASKS,
    "may_share": Action.SHARE_CASE,
    "may_record_proceeding": Action.RECORD_PROCEEDING,
}


def _birth(view: PersonView):
    date, year = view["birth_date"], view["birth_year"]
    if date is not WITHHELD:
        precision = view["birth_precision"]
        if precision == "age" and view["birth_earliest"]:
            return _("about %(year)s (estimated from the stated age)") % {"year": year}
        if date is None:
            return _("unknown")
        return shown_at_precision(date, precision)
    if year is not WITHHELD:
        return year if year else _("unknown")
    return WITHHELD


def _value(view: PersonView, name: str):
    """A field as the page writes it; whether it shows is the presenter's."""
    if name == "birth":
        return _birth(view)
    if name == "age_stated":
        age = view["age_stated"]
        if age is WITHHELD:
            return WITHHELD
        if age is None:
            return ""
        return _("%(age)s on %(date)s") % {"age": age, "date": view["age_stated_on"]}
    value = view[name]
    if value is WITHHELD:
        return value
    if name == "team":
        return value.name if value else ""
    if name == "assigned_to":
        return value.get_username() if value else ""
    if name == "updated_at":
        return value.strftime("%Y-%m-%d %H:%M")
    display = getattr(view.person, f"get_{name}_display", None)
    if display is not None:
        return display()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value if value is not None else ""


_SCRIPTS = dict(Script.choices)
_KINDS = dict(NameKind.choices)


def _names(view: PersonView) -> list[dict]:
    names = view["names"]
    if names is WITHHELD:
        return []
    return [
        {
            "text": name.text,
            "script": _SCRIPTS.get(name.script, name.script),
            "kind": name.kind if name.kind is WITHHELD else _KINDS.get(name.kind, name.kind),
            "source": name.source,
            "primary": name.primary,
        }
        for name in names
    ]


def relatives_of(user, person: Person) -> tuple[list[dict], list]:
    """Every recorded relative, both directions; those the user may not see as withheld. One
    query for the links both ways, however many. Also the links the user may read themselves
    (the relative's working record too, as the links' gate asks), for the history to name."""
    rows = []
    links = (
        (person.relations_in.all() | person.relations_out.all())
        .select_related("from_person", "to_person")
        .order_by("id")
    )
    incoming, outgoing = [], []
    for link in links:
        (incoming if link.to_person_id == person.pk else outgoing).append(link)
    levels = person_levels(
        user, [link.from_person for link in incoming] + [link.to_person for link in outgoing]
    )

    def sex_of(other):  # worded by sex only where the relative's sex may be shown
        return other.sex if levels[other.pk] >= Level.MINIMAL else None

    for link in incoming:  # from is the <kind> of this person
        other = link.from_person
        rows.append((link, other, relation_word(RelationshipKind(link.kind), sex_of(other))))
    for link in outgoing:
        # this person is the <kind> of `to`: `to` is the reciprocal of this person
        other = link.to_person
        sex = sex_of(other)
        kind = reciprocal(link.kind, other_sex=sex or "U")
        rows.append((link, other, relation_word(kind, sex)))
    relatives = [
        {
            "kind": kind,
            "person": other if levels[other.pk] > Level.NONE else None,
            "confidence": link.get_confidence_display(),
            "source": link.source,
        }
        for link, other, kind in rows
    ]
    readable = [link for link, other, _kind in rows if levels[other.pk] >= Level.SENSITIVE]
    return relatives, readable


def tasks_of(person: Person) -> tuple[list, list]:
    """The person's open tasks (the earliest due first) and done ones (the latest done first),
    in one query; shown with the working record, whose level the tasks share."""
    tasks = person.tasks.select_related("assigned_to").order_by(
        F("due_on").asc(nulls_last=True), "id"
    )
    open_tasks, done = [], []
    for task in tasks:
        (open_tasks if task.done_at is None else done).append(task)
    done.sort(key=lambda task: task.done_at, reverse=True)
    return open_tasks, done


def detail_context(user, person: Person) -> dict:
    # The history as it stood before this page's own read (which the presenter records).
    events = list(history_for(user, person, gated=True)[:100])
    view = present_person(user, person, PAGE_FIELDS)
    level = view.level
    sensitive = level >= Level.SENSITIVE
    restricted = level >= Level.RESTRICTED
    merged_into = view["merged_into"]
    # What the page reads of the person's own records, each once: the history names them from
    # here instead of asking their gates again (the names the presenter loaded, if shown).
    known = [] if view["names"] is WITHHELD else list(person.names.all())
    context = {
        "person": person,
        "level": level,
        "sensitive": sensitive,
        "restricted": restricted,
        "fields": [(label, _value(view, name)) for name, label in DETAIL_FIELDS],
        "names": _names(view),
        "status_label": person.get_status_display(),
        "moves": sorted(allowed_status_moves(user, person, level=level)),
        **{key: may_at_level(user, action, level) for key, action in PAGE_ACTIONS.items()},
        # A merged record points to the one it lives on in, when the user may see that one.
        "merged_into": None if merged_into is WITHHELD else merged_into,
    }
    if sensitive:
        context["relatives"], readable_links = relatives_of(user, person)
        known += readable_links
        placements = list(person.placements.select_related("location"))
        known += placements
        context["placements"] = placements
        context["whereabouts"] = current_whereabouts_among(placements)
        notes = person.notes.select_related("author")
        context["notes"] = notes if restricted else notes.filter(is_security_note=False)
        context["open_tasks"], context["done_tasks"] = tasks_of(person)
        context["today"] = timezone.localdate()
    if restricted:
        context["proceedings"] = LegalProceeding.objects.visible_to(user).filter(person=person)
        context["security_notes"] = view["security_notes"]
    # Who, when, what for every event; why and what it touched only at the level it needs.
    context["history"] = history_rows(events, level, viewer=user, person=person, known=known)
    return context
