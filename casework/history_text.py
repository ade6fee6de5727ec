"""What an audit event says, in the reader's language, as a caseworker would say it: "Status
changed from located to verifying", "Note added", "Sensitive data read: birth date, birthplace",
"Merged into Alieva Madina".

Each kind of record is named by its model's verbose name, each field by its field's, and a record
the reader may see by its own name ("report MATRIXREP1", "placement in Roj": casework.record_names
looks them up through the read gates); a record the reader may not see is named by its kind only.
One small function per action below; the person history, the histories of reports, flights and
lists, and the audit trail all speak through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, ForeignObjectRel
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from casework import kept_text, record_names
from casework.audit import REDACTED, AuditAction
from casework.models import Person, RowOutcome

# Names an event gives to what it touched, or to what it recorded about itself, that are no
# field of its record: a name as a whole, partner shares, the level of a read, a denial's answer.
_NOT_FIELDS = {
    "name": gettext_lazy("name"),
    "shares": gettext_lazy("sharing with partners"),
    "level": gettext_lazy("level"),
    "attempted": gettext_lazy("attempted"),
    "answered": gettext_lazy("answered"),
    "route": gettext_lazy("page"),
    "stage": gettext_lazy("stage"),
    "counts": gettext_lazy("counts"),
    "rows": gettext_lazy("rows"),
    "identifiable": gettext_lazy("identifiable"),
    "filters": gettext_lazy("filters"),
    "records": gettext_lazy("records"),
    "view": gettext_lazy("page"),
    "via": gettext_lazy("through"),
    "grant": gettext_lazy("break-glass grant"),
    "until": gettext_lazy("until"),
    "moved": gettext_lazy("records moved"),
    "survivor": gettext_lazy("kept record"),
    "absorbed": gettext_lazy("merged record"),
    "report_status": gettext_lazy("report status"),
    "absorbed_status": gettext_lazy("status of the merged record"),
    "primary_names": gettext_lazy("primary names"),
    "relations_from": gettext_lazy("relationships from the record"),
    "relations_to": gettext_lazy("relationships to the record"),
    "relations_dropped": gettext_lazy("relationships dropped"),
    "suggestions_confirmed": gettext_lazy("suggested matches confirmed"),
    "suggestions_moved": gettext_lazy("suggested matches moved"),
    "suggestions_set_aside": gettext_lazy("suggested matches set aside"),
}
# An import's counts of rows, by outcome.
_OUTCOMES = {**dict(RowOutcome.choices), "invalid": gettext_lazy("rows with errors")}
# Values an event recorded about itself, in words: the level a read was at, an import's stage.
_VALUES = {
    ("level", "partner"): gettext_lazy("partner"),
    ("level", "minimal"): gettext_lazy("minimal"),
    ("level", "sensitive"): gettext_lazy("sensitive"),
    ("level", "restricted"): gettext_lazy("restricted"),
    ("stage", "uploaded"): gettext_lazy("uploaded"),
    ("stage", "committed"): gettext_lazy("committed"),
}
# The reasons the system writes on events itself, in English (the services and the session
# middleware write them; a person's reason is kept as they wrote it): shown in the reader's
# language through these msgids (see casework.kept_text). A reason written otherwise is shown as
# it was written.
SYSTEM_REASONS = [
    gettext_noop("From report %(reference)s, entry %(number)s"),
    gettext_noop("Approved for flight %(reference)s"),
    gettext_noop("Handed over after flight %(reference)s"),
    gettext_noop("list import “%(source)s”, row %(row)s"),
    gettext_noop("list import “%(source)s”"),
    gettext_noop("log out everywhere"),
    gettext_noop("account deactivated"),
    gettext_noop("password changed"),
    gettext_noop("password disabled"),
    gettext_noop("find duplicates"),
    gettext_noop("idle timeout"),
    gettext_noop("absolute timeout"),
    gettext_noop("ended everywhere"),
]
# A change an event records of another record than its own: a triage changes the report's status.
_OTHER_RECORD = {"report_status": ("FamilyReport", "status")}


def _model(object_type: str):
    try:
        return apps.get_model("casework", str(object_type))
    except (LookupError, ValueError):
        return None


def _field(object_type: str, name: str):
    """The field an event names (or the other side of a relation: "placements"), on its own
    record or, failing that, on the person (a merge names the fields it changed on the absorbed
    person); None for a name that is neither."""
    if name in _OTHER_RECORD:
        object_type, name = _OTHER_RECORD[name]
    for model in (_model(object_type), Person):
        if model is None:
            continue
        for candidate in (name, name.removesuffix("_id")):
            try:
                return model._meta.get_field(candidate)
            except FieldDoesNotExist:
                continue
    return None


def record_kind(object_type: str) -> str:
    """A kind of record in words ("note", "report"); the identifier when no model has it."""
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else str(object_type)


def field_word(object_type: str, name: str) -> str:
    """A field an event names, in words: its verbose name ("birth date" for birth_date)."""
    field = _field(object_type, str(name))
    if isinstance(field, Field) and name not in _OTHER_RECORD:
        return str(field.verbose_name)
    if isinstance(field, ForeignObjectRel):  # the records on the other side ("placements")
        return str(field.related_model._meta.verbose_name_plural)
    return str(_NOT_FIELDS.get(name, str(name).replace("_", " ")))


def field_words(object_type: str, names: Iterable[str]) -> list[str]:
    words = []
    for name in names:
        word = field_word(object_type, name)
        if word not in words:  # team and team_id are one field
            words.append(word)
    return words


def value_label(object_type: str, name: str, value) -> str:
    """A value an event recorded for a field, by its choice label when the field has choices."""
    if value in (None, ""):
        return "—"
    if value == REDACTED:
        return _("[redacted]")
    if isinstance(value, str) and (name, value) in _VALUES:
        return str(_VALUES[(name, value)])
    if isinstance(value, dict):
        return ", ".join(
            f"{_key_word(object_type, name, key)} — {value_label(object_type, key, item)}"
            for key, item in value.items()
        )
    field = _field(object_type, str(name))
    if not isinstance(field, Field) or not field.choices or not isinstance(value, str):
        return str(value)
    return str(dict(field.flatchoices).get(value, value))


def _key_word(object_type: str, name: str, key: str) -> str:
    """A key of a value an event recorded as a mapping: an import's counts by outcome, what a
    merge moved by kind of record."""
    if name == "counts":
        return str(_OUTCOMES.get(key, key))
    return field_word(object_type, key)


def reason_text(reason: str) -> str:
    """An event's reason in the reader's language when the system wrote it; as written else."""
    if not reason:
        return reason
    return kept_text.translated(reason, SYSTEM_REASONS) or reason


def change_text(object_type: str, name: str, change) -> str:
    """One entry of an event's changes: the field in words and its value before and after."""
    word = field_word(object_type, name)
    if isinstance(change, list) and len(change) == 2:
        before, after = (value_label(object_type, name, value) for value in change)
        return f"{word}: {before} → {after}"
    return f"{word}: {value_label(object_type, name, change)}"


