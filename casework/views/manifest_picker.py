"""The manifest picker: the persons cleared for return whom the user may see, searched by name as
the persons list searches, each shown with what tells two of one name apart (birth year, mother,
current place, status), ticked and proposed for the flight in one go.

Candidates come from `selectors.proposable_persons` (through `Person.objects.visible_to`), mothers
from `Relationship.objects.visible_to` and places from `Placement.objects.visible_to`: what the
user may not see of a candidate is shown as withheld, never as unknown.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from casework import audit
from casework.filtersets import PersonFilterSet
from casework.forms.flights import ManifestPickForm
from casework.models import Placement, Relationship, RelationshipKind, RepatriationFlight, Sex
from casework.permissions import Action, Level, person_levels
from casework.presenters import WITHHELD
from casework.selectors import proposable_persons
from casework.services import flights as services
from casework.services.errors import ServiceError
from casework.services.placements import current_whereabouts_of
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import filtered, page_of, query_without_page
from casework.views.once import create_once, submitted_once
from casework.workflow import manifest_is_open

# What the picker prints of a candidate's family links and places: sensitive, so a page that
# prints any is a read in the audit trail.
PRINTED_LINK_FIELDS = ("from_person", "to_person", "kind")
PRINTED_PLACE_FIELDS = ("location", "place_text", "start_date", "start_precision")


def _mothers(user, persons) -> tuple[dict[int, list], list]:
    """Each person's mothers (by person id) from the family links the user may see, recorded
    either way round ("M is the mother of P", "P is the child of M" for a woman M); and the links
    read."""
    ids = [person.pk for person in persons]
    links = list(
        Relationship.objects.visible_to(user)
        .filter(
            Q(to_person__in=ids, kind=RelationshipKind.MOTHER)
            | Q(from_person__in=ids, kind=RelationshipKind.CHILD, to_person__sex=Sex.FEMALE)
        )
        .select_related("from_person", "to_person")
        .order_by("id")
    )
    mothers: dict[int, list] = {}
    for link in links:
        if link.kind == RelationshipKind.MOTHER:
            child, mother = link.to_person, link.from_person
        else:
            child, mother = link.from_person, link.to_person
        known = mothers.setdefault(child.pk, [])
        if mother not in known:
            known.append(mother)
    return mothers, links


def candidate_rows(user, persons) -> list[dict]:
    """One row per candidate, in a constant number of queries, with its read recorded: the
    mother and current place are the working record (sensitive), withheld below that level."""
    persons = list(persons)
    if not persons:
        return []
    levels = person_levels(user, persons)
    mothers, links = _mothers(user, persons)
    places = current_whereabouts_of(Placement.objects.visible_to(user).filter(person__in=persons))
    rows = []
    for person in persons:
        sensitive = levels[person.pk] >= Level.SENSITIVE
        rows.append(
            {
                "person": person,
                "mothers": mothers.get(person.pk, []) if sensitive else WITHHELD,
                "place": places.get(person.pk) if sensitive else WITHHELD,
            }
        )
    # The gates return links and places only at the sensitive level: a candidate whose mother or
    # place was printed was read, and the page's one event names each of them (found from them).
    reads = [
        (
            row["person"],
            levels[row["person"].pk],
            (PRINTED_LINK_FIELDS if row["mothers"] else ())
            + (PRINTED_PLACE_FIELDS if row["place"] else ()),
        )
        for row in rows
        if row["mothers"] or row["place"]
    ]
    audit.record_reads(user, "manifest_add", reads)
    return rows


def _candidates(request, flight):
    """The filterset (its name search only, the persons list's own) over the proposable persons,
    a page of them and the HTTP status of the search."""
    query = request.GET.get("q", "")
    filterset = PersonFilterSet(
        {"q": query} if query else None,
        queryset=proposable_persons(request.user, flight),
        user=request.user,
    )
    persons, status = filtered(filterset)
    return filterset, page_of(request, persons), status


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
        rows = candidate_rows(request.user, page)
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
