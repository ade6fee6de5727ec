"""Forms of the flights area. Persons come from the read gates only (`visible_to`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import DayAndTimeField, DayField, OneTimeForm
from casework.models import FlightStatus, Person, RecipientKind
from casework.models.flights import default_time_zone, known_time_zones


def _time_zone_choices():
    return [(name, name) for name in known_time_zones()]


class FlightFields(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=40)
    date = DayField(
        label=_("Date"), help_text=_("Day before month: 21.04.2027, 21/04/2027 or 2027-04-21.")
    )
    origin = forms.CharField(label=_("From"), max_length=120)
    destination = forms.CharField(label=_("To"), max_length=120)
    organiser = forms.CharField(label=_("Organiser"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Seats for passengers"), min_value=0, max_value=1000)
    status = forms.ChoiceField(label=_("Status"), choices=FlightStatus.choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone where the flight is run"),
        choices=_time_zone_choices,
        initial=default_time_zone,
        help_text=_("Boarding and handover times are entered and shown in this zone."),
    )


class FlightForm(OneTimeForm, FlightFields):
    """Plans a flight: sent twice, it plans one. A new flight is always planned: its status moves
    later, each move on its trail."""

    status = None


class FlightEditForm(FlightFields):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ManifestPickForm(OneTimeForm):
    """The persons ticked in the manifest picker. Any person the user sees is accepted here, so
    that the service can say why one of them cannot be proposed (already on the flight, no longer
    cleared); a person they may not see is not a valid choice, exactly like a missing one."""

    persons = forms.ModelMultipleChoiceField(
        label=_("Persons to propose"),
        queryset=Person.objects.none(),
        to_field_name="public_id",
        error_messages={
            "required": _("Tick at least one person to propose."),
            "invalid_choice": _("One of the ticked persons is not among those you may propose."),
            "invalid_pk_value": _("One of the ticked persons is not among those you may propose."),
        },
    )
    note = forms.CharField(
        label=_("Note for each person added (optional)"), max_length=300, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = Person.objects.visible_to(user)


class EscortForm(OneTimeForm):
    escort_name = forms.CharField(label=_("Escort's name"), max_length=200)
    note = forms.CharField(label=_("Note on the escort"), max_length=300, required=False)


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
    handed_at = DayAndTimeField(label=_("Handed over at (day, then time: 21.04.2027 14:30)"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    documents = forms.CharField(
        label=_("Documents handed over"), max_length=5000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, flight, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = flight.zone
        self.fields["handed_at"].help_text = _("Local time in %(zone)s.") % {
            "zone": flight.time_zone
        }

    def full_clean(self):
        # A time typed without a zone is the time where the flight is run, not the server's.
        with timezone.override(self.zone):
            super().full_clean()
