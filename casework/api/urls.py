"""URL patterns of the API: version 1 under /api/v1/."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from casework.api.base import NotFoundView
from casework.api.docs import ApiDocsView
from casework.api.flights import FlightViewSet
from casework.api.imports import ListImportViewSet
from casework.api.persons import PersonViewSet
from casework.api.placements import PlacementViewSet
from casework.api.reference import LocationViewSet
from casework.api.reports import ReportViewSet
from casework.api.schema import SchemaView
from casework.api.suggestions import SuggestionViewSet

router = SimpleRouter()
router.register("persons", PersonViewSet, basename="api-person")
router.register("reports", ReportViewSet, basename="api-report")
router.register("locations", LocationViewSet, basename="api-location")
router.register("flights", FlightViewSet, basename="api-flight")
router.register("imports", ListImportViewSet, basename="api-import")
router.register("suggestions", SuggestionViewSet, basename="api-suggestion")
router.register("placements", PlacementViewSet, basename="api-placement")

urlpatterns = [
    path("v1/schema/", SchemaView.as_view(), name="api-schema"),
    path("v1/docs/", ApiDocsView.as_view(), name="api-docs"),
    path("v1/", include(router.urls)),
    re_path(r"^", NotFoundView.as_view(), name="api-not-found"),
]
