from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casework.models import FamilyReport, Person, PersonStatus, ReportStatus
from casework.views.decorators import staff_view


@staff_view
@never_cache
def home(request):
    """Counts of the persons the user may see, by status, and reports waiting for triage."""
    counts = dict(
        Person.objects.visible_to(request.user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    by_status = [(value, label, counts.get(value, 0)) for value, label in PersonStatus.choices]
    waiting = FamilyReport.objects.visible_to(request.user).filter(status=ReportStatus.NEW).count()
    return render(
        request,
        "home.html",
        {"by_status": by_status, "total": sum(counts.values()), "reports_waiting": waiting},
    )


@require_GET
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
