"""Template helpers of the frame: withheld values, form widgets with the framework's classes."""

import copy

from django import forms, template
from django.forms.boundfield import BoundWidget
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from casework.presenters import WITHHELD

register = template.Library()


@register.filter
def shown(value):
    """A value as text, or a marked "withheld" (never blank) when the user may not see it."""
    if value is WITHHELD:
        return format_html('<span class="withheld">{}</span>', _("withheld"))
    if value in ("", None, []):
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    return value


@register.filter
def to_precision(value, precision) -> str:
    """A date written as precisely as it is known: 2015, 2015-04 or 2015-04-21 (never a made-up
    day for a date known to the month)."""
    if not value:
        return "—"
    if precision == "year":
        return f"{value:%Y}"
    if precision == "month":
        return f"{value:%Y-%m}"
    return f"{value:%Y-%m-%d}"


@register.filter
def is_withheld(value) -> bool:
    return value is WITHHELD


@register.simple_tag
def widget(bound_field):
    """Render a form field's widget with the framework's classes and its error state."""
    w = bound_field.field.widget
    if isinstance(w, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(w, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if bound_field.help_text:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_help"
    choices = getattr(w, "choices", None)
    if isinstance(choices, list | tuple):
        # Model choices carry untranslated labels (see MODEL_LABELS): show them in the user's
        # language. A copy of the widget, so the form's own choices stay as they are.
        w = copy.copy(w)
        w.choices = [_translated_choice(choice) for choice in choices]
        return bound_field.as_widget(widget=w, attrs=attrs)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def widget_kind(bound_field) -> str:
    """How field.html lays a field out: "checkbox", "choices" (radios, checkboxes) or "input"."""
    w = bound_field.field.widget
    if isinstance(w, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    if isinstance(w, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.simple_tag
def choice_inputs(bound_field):
    """A field's radios or checkboxes, each with the framework's class and a translated label."""
    w = copy.copy(bound_field.field.widget)
    css = "form-check-input" + (" is-invalid" if bound_field.errors else "")
    w.attrs = {**w.attrs, "class": css}
    if isinstance(w.choices, list | tuple):
        w.choices = [_translated_choice(choice) for choice in w.choices]
    attrs = bound_field.build_widget_attrs(
        {"id": bound_field.auto_id} if bound_field.auto_id else {}, w
    )
    return [
        BoundWidget(w, sub, bound_field.form.renderer)
        for sub in w.subwidgets(bound_field.html_name, bound_field.value(), attrs=attrs)
    ]


def _translated_choice(choice):
    value, label = choice
    if isinstance(label, list | tuple):
        return value, [_translated_choice(c) for c in label]
    return value, _(str(label)) if label else label


@register.filter
def tr(value) -> str:
    """A label defined without gettext (model choices, filter labels), in the user's language."""
    if value in ("", None):
        return ""
    translated = _(str(value))
    return mark_safe(translated) if isinstance(value, SafeData) else translated  # noqa: S308


@register.filter
def field_label(name) -> str:
    """A field's identifier (`birth_place`) as its label in the user's language."""
    return _(FIELD_LABELS.get(str(name), str(name).replace("_", " ")))


@register.filter
def words(value) -> str:
    """An identifier as words: `read_restricted` → `read restricted`."""
    return str(value).replace("_", " ")


# Labels defined without gettext in the models, listed so makemessages offers them to translators;
# templates translate them with {% translate label %}.
MODEL_LABELS = [
    gettext_noop("reported"),
    gettext_noop("verifying"),
    gettext_noop("located"),
    gettext_noop("identity confirmed"),
    gettext_noop("cleared for return"),
    gettext_noop("on manifest"),
    gettext_noop("returned"),
    gettext_noop("reunited"),
    gettext_noop("deceased"),
    gettext_noop("not traceable"),
    gettext_noop("closed (duplicate)"),
    gettext_noop("closed (other)"),
    gettext_noop("mother"),
    gettext_noop("father"),
    gettext_noop("child"),
    gettext_noop("sibling"),
    gettext_noop("spouse"),
    gettext_noop("grandparent"),
    gettext_noop("grandchild"),
    gettext_noop("guardian"),
    gettext_noop("ward"),
    gettext_noop("parent"),
]

# Labels of identifiers shown to people: matching fields and levels, list columns, merge contents.
FIELD_LABELS = {
    "display_name": gettext_noop("Name"),
    "sex": gettext_noop("Sex"),
    "birth_date": gettext_noop("Birth date"),
    "birth_precision": gettext_noop("Birth date precision"),
    "age_stated": gettext_noop("Age stated"),
    "age_stated_on": gettext_noop("Age stated on"),
    "birthplace": gettext_noop("Birthplace"),
    "birth_place": gettext_noop("Birth place"),
    "region_of_origin": gettext_noop("Region of origin"),
    "region": gettext_noop("Region of origin"),
    "status": gettext_noop("Status"),
    "record_id": gettext_noop("Record id in the list"),
    "family_name": gettext_noop("Family name"),
    "given_name": gettext_noop("Given name"),
    "patronymic": gettext_noop("Patronymic"),
    "full_name": gettext_noop("Full name (as written)"),
    "alias": gettext_noop("Alias or kunya"),
    "age": gettext_noop("Age"),
    "age_reference_date": gettext_noop("Date the age was stated"),
    "mother_name": gettext_noop("Mother's name"),
    "father_name": gettext_noop("Father's name"),
    "location": gettext_noop("Where held or seen"),
    "father": gettext_noop("Father"),
    "mother": gettext_noop("Mother"),
    "kunya": gettext_noop("Kunya"),
    "identifier": gettext_noop("Identifier"),
    "names": gettext_noop("Names"),
    "primary_names": gettext_noop("Primary names"),
    "placements": gettext_noop("Placements and sightings"),
    "report_entries": gettext_noop("Report entries"),
    "list_rows": gettext_noop("List rows"),
    "notes": gettext_noop("Notes"),
    "tasks": gettext_noop("Tasks"),
    "legal_proceedings": gettext_noop("Legal proceedings"),
    "manifest_entries": gettext_noop("Manifest entries"),
    "handovers_received": gettext_noop("Handovers received"),
    "suggestions_confirmed": gettext_noop("Suggestions confirmed"),
    # Levels of agreement of the matching.
    "exact": gettext_noop("exact"),
    "same_key": gettext_noop("same key"),
    "skeleton": gettext_noop("same consonants"),
    "close": gettext_noop("close"),
    "near": gettext_noop("near"),
    "different": gettext_noop("different"),
    "equivalent": gettext_noop("equivalent"),
    "same_day": gettext_noop("same day"),
    "overlap": gettext_noop("overlapping"),
    "within_1y": gettext_noop("within a year"),
    "within_3y": gettext_noop("within three years"),
    "agree": gettext_noop("agree"),
    "both_agree": gettext_noop("both agree"),
    "one_agrees": gettext_noop("one agrees"),
}

# Labels of the other areas' model choices and filters, defined without gettext.
OTHER_LABELS = [
    # Reports
    gettext_noop("web form"),
    gettext_noop("letter"),
    gettext_noop("phone"),
    gettext_noop("visit"),
    gettext_noop("internet board"),
    gettext_noop("partner"),
    gettext_noop("list import"),
    gettext_noop("waiting for triage"),
    gettext_noop("in triage"),
    gettext_noop("triaged"),
    gettext_noop("not a report"),
    gettext_noop("linked to a known person"),
    gettext_noop("created a new person"),
    gettext_noop("not a person to trace"),
    gettext_noop("to process the report for tracing"),
    gettext_noop("to share with a named partner"),
    gettext_noop("to share with authorities"),
    gettext_noop("to be contacted"),
    gettext_noop("photo"),
    gettext_noop("document"),
    gettext_noop("exact day"),
    gettext_noop("estimated from an age stated on a date"),
    # Flights
    gettext_noop("planned"),
    gettext_noop("confirmed"),
    gettext_noop("completed"),
    gettext_noop("cancelled"),
    gettext_noop("proposed"),
    gettext_noop("approved"),
    gettext_noop("boarded"),
    gettext_noop("not boarded"),
    gettext_noop("passenger"),
    gettext_noop("escort"),
    gettext_noop("a relative"),
    gettext_noop("child services"),
    gettext_noop("other"),
    # Imports
    gettext_noop("previewed (nothing written)"),
    gettext_noop("committed"),
    gettext_noop("failed (nothing written)"),
    gettext_noop("linked to a person"),
    gettext_noop("created a person"),
    gettext_noop("ambiguous (waiting for review)"),
    gettext_noop("rejected"),
    # Review
    gettext_noop("two persons"),
    gettext_noop("a list row and a person"),
    gettext_noop("a report entry and a person"),
    gettext_noop("waiting for review"),
    gettext_noop("the same person"),
    gettext_noop("not the same person"),
    gettext_noop("needs more information"),
    # Audit actions, as words
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("status change"),
    gettext_noop("read sensitive"),
    gettext_noop("read restricted"),
    gettext_noop("export"),
    gettext_noop("import"),
    gettext_noop("login"),
    gettext_noop("login failed"),
    gettext_noop("logout"),
    gettext_noop("denied"),
    gettext_noop("break glass"),
    gettext_noop("merge"),
    gettext_noop("unmerge"),
    gettext_noop("decide match"),
    gettext_noop("second factor"),
    gettext_noop("session ended"),
    # Filters
    gettext_noop("Who"),
    gettext_noop("Record or person id"),
    gettext_noop("Action"),
    gettext_noop("From"),
    gettext_noop("To"),
    gettext_noop("Search"),
    gettext_noop("Status"),
    gettext_noop("Channel"),
    gettext_noop("Received from"),
    gettext_noop("Received until"),
    gettext_noop("Reference"),
    gettext_noop("Source"),
    gettext_noop("Kind"),
    gettext_noop("Decision"),
    gettext_noop("Least probability"),
]
