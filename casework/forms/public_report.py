"""The families' form: what a relative sends us without an account, and what they add later.

The form parses what families type (dates as they write them, names in any script) and leaves
every rule that matters to `casework.services.reports`, whose errors come back onto the fields.
Nothing here decides who may do what: anyone may send a report.
"""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import (
    FamilyDateField,
    MultipleFileField,
    ReportEntryFields,
    entry_dates,
)
from casework.models import ConsentPurpose
from casework.services import reports as report_services
from casework.services.uploads import max_upload_bytes

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
SEX_CHOICES = [("", _("Not sure")), ("F", _("Female")), ("M", _("Male"))]
LANGUAGE_CHOICES = [
    ("", "—"),
    ("ru", "Русский"),
    ("en", "English"),
    ("ar", "العربية"),
    ("ce", "Нохчийн мотт"),
    ("other", _("Another language")),
]
# Consents in the words a family reads; none of them is a condition for being helped.
CONSENTS = (
    (
        "consent_process",
        ConsentPurpose.PROCESS,
        _("May we keep what you tell us and use it to search for your relatives?"),
    ),
    (
        "consent_share_authority",
        ConsentPurpose.SHARE_AUTHORITY,
        _(
            "May we pass it on to the authorities that can help bring them home: the "
            "ombudsperson for children's rights, the ministry of foreign affairs and its "
            "consulates?"
        ),
    ),
    (
        "consent_contact",
        ConsentPurpose.CONTACT,
        _("May we contact you, using the details you gave above?"),
    ),
)


def _attrs(**extra) -> dict:
    return {"autocomplete": "off", "dir": "auto", **extra}


def _files_help() -> str:
    return _(
        "Up to %(count)s files, each up to %(size)s MB: JPEG, PNG or WebP photos, PDF "
        "documents. If the form comes back with a message, choose your files again: for "
        "your safety they are not kept until the form is sent."
    ) % {
        "count": report_services.MAX_ATTACHMENTS,
        "size": max(1, max_upload_bytes() // (1024 * 1024)),
    }


def _files_field() -> MultipleFileField:
    field = MultipleFileField(label=_("Photos and documents"), help_text=lazy(_files_help, str)())
    field.widget.attrs["accept"] = "image/jpeg,image/png,image/webp,application/pdf"
    return field


class AccessibleForm(forms.Form):
    """Errors tied to their fields for screen readers: each field with an error is marked invalid
    and described by its message (and its help, when it has one)."""

    def mark_errors(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_help")
            if self.is_bound and self.errors.get(name):
                field.widget.attrs["aria-invalid"] = "true"
                described.append(f"{bound.auto_id}_error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


class PublicReportForm(AccessibleForm):
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    # A field no person sees or fills (hidden by the style sheet, skipped by the keyboard).
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    reporter_name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=200,
        help_text=_("You may leave it out or give only a first name."),
        widget=forms.TextInput(attrs=_attrs()),
    )
    reporter_relationship = forms.CharField(
        label=_("Who are you to them?"),
        required=False,
        max_length=100,
        help_text=_("For example: mother, grandmother, sister."),
        widget=forms.TextInput(attrs=_attrs()),
    )
    reporter_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs=_attrs(inputmode="tel", dir="ltr")),
    )
    reporter_messenger = forms.CharField(
        label=_("Messenger (WhatsApp, Telegram, Signal…) and your name or number there"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs=_attrs(dir="ltr")),
    )
    reporter_email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("This is not an e-mail address (name@example.org).")},
        widget=forms.EmailInput(attrs=_attrs(dir="ltr")),
    )
    reporter_region = forms.CharField(
        label=_("Where you live (region or city)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs=_attrs()),
    )
    reporter_language = forms.ChoiceField(
        label=_("Which language should we use with you?"),
        choices=LANGUAGE_CHOICES,
        required=False,
    )
    account = forms.CharField(
        label=_("What happened, in your own words"),
        required=False,
        max_length=report_services.ACCOUNT_MAX_CHARS,
        strip=False,
        help_text=_(
            "When and where you last heard from them, who they were with, anything you know. "
            "Write as much or as little as you wish."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )
    consent_process = forms.ChoiceField(
        label=CONSENTS[0][2], choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    consent_share_authority = forms.ChoiceField(
        label=CONSENTS[1][2], choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    consent_contact = forms.ChoiceField(
        label=CONSENTS[2][2], choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    attachments = _files_field()

    def reporter(self) -> dict:
        return {
            name: self.cleaned_data.get(name) or ""
            for name in report_services.REPORTER_FIELDS
            if name in self.fields
        }

    def consents(self) -> list[dict]:
        return [
            {"purpose": purpose, "given": self.cleaned_data[field] == "yes"}
            for field, purpose, _label in CONSENTS
            if self.cleaned_data.get(field)
        ]


class PublicEntryForm(AccessibleForm, ReportEntryFields):
    patronymic = forms.CharField(
        label=_("Patronymic or father's name as part of the name"),
        required=False,
        max_length=150,
    )
    aliases = forms.CharField(
        label=_("Other names, nicknames, kunya"),
        required=False,
        max_length=300,
        help_text=_("For example Umm Bilal or Abu Muhammad. Separate several with commas."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False)
    birth = FamilyDateField(
        label=_("Born (date, year or age)"),
        help_text=_("For example 2015, 04.2015, 21.04.2015 or an age: 7, about 7."),
    )
    birthplace = forms.CharField(label=_("Place of birth"), required=False, max_length=200)
    relationship_to_reporter = forms.CharField(
        label=_("Who is this person to you?"),
        required=False,
        max_length=100,
        help_text=_("For example: my daughter, my grandson."),
    )
    relationship_to_others = forms.CharField(
        label=_("Who is this person to the others you describe?"),
        required=False,
        max_length=300,
        help_text=_("For example: the son of the woman above."),
    )
    description = forms.CharField(
        label=_("Anything else about this person"),
        required=False,
        max_length=report_services.DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("autocomplete", "off")
            # Names and accounts come in any script: each box takes the direction of what is typed.
            field.widget.attrs.setdefault("dir", "auto")

    def is_blank(self) -> bool:
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)

    def entry(self) -> dict:
        data = dict(self.cleaned_data)
        return entry_dates(data, data.pop("birth", None), data.pop("last_known_date", None))


PublicEntryFormSet = forms.formset_factory(
    PublicEntryForm,
    extra=0,
    min_num=1,
    validate_min=False,
    max_num=report_services.MAX_ENTRIES,
    absolute_max=report_services.MAX_ENTRIES,
)


def with_one_more_entry(data):
    """The posted form's data asking for one more (empty) person: nothing typed is lost."""
    data = data.copy()
    key = "entries-TOTAL_FORMS"
    try:
        total = int(data.get(key, "1"))
    except ValueError:
        total = 1
    data[key] = str(min(max(total, 1) + 1, report_services.MAX_ENTRIES))
    return data


class StatusLookupForm(AccessibleForm):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "dir": "ltr",
            }
        ),
    )
    secret = forms.CharField(
        label=_("Secret code"),
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
                "dir": "ltr",
            }
        ),
    )


class FamilyAddForm(AccessibleForm):
    status_token = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("What would you like to add?"),
        required=False,
        max_length=report_services.ACCOUNT_MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
    )
    attachments = _files_field()
