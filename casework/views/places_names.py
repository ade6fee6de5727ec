"""The review queue of place names: names from the organisation's lists that matched no known
place for sure, each mapped to a place (it becomes one of the place's names), or dismissed. To
create the place a name means, the new-place form is opened with the name filled in."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.forms.places import PlaceNameDecisionForm
from casework.forms.service_errors import apply_service_error
from casework.models import DetentionLocation, PlaceName, PlaceNameStatus
from casework.permissions import Action
from casework.services import places as services
from casework.services.errors import ServiceError
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import page_of


def _decision_form(request, data=None, queued=None):
    places = DetentionLocation.objects.visible_to(request.user).order_by("country", "name")
    initial = {"place": queued.suggested} if queued is not None and queued.suggested else None
    return PlaceNameDecisionForm(data, places=places, initial=initial)


@require_GET
@staff_view(action=Action.MANAGE_PLACES)
@never_cache
def place_name_queue(request):
    waiting = (
        PlaceName.objects.visible_to(request.user)
        .filter(status=PlaceNameStatus.OPEN)
        .select_related("suggested")
    )
    page = page_of(request, waiting)
    rows = [(queued, _decision_form(request, queued=queued)) for queued in page.object_list]
    return render(request, "casework/places/names.html", {"page": page, "rows": rows})


@require_POST
@staff_view(action=Action.MANAGE_PLACES)
@never_cache
def place_name_decide(request, name_id):
    queued = gated_or_404(request, PlaceName.objects.visible_to(request.user), name_id)
    form = _decision_form(request, request.POST, queued)
    if form.is_valid():
        try:
            if form.cleaned_data["dismiss"]:
                services.place_name_dismiss(actor=request.user, place_name=queued)
                messages.success(request, _("“%(name)s” dismissed.") % {"name": queued.name})
            else:
                place = form.cleaned_data["place"]
                services.place_name_map(actor=request.user, place_name=queued, place=place)
                messages.success(
                    request,
                    _("“%(name)s” is now a name of %(place)s.")
                    % {"name": queued.name, "place": place.name},
                )
            return redirect("place_name_queue")
        except ServiceError as exc:
            apply_service_error(form, exc)
    return render(
        request,
        "casework/places/names.html",
        {"page": None, "rows": [(queued, form)]},
        status=400,
    )
