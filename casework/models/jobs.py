"""Long work done in the background (finding duplicates, large exports and imports): what was asked,
by whom, how far it has got and what it left. The task writes its progress here as it goes, so a
page reads it without asking the task backend."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import PublicModel


class JobKind(models.TextChoices):
    FIND_DUPLICATES = "find_duplicates", _("find duplicates")
    EXPORT = "export", _("export")
    IMPORT = "import", _("list import")


class JobState(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


FINISHED_STATES = (JobState.DONE, JobState.FAILED)


class BackgroundJob(PublicModel):
    kind = models.CharField(max_length=20, choices=JobKind.choices, verbose_name=_("kind"))
    # The action of the policy the job does: who may start it, and (for work shared by the
    # organisation) who else may follow it.
    action = models.CharField(max_length=40, verbose_name=_("action"))
    organisation = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.PROTECT,
        related_name="background_jobs",
        verbose_name=_("organisation"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Its result is the requester's own (an export holds the rows only they may see).
    private = models.BooleanField(default=False, verbose_name=_("private"))
    parameters = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    state = models.CharField(
        max_length=10, choices=JobState.choices, default=JobState.QUEUED, verbose_name=_("state")
    )
    progress_done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    progress_total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    message = models.CharField(max_length=300, blank=True, verbose_name=_("message"))
    result_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True, verbose_name=_("file"))
    result_name = models.CharField(max_length=200, blank=True, verbose_name=_("file name"))
    result_type = models.CharField(max_length=100, blank=True, verbose_name=_("file type"))
    result_summary = models.JSONField(default=dict, blank=True, verbose_name=_("result"))
    task_result_id = models.CharField(max_length=64, blank=True, verbose_name=_("task id"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="job_org_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=JobKind.values), name="job_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state_valid"),
            models.CheckConstraint(
                condition=Q(progress_done__lte=F("progress_total")) | Q(progress_total=0),
                name="job_progress_within_total",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(state__in=FINISHED_STATES),
                name="job_finished_only_when_done_or_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
