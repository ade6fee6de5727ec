"""One way to put a service's refusal on the form that sent it (`forms.service_errors`)."""

from django import forms

from casework.forms.service_errors import apply_service_error
from casework.services.errors import ServiceError


class PersonForm(forms.Form):
    family_name = forms.CharField(required=False)
    to = forms.CharField(required=False)


class EntryForm(forms.Form):
    birth = forms.CharField(required=False)


def _bound(form_class, **data):
    form = form_class(data)
    form.is_valid()
    return form


def test_a_message_goes_on_the_field_the_service_names():
    form = _bound(PersonForm)
    apply_service_error(form, ServiceError({"family_name": ["Too long."]}))
    assert form.errors == {"family_name": ["Too long."]}


def test_a_service_key_is_renamed_to_the_forms_field():
    form = _bound(PersonForm)
    apply_service_error(form, ServiceError({"status": ["Not allowed."]}), fields={"status": "to"})
    assert form.errors == {"to": ["Not allowed."]}


def test_a_key_the_form_has_no_field_for_is_an_error_of_the_whole_form():
    form = _bound(PersonForm)
    apply_service_error(
        form, ServiceError({"consents-0": ["No such partner."], "__all__": ["Choose one."]})
    )
    assert form.non_field_errors() == ["No such partner.", "Choose one."]
    assert set(form.errors) == {"__all__"}


def test_an_error_without_fields_is_an_error_of_the_whole_form():
    form = _bound(PersonForm)
    apply_service_error(form, ServiceError(["Nothing was changed.", "Try again."]))
    assert form.non_field_errors() == ["Nothing was changed.", "Try again."]


def test_an_entry_path_goes_on_that_entry_and_its_renamed_field():
    form = _bound(PersonForm)
    entries = [_bound(EntryForm), _bound(EntryForm)]
    error = ServiceError(
        {
            "entries-1-birth_precision": ["Give the date."],
            "entries-0-__all__": ["Name the person."],
            "entries-7-birth_date": ["No such entry."],
        }
    )
    apply_service_error(
        form, error, fields={"birth_precision": "birth"}, subforms={"entries": entries}
    )
    assert entries[1].errors == {"birth": ["Give the date."]}
    assert entries[0].non_field_errors() == ["Name the person."]
    # A path past the forms sent is not lost: the form as a whole shows it.
    assert form.non_field_errors() == ["No such entry."]
