"""The demo's logins: a password for every demo user and a confirmed TOTP device each.

Credentials are secrets, not data: they come from `secrets` (or DEMO_PASSWORD), never from the seed.
"""

from __future__ import annotations

import os
import secrets
import shlex
from base64 import b32encode
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "demo authenticator"


def new_password() -> str:
    return secrets.token_urlsafe(12)


def add_totp_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


@dataclass
class Login:
    username: str
    role: str
    totp_secret: str
    otpauth_uri: str


def demo_logins(usernames) -> list[Login]:
    from casework.models import User

    logins = []
    users = {u.username: u for u in User.objects.filter(username__in=list(usernames))}
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        device = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME).order_by("id").first()
        secret = b32encode(device.bin_key).decode() if device else ""
        uri = device.config_url if device else ""
        logins.append(Login(username, user.role, secret, uri))
    return logins


def partner_hint() -> str:
    """How to issue the demo partner's API token, as a command that works as printed: with the
    demo's own settings and database (`make run` sets both in its environment, not the shell's)."""
    database_url = os.environ.get("DATABASE_URL", "")
    env = "CASEWORK_DEMO=1 "
    if database_url:
        env += f"DATABASE_URL={shlex.quote(database_url)} "
    return (
        "signs in with an API token, not a password: "
        f"{env}.venv/bin/python manage.py issue_partner_token partner --name demo --days 7"
    )


def format_logins(logins: list[Login], password: str | None) -> str:
    shown = password or "(as printed at the first seed)"
    width = max(18, len(shown))
    lines = [
        f"  {'username':<11} {'role':<11} {'password':<{width}} {'TOTP secret (base32)':<34} "
        "otpauth URI"
    ]
    for login in logins:
        if login.role == "partner":
            lines.append(f"  {login.username:<11} {login.role:<11} {partner_hint()}")
            continue
        lines.append(
            f"  {login.username:<11} {login.role:<11} {shown:<{width}} {login.totp_secret:<34} "
            f"{login.otpauth_uri}"
        )
    lines.append(
        "Add the TOTP secret to any authenticator app (or turn the otpauth:// URI into a QR code),"
        " then log in with username, password and the app's 6-digit code."
    )
    return "\n".join(lines)
