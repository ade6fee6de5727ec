"""Template helpers of the frame: withheld values, form widgets with the framework's classes."""

import copy

from django import forms, template
from django.forms.boundfield import BoundWidget
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import entry_numbers as numbers
from casework.dates import shown_at_precision
from casework.imports.messages import translated
from casework.models import Sex
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
    """A date written as precisely as it is known (`casework.dates.shown_at_precision`)."""
    return shown_at_precision(value, precision)


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
    described = described_by(bound_field)
    if described:
        attrs["aria-describedby"] = described
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def described_by(bound_field) -> str:
    """The ids of a field's help and errors, as field.html and field_errors.html write them."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}_error")
    return " ".join(ids)


@register.simple_tag
def error_summary(form, formset=None) -> list[dict]:
    """Every error of a refused form (and its formset), each with the id of the field it is about:
    the summary at the top of the form links to each (`includes/form_errors.html`)."""
    problems = []
    for number, each in _numbered_forms(form, formset):
        problems += [{"message": error, "anchor": ""} for error in each.non_field_errors()]
        for name, errors in each.errors.items():
            if name not in each.fields:
                continue
            bound = each[name]
            label = f"{number}. {bound.label}" if number else bound.label
            anchor = "" if bound.is_hidden else _first_control(bound)
            problems += [{"label": label, "message": e, "anchor": anchor} for e in errors]
    if formset:
        problems += [{"message": error, "anchor": ""} for error in formset.non_form_errors()]
    return problems


def _numbered_forms(form, formset):
    if form:
        yield 0, form
    if formset:
        yield from enumerate(formset.forms, start=1)


def _first_control(bound_field) -> str:
    """The id the summary links to: the field's own, or its first choice's for radios."""
    if widget_kind(bound_field) == "choices":
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


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
    """A field's radios or checkboxes, each with the framework's class."""
    w = copy.copy(bound_field.field.widget)
    css = "form-check-input" + (" is-invalid" if bound_field.errors else "")
    w.attrs = {**w.attrs, "class": css}
    attrs = bound_field.build_widget_attrs(
        {"id": bound_field.auto_id} if bound_field.auto_id else {}, w
    )
    return [
        BoundWidget(w, sub, bound_field.form.renderer)
        for sub in w.subwidgets(bound_field.html_name, bound_field.value(), attrs=attrs)
    ]


@register.filter
def import_reason(kept: str) -> str:
    """Why a list row became what it became, kept in English, in the reader's language."""
    return translated(kept)


@register.filter
def entry_number(entry) -> int:
    """A report entry's number as people read it: its place in the report, from 1."""
    return numbers.entry_number(entry)


@register.filter
def field_label(name) -> str:
    """A field's identifier (`birth_place`) as its label in the user's language."""
    return FIELD_LABELS.get(str(name), str(name).replace("_", " "))


