"""The manifest picker: the persons cleared for return whom the user may see, searched by name as
the persons list searches, each shown with what tells two of one name apart (birth year, mother,
current place, status), ticked and proposed for the flight in one go.

Candidates come from `selectors.proposable_persons` (through `Person.objects.visible_to`), their
rows from `person_picker`, shared with the "link a relative" page.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from casework.forms.flights import ManifestPickForm
from casework.models import RepatriationFlight
from casework.permissions import Action
from casework.selectors import proposable_persons
from casework.services import flights as services
from casework.services.errors import ServiceError
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import query_without_page
from casework.views.once import create_once, submitted_once
from casework.views.person_picker import candidate_rows, search_candidates
from casework.workflow import manifest_is_open


def _candidates(request, flight):
    return search_candidates(request, proposable_persons(request.user, flight))


def _refusals(error: ServiceError, form) -> dict[str, list[str]]:
    """The service's refusals of single persons (keyed by public id), for their rows; anything
    else goes to the form."""
    per_person = {}
    for key, problems in error.message_dict.items():
        if key in form.fields:
            form.add_error(key, problems)
        elif key in ("flight", "__all__"):
            form.add_error(None, problems)
        else:
            per_person[key] = problems
    return per_person


@staff_view(action=Action.MANAGE_FLIGHT)
@never_cache
@submitted_once
def manifest_add(request, flight_id):
    flight = gated_or_404(request, RepatriationFlight.objects.visible_to(request.user), flight_id)
    form = ManifestPickForm(request.POST if request.method == "POST" else None, user=request.user)
    refused: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():

        def propose():
            entries = services.manifest_propose_many(
                actor=request.user,
                flight=flight,
                persons=form.cleaned_data["persons"],
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s person proposed for the flight.",
                    "%(count)s persons proposed for the flight.",
                    len(entries),
                )
                % {"count": len(entries)},
            )
            return redirect("flight_detail", flight_id=flight.public_id)

        try:
            return create_once(request, form, propose)
        except ServiceError as exc:
            refused = _refusals(exc, form)
    is_open = manifest_is_open(flight)
    filterset, page, status = (None, None, 200)
    rows = []
    if is_open:
        filterset, page, status = _candidates(request, flight)
        rows = candidate_rows(request.user, page, read="manifest_add")
    if request.method == "POST":
        status = 400
    ticked = set(form["persons"].value() or []) if form.is_bound else set()
    for row in rows:
        key = str(row["person"].public_id)
        row["ticked"] = key in ticked
        row["errors"] = refused.get(key, [])
    return render(
        request,
        "flights/manifest_add.html",
        {
            "flight": flight,
            "manifest_open": is_open,
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "form": form,
            "refused": [problem for problems in refused.values() for problem in problems],
            "query": query_without_page(request.GET),
            "search": request.GET.urlencode(),
        },
        status=status,
    )
