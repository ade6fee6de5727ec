"""URL patterns of background jobs."""

from django.urls import path

from casework.views import jobs

urlpatterns = [
    path("", jobs.job_list, name="job_list"),
    path("<uuid:public_id>/", jobs.job_detail, name="job_detail"),
    path("<uuid:public_id>/status/", jobs.job_status, name="job_status"),
    path("<uuid:public_id>/result/", jobs.job_result, name="job_result"),
]
