"""The flight form's time-zone select is written directly (casework.forms.fields.LongSelect): it
must give the very HTML Django's own Select gives, attributes and the chosen option included."""

import pytest
from django import forms
from django.test.html import parse_html

from casework.forms.fields import LongSelect
from casework.forms.flights import FlightForm

CHOICES = [("Asia/Baghdad", "Asia/Baghdad"), ("Europe/Moscow", "Europe/Moscow"), ("a&b", "<a&b>")]


@pytest.mark.parametrize("value", ["Asia/Baghdad", "Europe/Moscow", "a&b", "", None, "nowhere"])
def test_it_writes_what_djangos_select_writes(value):
    attrs = {"id": "id_time_zone", "aria-describedby": "id_time_zone_error", "aria-invalid": "true"}
    ours = LongSelect(choices=CHOICES).render("time_zone", value, attrs)
    django = forms.Select(choices=CHOICES).render("time_zone", value, attrs)
    assert parse_html(ours) == parse_html(django)


def test_the_flight_forms_field_with_its_error_is_what_djangos_select_writes():
    form = FlightForm(data={"time_zone": "Not/AZone"})
    assert form.errors["time_zone"]
    field = form["time_zone"]
    ours = field.as_widget()
    django = field.as_widget(widget=forms.Select(choices=field.field.choices))
    assert parse_html(ours) == parse_html(django)
    assert 'aria-invalid="true"' in ours
