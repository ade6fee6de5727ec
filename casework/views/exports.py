"""Downloading the filtered person list (casework.exports does the work)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from casework.exports import persons_export
from casework.permissions import Action, may
from casework.services.errors import ServiceError
from casework.views.decorators import staff_view


@staff_view(action=Action.EXPORT_PSEUDONYMISED)
@never_cache
def person_export(request):
    params = request.GET.copy()
    error = ""
    if request.method == "POST":
        identifiable = request.POST.get("kind") == "identifiable"
        try:
            body, rows = persons_export(
                actor=request.user,
                params=params,
                identifiable=identifiable,
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            error = " ".join(exc.messages)
        else:
            kind = "identifiable" if identifiable else "pseudonymised"
            stamp = timezone.now().strftime("%Y%m%d-%H%M")
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="persons-{kind}-{stamp}.csv"'
            response["X-Export-Rows"] = str(rows)
            return response
        messages.error(request, error)
    return render(
        request,
        "persons/export.html",
        {
            "query": params.urlencode(),
            "may_identifiable": may(request.user, Action.EXPORT_IDENTIFIABLE),
            "error": error,
        },
        status=400 if error else 200,
    )
