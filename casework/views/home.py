from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casework.models import BreakGlassGrant, FamilyReport, PersonStatus, ReportStatus
from casework.permissions import Action, may
from casework.selectors import overview_counts
from casework.views.decorators import staff_view
from casework.views.errors import DATABASE_FAULTS, RETRY_AFTER_SECONDS
from casework.views.listing import COUNT_LIMIT


@staff_view
@never_cache
def home(request):
    """Counts of the persons the user may see, by status, and reports waiting for triage; each
    counted up to COUNT_LIMIT (then "more than"), as the lists count."""
    counts, waiting = overview_counts(request.user, limit=COUNT_LIMIT)
    by_status = [
        (value, label, min(counts[value], COUNT_LIMIT), counts[value] <= COUNT_LIMIT)
        for value, label in PersonStatus.choices
    ]
    return render(
        request,
        "home.html",
        {
            "by_status": by_status,
            # A lower bound when any status counted more than the limit.
            "total": sum(n for _value, _label, n, _exact in by_status),
            "total_is_exact": all(exact for *_rest, exact in by_status),
            "reports_waiting": min(waiting, COUNT_LIMIT),
            "reports_waiting_is_exact": waiting <= COUNT_LIMIT,
            "count_limit": COUNT_LIMIT,
            "break_glass_unreviewed": _break_glass_unreviewed(request.user),
            "withdrawals_waiting": _withdrawals_waiting(request.user),
        },
    )


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (DatabaseError, *DATABASE_FAULTS):
        return False
    return True


# What the service needs to work, each answering whether it does. The answer names the part that is
# down and nothing else: no host, no error text.
HEALTH_CHECKS = {"database": _database_answers}


@require_GET
@never_cache
def health(request):
    """200 when every part answers, 503 naming the parts that do not (for the proxy and monitoring:
    no login, nothing about any record)."""
    checks = {name: "ok" if answers() else "unavailable" for name, answers in HEALTH_CHECKS.items()}
    healthy = all(state == "ok" for state in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
    if not healthy:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _break_glass_unreviewed(user) -> int | None:
    """For the data-protection officer: the break-glass grants no one has reviewed yet, so that an
    access outside one's cases is looked at the day it happens. None for everyone else."""
    if not may(user, Action.REVIEW_BREAK_GLASS):
        return None
    return BreakGlassGrant.objects.visible_to(user).filter(reviewed_at__isnull=True).count()


def _withdrawals_waiting(user) -> int | None:
    """For the data-protection officer: reports whose processing the family withdrew, waiting
    for their decision. None for everyone else."""
    if not may(user, Action.DECIDE_WITHDRAWAL):
        return None
    return (
        FamilyReport.objects.open_to_subject_access(user)
        .filter(status=ReportStatus.SET_ASIDE)
        .count()
    )
