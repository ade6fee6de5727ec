"""URL patterns of the registry of places."""

from django.urls import path

from casework.views import exports, places, places_names

urlpatterns = [
    path("", places.place_list, name="place_list"),
    path("new/", places.place_new, name="place_new"),
    path("export/", exports.place_export, name="place_export"),
    path("names/", places_names.place_name_queue, name="place_name_queue"),
    path("names/<uuid:name_id>/", places_names.place_name_decide, name="place_name_decide"),
    path("<uuid:place_id>/", places.place_detail, name="place_detail"),
    path("<uuid:place_id>/edit/", places.place_edit, name="place_edit"),
    path(
        "<uuid:place_id>/population/new/",
        places.place_population_new,
        name="place_population_new",
    ),
    path("<uuid:place_id>/names/new/", places.place_alias_new, name="place_alias_new"),
]
