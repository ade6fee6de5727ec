"""The pages of background jobs: one job with its progress bar (kept current by
static/casework/jobs.js polling its status, or by a refresh without JavaScript), its status as
JSON, its file when done, and the user's recent jobs."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casework.models import BackgroundJob
from casework.services.jobs import job_result_opened
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import page_of


def _job(request, public_id) -> BackgroundJob:
    return gated_or_404(request, BackgroundJob.objects.visible_to(request.user), public_id)


def _status(job: BackgroundJob) -> dict:
    return {
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "message": job.message,
        "finished": job.finished,
        "result_url": (
            reverse("job_result", kwargs={"public_id": job.public_id})
            if job.finished and job.result_file
            else None
        ),
    }


@staff_view
@never_cache
@require_GET
def job_list(request):
    jobs = BackgroundJob.objects.visible_to(request.user).filter(requested_by=request.user)
    page = page_of(request, jobs.order_by("-created_at", "-id"))
    return render(request, "jobs/list.html", {"page": page, "jobs": page.object_list})


@staff_view
@never_cache
@require_GET
def job_detail(request, public_id):
    job = _job(request, public_id)
    return render(request, "jobs/detail.html", {"job": job, "status": _status(job)})


@staff_view
@never_cache
@require_GET
def job_status(request, public_id):
    return JsonResponse(_status(_job(request, public_id)))


@staff_view
@never_cache
@require_GET
def job_result(request, public_id):
    job = _job(request, public_id)
    if not (job.finished and job.result_file):
        raise Http404
    job_result_opened(actor=request.user, job=job)
    response = FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=job.result_name,
        content_type=job.result_type or "application/octet-stream",
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
