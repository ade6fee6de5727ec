"""Forms of the flights area. Choices come from the read gates only (`selectors`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import OneTimeForm
from casework.models import FlightStatus, Person, RecipientKind
from casework.selectors import proposable_persons


class FlightFields(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=40)
    date = forms.DateField(label=_("Date (YYYY-MM-DD)"))
    origin = forms.CharField(label=_("From"), max_length=120)
    destination = forms.CharField(label=_("To"), max_length=120)
    organiser = forms.CharField(label=_("Organiser"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Seats for passengers"), min_value=0, max_value=1000)
    status = forms.ChoiceField(label=_("Status"), choices=FlightStatus.choices)


class FlightForm(OneTimeForm, FlightFields):
    """Plans a flight: sent twice, it plans one."""


class FlightEditForm(FlightFields):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ProposeForm(OneTimeForm):
    person = forms.ModelChoiceField(
        label=_("Person cleared for return"),
        queryset=Person.objects.none(),
        to_field_name="public_id",
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, user, flight, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = proposable_persons(user, flight)


class EscortForm(OneTimeForm):
    escort_name = forms.CharField(label=_("Escort's name"), max_length=200)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class BoardingForm(forms.Form):
    boarded = forms.ChoiceField(
        label=_("Boarding"),
        choices=[("yes", _("boarded")), ("no", _("did not board"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class HandoverForm(OneTimeForm):
    recipient_kind = forms.ChoiceField(label=_("Handed to"), choices=RecipientKind.choices)
    recipient_person = forms.UUIDField(
        label=_("Recipient's person id (if a known relative)"), required=False
    )
    recipient_name = forms.CharField(label=_("Recipient's name"), max_length=200)
    recipient_relationship = forms.CharField(
        label=_("Relationship to the child"), max_length=100, required=False
    )
    handed_at = forms.DateTimeField(label=_("Handed over at (YYYY-MM-DD HH:MM)"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    documents = forms.CharField(
        label=_("Documents handed over"), max_length=5000, required=False, widget=forms.Textarea
    )


def apply_service_errors(error, form) -> None:
    for key, messages in error.message_dict.items():
        field = key if key in form.fields else None
        for message in messages:
            form.add_error(field, message)
