"""The actions on one person, each a small form in front of one service call: change the status,
assign, record a placement or sighting, link a relative, add a note, add a name."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from casework.forms.bulk import ASSIGN, STATUS, BulkChangeForm
from casework.forms.fields import OneTimeForm
from casework.forms.persons import (
    AddNameForm,
    AssignForm,
    NoteForm,
    PlacementForm,
    RelativeForm,
    ShareForm,
    StatusForm,
    relative_candidates,
)
from casework.forms.service_errors import apply_service_error
from casework.models import Person
from casework.permissions import Action, person_level, require
from casework.presenters import present_persons
from casework.services.bulk import MAX_BULK, persons_assign, persons_change_status
from casework.services.errors import Conflict, ServiceError
from casework.services.names import person_add_name
from casework.services.notes import note_add
from casework.services.persons import person_assign, person_change_status
from casework.services.placements import placement_record
from casework.services.relationships import relationship_link
from casework.services.sharing import person_share
from casework.views.decorators import form_status, staff_view
from casework.views.listing import query_without_page
from casework.views.once import create_once, submitted_once
from casework.views.person_picker import candidate_rows, search_candidates
from casework.views.persons import visible_person


def _action_page(request, person, form, title, submit, *, status=None):
    if status is None:
        status = form_status(form)
    return render(
        request,
        "persons/action.html",
        {"person": person, "form": form, "title": title, "submit": submit},
        status=status,
    )


def _done(request, person, message):
    messages.success(request, message)
    return redirect("person_detail", public_id=person.public_id)


@staff_view(action=Action.CHANGE_STATUS)
@never_cache
def person_status(request, public_id):
    person = visible_person(request, public_id)
    require(request.user, Action.CHANGE_STATUS, person)
    form = StatusForm(
        request.POST or None, initial={"version": person.version}, user=request.user, person=person
    )
    if request.method == "POST" and form.is_valid():
        try:
            person_change_status(
                actor=request.user,
                person=person,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as conflict:
            form.add_error(None, str(conflict))
            return _action_page(
                request, person, form, _("Change the status"), _("Change"), status=409
            )
        except ServiceError as error:
            apply_service_error(form, error, fields={"status": "to"})
        else:
            return _done(request, person, _("The status was changed."))
    return _action_page(request, person, form, _("Change the status"), _("Change"))


def _form_then_service(request, public_id, *, action, make_form, service, done, title, submit):
    """The shape every simple action shares: the person through the gate, the action gate, the
    form, one service call, and either the form again with the service's errors or the record."""
    person = visible_person(request, public_id)
    require(request.user, action, person)
    form = make_form(request.POST or None, person)
    if request.method == "POST" and form.is_valid():

        def act():
            service(actor=request.user, person=person, **form.cleaned_data)
            return _done(request, person, done)

        try:
            # A form that creates something is saved once however often it is sent.
            return create_once(request, form, act) if isinstance(form, OneTimeForm) else act()
        except ServiceError as error:
            apply_service_error(form, error)
    return _action_page(request, person, form, title, submit)


@staff_view(action=Action.ASSIGN_CASE)
@never_cache
def person_assign_view(request, public_id):
    return _form_then_service(
        request,
        public_id,
        action=Action.ASSIGN_CASE,
        make_form=lambda data, person: AssignForm(
            data, initial={"team": person.team, "assigned_to": person.assigned_to}, person=person
        ),
        service=person_assign,
        done=_("The case was assigned."),
        title=_("Assign the case"),
        submit=_("Assign"),
    )


@staff_view(action=Action.RECORD_PLACEMENT)
@never_cache
@submitted_once
def person_placement(request, public_id):
    return _form_then_service(
        request,
        public_id,
        action=Action.RECORD_PLACEMENT,
        make_form=lambda data, person: PlacementForm(data),
        service=placement_record,
        done=_("The placement was recorded."),
        title=_("Record a placement or sighting"),
        submit=_("Record"),
    )


