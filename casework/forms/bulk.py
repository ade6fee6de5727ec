"""The form of a change to several persons of the list at once (casework.services.bulk)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Person, PersonStatus, User
from casework.permissions import Action, assignable_users, may

ASSIGN = "assign"
STATUS = "status"


class BulkChangeForm(forms.Form):
    person = forms.ModelMultipleChoiceField(
        label=_("Persons"),
        queryset=Person.objects.none(),
        to_field_name="public_id",
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Choose at least one person."),
            "invalid_choice": _("One of the chosen persons was not found."),
            "invalid_pk_value": _("One of the chosen persons was not found."),
        },
    )
    change = forms.ChoiceField(label=_("What to change"), widget=forms.RadioSelect)
    to = forms.ChoiceField(
        label=_("New status"),
        required=False,
        choices=[("", "—"), *PersonStatus.choices],
    )
    assigned_to = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="username",
        empty_label=_("no one"),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=10_000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The persons come through the read gate: an id the user may not see is "not found".
        self.fields["person"].queryset = Person.objects.visible_to(user).select_related("team")
        changes = [(STATUS, _("Change the status"))]
        if may(user, Action.ASSIGN_CASE):
            changes.append((ASSIGN, _("Assign the cases")))
            self.fields["assigned_to"].queryset = assignable_users(user.organisation_id).order_by(
                "username"
            )
        else:
            del self.fields["assigned_to"]
        self.fields["change"].choices = changes

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("change") == STATUS and not cleaned.get("to"):
            self.add_error("to", _("Choose the new status."))
        return cleaned
