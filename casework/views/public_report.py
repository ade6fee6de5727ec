"""The families' pages: the report form, its receipt, and the status page. No account.

Every answer is `no-store` (a shared or watched device keeps nothing), titles are neutral, and no
page says whether a person is known to us. Wrong secrets answer exactly like unknown references.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casework.family_status import FamilyStatus, family_status
from casework.forms.public_report import (
    FamilyAddForm,
    PublicEntryFormSet,
    PublicReportForm,
    StatusLookupForm,
    with_one_more_entry,
)
from casework.forms.reports import DATE_PARTS
from casework.forms.service_errors import apply_service_error
from casework.services import reports as services
from casework.services.errors import ServiceError
from casework.views.public_limits import (
    count_wrong_secret,
    report_posts_exhausted,
    status_checks_blocked,
)

FORM_TEMPLATE = "public/report_form.html"
# The service's names for an entry's date parts, and the one field of this form each is typed in.
ENTRY_FIELDS = {
    **DATE_PARTS,
    "birth_date": "birth",
    "birth_precision": "birth",
    "age_stated": "birth",
}


def public_page(view):
    """No-store and not indexed: the headers of every page a family sees. The referrer policy is
    the site's own (same-origin, SECURE_REFERRER_POLICY): with "no-referrer" browsers would send
    `Origin: null` with the form, which CSRF refuses."""

    @functools.wraps(view)
    @never_cache
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _render_form(request, form, formset, *, status=200, notice="", token=None):
    form.mark_errors()
    for entry_form in formset.forms:
        entry_form.mark_errors()
    if token is not None:
        # A refused post that must not be replayed: it goes back with a new one-time token.
        form.data = form.data.copy()
        form.data["form_token"] = token
    errors = _error_list(form, formset) if form.is_bound else []
    return render(
        request,
        FORM_TEMPLATE,
        {"form": form, "formset": formset, "errors": errors, "notice": notice},
        status=status,
    )


def _error_list(form, formset) -> list[tuple[str, str]]:
    """(field id, message) for the summary at the top of a refused form."""
    found = []
    if not form.is_valid():
        for name, messages in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else "report-form"
            if name == "form_token":
                anchor = "report-form"
            found.extend((anchor, message) for message in messages)
    for index, entry_form in enumerate(formset.forms, start=1):
        if entry_form.is_valid():
            continue
        for name, messages in entry_form.errors.items():
            anchor = entry_form[name].auto_id if name in entry_form.fields else f"person-{index}"
            label = _("Missing person %(n)s") % {"n": index}
            found.extend((anchor, f"{label}: {message}") for message in messages)
    return found


def _filled_too_fast(form) -> bool:
    try:
        _nonce, issued = services.read_public_form_token(form.data.get("form_token", ""))
    except ServiceError:
        return False  # an expired form is its own, honest error
    return (timezone.now() - issued).total_seconds() < settings.PUBLIC_FORM_MIN_SECONDS


@public_page
@require_http_methods(["GET", "POST"])
def report_form(request):
    organisation = services.public_receiving_organisation()
    if organisation is None:
        return render(request, "public/closed.html", status=503)
    if request.method != "POST":
        form = PublicReportForm(
            initial={
                "form_token": services.public_form_token(),
                "reporter_language": get_language(),
            }
        )
        return _render_form(request, form, PublicEntryFormSet(prefix="entries"))

    if "add_person" in request.POST:
        # Another person: the same form back with one more empty person, nothing typed lost and
        # no errors shown yet (files must be chosen again: the form says so).
        data = with_one_more_entry(request.POST)
        form = PublicReportForm(initial=_initial_from(data, PublicReportForm))
        formset = PublicEntryFormSet(data, prefix="entries")
        return _render_form(
            request, form, _unvalidated(formset), notice=_("A new person was added below.")
        )

    form = PublicReportForm(request.POST, request.FILES)
    formset = PublicEntryFormSet(request.POST, prefix="entries")
    if report_posts_exhausted(request):
        return _render_form(
            request,
            form,
            formset,
            status=429,
            notice=_(
                "Too many forms were sent from this connection. Nothing you typed is lost: "
                "please wait an hour and send it again, or write to us another way."
            ),
        )
    if (form.data.get("website") or "").strip() or _filled_too_fast(form):
        # A robot, or a form sent before a person could have read it: nothing is stored, and the
        # answer does not say which check failed.
        return _render_form(
            request,
            form,
            formset,
            status=400,
            notice=_("The form could not be sent. Please check it and send it again."),
            token=services.public_form_token(),
        )
    form_ok = form.is_valid()
    formset_ok = formset.is_valid()
    if form_ok and formset_ok:
        sent = [f for f in formset.forms if not f.is_blank()]
        entries = [f.entry() for f in sent]
        try:
            report, secret, created = services.report_submit_public(
                form_token=form.cleaned_data["form_token"],
                organisation=organisation,
                reporter=form.reporter(),
                account=form.cleaned_data["account"],
                consents=form.consents(),
                entries=entries,
                attachments=form.cleaned_data["attachments"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc, fields=ENTRY_FIELDS, subforms={"entries": sent})
        else:
            return render(
                request,
                "public/receipt.html",
                {"reference": report.reference, "secret": secret, "repeat": not created},
            )
    fresh = None
    if "form_token" in form.errors:
        fresh = services.public_form_token()
    return _render_form(request, form, formset, status=400, token=fresh)


def _initial_from(data, form_class) -> dict:
    return {name: data.get(name, "") for name in form_class.base_fields if name != "attachments"}


def _unvalidated(formset):
    """A bound formset whose forms show what was typed without running validation yet."""
    for entry_form in formset.forms:
        entry_form._errors = {}
        entry_form.cleaned_data = {}
    formset._errors = []
    formset._non_form_errors = formset.error_class()
    return formset


@public_page
@require_http_methods(["GET", "POST"])
def report_status(request):
    if request.method != "POST":
        return render(request, "public/status_lookup.html", {"form": StatusLookupForm()})
    form = StatusLookupForm(request.POST)
    if status_checks_blocked(request):
        return _lookup_refused(
            request,
            form,
            _("Too many attempts. Please wait an hour and try again, or contact us."),
            status=429,
        )
    if not form.is_valid():
        form.mark_errors()
        return render(request, "public/status_lookup.html", {"form": form}, status=400)
    report = services.report_for_family(form.cleaned_data["reference"], form.cleaned_data["secret"])
    if report is None:
        count_wrong_secret(request)
        return _lookup_refused(
            request,
            form,
            _(
                "We could not find a message with this reference and secret code. Check both "
                "and try again."
            ),
            status=404,
        )
    return _status_page(request, report, FamilyAddForm(initial=_status_initial(report)))


def _lookup_refused(request, form, message: str, *, status: int):
    form = StatusLookupForm(initial={"reference": form.data.get("reference", "")})
    return render(
        request, "public/status_lookup.html", {"form": form, "notice": message}, status=status
    )


def _status_initial(report) -> dict:
    return {"status_token": services.family_status_token(report)}


def _status_page(request, report, add_form, *, status=200, notice=""):
    add_form.mark_errors()
    current = family_status(report)
    return render(
        request,
        "public/status.html",
        {
            "reference": report.reference,
            "status": current,
            "statuses": FamilyStatus,
            "add_form": add_form,
            "notice": notice,
        },
        status=status,
    )


@public_page
@require_http_methods(["POST"])
def report_status_add(request):
    form = FamilyAddForm(request.POST, request.FILES)
    report = services.report_from_status_token(request.POST.get("status_token", ""))
    if report is None:
        return _lookup_refused(
            request,
            StatusLookupForm(),
            _("This page has expired. Enter your reference and secret code again."),
            status=400,
        )
    if form.is_valid():
        try:
            services.report_family_add(
                report=report,
                text=form.cleaned_data["text"],
                attachments=form.cleaned_data["attachments"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            return _status_page(
                request,
                report,
                FamilyAddForm(initial=_status_initial(report)),
                notice=_("Thank you. What you sent was added to your message."),
            )
    return _status_page(request, report, form, status=400)