def status_change(object_type: str, change, reason: str = "") -> str:
    """A status change as a sentence, each status by its label for that kind of record."""
    before, after = (value_label(object_type, "status", value) for value in change)
    if reason:
        return _("Status changed from %(before)s to %(after)s: %(reason)s") % {
            "before": before,
            "after": after,
            "reason": reason,
        }
    return _("Status changed from %(before)s to %(after)s") % {"before": before, "after": after}


# --- The sentences, one per action ----------------------------------------------------------
# Each takes the event and the name of the record it touched: "" when the record is the one the
# page is about (the person of a person's history, the report of a report's, any record on the
# audit trail, which names it in a column of its own).


def _fields(event) -> str:
    return ", ".join(field_words(event.object_type, event.fields or ()))


# A record's name may open a sentence in one language and end it in another ("Note added",
# "Добавлено: заметка"): names are lower case, and each sentence is capitalised when made.


def _created(event, record: str) -> str:
    if not record:
        return _("Record created")
    return capfirst(_("%(record)s added") % {"record": record})


def _changed(event, record: str) -> str:
    fields = _fields(event)
    if record and fields:
        return capfirst(_("%(record)s changed: %(fields)s") % {"record": record, "fields": fields})
    if record:
        return capfirst(_("%(record)s changed") % {"record": record})
    return _("Changed: %(fields)s") % {"fields": fields} if fields else _("Changed")


def _deleted(event, record: str) -> str:
    record = record or record_kind(event.object_type)
    return capfirst(_("%(record)s removed") % {"record": record})


def _status_changed(event, record: str, reason: str = "") -> str:
    change = (event.changes or {}).get("status")
    if not (isinstance(change, list) and len(change) == 2):
        return _changed(event, record)
    if not record:
        return status_change(event.object_type, change, reason)
    before, after = (value_label(event.object_type, "status", value) for value in change)
    said = _("%(record)s: status changed from %(before)s to %(after)s") % {
        "record": record,
        "before": before,
        "after": after,
    }
    return capfirst(f"{said}: {reason}" if reason else said)


def _read_sensitive(event, record: str) -> str:
    if fields := _fields(event):
        return _("Sensitive data read: %(fields)s") % {"fields": fields}
    return _("Sensitive data read")


def _read_restricted(event, record: str) -> str:
    if fields := _fields(event):
        return _("Restricted data read: %(fields)s") % {"fields": fields}
    return _("Restricted data read")


