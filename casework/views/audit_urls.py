"""URL patterns of the audit area."""

from django.urls import path

from casework.views import audit

urlpatterns = [
    path("", audit.event_list, name="audit_events"),
    path("break-glass/", audit.break_glass_list, name="audit_break_glass"),
]
