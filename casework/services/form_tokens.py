"""One-time form tokens: a staff form that creates something, posted again (a retry after a
timeout, a double click, the browser resending it), creates it once.

Each form shown carries a signed random token. The post that creates something records the token,
with where its result is, in the table the API's Idempotency-Keys use, in the same transaction as
the write: a token is never recorded for a write that rolled back, and a write never commits
without its token. A later post with the token is sent to that result and writes nothing; two
posts racing with one token meet on the table's unique constraint, and the second is sent where the
first one's result is.

A refused form (a rule, a missing field) records nothing, so the user may correct it and post the
same form again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from casework.models import IdempotencyRecord
from casework.services.errors import ServiceError

_SALT = "casework.form-token"  # noqa: S105 (a signing salt, not a secret)
# Longer than a session lives: a form is never refused for its age while its page could be used.
MAX_AGE_SECONDS = 24 * 3600
_KEY_PREFIX = "form:"
_PATH_MAX = 300  # IdempotencyRecord.path


def new_form_token() -> str:
    return signing.dumps(secrets.token_hex(16), salt=_SALT)


def _key(token: str) -> str | None:
    try:
        nonce = signing.loads(token or "", salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return f"{_KEY_PREFIX}{nonce}"


def _refused_token() -> ServiceError:
    return ServiceError(
        {
            "form_token": [
                gettext("This form has expired or was altered: reload the page and enter it again.")
            ]
        }
    )


def _result(user, key: str, path: str) -> str | None:
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.path != path[:_PATH_MAX]:
        # A token is for one form: shown on another, it is no token of that form.
        raise _refused_token()
    return record.response_body.get("location") or None


def form_token_result(*, user, token: str, path: str) -> str | None:
    """Where the post that used `token` on `path` sent its user, if one did; else None (a token
    not used yet, or not a token: the form says so when it is checked)."""
    key = _key(token)
    if key is None:
        return None
    try:
        return _result(user, key, path)
    except ServiceError:
        return None


def form_submit_once(
    *, user, token: str, path: str, perform: Callable[[], str]
) -> tuple[str, bool]:
    """`perform()` (the write; returns the address of what it created), once per form token.

    Returns (address, created): created is False when an earlier post of the same form did it.
    Raises ServiceError for a token that is forged, expired or another form's."""
    key = _key(token)
    if key is None:
        raise _refused_token()
    done = _result(user, key, path)
    if done is not None:
        return done, False
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method="POST",
                path=path[:_PATH_MAX],
                body_sha256="",
                status_code=303,
                response_body={},
            )
            location = perform()
            record.response_body = {"location": location}
            record.save(update_fields=["response_body"])
    except IntegrityError:
        # Another post of this form got there first and committed: its result is this one's.
        done = _result(user, key, path)
        if done is None:
            raise
        return done, False
    return location, True


def form_token_claim(*, user, token: str, path: str, location: str) -> bool:
    """For a write that must not run inside another transaction (its refusals are written to the
    audit trail outside any): record the token before the write, with the address its result will
    have. Returns False when an earlier post of the form claimed it (send the user to
    `form_token_result`). If the write is refused, `form_token_release` lets the form be sent again.
    """
    key = _key(token)
    if key is None:
        raise _refused_token()
    if _result(user, key, path) is not None:
        return False
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method="POST",
                path=path[:_PATH_MAX],
                body_sha256="",
                status_code=303,
                response_body={"location": location},
            )
    except IntegrityError:
        return False
    return True


def form_token_release(*, user, token: str, path: str) -> None:
    """Forget a claimed token whose write was refused."""
    key = _key(token)
    if key is not None:
        IdempotencyRecord.objects.filter(user=user, key=key, path=path[:_PATH_MAX]).delete()
