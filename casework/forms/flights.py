"""Forms of the flights area. Persons come from the read gates only (`visible_to`)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import DayAndTimeField, DayField, LongSelect, OneTimeForm
from casework.models import FlightStatus, Person, RecipientKind
from casework.models.flights import default_time_zone, known_time_zones
from casework.presenters import WITHHELD, present_persons


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
        widget=LongSelect,
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


NOT_IN_RECORDS = "other"


class HandoverForm(OneTimeForm):
    """The handover of `child`. The recipient is chosen, not typed as an id: one of the child's
    known relatives or a person found by a search (both offered by the page, see
    `views/handover_recipients`), or someone not in the records, named by hand. Any person the
    user sees (the child excepted) is accepted; one they may not see is refused exactly like a
    missing one. A chosen person's name, and a known relative's relation, are recorded unless
    typed otherwise."""

    recipient_kind = forms.ChoiceField(label=_("Handed to"), choices=RecipientKind.choices)
    # The page lays the choices out itself (relatives, search results, "not in the records"):
    # the widget only tells the error summary that this is a group of radio buttons.
    recipient = forms.CharField(
        label=_("Recipient"), required=False, widget=forms.RadioSelect, max_length=40
    )
    recipient_name = forms.CharField(
        label=_("Recipient's name"),
        max_length=200,
        required=False,
        help_text=_("Needed for someone not in the records."),
    )
    recipient_relationship = forms.CharField(
        label=_("Relationship to the child"),
        max_length=100,
        required=False,
        help_text=_("For a known relative, their relation in the records unless you type another."),
    )
    handed_at = DayAndTimeField(label=_("Handed over at (day, then time: 21.04.2027 14:30)"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    documents = forms.CharField(
        label=_("Documents handed over"), max_length=5000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, flight, user, child, relations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.child = child
        self.relations = relations or {}
        self.zone = flight.zone
        self.fields["handed_at"].help_text = _("Local time in %(zone)s.") % {
            "zone": flight.time_zone
        }

    def full_clean(self):
        # A time typed without a zone is the time where the flight is run, not the server's.
        with timezone.override(self.zone):
            super().full_clean()

    def clean_recipient(self):
        value = self.cleaned_data["recipient"].strip()
        if value in ("", NOT_IN_RECORDS):
            return None
        refused = forms.ValidationError(
            _("Choose one of the persons offered, or someone not in the records."),
            code="invalid_choice",
        )
        try:
            public_id = uuid.UUID(value)
        except ValueError:
            raise refused from None
        person = (
            Person.objects.visible_to(self.user)
            .filter(public_id=public_id, merged_into__isnull=True)
            .exclude(pk=self.child.pk)
            .first()
        )
        if person is None:
            raise refused
        return person

    def clean(self):
        cleaned = super().clean()
        if "recipient" not in cleaned:
            return cleaned
        person = cleaned["recipient"]
        if person is None:
            if not cleaned.get("recipient_name"):
                self.add_error(
                    "recipient_name",
                    _("Give the name of someone not in the records, or choose a known person."),
                )
            return cleaned
        if not cleaned.get("recipient_name"):
            [view] = present_persons(self.user, [person], ["display_name"], read=None)
            if view["display_name"] is WITHHELD:
                self.add_error("recipient_name", _("Give the recipient's name."))
            else:
                cleaned["recipient_name"] = view["display_name"]
        if not cleaned.get("recipient_relationship"):
            cleaned["recipient_relationship"] = self.relations.get(str(person.public_id), "")
        return cleaned
