"""List import pages: upload → preview with the column mapping → dry run → commit → outcomes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from casework.background import start_import
from casework.filtersets import ListImportFilterSet
from casework.forms.imports import CommitForm, MappingForm, UploadForm
from casework.forms.service_errors import apply_service_error
from casework.models import ImportStatus, ListImport, Person, RowOutcome
from casework.permissions import Action
from casework.presenters import record_history_rows
from casework.selectors import record_history
from casework.services.errors import ServiceError
from casework.services.imports import (
    ImportRejected,
    list_import_commit,
    list_import_dry_run,
    list_import_preview,
    list_import_set_mapping,
    list_import_upload,
)
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import filtered, page_of
from casework.views.once import create_once, submitted_once


def _import_or_404(request, public_id):
    return gated_or_404(request, ListImport.objects.visible_to(request.user), public_id)


@staff_view(action=Action.IMPORT_LIST)
@never_cache
def import_list(request):
    filterset = ListImportFilterSet(
        request.GET or None, queryset=ListImport.objects.visible_to(request.user)
    )
    imports, status = filtered(filterset)
    page = page_of(request, imports.order_by("-created_at", "-id"))
    return render(
        request, "imports/list.html", {"filterset": filterset, "page": page}, status=status
    )


@staff_view(action=Action.IMPORT_LIST)
@never_cache
@require_http_methods(["GET", "POST"])
@submitted_once
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]

        def keep():
            list_import = list_import_upload(
                actor=request.user,
                source=form.cleaned_data["source"],
                as_of=form.cleaned_data["as_of"],
                filename=upload.name,
                data=upload.read(),
            )
            return redirect("import_detail", public_id=list_import.public_id)

        try:
            return create_once(request, form, keep)
        except ServiceError as error:
            apply_service_error(form, error)
    status = 400 if form.is_bound else 200
    return render(request, "imports/upload.html", {"form": form}, status=status)


def _preview_context(request, list_import, mapping_form=None):
    preview = list_import_preview(actor=request.user, list_import=list_import)
    if mapping_form is None:
        mapping_form = MappingForm(
            headers=preview.headers, initial_mapping=list_import.column_mapping
        )
    mapped = [(h, preview.mapping.get(h, "")) for h in preview.headers]
    return {
        "list_import": list_import,
        "preview": preview,
        "mapped": mapped,
        "mapping_form": mapping_form,
        "commit_form": CommitForm(),
    }


@staff_view(action=Action.IMPORT_LIST)
@never_cache
def import_detail(request, public_id):
    list_import = _import_or_404(request, public_id)
    if list_import.status == ImportStatus.PREVIEWED:
        try:
            context = _preview_context(request, list_import)
        except ServiceError as error:
            return render(
                request,
                "imports/unreadable.html",
                {"list_import": list_import, "errors": error.messages},
                status=400,
            )
        return render(request, "imports/preview.html", context)
    rows = list_import.rows.select_related("person").order_by("row_number")
    outcome = request.GET.get("outcome")
    if outcome in RowOutcome.values:
        rows = rows.filter(outcome=outcome)
    page = page_of(request, rows)
    visible = set(
        Person.objects.visible_to(request.user)
        .filter(pk__in=[r.person_id for r in page if r.person_id])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "imports/result.html",
        {
            "list_import": list_import,
            "page": page,
            "history": record_history_rows(
                record_history(
                    request.user,
                    ListImport.objects.visible_to(request.user),
                    list_import,
                    through_gate=True,
                )[:100],
                viewer=request.user,
                record=list_import,
            ),
            "visible": visible,
            "counts": list_import.stats.get("counts", {}),
            "outcome": outcome or "",
            "outcomes": RowOutcome.choices,
        },
    )


@staff_view(action=Action.IMPORT_LIST)
@require_POST
def import_mapping(request, public_id):
    list_import = _import_or_404(request, public_id)
    headers = list_import.stats.get("headers", [])
    form = MappingForm(request.POST, headers=headers, initial_mapping=list_import.column_mapping)
    if form.is_valid():
        try:
            list_import_set_mapping(
                actor=request.user, list_import=list_import, mapping=form.mapping()
            )
        except ServiceError as error:
            apply_service_error(form, error, fields=form.field_names)
        else:
            messages.success(request, _("The column mapping was saved."))
            return redirect("import_detail", public_id=list_import.public_id)
    return render(
        request, "imports/preview.html", _preview_context(request, list_import, form), status=400
    )


@staff_view(action=Action.IMPORT_LIST)
@require_POST
@never_cache
def import_dry_run(request, public_id):
    list_import = _import_or_404(request, public_id)
    form = CommitForm(request.POST)
    reject_invalid = form.is_valid() and form.cleaned_data["reject_invalid"]
    try:
        plan = list_import_dry_run(
            actor=request.user, list_import=list_import, reject_invalid=reject_invalid
        )
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("import_detail", public_id=list_import.public_id)
    return render(
        request,
        "imports/dry_run.html",
        {
            "list_import": list_import,
            "counts": plan.counts,
            "errors": plan.errors[:200],
            "more_errors": max(0, len(plan.errors) - 200),
            "commit_form": CommitForm(initial={"reject_invalid": reject_invalid}),
        },
    )


@staff_view(action=Action.IMPORT_LIST)
@require_POST
def import_commit(request, public_id):
    list_import = _import_or_404(request, public_id)
    form = CommitForm(request.POST)
    reject_invalid = form.is_valid() and form.cleaned_data["reject_invalid"]
    try:
        if list_import.row_count > settings.CASEWORK_IMPORT_BACKGROUND_ROWS:
            job = start_import(
                actor=request.user, list_import=list_import, reject_invalid=reject_invalid
            )
            return redirect("job_detail", public_id=job.public_id)
        list_import_commit(
            actor=request.user, list_import=list_import, reject_invalid=reject_invalid
        )
    except ImportRejected as error:
        return render(
            request,
            "imports/rejected.html",
            {"list_import": list_import, "errors": error.row_errors[:200],
             "more_errors": max(0, len(error.row_errors) - 200)},
            status=400,
        )  # fmt: skip
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("import_detail", public_id=list_import.public_id)
    messages.success(request, _("The list was imported."))
    return redirect("import_detail", public_id=list_import.public_id)
