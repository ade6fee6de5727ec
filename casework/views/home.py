from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casework import dashboard
from casework.charts import bar_chart, stacked_chart, total_shown
from casework.models import BreakGlassGrant, FamilyReport, ReportStatus
from casework.permissions import Action, may
from casework.presenters import present_persons
from casework.views.decorators import staff_view
from casework.views.errors import DATABASE_FAULTS, RETRY_AFTER_SECONDS


@staff_view
@never_cache
def home(request):
    """What this user should look at next: their cases and tasks, the queues waiting for them,
    the flights coming, and the charts of the persons they may see (each part through its gate,
    and shown only to those whose role has a use for it)."""
    user = request.user
    by_status = dashboard.persons_by_status(user)
    # A lower bound when a status counted more than the cap ("more than 1000").
    total = sum(n for _, _, n in by_status)
    returns = dashboard.returns_by_month(user)
    changes, reached = dashboard.status_changes_by_month(user)
    per_place = dashboard.persons_per_place(user)
    places = dashboard.persons_by_place(user, per_place)
    regions = dashboard.persons_by_region(user, per_place)
    cases, tasks = dashboard.my_cases(user), dashboard.tasks_due(user)
    shown = _shown_persons(user, cases, tasks)
    return render(
        request,
        "home.html",
        {
            "by_status": by_status,
            "status_chart": bar_chart(by_status),
            "total": total,
            "total_shown": total_shown(n for _, _, n in by_status),
            "returns_chart": None if returns is None else bar_chart(_month_labels(returns)),
            "status_time_chart": stacked_chart(_month_labels(changes), reached),
            "places_chart": None if places is None else bar_chart(places),
            "regions_chart": None if regions is None else bar_chart(regions),
            "my_cases": cases,
            "case_rows": [(case, shown[case.person.pk]) for case in cases.rows] if cases else [],
            "tasks": tasks,
            "task_rows": [(task, shown[task.person_id]) for task in tasks.rows] if tasks else [],
            "reports_waiting": dashboard.reports_waiting(user),
            "suggestions_waiting": dashboard.suggestions_waiting(user),
            "flights": dashboard.flights_coming(user),
            "break_glass_unreviewed": _break_glass_unreviewed(user),
            "withdrawals_waiting": _withdrawals_waiting(user),
            "today": timezone.localdate(),
        },
    )


# What the home page prints of a person: a name and a status, through the one presenter.
HOME_FIELDS = ("display_name", "status")


def _shown_persons(user, cases, tasks) -> dict:
    """The persons of the user's cases and tasks as the presenter shows them, by key, in one
    pass (the page's read recorded as one event)."""
    persons = {case.person.pk: case.person for case in (cases.rows if cases else [])}
    for task in tasks.rows if tasks else []:
        persons.setdefault(task.person_id, task.person)
    views = present_persons(user, list(persons.values()), HOME_FIELDS, read="home")
    return {view.person.pk: view for view in views}


def _month_labels(rows):
    return [(key, date_format(first, "YEAR_MONTH_FORMAT"), n) for key, first, n in rows]


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
