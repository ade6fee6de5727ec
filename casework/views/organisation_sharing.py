"""The organisation's administration of what it shares (issue 12): the sharing agreements it
gives, and the tokens of its partners' systems.

A token's key is shown once, on the page that answers its issue, and is never stored in clear:
only its hash is kept (`services.accounts.partner_token_issue`).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.forms.organisation import (
    AgreementForm,
    AgreementTermsForm,
    RequiredReasonForm,
    ShareCaseForm,
    TokenForm,
    shared_field_choices,
)
from casework.forms.service_errors import apply_service_error
from casework.models import Person, SharedCase
from casework.permissions import Action
from casework.presenters import present_persons
from casework.selectors import (
    agreements_given,
    agreements_to_share_under,
    partner_accounts,
    partner_tokens,
    shareable_persons,
    shared_persons,
)
from casework.services import accounts, agreements
from casework.services.errors import ServiceError
from casework.services.form_tokens import form_submit_once
from casework.services.sharing import person_share
from casework.views.decorators import form_status, gated_or_404, staff_view
from casework.views.listing import (
    COUNT_LIMIT,
    PAGE_SIZE,
    CappedCountPaginator,
    query_without_page,
)
from casework.views.once import create_once, submitted_once
from casework.views.person_picker import candidate_rows, search_candidates

# What the list of persons shared under an agreement shows of each.
SHARED_FIELDS = ["display_name", "birth_year", "status"]


def _agreement(request, agreement_id):
    return gated_or_404(request, agreements_given(request.user), agreement_id)


# --- Sharing agreements ------------------------------------------------------------------------


@require_GET
@staff_view(action=Action.MANAGE_AGREEMENTS)
@never_cache
def agreement_list(request):
    return render(
        request,
        "organisation/agreements.html",
        {
            "agreements": agreements_given(request.user),
            "field_labels": dict(shared_field_choices()),
        },
    )


@staff_view(action=Action.MANAGE_AGREEMENTS)
@never_cache
@submitted_once
def agreement_new(request):
    form = AgreementForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():

        def create():
            agreement = agreements.agreement_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Sharing agreement %(title)s made.") % {"title": agreement})
            return redirect("org_agreement_edit", agreement_id=agreement.public_id)

        try:
            return create_once(request, form, create)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return render(
        request,
        "organisation/form.html",
        {"form": form, "title": _("New sharing agreement"), "back": "org_agreement_list"},
        status=form_status(form),
    )


def _agreement_page(request, agreement, form, revoke_form=None, *, status=200):
    # The persons it shares, as the viewer may see them: an administrator, who sees no case,
    # reads only how many; a supervisor shares and unshares them on each person's page.
    shared = Person.objects.visible_to(request.user).filter(
        pk__in=SharedCase.objects.visible_to(request.user)
        .filter(agreement=agreement)
        .values("person_id")
    )
    return render(
        request,
        "organisation/agreement_edit.html",
        {
            "agreement": agreement,
            "form": form,
            "revoke_form": revoke_form or RequiredReasonForm(),
            "shared": shared.order_by("display_name")[:200],
        },
        status=status,
    )


@staff_view(action=Action.MANAGE_AGREEMENTS)
@never_cache
def agreement_edit(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    initial = {name: getattr(agreement, name) for name in agreements.TERMS}
    form = AgreementTermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreements.agreement_update(
                actor=request.user, agreement=agreement, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Sharing agreement saved."))
            return redirect("org_agreement_edit", agreement_id=agreement.public_id)
    return _agreement_page(request, agreement, form, status=form_status(form))


@staff_view(action=Action.MANAGE_AGREEMENTS)
@never_cache
@require_POST
def agreement_revoke(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    form = RequiredReasonForm(request.POST)
    if form.is_valid():
        try:
            agreements.agreement_revoke(
                actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The agreement is revoked: the partner sees none of it."))
            return redirect("org_agreement_edit", agreement_id=agreement.public_id)
    initial = {name: getattr(agreement, name) for name in agreements.TERMS}
    return _agreement_page(
        request, agreement, AgreementTermsForm(initial=initial), form, status=400
    )


# --- The cases shared under an agreement (a supervisor's, who sees them) -------------------------


@staff_view(action=Action.SHARE_CASE)
@never_cache
def agreement_cases(request, agreement_id):
    """The persons shared under an agreement in force, each with "stop sharing"; a name search
    among those who may still be shared, each with "share". Both through `person_share`."""
    user = request.user
    agreement = gated_or_404(request, agreements_to_share_under(user), agreement_id)
    form = ShareCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = gated_or_404(request, Person.objects.visible_to(user), form.cleaned_data["person"])
        try:
            person_share(
                actor=user,
                person=person,
                agreement=agreement,
                share=form.cleaned_data["share"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc, fields={"agreement": "person"})
        else:
            messages.success(request, _("The sharing was changed."))
            return redirect("org_agreement_cases", agreement_id=agreement.public_id)
    # Every shared person, a page at a time (`page` belongs to the candidates while a search runs:
    # the shared list then shows its first page).
    searching = bool(request.GET.get("q"))
    shared_paginator = CappedCountPaginator(shared_persons(user, agreement), PAGE_SIZE, COUNT_LIMIT)
    shared_page = shared_paginator.get_page(None if searching else request.GET.get("page"))
    shared = list(shared_page.object_list)
    filterset, page, status = None, None, 200
    rows = []
    if searching:
        filterset, page, status = search_candidates(request, shareable_persons(user, agreement))
        rows = candidate_rows(user, page.object_list, read="org_agreement_cases")
    if form.is_bound and form.errors:
        status = 400
    return render(
        request,
        "organisation/agreement_cases.html",
        {
            "agreement": agreement,
            "form": form,
            "shared": present_persons(user, shared, SHARED_FIELDS, read="org_agreement_cases"),
            "shared_page": None if searching else shared_page,
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "query": query_without_page(request.GET),
        },
        status=status,
    )


# --- Partner tokens ----------------------------------------------------------------------------


@require_GET
@staff_view(action=Action.MANAGE_USERS)
@never_cache
def token_list(request):
    return render(
        request, "organisation/tokens.html", {"partner_accounts": partner_accounts(request.user)}
    )


@staff_view(action=Action.MANAGE_USERS)
@never_cache
def token_new(request, user_id):
    account = gated_or_404(request, partner_accounts(request.user), user_id)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = []

        def issue() -> str:
            issued.append(
                accounts.partner_token_issue(actor=request.user, user=account, **form.cleaned_data)
            )
            return reverse("org_token_list")

        try:
            location, created = form_submit_once(
                user=request.user, token=form.submitted_token, path=request.path, perform=issue
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            if not created:
                # The key was shown to the first post only: a second post gets no key at all.
                messages.info(request, _("This form was already saved: nothing was saved twice."))
                return HttpResponseRedirect(location)
            token, key = issued[0]
            return render(
                request,
                "organisation/token_issued.html",
                {"account": account, "token": token, "key": key},
            )
    return render(
        request,
        "organisation/form.html",
        {
            "form": form,
            "title": _("New token for %(name)s") % {"name": account.username},
            "back": "org_token_list",
        },
        status=form_status(form),
    )


@staff_view(action=Action.MANAGE_USERS)
@never_cache
@require_POST
def token_revoke(request, token_id):
    token = gated_or_404(request, partner_tokens(request.user), token_id)
    form = RequiredReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the token is revoked."))
        return redirect("org_token_list")
    accounts.partner_token_revoke(
        actor=request.user, token=token, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Token %(prefix)s revoked.") % {"prefix": token.prefix})
    return redirect("org_token_list")
