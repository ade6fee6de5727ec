"""Downloading a filtered list as CSV (streamed) or XLSX (casework.exports does the work)."""

from django.contrib import messages
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework.background import start_export
from casework.export_files import csv_lines, xlsx_file
from casework.exports import Table, persons_table
from casework.exports_hxl import hxl_table
from casework.exports_lists import FLIGHTS, PLACES, REPORTS, ListExport, list_table
from casework.permissions import Action, may
from casework.services.errors import ServiceError
from casework.views.decorators import staff_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def file_response(table: Table, file_format: str):
    """The table as an attachment: CSV streamed line by line, XLSX from its temporary file."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if file_format == "xlsx":
        response = FileResponse(
            xlsx_file(table.title, table.header, table.rows),
            as_attachment=True,
            filename=f"{table.stem}-{stamp}.xlsx",
            content_type=XLSX,
        )
    else:
        response = StreamingHttpResponse(
            csv_lines(table.header, table.rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{table.stem}-{stamp}.csv"'
    response["X-Export-Rows"] = str(table.count)
    return response


@staff_view(action=Action.EXPORT_PSEUDONYMISED)
@never_cache
def person_export(request):
    params = request.GET.copy()
    error = ""
    if request.method == "POST":
        identifiable = request.POST.get("kind") == "identifiable"
        file_format = request.POST.get("format", "csv")
        try:
            if "background" in request.POST:
                job = start_export(
                    actor=request.user,
                    list_name="persons",
                    params=params,
                    file_format=request.POST["background"],
                    identifiable=identifiable,
                    reason=request.POST.get("reason", ""),
                )
                return redirect("job_detail", public_id=job.public_id)
            if file_format not in FORMATS:
                raise ServiceError({"format": [gettext("Choose CSV or XLSX.")]})
            table = persons_table(
                actor=request.user,
                params=params,
                identifiable=identifiable,
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            error = " ".join(exc.messages)
        else:
            return file_response(table, file_format)
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


def _list_export(spec: ListExport, list_url: str):
    @staff_view(action=Action.EXPORT_PSEUDONYMISED)
    @require_POST
    @never_cache
    def export(request):
        file_format = request.POST.get("format", "csv")
        try:
            if "background" in request.POST:
                job = start_export(
                    actor=request.user,
                    list_name=spec.name,
                    params=request.GET.copy(),
                    file_format=request.POST["background"],
                )
                return redirect("job_detail", public_id=job.public_id)
            if file_format not in FORMATS:
                raise ServiceError({"format": [gettext("Choose CSV or XLSX.")]})
            table = list_table(spec, actor=request.user, params=request.GET.copy())
        except ServiceError as exc:
            return render(
                request,
                "exports/refused.html",
                {"error": " ".join(exc.messages), "back": list_url, "title": spec.title},
                status=400,
            )
        return file_response(table, file_format)

    export.__name__ = f"{spec.name}_export"
    return export


report_export = _list_export(REPORTS, "report_list")
flight_export = _list_export(FLIGHTS, "flight_list")
place_export = _list_export(PLACES, "place_list")


@staff_view(action=Action.EXPORT_PSEUDONYMISED)
@require_POST
@never_cache
def person_export_hxl(request):
    """Counts by place, status, sex and age band as HXL (CSV): no name, small groups left out."""
    table = hxl_table(actor=request.user, params=request.GET.copy())
    return file_response(table, "csv")
