"""A flight's manifest printed (a page with a print stylesheet) and as an XLSX file."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.manifest import HEADER, manifest_lines, manifest_table
from casework.models import RepatriationFlight
from casework.permissions import Action
from casework.views.decorators import gated_or_404, staff_view
from casework.views.exports import file_response


def _flight(request, flight_id):
    return gated_or_404(request, RepatriationFlight.objects.visible_to(request.user), flight_id)


@staff_view(action=Action.MANAGE_FLIGHT)
@require_GET
@never_cache
def manifest_print(request, flight_id):
    flight = _flight(request, flight_id)
    lines = manifest_lines(request.user, flight, read="flight_manifest_print")
    return render(
        request,
        "flights/manifest_print.html",
        {"flight": flight, "header": HEADER, "lines": lines},
    )


@staff_view(action=Action.MANAGE_FLIGHT)
@require_POST
@never_cache
def manifest_xlsx(request, flight_id):
    flight = _flight(request, flight_id)
    return file_response(manifest_table(request.user, flight), "xlsx")
