"""Pages of the flights area: flights, their manifests, boarding and handovers.

Flights come from `RepatriationFlight.objects.visible_to(user)`; a passenger the user may not see
is shown as a withheld passenger, never by name.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework.filtersets import FlightFilterSet
from casework.forms.flights import (
    BoardingForm,
    EscortForm,
    FlightEditForm,
    FlightForm,
    HandoverForm,
)
from casework.forms.service_errors import apply_service_error
from casework.models import (
    FLIGHT_DESCRIPTION,
    ManifestRole,
    ManifestStatus,
    Person,
    RecipientKind,
    RepatriationFlight,
)
from casework.permissions import Action, manifest_rows_actions, may
from casework.presenters import record_history_rows
from casework.selectors import record_history
from casework.services import flights as services
from casework.services.errors import Conflict, ServiceError
from casework.views.decorators import gated_or_404, staff_view
from casework.views.handover_recipients import (
    known_relatives,
    recipient_choices,
    record_relatives_read,
    relation_labels,
)
from casework.views.listing import filtered, page_of, query_without_page
from casework.views.once import create_once, submitted_once
from casework.workflow import flight_now, manifest_is_open

_FLIGHT_FIELDS = [*FLIGHT_DESCRIPTION, "time_zone"]
# The escort form's fields get ids of their own: the rows' note fields are notes too.
ESCORT_FORM_IDS = "escort-%s"


def _flight(request, flight_id):
    return gated_or_404(request, RepatriationFlight.objects.visible_to(request.user), flight_id)


def _entry(request, flight, entry_id):
    return get_object_or_404(flight.manifest.select_related("person"), public_id=entry_id)


@staff_view(action=Action.MANAGE_FLIGHT)
@never_cache
def flight_list(request):
    flights = RepatriationFlight.objects.visible_to(request.user)
    filterset = FlightFilterSet(request.GET or None, queryset=flights, request=request)
    flights, status = filtered(filterset)
    page = page_of(request, flights.order_by("-date", "reference"))
    return render(
        request,
        "flights/flight_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query_without_page(request.GET),
            "may_export": may(request.user, Action.EXPORT_PSEUDONYMISED),
        },
        status=status,
    )


@staff_view(action=Action.MANAGE_FLIGHT)
@never_cache
@submitted_once
def flight_new(request):
    form = FlightForm(request.POST or None, initial={"status": "planned"})
    if request.method == "POST" and form.is_valid():

        def plan():
            flight = services.flight_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Flight %(ref)s planned.") % {"ref": flight.reference})
            return redirect("flight_detail", flight_id=flight.public_id)

        try:
            return create_once(request, form, plan)
        except ServiceError as exc:
            apply_service_error(form, exc)
    status = 400 if request.method == "POST" else 200
    return render(request, "flights/flight_form.html", {"form": form}, status=status)


@staff_view(action=Action.MANAGE_FLIGHT)
@never_cache
def flight_edit(request, flight_id):
    flight = _flight(request, flight_id)
    initial = {name: getattr(flight, name) for name in _FLIGHT_FIELDS}
    initial["version"] = flight.version
    form = FlightEditForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        version = changes.pop("version")
        try:
            services.flight_update(
                actor=request.user, flight=flight, expected_version=version, **changes
            )
        except Conflict as exc:
            conflict = str(exc)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Flight saved."))
            return redirect("flight_detail", flight_id=flight.public_id)
    status = 200
    if request.method == "POST":
        status = 409 if conflict else 400
    return render(
        request,
        "flights/flight_form.html",
        {"form": form, "flight": flight, "conflict": conflict},
        status=status,
    )


def _manifest_rows(user, flight):
    """The manifest's rows with what the user may do with each, in a constant number of queries
    however many rows (the policy checks every passenger at once)."""
    entries = list(flight.manifest.select_related("person", "handover").order_by("role", "id"))
    checked = manifest_rows_actions(user, entries, flight)
    rows = []
    for entry in entries:
        shown, actions = checked[entry.pk]
        rows.append(
            {
                "entry": entry,
                "shown": shown,
                "person": entry.person if shown and entry.person_id else None,
                "may_approve": actions.approve,
                "may_board": ManifestStatus.BOARDED in actions.board,
                "may_not_board": ManifestStatus.NOT_BOARDED in actions.board,
                "may_hand_over": actions.hand_over,
            }
        )
    return rows


@staff_view(action=Action.MANAGE_FLIGHT)
@never_cache
def flight_detail(request, flight_id):
    flight = _flight(request, flight_id)
    rows = _manifest_rows(request.user, flight)
    seated = sum(
        1
        for row in rows
        if row["entry"].role == ManifestRole.PASSENGER and row["entry"].status in services.SEATED
    )
    return render(
        request,
        "flights/flight_detail.html",
        {
            "flight": flight,
            "rows": rows,
            "seated": seated,
            "manifest_open": manifest_is_open(flight),
            "local_now": flight_now(flight),
            "escort_form": EscortForm(auto_id=ESCORT_FORM_IDS),
            "boarding_form": BoardingForm(),
            "may_approve": may(request.user, Action.APPROVE_MANIFEST),
            "history": record_history_rows(
                record_history(
                    request.user,
                    RepatriationFlight.objects.visible_to(request.user),
                    flight,
                    through_gate=True,
                )[:100],
                viewer=request.user,
                record=flight,
            ),
        },
    )


def _back(flight):
    return redirect("flight_detail", flight_id=flight.public_id)


def _refused(request, flight, exc: ServiceError):
    # The manifest's buttons have no form to show errors on: each message is a notice.
    for message in exc.messages:
        messages.error(request, message)
    return _back(flight)


@staff_view(action=Action.MANAGE_FLIGHT)
@require_POST
@submitted_once
def escort_add(request, flight_id):
    flight = _flight(request, flight_id)
    form = EscortForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the escort."))
        return _back(flight)

    def add():
        services.escort_add(actor=request.user, flight=flight, **form.cleaned_data)
        messages.success(request, _("Escort added."))
        return _back(flight)

    try:
        return create_once(request, form, add)
    except ServiceError as exc:
        return _refused(request, flight, exc)


@staff_view(action=Action.APPROVE_MANIFEST)
@require_POST
def manifest_approve(request, flight_id, entry_id):
    flight = _flight(request, flight_id)
    entry = _entry(request, flight, entry_id)
    try:
        services.manifest_approve(actor=request.user, entry=entry)
    except ServiceError as exc:
        return _refused(request, flight, exc)
    messages.success(request, _("Passenger approved."))
    return _back(flight)


@staff_view(action=Action.MANAGE_FLIGHT)
@require_POST
def manifest_board(request, flight_id, entry_id):
    flight = _flight(request, flight_id)
    entry = _entry(request, flight, entry_id)
    form = BoardingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the passenger boarded."))
        return _back(flight)
    try:
        if form.cleaned_data["boarded"] == "yes":
            services.manifest_mark_boarded(actor=request.user, entry=entry)
        else:
            services.manifest_mark_not_boarded(
                actor=request.user, entry=entry, note=form.cleaned_data["note"]
            )
    except ServiceError as exc:
        return _refused(request, flight, exc)
    messages.success(request, _("Boarding recorded."))
    return _back(flight)


@staff_view(action=Action.RECORD_HANDOVER)
@never_cache
@submitted_once
def handover_new(request, flight_id, entry_id):
    flight = _flight(request, flight_id)
    entry = _entry(request, flight, entry_id)
    if (
        entry.person_id is None
        or not Person.objects.visible_to(request.user).filter(pk=entry.person_id).exists()
    ):
        raise Http404
    relatives = known_relatives(request.user, entry.person)
    form = HandoverForm(
        request.POST or None,
        initial={"recipient_kind": RecipientKind.RELATIVE},
        flight=flight,
        user=request.user,
        child=entry.person,
        relations=relation_labels(relatives),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        recipient = data.pop("recipient")

        def record():
            services.handover_record(
                actor=request.user, manifest_entry=entry, recipient_person=recipient, **data
            )
            messages.success(request, _("Handover recorded."))
            return _back(flight)

        try:
            return create_once(request, form, record)
        except ServiceError as exc:
            apply_service_error(form, exc)
    choices = recipient_choices(request, entry.person, relatives)
    record_relatives_read(request.user, relatives)
    filterset, page, search_status, found, other_radio = choices
    status = 400 if request.method == "POST" else search_status
    return render(
        request,
        "flights/handover_form.html",
        {
            "flight": flight,
            "entry": entry,
            "form": form,
            "relatives": relatives,
            "found": found,
            "other_radio": other_radio,
            "filterset": filterset,
            "page": page,
            "query": query_without_page(request.GET),
            "search": request.GET.urlencode(),
            "chosen": str(form["recipient"].value() or "") if form.is_bound else "",
        },
        status=status,
    )
