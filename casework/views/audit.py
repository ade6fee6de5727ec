"""The audit trail for the data-protection officer: events of the organisation, the break-glass
grants with their reasons, and the answers to subject-access requests."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework.filtersets import AuditEventFilterSet
from casework.forms.service_errors import apply_service_error
from casework.history_text import audit_lines
from casework.models import AuditEvent, BreakGlassGrant, FamilyReport, ReportStatus
from casework.permissions import Action, may
from casework.services.access import break_glass_review
from casework.services.consent import report_withdrawal_decide
from casework.services.errors import ServiceError
from casework.subject_access import subject_access_export
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import filtered, page_of, query_without_page


@staff_view(action=Action.VIEW_AUDIT)
@never_cache
def event_list(request):
    filterset = AuditEventFilterSet(
        request.GET or None, queryset=AuditEvent.objects.visible_to(request.user)
    )
    events, status = filtered(filterset)
    page = page_of(request, events.order_by("-at", "-id"))
    return render(
        request,
        "audit/event_list.html",
        {
            "filterset": filterset,
            "page": page,
            "lines": audit_lines(request.user, page),
            "query": query_without_page(request.GET),
            "may_subject_access": may(request.user, Action.SUBJECT_ACCESS),
        },
        status=status,
    )


@staff_view(action=Action.VIEW_AUDIT)
@never_cache
def break_glass_list(request):
    grants = (
        BreakGlassGrant.objects.visible_to(request.user)
        .select_related("user", "person")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "audit/break_glass_list.html",
        {
            "page": page_of(request, grants),
            "now": timezone.now(),
            "may_review": may(request.user, Action.REVIEW_BREAK_GLASS),
        },
    )


@staff_view(action=Action.REVIEW_BREAK_GLASS)
@never_cache
@require_POST
def break_glass_review_view(request, grant_id):
    """Mark a break-glass reviewed, with a note, and revoke it when it should not go on."""
    grant = gated_or_404(request, BreakGlassGrant.objects.visible_to(request.user), grant_id)
    try:
        break_glass_review(
            actor=request.user,
            grant=grant,
            note=request.POST.get("note", ""),
            revoke=request.POST.get("revoke") == "on",
        )
    except ServiceError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
    else:
        messages.success(request, _("The break-glass access was reviewed."))
    return redirect("audit_break_glass")


class SubjectAccessForm(forms.Form):
    person_id = forms.CharField(
        label=gettext_lazy("Person id"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Everything held about this person."),
    )
    report_id = forms.CharField(
        label=gettext_lazy("Or a report id"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Everything held about the family member who sent this report."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Which request this answers"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@staff_view(action=Action.SUBJECT_ACCESS)
@never_cache
def subject_access(request):
    """A subject-access request answered: a ZIP of everything held about one person or reporter,
    for the data-protection officer, on the trail."""
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            body, filename = subject_access_export(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            response = HttpResponse(body, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    return render(
        request,
        "audit/subject_access.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _set_aside(user):
    # The officer's gate to the organisation's subjects, narrowed to the reports waiting for them.
    return FamilyReport.objects.open_to_subject_access(user).filter(status=ReportStatus.SET_ASIDE)


@staff_view(action=Action.DECIDE_WITHDRAWAL)
@never_cache
def withdrawal_list(request):
    """Reports whose processing the family withdrew, waiting for the officer's decision."""
    reports = _set_aside(request.user).order_by("received_at", "id")
    return render(request, "audit/withdrawals.html", {"page": page_of(request, reports)})


@staff_view(action=Action.DECIDE_WITHDRAWAL)
@never_cache
@require_POST
def withdrawal_decide_view(request, report_id):
    report = gated_or_404(request, _set_aside(request.user), report_id)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("resume", "erase"):
            raise ServiceError({"decision": [_("Choose: resume the processing, or erase.")]})
        report_withdrawal_decide(
            actor=request.user,
            report=report,
            resume=decision == "resume",
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
    else:
        messages.success(request, _("The decision was recorded."))
    return redirect("audit_withdrawals")
