"""An organisation's administrator keeps its accounts and teams: new accounts, roles, teams and
their members, and a second factor reset when a phone is lost.

Passwords, deactivation and partner tokens are `services.accounts`'; this module adds what had
only the superuser admin before (issue 12). An account's password never enters the audit trail,
only that it was set.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import audit
from casework.audit import AuditAction
from casework.models import Membership, Team, User
from casework.permissions import Action, Hidden, forget_scope_facts, require, role_may
from casework.permissions import staff_role_choices as _staff_role_choices
from casework.services.errors import ServiceError
from casework.services.text_input import clean_input

NAME_MAX = 150
REASON_MAX = 500


def _clean_role(role, errors: dict) -> str:
    if role not in {value for value, _label in _staff_role_choices()}:
        errors.setdefault("role", []).append(gettext("Choose one of the staff roles."))
    return role


def _own_teams(actor, teams, errors: dict) -> list[Team]:
    teams = list(teams or [])
    if any(team.organisation_id != actor.organisation_id for team in teams):
        errors.setdefault("teams", []).append(gettext("Choose teams of your own organisation."))
    return teams


def _clean_person_fields(first_name, last_name, email, errors: dict) -> dict:
    cleaned = {
        "first_name": clean_input("first_name", first_name, max_length=NAME_MAX, errors=errors),
        "last_name": clean_input("last_name", last_name, max_length=NAME_MAX, errors=errors),
        "email": clean_input("email", email, max_length=254, errors=errors),
    }
    if cleaned["email"] and "@" not in cleaned["email"]:
        errors.setdefault("email", []).append(gettext("Enter an e-mail address."))
    return cleaned


def _set_teams(user: User, teams: list[Team]) -> tuple[list[str], list[str]]:
    """The user's teams made `teams`; the public ids of the teams joined and left."""
    current = {m.team_id: m for m in Membership.objects.filter(user=user).select_related("team")}
    wanted = {team.pk: team for team in teams}
    left = [current[pk] for pk in current.keys() - wanted.keys()]
    Membership.objects.filter(pk__in=[m.pk for m in left]).delete()
    joined = [wanted[pk] for pk in wanted.keys() - current.keys()]
    Membership.objects.bulk_create(Membership(user=user, team=team) for team in joined)
    return sorted(str(t.public_id) for t in joined), sorted(str(m.team.public_id) for m in left)


def user_create(
    *,
    actor,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    teams=(),
) -> User:
    """A new account of the actor's organisation, with its first password (the user changes it on
    their account page; their second factor is asked for at their first login)."""
    require(actor, Action.MANAGE_USERS)
    errors: dict[str, list[str]] = {}
    username = clean_input(
        "username",
        username,
        max_length=User._meta.get_field("username").max_length,
        required=gettext("Give the account a user name."),
        errors=errors,
    )
    if username and User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(gettext("This user name is already taken."))
    fields = _clean_person_fields(first_name, last_name, email, errors)
    role = _clean_role(role, errors)
    teams = _own_teams(actor, teams, errors)
    user = User(username=username, role=role, organisation_id=actor.organisation_id, **fields)
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        joined, _left = _set_teams(user, teams)
        audit.record(
            actor,
            AuditAction.CREATE,
            user,
            fields=["username", "role", "teams", "password", *[k for k, v in fields.items() if v]],
            changes={"username": username, "role": role, "teams": joined},
        )
    return user


