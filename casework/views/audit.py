"""The audit trail for the data-protection officer: events of the organisation, and the
break-glass grants with their reasons."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from casework.filtersets import AuditEventFilterSet
from casework.permissions import Action
from casework.selectors import audit_events_visible_to, break_glass_grants_visible_to
from casework.views.decorators import staff_view
from casework.views.listing import filtered, page_of, query_without_page


@staff_view(action=Action.VIEW_AUDIT)
@never_cache
def event_list(request):
    filterset = AuditEventFilterSet(
        request.GET or None, queryset=audit_events_visible_to(request.user)
    )
    events, status = filtered(filterset)
    return render(
        request,
        "audit/event_list.html",
        {
            "filterset": filterset,
            "page": page_of(request, events.order_by("-at", "-id")),
            "query": query_without_page(request.GET),
        },
        status=status,
    )


@staff_view(action=Action.VIEW_AUDIT)
@never_cache
def break_glass_list(request):
    grants = break_glass_grants_visible_to(request.user).order_by("-created_at", "-id")
    return render(
        request,
        "audit/break_glass_list.html",
        {"page": page_of(request, grants), "now": timezone.now()},
    )
