"""URL patterns of the audit area."""

from django.urls import path

from casework.views import audit

urlpatterns = [
    path("", audit.event_list, name="audit_events"),
    path("break-glass/", audit.break_glass_list, name="audit_break_glass"),
    path("subject-access/", audit.subject_access, name="audit_subject_access"),
    path(
        "break-glass/<uuid:grant_id>/review/",
        audit.break_glass_review_view,
        name="audit_break_glass_review",
    ),
]
