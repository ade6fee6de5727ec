"""Writes on accounts: passwords, deactivation, ending sessions, the second factor, partner tokens.

Ending sessions works by moving `User.session_epoch`: every session remembers the epoch it began
in (`casework.middleware.SessionTimeoutMiddleware`) and every partner token carries the epoch it
was issued in (`casework.api.authentication`), so one bump ends them all at once.
"""

from __future__ import annotations

import base64
import datetime as dt
import getpass
from typing import NamedTuple

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import audit
from casework.audit import AuditAction
from casework.models import PartnerToken, User
from casework.permissions import (
    Action,
    active_agreements_between,
    is_active_user,
    is_partner_account,
    may,
    require,
)
from casework.services.errors import ServiceError
from casework.tokens import SCOPES, hash_token_secret, new_token_parts

RECOVERY_CODE_COUNT = 10
TOKEN_MAX_DAYS = 365
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


class CommandLine:
    """The actor of a management command: someone with shell access on the server."""

    is_authenticated = False
    is_superuser = False
    organisation_id = None

    def __init__(self, command: str):
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        self.audit_label = f"command-line:{command} ({who})"


def _require_user_admin(actor, user: User) -> None:
    """Superusers and the command line manage anyone; an administrator manages the users of their
    organisation and the partner accounts of organisations their organisation shares cases with."""
    if isinstance(actor, CommandLine):
        return
    if is_active_user(actor) and actor.is_superuser:
        return
    if (
        is_partner_account(user)
        and may(actor, Action.MANAGE_USERS)
        and active_agreements_between(actor.organisation_id, user.organisation_id).exists()
    ):
        return
    require(actor, Action.MANAGE_USERS, user)


