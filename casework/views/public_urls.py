"""URL patterns of the families' pages (no account)."""

from django.urls import path

from casework.views import public_report

urlpatterns = [
    path("", public_report.report_form, name="public_report"),
    path("status/", public_report.report_status, name="public_report_status"),
    path("status/add/", public_report.report_status_add, name="public_report_status_add"),
]
