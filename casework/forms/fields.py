"""Form fields every way in shares: dates as families write them, several files at once, and the
one-time token of a form that creates something."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.utils import flatatt, from_current_timezone
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from casework.dates import (
    DateNotUnderstood,
    ParsedDate,
    parse_day,
    parse_day_and_time,
    parse_family_date,
)
from casework.models import DatePrecision
from casework.services.form_tokens import new_form_token


class FamilyDateField(forms.CharField):
    """A date as families write it (`casework.dates`): cleans to a ParsedDate or None."""

    def __init__(self, *args, allow_age=True, **kwargs):
        self.allow_age = allow_age
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            parsed = parse_family_date(text, reference_date=timezone.localdate())
        except DateNotUnderstood as exc:
            raise forms.ValidationError(str(exc)) from None
        is_age = parsed is not None and parsed.precision == DatePrecision.AGE_ESTIMATE
        if is_age and not self.allow_age:
            raise forms.ValidationError(
                _("Write a date or a year here, such as 2017 or 05.2017, not an age.")
            )
        return parsed


class DayField(forms.DateField):
    """A whole day, written in any form `casework.dates` reads (day before month), which may be
    ahead: a flight's date. Never the locale's guess (the English one reads 03/12 as 12 March)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return parse_day(str(value))
        except DateNotUnderstood as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class DayAndTimeField(forms.DateTimeField):
    """A day written as `DayField` reads it and a time, "21.04.2015 14:30", in the current time
    zone (a handover's form sets the flight's)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return from_current_timezone(value)
        try:
            naive = parse_day_and_time(str(value))
        except DateNotUnderstood as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return from_current_timezone(naive) if naive is not None else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


def entry_dates(data: dict, birth: ParsedDate | None, last: ParsedDate | None) -> dict:
    """A report entry's dates as the report service takes them: a birth date with its precision
    or an age, and a last-known date with its precision."""
    if birth is not None and birth.precision == DatePrecision.AGE_ESTIMATE:
        data["age_stated"] = birth.age
    elif birth is not None:
        data.update(birth_date=birth.date, birth_precision=birth.precision)
    if last is not None:
        data.update(last_known_date=last.date, last_known_precision=last.precision)
    return data


class ReportEntryFields(forms.Form):
    """What the families' form and the staff's report form ask alike of each person described:
    names, parents and where and when they were last known. Each form adds its own wording for
    the rest (and the order it shows them in)."""

    family_name = forms.CharField(label=_("Family name"), required=False, max_length=150)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=150)
    mother_name = forms.CharField(label=_("Mother's name"), required=False, max_length=300)
    father_name = forms.CharField(label=_("Father's name"), required=False, max_length=300)
    last_known_place = forms.CharField(label=_("Last known place"), required=False, max_length=300)
    last_known_date = FamilyDateField(
        label=_("When was that? (date, month or year)"),
        allow_age=False,
        help_text=_("For example 2019, 03.2019 or 15.03.2019."),
    )


FORM_TOKEN_FIELD = "form_token"  # noqa: S105 (a field name, not a secret)


class OneTimeForm(forms.Form):
    """A staff form that creates something: a hidden one-time token, drawn afresh for each form
    shown, lets a second post of the same form find what the first created
    (`casework.views.once`). The token is the view's to use, never a value of the record: it is
    kept apart from `cleaned_data`, as `submitted_token`."""

    form_token = forms.CharField(
        widget=forms.HiddenInput,
        initial=new_form_token,
        max_length=200,
        error_messages={
            "required": _(
                "This form has expired or was altered: reload the page and enter it again."
            )
        },
    )

    def full_clean(self):
        super().full_clean()
        cleaned = getattr(self, "cleaned_data", None)
        self.submitted_token = cleaned.pop(FORM_TOKEN_FIELD, "") if cleaned is not None else ""


class LongSelect(forms.Select):
    """A select of many plain options (every time zone: ~600), written directly: Django renders
    each option through a template, which cost the flight forms 40 ms a page. Options are
    (value, label) pairs with no groups; the select's own attributes (its id, the error
    description an invalid field gets) are built as Django builds them."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}

        def option(key, label):
            if str(key) in chosen:
                return format_html('<option value="{}" selected>{}</option>', key, label)
            return format_html('<option value="{}">{}</option>', key, label)

        options = format_html_join("", "{}", ((option(k, v),) for k, v in self.choices))
        attributes = flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}))
        return format_html("<select{}>{}</select>", attributes, options)