def user_update(
    *, actor, user: User, role: str, first_name: str = "", last_name: str = "", email="", teams=()
) -> User:
    """An account's name, e-mail, role and teams. An administrator keeps their own administration:
    another administrator takes it from them, so the organisation is never left without one."""
    require(actor, Action.MANAGE_USERS, user)
    errors: dict[str, list[str]] = {}
    fields = _clean_person_fields(first_name, last_name, email, errors)
    role = _clean_role(role, errors)
    teams = _own_teams(actor, teams, errors)
    if user.pk == actor.pk and not role_may(role, Action.MANAGE_USERS):
        errors.setdefault("role", []).append(
            gettext("You cannot take away your own administrator role: ask another administrator.")
        )
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changes = {
            name: [getattr(locked, name), value]
            for name, value in {"role": role, **fields}.items()
            if getattr(locked, name) != value
        }
        for name, (_old, value) in changes.items():
            setattr(locked, name, value)
        if changes:
            locked.save(update_fields=list(changes))
        joined, left = _set_teams(locked, teams)
        if joined or left:
            changes["teams"] = {"joined": joined, "left": left}
        if changes:
            # Names and e-mail addresses are personal: the trail says they changed, not to what.
            shown = {k: v for k, v in changes.items() if k in ("role", "teams")}
            audit.record(actor, AuditAction.UPDATE, locked, fields=list(changes), changes=shown)
        forget_scope_facts(locked)
    return locked


def user_second_factor_reset(*, actor, user: User, reason: str = "") -> User:
    """The user's authenticator and recovery codes removed: at their next login they enrol a new
    one. Their sessions end now (one of them may be on the lost phone)."""
    require(actor, Action.MANAGE_USERS, user)
    if user.pk == actor.pk:
        raise ServiceError(
            {"user": [gettext("Replace your own second factor on your account page.")]}
        )
    reason = clean_input("reason", reason, max_length=REASON_MAX)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        audit.record(
            actor, AuditAction.SECOND_FACTOR, user, changes={"reset": "by administrator"},
            reason=reason,
        )  # fmt: skip
        audit.record(actor, AuditAction.SESSION_ENDED, user, reason="second factor reset")
    user.refresh_from_db(fields=["session_epoch"])
    return user


# --- Teams -------------------------------------------------------------------------------------


def _team_name(actor, name, *, team: Team | None = None) -> str:
    name = clean_input(
        "name",
        name,
        max_length=Team._meta.get_field("name").max_length,
        required=gettext("Name the team."),
    )
    taken = Team.objects.filter(organisation_id=actor.organisation_id, name__iexact=name)
    if team is not None:
        taken = taken.exclude(pk=team.pk)
    if taken.exists():
        raise ServiceError(
            {"name": [gettext("Your organisation already has a team of this name.")]}
        )
    return name


def team_create(*, actor, name: str) -> Team:
    require(actor, Action.MANAGE_TEAMS)
    name = _team_name(actor, name)
    with transaction.atomic():
        team = Team.objects.create(organisation_id=actor.organisation_id, name=name)
        audit.record(actor, AuditAction.CREATE, team, fields=["name"], changes={"name": name})
    return team


def team_rename(*, actor, team: Team, name: str) -> Team:
    require(actor, Action.MANAGE_TEAMS, team)
    name = _team_name(actor, name, team=team)
    with transaction.atomic():
        old = team.name
        team.name = name
        team.save(update_fields=["name", "updated_at"])
        audit.record(
            actor, AuditAction.UPDATE, team, fields=["name"], changes={"name": [old, name]}
        )
    return team


def team_member_set(*, actor, team: Team, user: User, member: bool = True) -> Team:
    """Put `user` in `team` (or, with member=False, take them out). Both are of the actor's
    organisation; anyone else's does not exist."""
    require(actor, Action.MANAGE_TEAMS, team)
    if user.organisation_id != actor.organisation_id:
        raise Hidden()
    with transaction.atomic():
        if member:
            _membership, changed = Membership.objects.get_or_create(user=user, team=team)
        else:
            changed, _rows = Membership.objects.filter(user=user, team=team).delete()
        if not changed:
            message = (
                gettext("%(user)s is already in this team.")
                if member
                else gettext("%(user)s is not in this team.")
            )
            raise ServiceError({"user": [message % {"user": user.username}]})
        audit.record(
            actor,
            AuditAction.UPDATE,
            team,
            fields=["members"],
            changes={"joined" if member else "left": str(user.public_id)},
        )
        forget_scope_facts(user)
    return team
