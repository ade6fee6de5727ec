"""The working journal of a case."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import PublicModel


class CaseNote(PublicModel):
    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="notes", verbose_name=_("person")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(verbose_name=_("text"))
    is_security_note = models.BooleanField(default=False, verbose_name=_("security note"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="note_not_empty")]


class CaseTask(PublicModel):
    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="tasks", verbose_name=_("person")
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    due_on = models.DateField(null=True, blank=True, verbose_name=_("due on"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["done_at", "due_on", "id"]