# Identifiers that pages show to people (matching fields and levels, import columns, what a merge
# moved), as labels: the matcher and the import speak in identifiers and know nothing of languages.
FIELD_LABELS = {
    "display_name": gettext_lazy("Name"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Birth date"),
    "birth_precision": gettext_lazy("Birth date precision"),
    "age_stated": gettext_lazy("Age stated"),
    "age_stated_on": gettext_lazy("Age stated on"),
    "birthplace": gettext_lazy("Birthplace"),
    "birth_place": gettext_lazy("Birth place"),
    "region_of_origin": gettext_lazy("Region of origin"),
    "region": gettext_lazy("Region of origin"),
    "status": gettext_lazy("Status"),
    "record_id": gettext_lazy("Record id in the list"),
    "family_name": gettext_lazy("Family name"),
    "given_name": gettext_lazy("Given name"),
    "patronymic": gettext_lazy("Patronymic"),
    "full_name": gettext_lazy("Full name (as written)"),
    "alias": gettext_lazy("Alias or kunya"),
    "age": gettext_lazy("Age"),
    "age_reference_date": gettext_lazy("Date the age was stated"),
    "mother_name": gettext_lazy("Mother's name"),
    "father_name": gettext_lazy("Father's name"),
    "location": gettext_lazy("Where held or seen"),
    "father": gettext_lazy("Father"),
    "mother": gettext_lazy("Mother"),
    "kunya": gettext_lazy("Kunya"),
    "identifier": gettext_lazy("Identifier"),
    "names": gettext_lazy("Names"),
    "primary_names": gettext_lazy("Primary names"),
    "placements": gettext_lazy("Placements and sightings"),
    "report_entries": gettext_lazy("Report entries"),
    "list_rows": gettext_lazy("List rows"),
    "notes": gettext_lazy("Notes"),
    "tasks": gettext_lazy("Tasks"),
    "legal_proceedings": gettext_lazy("Legal proceedings"),
    "manifest_entries": gettext_lazy("Manifest entries"),
    "handovers_received": gettext_lazy("Handovers received"),
    "suggestions_confirmed": gettext_lazy("Suggestions confirmed"),
    # Levels of agreement of the matching.
    "exact": gettext_lazy("exact"),
    "same_key": gettext_lazy("same key"),
    "skeleton": gettext_lazy("same consonants"),
    "close": gettext_lazy("close"),
    "near": gettext_lazy("near"),
    "different": gettext_lazy("different"),
    "equivalent": gettext_lazy("equivalent"),
    "same_day": gettext_lazy("same day"),
    "overlap": gettext_lazy("overlapping"),
    "within_1y": gettext_lazy("within a year"),
    "within_3y": gettext_lazy("within three years"),
    "agree": gettext_lazy("agree"),
    "both_agree": gettext_lazy("both agree"),
    "one_agrees": gettext_lazy("one agrees"),
    "missing": gettext_lazy("missing on one side"),
}

# How a compared field came out, in the reviewer's words (a level of the matching engine).
AGREEMENT = {
    **dict.fromkeys(
        ("exact", "equivalent", "same_key", "same_day", "overlap", "agree", "both_agree"),
        gettext_lazy("agrees"),
    ),
    **dict.fromkeys(
        ("skeleton", "close", "near", "within_1y", "within_3y", "one_agrees"),
        gettext_lazy("partly agrees"),
    ),
    "different": gettext_lazy("differs"),
    "missing": gettext_lazy("missing"),
}
# How much a field's comparison weighs (its weight in bits, from the least): in words.
WEIGHS = [
    (-4.0, gettext_lazy("strongly against")),
    (-1.5, gettext_lazy("against")),
    (-0.2, gettext_lazy("slightly against")),
    (0.2, gettext_lazy("nothing either way")),
    (1.5, gettext_lazy("slightly for")),
    (4.0, gettext_lazy("for")),
]


@register.filter
def agreement(level) -> str:
    """agrees / partly agrees / differs / missing, for a matching level."""
    return AGREEMENT.get(str(level), FIELD_LABELS.get(str(level), str(level)))


@register.filter
def compared_value(value, field) -> str:
    """A value of the explanation's side by side as the user reads it: a sex in words, not its
    code (the matcher compares codes)."""
    if field == "sex" and value in Sex.values:
        return Sex(value).label
    return value


@register.filter
def weighs(weight) -> str:
    """What a field's weight says for the same person, in words (never the bits)."""
    try:
        weight = float(weight)
    except (TypeError, ValueError):
        return ""
    for below, words in WEIGHS:
        if weight < below:
            return words
    return _("strongly for")


@register.filter
def percent(probability) -> str:
    """A probability as a percentage in the user's language: 0.9993 → "99.9 %"."""
    from django.utils.formats import number_format

    try:
        value = float(probability) * 100
    except (TypeError, ValueError):
        return ""
    return _("%(value)s %%") % {"value": number_format(value, 1)}


# The badges of a record's state and of a person's status, in every row of a list: a tag, not an
# included template (an include per row cost a template look-up and a context per cell).
@register.simple_tag
def state_badge(state, label):
    return format_html('<span class="badge state-badge state-{}">{}</span>', state, label)


@register.simple_tag
def status_badge(status, label):
    return format_html('<span class="badge status-badge status-{}">{}</span>', status, label)


@register.simple_tag
def candidate_cells(row):
    """A picker row's mother and current place cells (the manifest picker and the relative
    picker, `views/person_picker.candidate_rows`): withheld, unknown or the values."""
    mothers = row["mothers"]
    if mothers is WITHHELD or not mothers:
        mother_cell = shown(mothers)
    else:
        mother_cell = format_html_join(
            SafeString("<br>"),  # a constant tag, nothing of the data
            "{}{}",
            (
                (
                    mother.display_name,
                    format_html(' <span class="text-body-secondary">({})</span>', mother.birth_year)
                    if mother.birth_year
                    else "",
                )
                for mother in mothers
            ),
        )
    place = row["place"]
    if place is WITHHELD or not place:
        place_cell = shown(place)
    else:
        since = _("since %(date)s") % {
            "date": to_precision(place.start_date, place.start_precision)
        }
        place_cell = format_html(
            '{}<br><small class="text-body-secondary">{}</small>',
            place.location.name if place.location else place.place_text,
            since,
        )
    return format_html(
        '<td class="mother-cell" data-label="{}">{}</td>\n'
        '        <td class="place-cell" data-label="{}">{}</td>',
        _("Mother"),
        mother_cell,
        _("Current place"),
        place_cell,
    )
