"""Pages of the reports area: the triage queue, entering a report, a report, its files, triage.

Every read starts from `FamilyReport.objects.visible_to(user)`; a report outside it answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework import audit
from casework.entry_numbers import entry_number
from casework.family_status import family_status
from casework.filtersets import ReportFilterSet
from casework.forms.reports import (
    DATE_PARTS,
    EntryFormSet,
    FamilyStatusForm,
    ReissueSecretForm,
    ReportForm,
    TriageForm,
)
from casework.forms.service_errors import apply_service_error
from casework.models import (
    AttachmentKind,
    ConsentPurpose,
    FamilyReport,
    Person,
    ReportStatus,
    TriageOutcome,
)
from casework.permissions import Action, Level, can, may, may_see_reporters
from casework.presenters import record_history_rows
from casework.selectors import (
    may_see_reporter,
    record_history,
    report_entries_for,
)
from casework.services import reports as services
from casework.services.errors import ServiceError
from casework.views.consent import withdrawal_choices
from casework.views.decorators import gated_or_404, staff_view
from casework.views.listing import filtered, page_of, query_without_page

REPORTER_SHOWN = [*services.REPORTER_FIELDS, "account"]


def _visible_report(request, report_id):
    return gated_or_404(request, FamilyReport.objects.visible_to(request.user), report_id)


@staff_view(action=Action.VIEW_REPORT)
@never_cache
def report_list(request):
    filterset = ReportFilterSet(
        request.GET or None, queryset=FamilyReport.objects.visible_to(request.user), request=request
    )
    reports, status = filtered(filterset)
    # The entries of the page's reports only (one query), not a count grouped over every report
    # the user may see.
    page = page_of(request, reports.prefetch_related("entries").order_by("-received_at", "-id"))
    return render(
        request,
        "reports/report_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query_without_page(request.GET),
            "show_reporter": may_see_reporters(request.user),
            "may_enter": may(request.user, Action.ENTER_REPORT),
            "may_export": may(request.user, Action.EXPORT_PSEUDONYMISED),
        },
        status=status,
    )


@staff_view(action=Action.ENTER_REPORT)
@never_cache
def report_new(request):
    user = request.user
    if request.method != "POST":
        form = ReportForm(
            organisation=user.organisation,
            initial={"form_token": services.report_form_token(user), "channel": "letter"},
        )
        return render(
            request,
            "reports/report_new.html",
            {"form": form, "formset": EntryFormSet(prefix="entries")},
        )
    form = ReportForm(request.POST, request.FILES, organisation=user.organisation)
    formset = EntryFormSet(request.POST, prefix="entries")
    if form.is_valid() and formset.is_valid():
        sent = [f for f in formset.forms if f.has_changed()]
        try:
            report, created = services.report_submit_once(
                actor=user,
                form_token=form.cleaned_data["form_token"],
                organisation=user.organisation,
                channel=form.cleaned_data["channel"],
                received_at=form.cleaned_data["received_at"],
                reporter=form.reporter(),
                account=form.cleaned_data["account"],
                consents=form.consents(),
                entries=[f.entry() for f in sent],
                attachments=form.cleaned_data["attachments"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc, fields=DATE_PARTS, subforms={"entries": sent})
        else:
            if created:
                messages.success(request, _("Report %(ref)s entered.") % {"ref": report.reference})
            else:
                messages.info(
                    request,
                    _("This form was already submitted: report %(ref)s.")
                    % {"ref": report.reference},
                )
            return redirect("report_detail", report_id=report.public_id)
    return render(
        request, "reports/report_new.html", {"form": form, "formset": formset}, status=400
    )


@staff_view(action=Action.VIEW_REPORT)
@never_cache
def report_detail(request, report_id):
    report = _visible_report(request, report_id)
    # Read through the gate just now: what the page offers is not asked of the gate again.
    show_reporter = may_see_reporter(request.user, report, gated=True)
    can_triage = can(request.user, Action.TRIAGE_REPORT, report, gated=True)
    can_reissue = can(request.user, Action.REISSUE_REPORT_SECRET, report, gated=True)
    # The entries once, for the history and the family's status alike.
    prefetch_related_objects([report], "entries")
    if show_reporter:
        audit.record_read(request.user, report, Level.SENSITIVE, fields=REPORTER_SHOWN)
    consents = {c.purpose: c for c in report.consents.filter(partner__isnull=True)}
    consent_rows = [
        (label, consents[value].given if value in consents else None)
        for value, label in ConsentPurpose.choices
        if value != ConsentPurpose.SHARE_PARTNER
    ]
    partner_consents = report.consents.filter(partner__isnull=False).select_related("partner")
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "show_reporter": show_reporter,
            "entries": report_entries_for(request.user, report),
            "history": record_history_rows(
                record_history(
                    request.user,
                    FamilyReport.objects.visible_to(request.user),
                    report,
                    parts=report.entries.all(),
                    through_gate=True,
                )[:100],
                viewer=request.user,
                record=report,
            ),
            "consent_rows": consent_rows,
            "partner_consents": partner_consents,
            "attachments": report.attachments.order_by("id") if show_reporter else [],
            "may_triage": report.status
            not in (ReportStatus.SPAM, ReportStatus.SET_ASIDE, ReportStatus.ERASED),
            "withdraw_choices": withdrawal_choices(report) if can_triage else [],
            "family_status": family_status(report),
            "follow_ups": report.follow_ups.all() if show_reporter else [],
            "family_status_form": FamilyStatusForm() if can_triage else None,
            "reissue_form": ReissueSecretForm() if can_reissue else None,
            "contact_us": report.public_status_note == "contact_us",
        },
    )


@staff_view(action=Action.TRIAGE_REPORT)
@never_cache
@require_POST
def report_family_status(request, report_id):
    """Ask the family, on their status page, to contact us (or stop asking)."""
    report = _visible_report(request, report_id)
    form = FamilyStatusForm(request.POST)
    if form.is_valid():
        try:
            services.report_set_family_status(
                actor=request.user,
                report=report,
                contact_us=form.cleaned_data["contact_us"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The family's status page was changed."))
    return _back_to_report(request, report, form)


@staff_view(action=Action.REISSUE_REPORT_SECRET)
@never_cache
@require_POST
def report_reissue_secret(request, report_id):
    """A new secret for a family who lost theirs: shown once here, never stored in clear."""
    report = _visible_report(request, report_id)
    form = ReissueSecretForm(request.POST)
    if form.is_valid():
        try:
            secret = services.report_reissue_secret(
                actor=request.user, report=report, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            return render(
                request, "reports/secret_issued.html", {"report": report, "secret": secret}
            )
    return _back_to_report(request, report, form)


def _back_to_report(request, report, form):
    """Back to the report, with what refused the small form there (if anything) as messages."""
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("report_detail", report_id=report.public_id)


@staff_view(action=Action.VIEW_REPORT)
@never_cache
def report_attachment(request, report_id, attachment_id):
    """A report's photo or document, only through here: never cached, never sniffed, documents
    only as downloads, each read in the audit trail."""
    report = _visible_report(request, report_id)
    if not may_see_reporter(request.user, report, gated=True):
        raise Http404
    attachment = get_object_or_404(report.attachments.all(), public_id=attachment_id)
    audit.record_read(request.user, attachment, Level.SENSITIVE, fields=["file"])
    extension = attachment.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=attachment.kind != AttachmentKind.PHOTO,
        filename=f"{report.reference}-{attachment.public_id.hex[:8]}.{extension}",
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _candidates(user, entry):
    from casework.services.matching import intake_candidates_for_input

    start = services.person_input_from_entry(entry)
    # The parents' names a family gave weigh in the comparison (scored only where the user may
    # see them), though they are not part of the person record that triage would create.
    values = {**start, "mother_name": entry.mother_name, "father_name": entry.father_name}
    return intake_candidates_for_input(actor=user, names=start["names"], values=values)


@staff_view(action=Action.TRIAGE_REPORT)
@never_cache
def report_entry_triage(request, report_id, entry_id):
    report = _visible_report(request, report_id)
    entry = get_object_or_404(report_entries_for(request.user, report), public_id=entry_id)
    entry.report = report  # read through the gate just now: not read again
    pending = entry.outcome == TriageOutcome.PENDING
    candidates = _candidates(request.user, entry) if pending else []
    form = TriageForm(request.POST or None, candidates=candidates)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _triage(request.user, entry, form)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Entry %(n)s triaged.") % {"n": entry_number(entry)})
                # Linking the entry may take the report out of the user's queue (done, or now
                # about a person outside their scope): back to the queue then, never a 404.
                if FamilyReport.objects.visible_to(request.user).filter(pk=report.pk).exists():
                    return redirect("report_detail", report_id=report.public_id)
                return redirect("report_list")
    return render(
        request,
        "reports/entry_triage.html",
        {
            "report": report,
            "entry": entry,
            "form": form,
            "pending": pending,
            "candidates": candidates,
            "show_details": may_see_reporter(request.user, report, gated=True),
        },
        status=status,
    )


def _triage(user, entry, form) -> None:
    decision = form.cleaned_data["decision"]
    if decision == TriageForm.LINK:
        person = (
            Person.objects.linkable_by(user).filter(public_id=form.cleaned_data["person"]).first()
        )
        if person is None:
            raise ServiceError({"person": [_("No such person among those you may link to.")]})
        services.report_triage_entry(actor=user, entry=entry, person=person)
    elif decision == TriageForm.CREATE:
        services.report_triage_entry(
            actor=user, entry=entry, create=services.person_input_from_entry(entry)
        )
    else:
        services.report_triage_entry(
            actor=user, entry=entry, not_a_person_reason=form.cleaned_data["reason"]
        )
