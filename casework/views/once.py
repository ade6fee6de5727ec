"""Staff forms that create something, posted again, create it once (`services.form_tokens`).

A view whose form creates something is decorated with `submitted_once`, and calls its service
through `create_once`: the first post of a form writes and records its token with the address it
redirects to; any later post of that form is sent there, with a word that nothing was saved twice.
The decorator answers before the form is checked again, since the first post may have changed what
the form accepts (a person proposed is no longer proposable).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from casework.forms.fields import FORM_TOKEN_FIELD, OneTimeForm
from casework.services.form_tokens import (
    form_submit_once,
    form_token_claim,
    form_token_release,
    form_token_result,
)


def _already_saved(request, location: str) -> HttpResponse:
    messages.info(request, _("This form was already saved: nothing was saved twice."))
    return HttpResponseRedirect(location)


def submitted_once(view):
    """A post whose form token already created something is sent there; any other goes on."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            location = form_token_result(
                user=request.user, token=request.POST.get(FORM_TOKEN_FIELD, ""), path=request.path
            )
            if location:
                return _already_saved(request, location)
        return view(request, *args, **kwargs)

    return wrapper


def create_once(request, form: OneTimeForm, create: Callable[[], HttpResponse]) -> HttpResponse:
    """`create()` (the service call; returns the redirect to what it made), once per form: in one
    transaction with the token. A ServiceError from the token or the service reaches the caller."""
    answered = []

    def perform() -> str:
        answered.append(create())
        return answered[0]["Location"]

    location, created = form_submit_once(
        user=request.user, token=form.submitted_token, path=request.path, perform=perform
    )
    return answered[0] if created else _already_saved(request, location)


def create_once_outside_transaction(
    request, form: OneTimeForm, location: str, create: Callable[[], HttpResponse]
) -> HttpResponse:
    """`create_once` for a service that must run outside any transaction of the caller's (it
    writes some refusals to the audit trail outside any): the token is recorded first, with the
    address `location` the result will have, and forgotten if the service refuses."""
    token = form.submitted_token
    if not form_token_claim(user=request.user, token=token, path=request.path, location=location):
        done = form_token_result(user=request.user, token=token, path=request.path)
        return _already_saved(request, done or location)
    try:
        return create()
    except BaseException:
        form_token_release(user=request.user, token=token, path=request.path)
        raise
