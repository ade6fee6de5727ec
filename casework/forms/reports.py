"""Forms of the reports area: entering a report received by letter, phone or visit, and triage.

They only parse input (a date that does not exist is a form error here); every rule that matters
is checked again by `casework.services.reports`, whose errors are put back onto these fields.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import (
    DayAndTimeField,
    FamilyDateField,
    MultipleFileField,
    ReportEntryFields,
    entry_dates,
)
from casework.models import Channel, ConsentPurpose, Organisation
from casework.permissions import sharing_partners
from casework.services import reports as report_services

STAFF_CHANNEL_CHOICES = [(c.value, c.label) for c in Channel if c in report_services.STAFF_CHANNELS]
CONSENT_CHOICES = [("", _("not asked")), ("yes", _("given")), ("no", _("refused"))]
SEX_CHOICES = [("", _("not said")), ("F", _("female")), ("M", _("male"))]


class ReportForm(forms.Form):
    form_token = forms.CharField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Received by"), choices=STAFF_CHANNEL_CHOICES)
    received_at = DayAndTimeField(
        label=_("Received on"),
        initial=timezone.now,
        help_text=_("Day, then time: 21.04.2027 14:30."),
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), required=False, max_length=200)
    reporter_relationship = forms.CharField(
        label=_("Relationship to the missing persons"), required=False, max_length=100
    )
    reporter_contact = forms.CharField(label=_("Contact"), required=False, max_length=300)
    reporter_region = forms.CharField(label=_("Region"), required=False, max_length=100)
    reporter_language = forms.CharField(label=_("Language"), required=False, max_length=10)
    account = forms.CharField(
        label=_("The account, in the family's words"),
        required=False,
        max_length=report_services.ACCOUNT_MAX_CHARS,
        widget=forms.Textarea,
        strip=False,
    )
    consent_process = forms.ChoiceField(
        label=_("Consent to process the report for tracing"),
        choices=CONSENT_CHOICES,
        required=False,
    )
    consent_contact = forms.ChoiceField(
        label=_("Consent to be contacted"), choices=CONSENT_CHOICES, required=False
    )
    consent_share_authority = forms.ChoiceField(
        label=_("Consent to share with authorities"), choices=CONSENT_CHOICES, required=False
    )
    share_partners = forms.ModelMultipleChoiceField(
        label=_("Consent to share with these partners"),
        queryset=Organisation.objects.none(),
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(label=_("Photos and documents (JPEG, PNG, WebP, PDF)"))

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_partners"].queryset = sharing_partners(organisation.pk).order_by("name")

    def consents(self) -> list[dict]:
        data = self.cleaned_data
        consents = []
        for field, purpose in (
            ("consent_process", ConsentPurpose.PROCESS),
            ("consent_contact", ConsentPurpose.CONTACT),
            ("consent_share_authority", ConsentPurpose.SHARE_AUTHORITY),
        ):
            if data.get(field):
                consents.append({"purpose": purpose, "given": data[field] == "yes"})
        for partner in data.get("share_partners") or ():
            consents.append(
                {"purpose": ConsentPurpose.SHARE_PARTNER, "partner": partner, "given": True}
            )
        return consents

    def reporter(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in report_services.REPORTER_FIELDS}


class EntryForm(ReportEntryFields):
    field_order = [
        "family_name",
        "given_name",
        "patronymic",
        "full_name",
        "aliases",
        "sex",
        "birth_date",
        "birthplace",
        "mother_name",
        "father_name",
        "relationship_to_reporter",
        "relationship_to_others",
        "last_known_place",
        "last_known_date",
        "description",
    ]
    patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=150)
    full_name = forms.CharField(
        label=_("Name as written (if not split)"), required=False, max_length=300
    )
    aliases = forms.CharField(
        label=_("Aliases, nicknames, kunya (comma-separated)"), required=False, max_length=300
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False)
    # One parser for every way in (casework.dates): a year, a month, a day (day first) or an age.
    birth_date = FamilyDateField(
        label=_("Born (date, year or age)"),
        help_text=_("For example 2015, 04.2015, 21.04.2015 or an age: 7, about 7."),
    )
    birthplace = forms.CharField(label=_("Birthplace"), required=False, max_length=200)
    relationship_to_reporter = forms.CharField(
        label=_("Relationship to the reporter"), required=False, max_length=100
    )
    relationship_to_others = forms.CharField(
        label=_("Relationship to the others"), required=False, max_length=300
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=report_services.DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea,
    )

    def entry(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "DELETE"}
        return entry_dates(data, data.pop("birth_date", None), data.pop("last_known_date", None))


EntryFormSet = forms.formset_factory(
    EntryForm, extra=3, min_num=1, validate_min=False, max_num=report_services.MAX_ENTRIES
)


class TriageForm(forms.Form):
    LINK, CREATE, NOT_A_PERSON = "link", "create", "not_a_person"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (LINK, _("This is a person we already know")),
            (CREATE, _("Create a new person from this entry")),
            (NOT_A_PERSON, _("Not a person to trace")),
        ],
        widget=forms.RadioSelect,
    )
    # Set by a candidate's "This is the person" button: linking is one click, never a pasted id.
    person = forms.UUIDField(label=_("Known person"), required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why not a person"), required=False, max_length=report_services.REASON_MAX_CHARS
    )
    confirm_new = forms.BooleanField(
        label=_("Create anyway: none of the persons above is this one"), required=False
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        if not self.candidates:
            del self.fields["confirm_new"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.LINK and not data.get("person"):
            self.add_error(
                "person", _("Choose the known person with its button “This is the person”.")
            )
        if data.get("decision") == self.NOT_A_PERSON and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why this entry is not a person to trace."))
        if data.get("decision") == self.CREATE and self.candidates and not data.get("confirm_new"):
            # The same question the person form asks: a new record beside a likely known one
            # is a duplicate someone must later find and merge.
            best = max(c.probability for c in self.candidates)
            self.add_error(
                "confirm_new",
                _(
                    "This person may already be known (likelihood %(p).2f): link to one of the "
                    "persons above, or tick 'Create anyway'."
                )
                % {"p": best},
            )
        return data


class FamilyStatusForm(forms.Form):
    contact_us = forms.TypedChoiceField(
        label=_("The family's status page"),
        choices=[
            ("1", _("Ask the family to contact us")),
            ("0", _("Show the usual status")),
        ],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label=_("Why"), max_length=report_services.REASON_MAX_CHARS)


class ReissueSecretForm(forms.Form):
    reason = forms.CharField(
        label=_("Who asked, and how you know it is the family"),
        max_length=report_services.REASON_MAX_CHARS,
    )


# The service's date keys and the one form field each is typed into.
DATE_PARTS = {
    "birth_precision": "birth_date",
    "age_stated": "birth_date",
    "last_known_precision": "last_known_date",
}
