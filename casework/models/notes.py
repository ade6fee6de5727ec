"""The working journal of a case."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.models.base import PublicModel


class CaseNote(PublicModel):
    person = models.ForeignKey("casework.Person", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    is_security_note = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="note_not_empty")]


class CaseTask(PublicModel):
    person = models.ForeignKey("casework.Person", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