def _exported(event, record: str) -> str:
    rows = (event.changes or {}).get("rows")
    if isinstance(rows, int):
        return _("Persons exported: %(rows)s") % {"rows": rows}
    return _("Exported")


def _imported(event, record: str) -> str:
    changes = event.changes or {}
    rows = changes.get("rows")
    if changes.get("stage") == "uploaded" and isinstance(rows, int):
        return ngettext("List uploaded: %(rows)s row", "List uploaded: %(rows)s rows", rows) % {
            "rows": rows
        }
    if changes.get("stage") == "uploaded":
        return _("List uploaded")
    return _("List imported")


def _merged(event, record: str) -> str:
    other = record or _("another record")
    if record_names.is_absorbed(event):
        return _("Merged into %(person)s") % {"person": other}
    return capfirst(_("%(person)s merged into this record") % {"person": other})


def _unmerged(event, record: str) -> str:
    other = record or _("another record")
    return _("Merge with %(person)s undone") % {"person": other}


def _match_decided(event, record: str) -> str:
    change = (event.changes or {}).get("decision")
    if isinstance(change, list) and len(change) == 2:
        decision = value_label("MatchSuggestion", "decision", change[1])
        return _("Match decided: %(decision)s") % {"decision": decision}
    return _("Match decided")


def _refused(event, record: str) -> str:
    attempted = (event.changes or {}).get("attempted") or (event.changes or {}).get("action")
    if attempted:
        return _("Refused: %(attempted)s") % {"attempted": str(attempted).replace("_", " ")}
    return _("Refused")


def _labelled(event, record: str) -> str:
    """An action said by its label alone ("Signed in", "Session ended")."""
    return capfirst(action_label(event.action))


_SENTENCES: dict[str, Callable] = {
    AuditAction.CREATE: _created,
    AuditAction.UPDATE: _changed,
    AuditAction.DELETE: _deleted,
    AuditAction.READ_SENSITIVE: _read_sensitive,
    AuditAction.READ_RESTRICTED: _read_restricted,
    AuditAction.EXPORT: _exported,
    AuditAction.IMPORT: _imported,
    AuditAction.MERGE: _merged,
    AuditAction.UNMERGE: _unmerged,
    AuditAction.DECIDE_MATCH: _match_decided,
    AuditAction.DENIED: _refused,
}


def action_label(action) -> str:
    """What an event records, by its label (an action no longer written, as its identifier)."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return str(action).replace("_", " ")


def sentence(event, record: str = "", *, reason: str = "") -> str:
    """What `event` says, as a sentence; `record` names what it touched ("" for the page's own
    record). A status change, the one event whose reason is its point, says `reason` too:
    "Status changed from located to verifying: confirmed by a list"."""
    if event.action == AuditAction.STATUS_CHANGE:
        return _status_changed(event, record, reason)
    return _SENTENCES.get(event.action, _labelled)(event, record)


def withheld_sentence(event) -> str:
    """What an event says to a reader who may not see what it touched: its action alone."""
    return capfirst(action_label(event.action))


def name_of(event, names: dict, *, own: Iterable = ()) -> str:
    """The name of the record an event touched: "" for a record in `own` (the page's own), its
    name when the reader may see it, else its kind. For a merge, the other person's name."""
    if event.action in (AuditAction.MERGE, AuditAction.UNMERGE):
        return names.get(("Person", str(record_names.merge_other(event))), "")
    if event.object_id is not None and str(event.object_id) in {str(o) for o in own}:
        return ""
    if not event.object_type:
        return ""
    return names.get((event.object_type, str(event.object_id)), record_kind(event.object_type))


# --- The audit trail ------------------------------------------------------------------------


def audit_lines(viewer, events) -> list[dict]:
    """A page of the audit trail for `viewer` (who may read it): each event with its sentence,
    the record it touched by name (or kind), the person it belongs to by name, its fields in
    words and its changes as text. Names only of what `viewer` may see; ids always, for the
    officer's own look-ups."""
    events = list(events)
    names = record_names.record_names(viewer, events)
    persons = record_names.persons(viewer, {str(e.person_id) for e in events if e.person_id})
    return [
        {
            "event": event,
            # The record has a column of its own: the sentence names only a merge's other person.
            "text": sentence(event, name_of(event, names, own=[event.object_id])),
            "record": (
                names.get((event.object_type, str(event.object_id)))
                or (record_kind(event.object_type) if event.object_type else "")
            ),
            "person": persons.get(str(event.person_id), ""),
            "reason": reason_text(event.reason),
            "fields": field_words(event.object_type, event.fields or ()),
            "changes": [
                change_text(event.object_type, name, change)
                for name, change in (event.changes or {}).items()
            ],
        }
        for event in events
    ]
