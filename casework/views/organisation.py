"""The organisation's administration for its administrator: accounts and teams (issue 12).

Every read comes from the selectors (which answer nothing to whoever may not keep accounts), every
write from a service; an account or team of another organisation is 404 like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework.forms.organisation import (
    MemberForm,
    PasswordResetForm,
    ReasonForm,
    TeamForm,
    TeamRenameForm,
    UserCreateForm,
    UserEditForm,
)
from casework.forms.service_errors import apply_service_error
from casework.permissions import Action
from casework.selectors import organisation_teams, organisation_users
from casework.services import accounts, organisation_admin
from casework.services.errors import ServiceError
from casework.views.decorators import form_status, gated_or_404, staff_view
from casework.views.listing import page_of, query_without_page
from casework.views.once import create_once, submitted_once

PAGE_SIZE = 100


def _account(request, user_id):
    return gated_or_404(request, organisation_users(request.user), user_id)


def _team(request, team_id):
    return gated_or_404(request, organisation_teams(request.user), team_id)


# --- Accounts ----------------------------------------------------------------------------------


@require_GET
@staff_view(action=Action.MANAGE_USERS)
@never_cache
def user_list(request):
    page = page_of(request, organisation_users(request.user), size=PAGE_SIZE)
    return render(
        request,
        "organisation/users.html",
        {"page": page, "query": query_without_page(request.GET)},
    )


@staff_view(action=Action.MANAGE_USERS)
@never_cache
@submitted_once
def user_new(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("password_again")

        def create():
            user = organisation_admin.user_create(actor=request.user, **data)
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("org_user_edit", user_id=user.public_id)

        try:
            return create_once(request, form, create)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return render(
        request,
        "organisation/form.html",
        {"form": form, "title": _("New account"), "back": "org_user_list"},
        status=form_status(form),
    )


def _account_page(request, account, form, *, password_form=None, status=200):
    return render(
        request,
        "organisation/user_edit.html",
        {
            "account": account,
            "form": form,
            "reason_form": ReasonForm(),
            "password_form": password_form or PasswordResetForm(),
        },
        status=status,
    )


@staff_view(action=Action.MANAGE_USERS)
@never_cache
def user_edit(request, user_id):
    account = _account(request, user_id)
    form = _edit_form(request, account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation_admin.user_update(actor=request.user, user=account, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Account %(name)s saved.") % {"name": account.username})
            return redirect("org_user_edit", user_id=account.public_id)
    return _account_page(request, account, form, status=form_status(form))


def _account_action(request, user_id, act, done: str):
    """A button of the account's page: done, or the page again with the refusal."""
    account = _account(request, user_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            act(account, form.cleaned_data["reason"])
        except ServiceError as exc:
            for messages_of_field in exc.message_dict.values():
                for message in messages_of_field:
                    messages.error(request, message)
        else:
            messages.success(request, done % {"name": account.username})
    return redirect("org_user_edit", user_id=account.public_id)


@staff_view(action=Action.MANAGE_USERS)
@never_cache
@require_POST
def user_deactivate(request, user_id):
    def act(account, reason):
        accounts.user_deactivate(actor=request.user, user=account, reason=reason)

    return _account_action(
        request,
        user_id,
        act,
        _("%(name)s is deactivated: their sessions and tokens have ended."),
    )


@staff_view(action=Action.MANAGE_USERS)
@never_cache
@require_POST
def user_second_factor_reset(request, user_id):
    def act(account, reason):
        organisation_admin.user_second_factor_reset(actor=request.user, user=account, reason=reason)

    return _account_action(
        request,
        user_id,
        act,
        _("%(name)s's second factor was removed: they enrol a new one at their next login."),
    )


@staff_view(action=Action.MANAGE_USERS)
@never_cache
@require_POST
def user_password(request, user_id):
    account = _account(request, user_id)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            accounts.user_change_password(
                actor=request.user, user=account, new_password=form.cleaned_data["password"]
            )
        except ServiceError as exc:
            apply_service_error(form, exc, fields={"new_password": "password"})
        else:
            messages.success(
                request,
                _("%(name)s's password was changed: their sessions and tokens have ended.")
                % {"name": account.username},
            )
            return redirect("org_user_edit", user_id=account.public_id)
    return _account_page(
        request, account, _edit_form(request, account), password_form=form, status=400
    )


def _edit_form(request, account, data=None) -> UserEditForm:
    initial = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "role": account.role,
        "teams": [m.team for m in account.memberships.all()],
    }
    return UserEditForm(data, initial=initial, actor=request.user)


# --- Teams -------------------------------------------------------------------------------------


@require_GET
@staff_view(action=Action.MANAGE_TEAMS)
@never_cache
def team_list(request):
    return render(request, "organisation/teams.html", {"teams": organisation_teams(request.user)})


@staff_view(action=Action.MANAGE_TEAMS)
@never_cache
@submitted_once
def team_new(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def create():
            team = organisation_admin.team_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Team %(name)s created.") % {"name": team.name})
            return redirect("org_team_edit", team_id=team.public_id)

        try:
            return create_once(request, form, create)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return render(
        request,
        "organisation/form.html",
        {"form": form, "title": _("New team"), "back": "org_team_list"},
        status=form_status(form),
    )


def _team_page(request, team, form, member_form=None, *, status=200):
    users = organisation_users(request.user)
    members = users.filter(memberships__team=team)
    return render(
        request,
        "organisation/team_edit.html",
        {
            "team": team,
            "form": form,
            "members": members,
            "member_form": member_form
            or MemberForm(users=users.exclude(pk__in=members.values("pk"))),
        },
        status=status,
    )


@staff_view(action=Action.MANAGE_TEAMS)
@never_cache
def team_edit(request, team_id):
    team = _team(request, team_id)
    form = TeamRenameForm(request.POST or None, initial={"name": team.name})
    if request.method == "POST" and form.is_valid():
        try:
            organisation_admin.team_rename(actor=request.user, team=team, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("org_team_edit", team_id=team.public_id)
    return _team_page(request, team, form, status=form_status(form))


@staff_view(action=Action.MANAGE_TEAMS)
@never_cache
@require_POST
def team_members(request, team_id):
    """Adds a member (member=1) or takes one out (member empty)."""
    team = _team(request, team_id)
    form = MemberForm(request.POST, users=organisation_users(request.user))
    if form.is_valid():
        try:
            organisation_admin.team_member_set(actor=request.user, team=team, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Team members saved."))
            return redirect("org_team_edit", team_id=team.public_id)
    return _team_page(request, team, TeamRenameForm(initial={"name": team.name}), form, status=400)
