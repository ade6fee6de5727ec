"""The progress a background job stores as it goes, read back from the database at each report
(as the job page reads it): the tests of every kind of job watch it the same way."""

from casework import background
from casework.models import BackgroundJob


def watch_progress(monkeypatch) -> list[tuple[str, int, int]]:
    """(state, done, total) as stored after each `job_progress` of the jobs run from now on."""
    seen = []
    original = background.job_progress

    def watch(job, **kwargs):
        original(job, **kwargs)
        stored = BackgroundJob.objects.get(pk=job.pk)
        seen.append((stored.state, stored.progress_done, stored.progress_total))

    monkeypatch.setattr(background, "job_progress", watch)
    return seen
