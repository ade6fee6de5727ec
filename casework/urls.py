"""Every URL of casework. Each area keeps its own patterns in a module beside its views."""

from django.contrib import admin
from django.urls import include, path

from casework.views import home

# A failed request answers in the app's frame or the API's error shape, never Django's bare page.
handler500 = "casework.views.errors.server_error"
handler404 = "casework.views.errors.page_not_found"

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", home.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("account/", include("casework.views.account_urls")),
    path("audit/", include("casework.views.audit_urls")),
    path("persons/", include("casework.views.persons_urls")),
    path("report/", include("casework.views.public_urls")),
    path("reports/", include("casework.views.reports_urls")),
    path("flights/", include("casework.views.flights_urls")),
    path("places/", include("casework.views.places_urls")),
    path("imports/", include("casework.views.imports_urls")),
    path("review/", include("casework.views.review_urls")),
    path("organisation/", include("casework.views.organisation_urls")),
    path("jobs/", include("casework.views.jobs_urls")),
    path("api/", include("casework.api.urls")),
    path("admin/", admin.site.urls),
]
