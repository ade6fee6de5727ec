"""URL patterns of the audit area."""

from django.urls import path

from casework.views import audit

urlpatterns = [
    path("", audit.event_list, name="audit_events"),
    path("break-glass/", audit.break_glass_list, name="audit_break_glass"),
    path("subject-access/", audit.subject_access, name="audit_subject_access"),
    path("withdrawals/", audit.withdrawal_list, name="audit_withdrawals"),
    path(
        "withdrawals/<uuid:report_id>/decide/",
        audit.withdrawal_decide_view,
        name="audit_withdrawal_decide",
    ),
    path(
        "break-glass/<uuid:grant_id>/review/",
        audit.break_glass_review_view,
        name="audit_break_glass_review",
    ),
]
