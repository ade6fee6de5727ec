"""The persons area: the list, one person's record, creating and editing a person.

Every read starts from `Person.objects.visible_to(user)` (a person outside it answers 404 like a
missing one); every write is a service call; the page shows each field only at the level the user
has.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from casework.filtersets import PersonFilterSet
from casework.forms.persons import (
    NameFormSet,
    PersonCreateForm,
    PersonEditForm,
    birth_text,
)
from casework.forms.service_errors import apply_service_error
from casework.models import Person
from casework.permissions import Action, may, person_level, require
from casework.presenters import WITHHELD, present_persons
from casework.services import matching
from casework.services.errors import Conflict, ServiceError
from casework.services.names import best_matching_name, search_weights
from casework.services.persons import NameInput, person_create, person_update
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import page_of, query_without_page
from casework.views.once import create_once, submitted_once
from casework.views.person_detail import detail_context


def visible_person(request, public_id):
    """The person, if the user may see them; otherwise 404 exactly as for a missing id."""
    scope = Person.objects.visible_to(request.user).select_related("team", "assigned_to")
    return gated_or_404(request, scope, public_id)


# The person fields the list prints (templates/persons/list.html).
LIST_FIELDS = ("display_name", "birth_year", "status", "region_of_origin", "team", "updated_at")


@staff_view(action=Action.VIEW_PERSON)
@never_cache
def person_list(request):
    filterset = PersonFilterSet(
        request.GET or None,
        queryset=Person.objects.visible_to(request.user).select_related("team"),
        user=request.user,
    )
    # Invalid or unknown filter values are dropped (see PersonFilterSet), never half-applied.
    persons = filterset.qs if filterset.is_bound else filterset.queryset
    query = searched_text(filterset, persons)
    if query:
        # A name search runs once per page, best matches first (unless an order was chosen).
        ordering = _ordering(filterset, first=("-search_rank",))
        page = page_of(request, persons.order_by(*ordering), rows=filterset.queryset)
    else:
        page = page_of(request, persons.order_by(*_ordering(filterset)))
    # A page that shows sensitive fields (region of origin) is a read: one event per page view,
    # naming the persons it showed them of; a search shows the name that matched too.
    fields = (*LIST_FIELDS, "names") if query else LIST_FIELDS
    views = present_persons(request.user, page, fields, read="person_list")
    weights = search_weights(query) if query else {}
    return render(
        request,
        "persons/list.html",
        {
            "filterset": filterset,
            "page": page,
            "rows": [
                {
                    "person": view.person,
                    "fields": view,
                    "matched_name": matched_name(view, query, weights) if query else "",
                }
                for view in views
            ],
            "query": query_without_page(request.GET),
            "may_create": may(request.user, Action.CREATE_PERSON),
            "may_export": may(request.user, Action.EXPORT_PSEUDONYMISED),
            "may_bulk": may(request.user, Action.CHANGE_STATUS),
        },
    )


def _ordering(filterset, first: tuple[str, ...] = ()) -> list:
    """The chosen (valid) ordering, else `first`, then a stable tie-break for pagination."""
    chosen = filterset.form.cleaned_data.get("ordering") if filterset.is_bound else None
    ordering = filterset.filters["ordering"]
    chosen = [ordering.get_ordering_value(p) for p in chosen or []]
    return [*(chosen or first), "display_name", "id"]


def searched_text(filterset, persons) -> str:
    """The name searched for, when the list is a name search (ranked by `search_rank`)."""
    if "search_rank" not in persons.query.annotations:
        return ""
    return filterset.form.cleaned_data.get("q", "").strip()


def matched_name(view, query: str, weights: dict[str, int] | None = None) -> str:
    """The person's name that best matches the search, when it is not the one the list shows
    (a Latin alias found by a Cyrillic search); "" when it is, or the names are withheld."""
    names = view["names"]
    if names is WITHHELD:
        return ""
    best = best_matching_name([n.text for n in names], query, weights)
    return "" if best in ("", view["display_name"]) else best


@staff_view(action=Action.VIEW_PERSON)
@never_cache
def person_detail(request, public_id):
    person = visible_person(request, public_id)
    return render(request, "persons/detail.html", detail_context(request.user, person))


# --- Creating a person -------------------------------------------------------------------------


def _names_of(formset) -> list[NameInput]:
    return [
        NameInput(**{k: v for k, v in form.cleaned_data.items() if k in NameInput.__annotations__})
        for form in formset.forms
        if form.has_name()
    ]


def _candidates(user, names, data) -> list:
    return matching.intake_candidates_for_input(actor=user, names=names, values=data)


@staff_view(action=Action.CREATE_PERSON)
@never_cache
@submitted_once
def person_new(request):
    form = PersonCreateForm(request.POST or None)
    formset = NameFormSet(request.POST or None, prefix="names")
    candidates = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        names = _names_of(formset)
        data = form.cleaned_data
        candidates = _candidates(request.user, names, data)
        visible_ids = set(
            Person.objects.visible_to(request.user)
            .filter(pk__in=[c.person.pk for c in candidates])
            .values_list("pk", flat=True)
        )
        for candidate in candidates:
            candidate.visible = candidate.person.pk in visible_ids
        if not candidates or data.get("confirm_new"):
            details = {k: v for k, v in data.items() if k != "confirm_new"}

            def create():
                person = person_create(actor=request.user, names=names, **details)
                messages.success(request, _("The person was recorded."))
                if Person.objects.visible_to(request.user).filter(pk=person.pk).exists():
                    return redirect("person_detail", public_id=person.public_id)
                return redirect("person_list")

            try:
                return create_once(request, form, create)
            except ServiceError as error:
                apply_service_error(form, error, fields=BIRTH_ERRORS)
    failed = form.errors or formset.total_error_count()
    status = 400 if request.method == "POST" and failed else 200
    return render(
        request,
        "persons/new.html",
        {"form": form, "formset": formset, "candidates": candidates},
        status=status,
    )


# --- Editing a person --------------------------------------------------------------------------

# The service's birth keys and the one field the birth is typed into.
BIRTH_ERRORS = dict.fromkeys(PersonEditForm.BIRTH, "born")

_EDIT_FIELDS = [
    "sex",
    "birthplace",
    "citizenship",
    "region_of_origin",
    "languages",
    "documents_held",
    "vulnerabilities",
    "sensitivity",
    "security_notes",
]


@staff_view(action=Action.EDIT_PERSON)
@never_cache
def person_edit(request, public_id):
    person = visible_person(request, public_id)
    require(request.user, Action.EDIT_PERSON, person)
    level = person_level(request.user, person)
    initial = {name: getattr(person, name) for name in _EDIT_FIELDS}
    initial["born"] = birth_text(person)
    initial["version"] = person.version
    form = PersonEditForm(request.POST or None, initial=initial, level=level)
    if request.method == "POST" and form.is_valid():
        try:
            person_update(
                actor=request.user,
                person=person,
                expected_version=form.cleaned_data["version"],
                **form.changes(),
            )
        except Conflict as conflict:
            return _conflict(request, person, form, conflict)
        except ServiceError as error:
            apply_service_error(form, error, fields=BIRTH_ERRORS)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("person_detail", public_id=person.public_id)
    status = 400 if form.errors else 200
    return render(
        request,
        "persons/edit.html",
        {"person": person, "form": form, "level": level},
        status=status,
    )


def _plain(value) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _conflict(request, person, form, conflict):
    """Someone saved this person since the form was loaded: show what differs, change nothing."""
    current = Person.objects.visible_to(request.user).get(pk=person.pk)
    theirs = PersonEditForm(
        initial={
            **{name: getattr(current, name) for name in _EDIT_FIELDS},
            "born": birth_text(current),
        },
        level=person_level(request.user, current),
    )
    differences = []
    for name, value in form.changes().items():
        saved = getattr(current, name)
        if value != saved and not (value in ("", None, []) and saved in ("", None, [])):
            shown = "born" if name in PersonEditForm.BIRTH else name
            label = form.fields[shown].label
            difference = (label, _plain(theirs[shown].value()), _plain(form[shown].value()))
            if difference not in differences:
                differences.append(difference)
    from casework.selectors import history_for

    changes = history_for(request.user, current).filter(action__in=["update", "status_change"])[:5]
    return render(
        request,
        "persons/conflict.html",
        {
            "person": current,
            "differences": differences,
            "changes": changes,
            "edited_version": conflict.expected_version,
        },
        status=409,
    )
