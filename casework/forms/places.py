"""Forms of the registry of places and of a person's legal proceedings. Each is checked again by
its service, which says why it refuses."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import OneTimeForm
from casework.models import DetentionLocation, LocationKind, ProceedingStatus

DATE = forms.DateInput(attrs={"type": "date"})
LONG_TEXT = 10_000


class PlaceFields(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=LocationKind.choices)
    country = forms.CharField(
        label=_("Country"), max_length=2, help_text=_("Two letters, such as IQ or SY.")
    )
    governorate = forms.CharField(label=_("Governorate"), max_length=100, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    controlling_authority = forms.CharField(
        label=_("Controlling authority"), max_length=200, required=False
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=8, decimal_places=5, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=8, decimal_places=5, required=False
    )
    access_notes = forms.CharField(
        label=_("Access notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT,
        required=False,
        help_text=_("Who may visit, what is not allowed (photos, phones)."),
    )


class PlaceForm(OneTimeForm, PlaceFields):
    """Creates a place: sent twice, it creates one."""


class PlaceEditForm(PlaceFields):
    pass


class PopulationForm(OneTimeForm):
    as_of = forms.DateField(label=_("As of"), widget=DATE)
    estimate = forms.IntegerField(label=_("Estimate"), min_value=0, required=False)
    low = forms.IntegerField(label=_("At least"), min_value=0, required=False)
    high = forms.IntegerField(label=_("At most"), min_value=0, required=False)
    source = forms.CharField(
        label=_("Source"), max_length=300, help_text=_("Who gave the figure, and where.")
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT,
        required=False,
    )


class AliasForm(forms.Form):
    name = forms.CharField(
        label=_("Another name"),
        max_length=200,
        help_text=_("As lists and reports write it, in any script: Лагерь Рож, مخيم روج."),
    )


class PlaceNameDecisionForm(forms.Form):
    """A listed name mapped to a known place, or dismissed."""

    place = forms.ModelChoiceField(
        label=_("The place it means"),
        queryset=DetentionLocation.objects.none(),
        to_field_name="public_id",
        required=False,
    )
    dismiss = forms.BooleanField(label=_("Not a place"), required=False)

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        if places is not None:
            self.fields["place"].queryset = places

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("dismiss") and cleaned.get("place") is None:
            raise forms.ValidationError(_("Choose the place this name means, or dismiss it."))
        return cleaned


class ProceedingFields(forms.Form):
    country = forms.CharField(
        label=_("Country"), max_length=2, help_text=_("Two letters, such as IQ or SY.")
    )
    charge = forms.CharField(label=_("Charge"), max_length=300)
    court = forms.CharField(label=_("Court"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ProceedingStatus.choices)
    sentence = forms.CharField(
        label=_("Sentence"),
        max_length=200,
        required=False,
        help_text=_("Only once one was passed."),
    )
    started_on = forms.DateField(label=_("Started on"), widget=DATE, required=False)
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT,
        required=False,
    )


class ProceedingForm(OneTimeForm, ProceedingFields):
    """Records a proceeding: sent twice, it records one."""


class ProceedingEditForm(ProceedingFields):
    pass
