"""The form that adds a task to a case."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import DayField, OneTimeForm
from casework.models import User
from casework.permissions import task_assignees
from casework.services.tasks import TITLE_MAX


class TaskForm(OneTimeForm):
    title = forms.CharField(label=_("What is to be done"), max_length=TITLE_MAX)
    due_on = DayField(
        label=_("Due on"), help_text=_("Day before month: 21.04.2027, 21/04/2027 or 2027-04-21.")
    )
    assigned_to = forms.ModelChoiceField(
        label=_("Given to"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="username",
        empty_label=_("whoever the case is assigned to"),
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those who work this case: a task names the person it is about.
        ids = [user.pk for user in task_assignees(person)]
        self.fields["assigned_to"].queryset = User.objects.filter(pk__in=ids).order_by("username")
