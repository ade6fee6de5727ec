"""Forms of the persons area. Choices of related records always come from the user's scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dates import ParsedDate, format_family_date
from casework.forms.fields import FamilyDateField, OneTimeForm
from casework.models import (
    Confidence,
    DatePrecision,
    DetentionLocation,
    DocumentsHeld,
    NameKind,
    Person,
    PersonStatus,
    PlacementSource,
    RelationshipKind,
    Reliability,
    Script,
    Sensitivity,
    Sex,
    SharingAgreement,
    Team,
    User,
)
from casework.permissions import (
    Level,
    active_agreements,
    allowed_status_moves,
    assignable_users,
)

LONG_TEXT = 10_000


class ListField(forms.CharField):
    """A JSON list of short texts, typed as one comma-separated line."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [part.strip() for part in text.split(",") if part.strip()]


class NameForm(forms.Form):
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    full_text = forms.CharField(
        label=_("Name as written"),
        max_length=300,
        required=False,
    )
    script = forms.ChoiceField(
        label=_("Script"),
        choices=[("", _("detect"))] + list(Script.choices),
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=NameKind.choices, initial=NameKind.LEGAL)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)

    def has_name(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(f) for f in ("family_name", "given_name", "patronymic", "full_text"))


class BaseNameFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_name() for form in self.forms):
            raise forms.ValidationError(_("A person needs at least one name, alias or kunya."))


NameFormSet = forms.formset_factory(
    NameForm, formset=BaseNameFormSet, extra=3, max_num=12, validate_max=True
)


class BirthFields(forms.Form):
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    # One input for the birth as for every date (casework.dates): a day, a month, a year or an
    # age, day before month; the service takes it as a date and how much of it is known.
    born = FamilyDateField(
        label=_("Born (date, month, year or age)"),
        help_text=_("For example 2015, 04.2015, 21.04.2015 or an age: 7, about 7."),
    )

    BIRTH = ("birth_precision", "birth_date", "age_stated", "age_stated_on")

    def clean(self):
        data = super().clean()
        if "born" in data:
            data.update(birth_values(data.pop("born")))
        return data


def birth_values(parsed: ParsedDate | None) -> dict:
    """A birth as the person services take it, from what was typed."""
    values = {"birth_date": None, "age_stated": None, "age_stated_on": None}
    if parsed is None:
        return {**values, "birth_precision": DatePrecision.UNKNOWN}
    if parsed.precision == DatePrecision.AGE_ESTIMATE:
        age = {"age_stated": parsed.age, "age_stated_on": parsed.age_on}
        return {**values, **age, "birth_precision": parsed.precision}
    return {**values, "birth_precision": parsed.precision, "birth_date": parsed.date}


def birth_text(person) -> str:
    """A person's birth as it is typed back into `born`."""
    if person.birth_precision == DatePrecision.AGE_ESTIMATE and person.age_stated is not None:
        return str(person.age_stated)
    if person.birth_date is None or person.birth_precision == DatePrecision.UNKNOWN:
        return ""
    return format_family_date(ParsedDate(date=person.birth_date, precision=person.birth_precision))


class DetailFields(forms.Form):
    birthplace = forms.CharField(label=_("Birthplace"), max_length=200, required=False)
    citizenship = forms.CharField(label=_("Citizenship"), max_length=100, required=False)
    region_of_origin = forms.CharField(label=_("Region of origin"), max_length=100, required=False)
    languages = ListField(
        label=_("Languages"), max_length=500, required=False, help_text=_("Comma-separated.")
    )
    documents_held = forms.ChoiceField(
        label=_("Documents held"), choices=DocumentsHeld.choices, initial=DocumentsHeld.UNKNOWN
    )
    vulnerabilities = ListField(
        label=_("Vulnerabilities"), max_length=1000, required=False, help_text=_("Comma-separated.")
    )


class PersonCreateForm(OneTimeForm, BirthFields, DetailFields):
    confirm_new = forms.BooleanField(
        label=_("None of these is the same person: create a new record."), required=False
    )


class PersonEditForm(BirthFields, DetailFields):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=Sensitivity.choices)
    security_notes = forms.CharField(
        label=_("Security notes"), widget=forms.Textarea, max_length=LONG_TEXT, required=False
    )

    RESTRICTED = ("sensitivity", "security_notes")

    def __init__(self, *args, level: Level, **kwargs):
        super().__init__(*args, **kwargs)
        if level < Level.RESTRICTED:
            for name in self.RESTRICTED:
                del self.fields[name]

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version")
        if "born" not in self.changed_data:
            # Untouched: an age stays stated on the day it was stated, not on today.
            for name in self.BIRTH:
                data.pop(name, None)
        return data


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=LONG_TEXT)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, user, person, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = allowed_status_moves(user, person)  # once: each call asks the database
        self.fields["to"].choices = [
            (value, label) for value, label in PersonStatus.choices if value in allowed
        ]


class AssignForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, to_field_name="public_id"
    )
    assigned_to = forms.ModelChoiceField(
        label=_("Caseworker"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="username",
    )
    reason = forms.CharField(label=_("Reason"), max_length=LONG_TEXT, required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        org = person.organisation_id
        self.fields["team"].queryset = Team.objects.filter(organisation_id=org)
        self.fields["assigned_to"].queryset = assignable_users(org).order_by("username")


class PlacementForm(OneTimeForm):
    location = forms.ModelChoiceField(
        label=_("Known location"),
        queryset=DetentionLocation.objects.order_by("country", "name"),  # reference data
        required=False,
        to_field_name="public_id",
    )
    place_text = forms.CharField(label=_("Or describe the place"), max_length=300, required=False)
    is_sighting = forms.BooleanField(
        label=_("Only seen there (a sighting, not a placement)"), required=False
    )
    # One parser for every date typed (casework.dates): a year, a month or a day, day first.
    start_date = FamilyDateField(
        label=_("Since (day, month or year)"),
        allow_age=False,
        required=True,
        help_text=_("For example 2019, 05.2019 or 21.05.2019."),
    )
    end_date = FamilyDateField(label=_("Until"), allow_age=False)
    source = forms.ChoiceField(label=_("Source"), choices=PlacementSource.choices)
    reliability = forms.ChoiceField(label=_("Reliability"), choices=Reliability.choices)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea, max_length=LONG_TEXT, required=False
    )

    def clean(self):
        # The service takes a date and how much of it is known; the end keeps only its date.
        data = super().clean()
        start = data.pop("start_date", None)
        if start is not None:
            data.update(start_date=start.date, start_precision=start.precision)
        end = data.get("end_date")
        data["end_date"] = end.date if end is not None else None
        return data


class RelativeForm(OneTimeForm):
    """The relationship to a relative chosen in the picker (`views/person_actions.person_relative`),
    which lists a page of search results, never every person: the relative arrives as the public
    id of one of them. Only a person the user may see (never the person themself) is accepted; any
    other id is "not a valid choice", exactly like a missing one."""

    relative = forms.ModelChoiceField(
        label=_("Relative"),
        queryset=Person.objects.none(),
        to_field_name="public_id",
        # The picker's table shows the choices; the field never lists its queryset.
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Search for the relative and choose one of the persons found."),
            "invalid_choice": _("Choose the relative among the persons found by the search."),
        },
    )
    kind = forms.ChoiceField(
        label=_("The relative is this person's"), choices=RelationshipKind.choices
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Confidence.choices, initial=Confidence.PROBABLE
    )
    source = forms.CharField(label=_("Source"), max_length=200, required=False)

    def __init__(self, *args, user, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relative"].queryset = relative_candidates(user, person)


def relative_candidates(user, person):
    """Whom `user` may link as a relative of `person`: the persons they see (the relationship
    service accepts no one else; each is also `linkable_by` them), the person themself excepted."""
    return Person.objects.visible_to(user).exclude(pk=person.pk).order_by("display_name", "id")


class NoteForm(OneTimeForm):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea, max_length=LONG_TEXT)
    is_security_note = forms.BooleanField(label=_("Security note (restricted)"), required=False)

    def __init__(self, *args, level: Level, **kwargs):
        super().__init__(*args, **kwargs)
        if level < Level.RESTRICTED:
            del self.fields["is_security_note"]


class AddNameForm(OneTimeForm, NameForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=NameKind.choices, initial=NameKind.ALIAS)


class ShareForm(OneTimeForm):
    """Share a person with a partner under one of the organisation's agreements in force, or
    stop sharing; each agreement says whether the person is already shared under it."""

    agreement = forms.ModelChoiceField(
        label=_("Sharing agreement"),
        queryset=SharingAgreement.objects.none(),
        to_field_name="public_id",
    )
    share = forms.TypedChoiceField(
        label=_("What to do"),
        choices=[("1", _("Share with the partner")), ("0", _("Stop sharing"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    reason = forms.CharField(label=_("Why"), max_length=500)

    def __init__(self, data=None, *, person, **kwargs):
        super().__init__(data, **kwargs)
        shared = set(person.shares.values_list("agreement_id", flat=True))
        field = self.fields["agreement"]
        field.queryset = (
            active_agreements().filter(owner_id=person.organisation_id).select_related("partner")
        )
        field.label_from_instance = lambda agreement: (
            f"{agreement.partner.name} — {agreement.title} "
            + (_("(shared)") if agreement.pk in shared else _("(not shared)"))
        )