@staff_view(action=Action.LINK_RELATIVE)
@never_cache
@submitted_once
def person_relative(request, public_id):
    """Link a relative: search for them by name (the persons list's search, a page of results
    that tell namesakes apart), choose one, say how they are related. Works without script: the
    search is a GET form, the choice a radio button in the same form as the relationship."""
    person = visible_person(request, public_id)
    require(request.user, Action.LINK_RELATIVE, person)
    form = RelativeForm(request.POST or None, user=request.user, person=person)
    if request.method == "POST" and form.is_valid():

        def link():
            relationship_link(actor=request.user, person=person, **form.cleaned_data)
            return _done(request, person, _("The relative was linked."))

        try:
            return create_once(request, form, link)
        except ServiceError as error:
            apply_service_error(form, error)
    filterset, page, status = search_candidates(request, relative_candidates(request.user, person))
    rows = candidate_rows(request.user, page, read="person_relative_new")
    chosen = str(form["relative"].value() or "") if form.is_bound else ""
    for row in rows:
        row["chosen"] = str(row["person"].public_id) == chosen
    if form.is_bound:
        status = 400
    return render(
        request,
        "persons/relative_new.html",
        {
            "person": person,
            "form": form,
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "query": query_without_page(request.GET),
            "search": request.GET.urlencode(),
        },
        status=status,
    )


@staff_view(action=Action.ADD_NOTE)
@never_cache
@submitted_once
def person_note(request, public_id):
    return _form_then_service(
        request,
        public_id,
        action=Action.ADD_NOTE,
        make_form=lambda data, person: NoteForm(data, level=person_level(request.user, person)),
        service=note_add,
        done=_("The note was added."),
        title=_("Add a note"),
        submit=_("Add"),
    )


@staff_view(action=Action.EDIT_PERSON)
@never_cache
@submitted_once
def person_name(request, public_id):
    return _form_then_service(
        request,
        public_id,
        action=Action.EDIT_PERSON,
        make_form=lambda data, person: AddNameForm(data),
        service=person_add_name,
        done=_("The name was added."),
        title=_("Add a name or alias"),
        submit=_("Add"),
    )


@staff_view(action=Action.SHARE_CASE)
@never_cache
@submitted_once
def person_share_view(request, public_id):
    return _form_then_service(
        request,
        public_id,
        action=Action.SHARE_CASE,
        make_form=lambda data, person: ShareForm(data, person=person),
        service=person_share,
        done=_("The sharing was changed."),
        title=_("Share with a partner"),
        submit=_("Save"),
    )


@staff_view(action=Action.CHANGE_STATUS)
@never_cache
def person_bulk(request):
    """Several persons of the list changed at once, with one reason: GET shows the persons chosen
    (?person=<id>…), POST makes the change through the bulk services (one transaction)."""
    data = request.POST if request.method == "POST" else None
    initial = {"person": request.GET.getlist("person")[:MAX_BULK], "change": STATUS}
    form = BulkChangeForm(data, initial=initial, user=request.user)
    if data is not None and form.is_valid():
        persons = list(form.cleaned_data["person"])
        try:
            if form.cleaned_data["change"] == ASSIGN:
                persons_assign(
                    actor=request.user,
                    persons=persons,
                    assigned_to=form.cleaned_data["assigned_to"],
                    reason=form.cleaned_data["reason"],
                )
            else:
                persons_change_status(
                    actor=request.user,
                    persons=persons,
                    to=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                )
        except ServiceError as error:
            apply_service_error(form, error, fields={"status": "to", "persons": "person"})
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s person was changed.", "%(count)s persons were changed.", len(persons)
                )
                % {"count": len(persons)},
            )
            return redirect("person_list")
    chosen = _chosen(request, form)
    return render(
        request,
        "persons/bulk.html",
        {"form": form, "chosen": chosen},
        status=form_status(form),
    )


def _chosen(request, form) -> list:
    """The persons the form is about, as the user may see them (an unknown id is left out)."""
    ids = form["person"].value() or []
    if not isinstance(ids, list):
        ids = [ids]
    valid = []
    for value in ids[:MAX_BULK]:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    persons = (
        Person.objects.visible_to(request.user)
        .filter(public_id__in=valid)
        .order_by("display_name", "id")
    )
    return present_persons(request.user, persons, ("display_name", "status"), read="person_bulk")
