"""A person's legal proceedings, recorded and edited on the person's page by those allowed at the
restricted level (`Action.RECORD_PROCEEDING`), each with its history. A proceeding is as closed as
its read gate: to anyone else it does not exist (404)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from casework.forms.places import ProceedingEditForm, ProceedingForm
from casework.forms.service_errors import apply_service_error
from casework.models import AuditEvent, LegalProceeding
from casework.permissions import Action, require
from casework.presenters import record_history_rows
from casework.services import proceedings as services
from casework.services.errors import ServiceError
from casework.views.decorators import form_status, gated_or_404, staff_view
from casework.views.once import create_once, submitted_once
from casework.views.persons import visible_person


def _page(request, person, form, *, title, proceeding=None, history=()):
    status = form_status(form)
    return render(
        request,
        "casework/places/proceeding_form.html",
        {
            "person": person,
            "form": form,
            "title": title,
            "proceeding": proceeding,
            "history": history,
        },
        status=status,
    )


@staff_view(action=Action.RECORD_PROCEEDING)
@never_cache
@submitted_once
def proceeding_new(request, public_id):
    person = visible_person(request, public_id)
    require(request.user, Action.RECORD_PROCEEDING, person)
    form = ProceedingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def record():
            services.proceeding_record(actor=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("Legal proceeding recorded."))
            return redirect("person_detail", public_id=person.public_id)

        try:
            return create_once(request, form, record)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return _page(request, person, form, title=_("Record a legal proceeding"))


@staff_view(action=Action.RECORD_PROCEEDING)
@never_cache
def proceeding_edit(request, public_id, proceeding_id):
    person = visible_person(request, public_id)
    proceeding = gated_or_404(
        request,
        LegalProceeding.objects.visible_to(request.user).filter(person=person),
        proceeding_id,
    )
    require(request.user, Action.RECORD_PROCEEDING, proceeding)
    initial = {name: getattr(proceeding, name) for name in services.PROCEEDING_FIELDS}
    form = ProceedingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.proceeding_update(
                actor=request.user, proceeding=proceeding, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Legal proceeding saved."))
            return redirect("person_detail", public_id=person.public_id)
    # The proceeding's own events: the gate above let the user see it, and its events are
    # restricted exactly as it is.
    events = AuditEvent.objects.visible_to(request.user).filter(
        object_type="LegalProceeding", object_id=proceeding.public_id
    )
    history = record_history_rows(
        events.order_by("-at", "-id")[:100], viewer=request.user, record=proceeding
    )
    return _page(
        request,
        person,
        form,
        title=_("Edit the legal proceeding"),
        proceeding=proceeding,
        history=history,
    )
