"""The review queue (match suggestions with their explanations), decisions, merges and undo."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from casework.background import start_find_duplicates
from casework.filtersets import QUEUE_OPEN, MatchSuggestionFilterSet
from casework.forms.imports import DecisionForm, ReasonForm
from casework.forms.service_errors import apply_service_error
from casework.models import (
    Decision,
    MatchSuggestion,
    Person,
    PersonMerge,
    SuggestionKind,
    SuggestionOpinion,
)
from casework.permissions import Action, may
from casework.presenters import WITHHELD, present_persons
from casework.services.errors import ServiceError
from casework.services.matching import suggestion_decide
from casework.services.merge import merge_blocks, persons_merge, persons_unmerge
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import filtered, page_of, query_without_page

PAGE_SIZE = 20
PERSON_FIELDS = [
    "display_name",
    "sex",
    "birth_date",
    "birth_precision",
    "age_stated",
    "age_stated_on",
    "birthplace",
    "region_of_origin",
    "status",
]
ROW_FIELDS = [
    "family_name",
    "given_name",
    "patronymic",
    "full_name",
    "alias",
    "sex",
    "birth_date",
    "age",
    "age_reference_date",
    "birth_place",
    "mother_name",
    "father_name",
    "region",
    "location",
]


def _sides(user, persons, view: str) -> list[dict]:
    """The persons of a side by side as the user may see them. The page prints birth dates and
    birthplaces: a read like the person page's, one event for the page naming both."""
    return [
        {
            "person": shown.person,
            "fields": {name: shown[name] for name in PERSON_FIELDS},
            "names": [] if shown["names"] is WITHHELD else [n.text for n in shown["names"]],
        }
        for shown in present_persons(user, persons, [*PERSON_FIELDS, "names"], read=view)
    ]


@staff_view(action=Action.DECIDE_MATCH)
@never_cache
def review_queue(request):
    data = request.GET.copy()
    data.setdefault("decision", QUEUE_OPEN)
    filterset = MatchSuggestionFilterSet(
        data, queryset=MatchSuggestion.objects.visible_to(request.user)
    )
    suggestions, status = filtered(filterset)
    suggestions = suggestions.select_related(
        "person", "other_person", "list_row", "list_row__list_import"
    ).order_by("-probability", "id")
    page = page_of(request, suggestions, size=PAGE_SIZE)
    for suggestion, waiting in _waiting_merge(request.user, list(page)).items():
        suggestion.waiting_merge = waiting
    return render(
        request,
        "review/queue.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query_without_page(data),
            "may_find": may(request.user, Action.MERGE_PERSONS),
        },
        status=status,
    )


def _not_merged(suggestion: MatchSuggestion) -> bool:
    return (
        suggestion.kind == SuggestionKind.PERSON_PERSON
        and suggestion.decision == Decision.CONFIRMED
        and not suggestion.person.merged_into_id
        and not suggestion.other_person.merged_into_id
    )


def _waiting_merge(user, suggestions) -> dict:
    """{suggestion: {"blocks": what stands in the way, "may_merge": ...}} for the pairs
    decided "the same person" whose records are not merged yet."""
    waiting = [s for s in suggestions if _not_merged(s)]
    blocks = merge_blocks([(s.person, s.other_person) for s in waiting])
    may_merge = may(user, Action.MERGE_PERSONS)
    return {
        s: {"blocks": blocks[(s.person.pk, s.other_person.pk)], "may_merge": may_merge}
        for s in waiting
    }


@staff_view(action=Action.DECIDE_MATCH)
@never_cache
@require_http_methods(["GET", "POST"])
def review_suggestion(request, public_id):
    suggestion = gated_or_404(
        request,
        MatchSuggestion.objects.visible_to(request.user).select_related(
            "person", "other_person", "list_row", "list_row__list_import"
        ),
        public_id,
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suggestion_decide(
                actor=request.user,
                suggestion=suggestion,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your decision was recorded."))
            confirmed = form.cleaned_data["decision"] == Decision.CONFIRMED
            if confirmed and suggestion.kind == SuggestionKind.PERSON_PERSON:
                if may(request.user, Action.MERGE_PERSONS):
                    return redirect(
                        "review_merge",
                        survivor=suggestion.person.public_id,
                        absorbed=suggestion.other_person.public_id,
                    )
                messages.info(request, _("A supervisor will merge the two records."))
            return redirect("review_queue")
    left = None
    if suggestion.list_row_id:
        row_fields = suggestion.list_row.data.get("fields", {})
        left = {
            "row": suggestion.list_row,
            "fields": [(f, row_fields.get(f, "")) for f in ROW_FIELDS],
        }
    persons = [suggestion.person]
    if left is None and suggestion.other_person_id:
        persons.insert(0, suggestion.other_person)
    *others, right = _sides(request.user, persons, "review_suggestion")
    if others:
        [left] = others
    return render(
        request,
        "review/suggestion.html",
        {
            "suggestion": suggestion,
            "left": left,
            "right": right,
            "form": form,
            "decided": suggestion.decision in (Decision.CONFIRMED, Decision.REJECTED),
            "waiting_merge": _waiting_merge(request.user, [suggestion]).get(suggestion),
            # What partners who see both persons think (`services.match_opinions`): theirs to say,
            # the staff's to decide.
            "partner_opinions": SuggestionOpinion.objects.visible_to(request.user)
            .filter(suggestion=suggestion)
            .select_related("partner"),
        },
        status=400 if form.is_bound else 200,
    )


@staff_view(action=Action.MERGE_PERSONS)
@require_POST
def review_find_duplicates(request):
    """Minutes of work over a large organisation: run by the task worker, followed on the job's
    page."""
    try:
        job = start_find_duplicates(actor=request.user)
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("review_queue")
    return redirect("job_detail", public_id=job.public_id)


@staff_view(action=Action.MERGE_PERSONS)
@never_cache
@require_http_methods(["GET", "POST"])
def review_merge(request, survivor, absorbed):
    scope = Person.objects.visible_to(request.user)
    survivor = gated_or_404(request, scope, survivor)
    absorbed = gated_or_404(request, scope, absorbed)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merge = persons_merge(
                actor=request.user,
                survivor=survivor,
                absorbed=absorbed,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The records were merged."))
            return redirect("review_merge_detail", public_id=merge.public_id)
    survivor_side, absorbed_side = _sides(request.user, [survivor, absorbed], "review_merge")
    return render(
        request,
        "review/merge.html",
        {
            "survivor": survivor_side,
            "absorbed": absorbed_side,
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@staff_view(action=Action.MERGE_PERSONS)
@never_cache
def review_merge_detail(request, public_id):
    merge = gated_or_404(
        request,
        PersonMerge.objects.visible_to(request.user).select_related(
            "survivor", "absorbed", "performed_by"
        ),
        public_id,
    )
    moved = {k: len(v) for k, v in merge.moved.items() if isinstance(v, list)}
    return render(
        request,
        "review/merge_detail.html",
        {"merge": merge, "moved": moved, "form": ReasonForm()},
    )


@staff_view(action=Action.MERGE_PERSONS)
@require_POST
def review_unmerge(request, public_id):
    merge = gated_or_404(request, PersonMerge.objects.visible_to(request.user), public_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            persons_unmerge(actor=request.user, merge=merge, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The merge was undone."))
            return redirect("review_merge_detail", public_id=merge.public_id)
    moved = {k: len(v) for k, v in merge.moved.items() if isinstance(v, list)}
    return render(
        request,
        "review/merge_detail.html",
        {"merge": merge, "moved": moved, "form": form},
        status=400,
    )
