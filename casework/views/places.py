"""The registry of places for staff: every prison, camp and orphanage with who is known to be
there now (as the viewer may see them), its reported population over time with the sources, its
access notes (for those who may see them) and a map drawn from the stored coordinates.

Places come from `DetentionLocation.objects.visible_to(user)`; the persons there from
`selectors.persons_now_at`, through the one presenter, which records the read.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casework.filtersets import PlaceFilterSet
from casework.forms.places import AliasForm, PlaceEditForm, PlaceForm, PopulationForm
from casework.forms.service_errors import apply_service_error
from casework.models import DetentionLocation, PlaceAlias, PopulationReport
from casework.permissions import Action, may, may_see_access_notes
from casework.presenters import present_persons
from casework.selectors import persons_now_at
from casework.services import places as services
from casework.services.errors import ServiceError
from casework.views.decorators import form_status, gated_or_404, staff_view
from casework.views.listing import filtered, page_of, query_without_page
from casework.views.once import create_once, submitted_once
from casework.views.places_map import place_map, population_chart

# What the list of persons at a place shows of each.
PERSON_FIELDS = ["display_name", "status", "birth_year"]
PERSONS_PER_PAGE = 50


def _place(request, place_id):
    return gated_or_404(request, DetentionLocation.objects.visible_to(request.user), place_id)


def _url_of(place) -> str:
    return reverse("place_detail", kwargs={"place_id": place.public_id})


@require_GET
@staff_view
@never_cache
def place_list(request):
    places = DetentionLocation.objects.visible_to(request.user)
    filterset = PlaceFilterSet(request.GET or None, queryset=places, request=request)
    places, status = filtered(filterset)
    places = places.order_by("country", "name")
    page = page_of(request, places, size=100)
    return render(
        request,
        "casework/places/list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query_without_page(request.GET),
            "map": place_map(list(page.object_list), url_of=_url_of),
            "may_manage": may(request.user, Action.MANAGE_PLACES),
            "may_export": may(request.user, Action.EXPORT_PSEUDONYMISED),
        },
        status=status,
    )


@require_GET
@staff_view
@never_cache
def place_detail(request, place_id):
    place = _place(request, place_id)
    user = request.user
    # A page of them and whether there is a next, never a count: at a camp of thousands, counting
    # who the viewer may see there would cost more than the page.
    persons = page_of(request, persons_now_at(user, place), size=PERSONS_PER_PAGE)
    views = present_persons(user, persons.object_list, PERSON_FIELDS, read="place_detail")
    reports = list(PopulationReport.objects.visible_to(user).filter(location=place))
    neighbours = DetentionLocation.objects.visible_to(user).filter(country=place.country)
    return render(
        request,
        "casework/places/detail.html",
        {
            "place": place,
            "persons": persons,
            "views": views,
            "reports": reports,
            "chart": population_chart(reports),
            "aliases": PlaceAlias.objects.visible_to(user).filter(location=place),
            "map": place_map(list(neighbours), url_of=_url_of, current=place),
            "may_see_notes": may_see_access_notes(user),
            "may_manage": may(user, Action.MANAGE_PLACES),
            "alias_form": AliasForm(),
            "query": query_without_page(request.GET),
        },
    )


def _form_page(request, template, form, *, place=None, title):
    status = form_status(form)
    return render(request, template, {"form": form, "place": place, "title": title}, status=status)


@staff_view(action=Action.MANAGE_PLACES)
@never_cache
@submitted_once
def place_new(request):
    # From the review queue of names, the form comes with the name as the list wrote it.
    form = PlaceForm(request.POST or None, initial={"name": request.GET.get("name", "")[:200]})
    if request.method == "POST" and form.is_valid():

        def create():
            place = services.place_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Place %(name)s added.") % {"name": place.name})
            return redirect("place_detail", place_id=place.public_id)

        try:
            return create_once(request, form, create)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return _form_page(request, "casework/places/form.html", form, title=_("Add a place"))


@staff_view(action=Action.MANAGE_PLACES)
@never_cache
def place_edit(request, place_id):
    place = _place(request, place_id)
    initial = {name: getattr(place, name) for name in services.PLACE_FIELDS}
    form = PlaceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.place_update(actor=request.user, place=place, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Place saved."))
            return redirect("place_detail", place_id=place.public_id)
    return _form_page(
        request, "casework/places/form.html", form, place=place, title=_("Edit the place")
    )


@staff_view(action=Action.MANAGE_PLACES)
@never_cache
@submitted_once
def place_population_new(request, place_id):
    place = _place(request, place_id)
    form = PopulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def add():
            services.place_population_add(actor=request.user, place=place, **form.cleaned_data)
            messages.success(request, _("Population recorded."))
            return redirect("place_detail", place_id=place.public_id)

        try:
            return create_once(request, form, add)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return _form_page(
        request,
        "casework/places/form.html",
        form,
        place=place,
        title=_("Record the population"),
    )


@staff_view(action=Action.MANAGE_PLACES)
@never_cache
def place_alias_new(request, place_id):
    place = _place(request, place_id)
    form = AliasForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alias = services.place_alias_add(
                actor=request.user, place=place, name=form.cleaned_data["name"]
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            if alias is None:
                messages.info(request, _("The place already answers to this name."))
            else:
                messages.success(request, _("Name added."))
            return redirect("place_detail", place_id=place.public_id)
    return _form_page(
        request, "casework/places/form.html", form, place=place, title=_("Add another name")
    )
