"""Forms of the organisation's administration: accounts, teams, sharing agreements, partner
tokens. Each is checked again by its service, which says why it refuses; the choices they offer
come from the selectors and the policy, never from a list of roles written here."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from casework.classification import SHAREABLE_PERSON_FIELDS
from casework.forms.fields import OneTimeForm
from casework.models import Organisation, Person, User
from casework.permissions import staff_role_choices
from casework.selectors import organisation_teams
from casework.services.accounts import TOKEN_MAX_DAYS
from casework.tokens import SCOPES

DATE = forms.DateInput(attrs={"type": "date"})


class _PasswordPair(forms.Form):
    """A password typed twice. It goes to the account service, which checks its strength; it is
    never shown again, logged or written to the audit trail."""

    password_fields = ("password", "password_again")

    def clean(self):
        cleaned = super().clean()
        first, second = (cleaned.get(name) for name in self.password_fields)
        if first and second and first != second:
            self.add_error(self.password_fields[1], _("The two passwords differ."))
        return cleaned


def _password_field(label):
    return forms.CharField(
        label=label, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class _AccountFields(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=capfirst(User._meta.get_field("role").verbose_name), choices=())
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="public_id",
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = staff_role_choices()
        self.fields["teams"].queryset = organisation_teams(actor)
        # All of one organisation: the team's name alone ("A", not "north/A").
        self.fields["teams"].label_from_instance = lambda team: team.name


class UserCreateForm(OneTimeForm, _PasswordPair, _AccountFields):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = _password_field(_("First password"))
    password_again = _password_field(_("First password again"))

    field_order = ["username", "first_name", "last_name", "email", "role", "teams"]


class UserEditForm(_AccountFields):
    pass


class PasswordResetForm(_PasswordPair):
    password = _password_field(_("New password"))
    password_again = _password_field(_("New password again"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class RequiredReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class TeamForm(OneTimeForm):
    name = forms.CharField(label=_("Name"), max_length=120)


class TeamRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Member"), queryset=None, to_field_name="public_id")
    member = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


# What an agreement may share of a person's records besides its fields (classification's
# SHAREABLE_PERSON_RECORDS), in words.
RECORD_LABELS = {
    "relationships": _("Relatives (links between persons both shared)"),
    "whereabouts": _("Current whereabouts"),
    "placements": _("Placements and sightings"),
    "flights": _("Repatriation flights"),
}


def shared_field_choices() -> list[tuple[str, str]]:
    """The closed list of shareable person fields and records, each by its translated name."""
    return [
        (
            name,
            RECORD_LABELS[name]
            if name in RECORD_LABELS
            else Person._meta.get_field(name).verbose_name.capitalize(),
        )
        for name in SHAREABLE_PERSON_FIELDS
    ]


class AgreementTermsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    shared_fields = forms.MultipleChoiceField(
        label=_("Shared fields"),
        choices=shared_field_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the partner sees of each person shared with it, and nothing else."),
    )
    may_submit_reports = forms.BooleanField(label=_("May submit reports"), required=False)
    may_submit_list_rows = forms.BooleanField(label=_("May submit list rows"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, required=False)


class AgreementForm(OneTimeForm, AgreementTermsForm):
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=None, to_field_name="public_id"
    )

    field_order = ["partner", "title"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Organisations are the tenants themselves, not case data: any other may be a partner.
        self.fields["partner"].queryset = Organisation.objects.exclude(pk=actor.organisation_id)


class TokenForm(OneTimeForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("The system that will use it, such as its server's name."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=TOKEN_MAX_DAYS, initial=90
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(scope, scope) for scope in sorted(SCOPES)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ShareCaseForm(forms.Form):
    """Shares a person under the agreement (share=1) or stops sharing them (share empty)."""

    person = forms.UUIDField(widget=forms.HiddenInput)
    share = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why"), max_length=500)
