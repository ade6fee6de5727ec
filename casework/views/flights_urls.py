"""URL patterns of the flights area."""

from django.urls import path

from casework.views import exports, flight_manifest, flights, manifest_picker

urlpatterns = [
    path("", flights.flight_list, name="flight_list"),
    path("new/", flights.flight_new, name="flight_new"),
    path("export/", exports.flight_export, name="flight_export"),
    path("<uuid:flight_id>/", flights.flight_detail, name="flight_detail"),
    path("<uuid:flight_id>/edit/", flights.flight_edit, name="flight_edit"),
    path("<uuid:flight_id>/manifest/add/", manifest_picker.manifest_add, name="manifest_add"),
    path("<uuid:flight_id>/escorts/", flights.escort_add, name="escort_add"),
    path(
        "<uuid:flight_id>/manifest/print/",
        flight_manifest.manifest_print,
        name="manifest_print",
    ),
    path("<uuid:flight_id>/manifest/xlsx/", flight_manifest.manifest_xlsx, name="manifest_xlsx"),
    path(
        "<uuid:flight_id>/manifest/<uuid:entry_id>/approve/",
        flights.manifest_approve,
        name="manifest_approve",
    ),
    path(
        "<uuid:flight_id>/manifest/<uuid:entry_id>/boarding/",
        flights.manifest_board,
        name="manifest_board",
    ),
    path(
        "<uuid:flight_id>/manifest/<uuid:entry_id>/handover/",
        flights.handover_new,
        name="handover_new",
    ),
]
