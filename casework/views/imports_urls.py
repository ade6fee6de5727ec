"""URL patterns of the imports area."""

from django.urls import path

from casework.views import imports, partner_lists

urlpatterns = [
    path("", imports.import_list, name="import_list"),
    path("new/", imports.import_upload, name="import_upload"),
    path("<uuid:public_id>/", imports.import_detail, name="import_detail"),
    path("<uuid:public_id>/mapping/", imports.import_mapping, name="import_mapping"),
    path("<uuid:public_id>/dry-run/", imports.import_dry_run, name="import_dry_run"),
    path("<uuid:public_id>/commit/", imports.import_commit, name="import_commit"),
    path(
        "<uuid:public_id>/rows/<uuid:row_public_id>/record/",
        partner_lists.import_row_record,
        name="import_row_record",
    ),
]