def _bump_epoch(user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch", "is_active", "password"])


# --- Sessions and passwords --------------------------------------------------------------------


def user_end_sessions(*, actor, user: User, reason: str = "") -> User:
    """End every session and partner token of `user` ("log out everywhere")."""
    if actor != user:
        _require_user_admin(actor, user)
    with transaction.atomic():
        _bump_epoch(user)
        audit.record(actor, AuditAction.SESSION_ENDED, user, reason=reason or "log out everywhere")
    return user


def user_deactivate(*, actor, user: User, reason: str = "") -> User:
    """Close an account: it cannot log in, and its sessions and tokens end now."""
    _require_user_admin(actor, user)
    if actor == user:
        raise ServiceError({"user": [gettext("You cannot deactivate your own account.")]})
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        _bump_epoch(user)
        audit.record(
            actor,
            AuditAction.UPDATE,
            user,
            fields=["is_active", "session_epoch"],
            changes={"is_active": [True, False]},
            reason=reason,
        )
        audit.record(actor, AuditAction.SESSION_ENDED, user, reason="account deactivated")
    return user


def user_change_password(
    *, actor, user: User, new_password: str, old_password: str | None = None
) -> User:
    """Set a new password. Users changing their own must give the old one; an administrator
    resetting someone else's need not. Every session and token of the user ends."""
    if actor == user:
        if old_password is None or not user.check_password(old_password):
            raise ServiceError(
                {"old_password": [gettext("Your current password was entered wrongly.")]}
            )
    else:
        _require_user_admin(actor, user)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ServiceError({"new_password": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _bump_epoch(user)
        audit.record(actor, AuditAction.UPDATE, user, fields=["password"])
        audit.record(actor, AuditAction.SESSION_ENDED, user, reason="password changed")
    return user


def user_disable_password(*, actor, user: User) -> User:
    """No password login for `user` any more (an administrator's choice); sessions and tokens
    end."""
    _require_user_admin(actor, user)
    if actor == user:
        raise ServiceError({"password": [gettext("You cannot disable your own password.")]})
    with transaction.atomic():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _bump_epoch(user)
        audit.record(actor, AuditAction.UPDATE, user, fields=["password"])
        audit.record(actor, AuditAction.SESSION_ENDED, user, reason="password disabled")
    return user


# --- Second factor -----------------------------------------------------------------------------


def has_confirmed_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator of the enrolment in progress (the same one on every reload,
    so the QR code the user already scanned stays valid)."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_DEVICE_NAME)
        .order_by("-id")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii")


def totp_enrolment_confirm(
    *,
    user: User,
    device: TOTPDevice,
    token: str,
    password: str | None = None,
    current_token: str | None = None,
) -> list[str] | None:
    """Confirm the authenticator with a code from it. Returns the new recovery codes (shown once),
    or None when the code is wrong. Replacing a confirmed second factor also takes the password
    and a code of the second factor being replaced: a stolen session alone must not become a
    lasting takeover."""
    if device.user_id != user.pk or device.confirmed:
        raise ServiceError({"token": [gettext("This enrolment is no longer open. Start again.")]})
    if has_confirmed_device(user):
        _require_reauthentication(user, password, current_token, what="replacement")
    with transaction.atomic():
        if not device.verify_token(token.strip().replace(" ", "")):
            audit.record(user, AuditAction.SECOND_FACTOR, user, changes={"enrolment": "failed"})
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Older authenticators and their codes stop working: one phone, one set of codes.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _replace_recovery_codes(user)
        audit.record(user, AuditAction.SECOND_FACTOR, user, changes={"enrolment": "confirmed"})
    return codes


def recovery_codes_regenerate(
    *, user: User, password: str | None = None, current_token: str | None = None
) -> list[str]:
    """New recovery codes (the old ones stop working). Takes the password and a current code too:
    with a session alone, new codes would be a second factor of the session thief's own."""
    _require_reauthentication(user, password, current_token, what="recovery_codes")
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        audit.record(
            user, AuditAction.SECOND_FACTOR, user, changes={"recovery_codes": "regenerated"}
        )
    return codes


def _require_reauthentication(
    user: User, password: str | None, current_token: str | None, *, what: str
) -> None:
    """The password and a code of the second factor the user has now (the authenticator or a
    recovery code; an enrolment in progress is unconfirmed and so no such factor). Both are asked
    every time, and a refusal does not say which was wrong beyond the fields themselves."""
    errors: dict[str, list[str]] = {}
    if not (password and user.check_password(password)):
        errors["password"] = [gettext("Your password was entered wrongly.")]
    code = (current_token or "").strip().replace(" ", "").lower()
    if not (code and match_token(user, code)):
        errors["current_token"] = [
            gettext("That is not a current code of your second factor. Use your app's code now.")
        ]
    if not errors:
        return
    names = {"password": "password", "current_token": "code"}
    refused = " and ".join(sorted(names[field] for field in errors))
    audit.record_outside_transaction(
        user, AuditAction.SECOND_FACTOR, user, changes={what: f"refused: {refused} not given"}
    )
    raise ServiceError(errors)


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_recorded(*, user: User, device, succeeded: bool) -> None:
    """Audit a verification attempt. The code itself never enters the trail."""
    kind = "recovery code" if isinstance(device, StaticDevice) else "authenticator"
    changes = {"result": "verified", "device": kind} if succeeded else {"result": "failed"}
    audit.record(user, AuditAction.SECOND_FACTOR, user, changes=changes)


# --- Partner tokens ----------------------------------------------------------------------------


class IssuedToken(NamedTuple):
    token: PartnerToken
    key: str  # "<prefix>.<secret>": shown once, never stored


def partner_token_issue(
    *, actor, user: User, name: str, days: int = 90, scopes: list[str] | None = None
) -> IssuedToken:
    """A new API key for a partner account. Only its hash is kept; the key is returned once."""
    _require_user_admin(actor, user)
    errors: dict[str, list[str]] = {}
    if not is_partner_account(user):
        # A token skips the second factor: staff accounts never get one.
        errors["user"] = [gettext("API tokens are issued to partner accounts only.")]
    elif not user.is_active:
        errors["user"] = [gettext("This account is deactivated.")]
    name = (name or "").strip()
    if not name:
        errors["name"] = [gettext("Name the token after the system that will use it.")]
    elif len(name) > PartnerToken._meta.get_field("name").max_length:
        errors["name"] = [gettext("The name is too long (120 characters at most).")]
    if not isinstance(days, int) or not 1 <= days <= TOKEN_MAX_DAYS:
        errors["days"] = [
            gettext("A token lasts between 1 and %(days)s days.") % {"days": TOKEN_MAX_DAYS}
        ]
    unknown = sorted(set(scopes or []) - set(SCOPES))
    if unknown:
        errors["scopes"] = [
            gettext("Unknown scope %(unknown)s: use %(known)s.")
            % {"unknown": ", ".join(map(repr, unknown)), "known": ", ".join(sorted(SCOPES))}
        ]
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        prefix, secret = new_token_parts()
        while PartnerToken.objects.filter(prefix=prefix).exists():
            prefix, secret = new_token_parts()
        token = PartnerToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            key_hash=hash_token_secret(secret),
            scopes=list(scopes or []),
            expires_at=timezone.now() + dt.timedelta(days=days),
            session_epoch=user.session_epoch,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            token,
            changes={
                "prefix": prefix,
                "name": name,
                "scopes": token.scopes,
                "expires_at": token.expires_at.isoformat(),
            },
            organisation=user.organisation,
        )
    return IssuedToken(token, f"{prefix}.{secret}")


def partner_token_revoke(*, actor, token: PartnerToken, reason: str = "") -> PartnerToken:
    _require_user_admin(actor, token.user)
    with transaction.atomic():
        locked = PartnerToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at", "updated_at"])
            audit.record(
                actor,
                AuditAction.UPDATE,
                locked,
                fields=["revoked_at"],
                changes={"prefix": locked.prefix, "revoked": True},
                reason=reason,
                organisation=locked.user.organisation,
            )
    return locked
