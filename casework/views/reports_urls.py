"""URL patterns of the reports area."""

from django.urls import path

from casework.views import consent, exports, reports

urlpatterns = [
    path("", reports.report_list, name="report_list"),
    path("new/", reports.report_new, name="report_new"),
    path("export/", exports.report_export, name="report_export"),
    path("<uuid:report_id>/", reports.report_detail, name="report_detail"),
    path(
        "<uuid:report_id>/attachments/<uuid:attachment_id>/",
        reports.report_attachment,
        name="report_attachment",
    ),
    path(
        "<uuid:report_id>/family-status/",
        reports.report_family_status,
        name="report_family_status",
    ),
    path(
        "<uuid:report_id>/withdraw-consent/",
        consent.report_consent_withdraw_view,
        name="report_consent_withdraw",
    ),
    path(
        "<uuid:report_id>/reissue-secret/",
        reports.report_reissue_secret,
        name="report_reissue_secret",
    ),
    path(
        "<uuid:report_id>/entries/<uuid:entry_id>/triage/",
        reports.report_entry_triage,
        name="report_entry_triage",
    ),
]
