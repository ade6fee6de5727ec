"""Request id, session timeouts and the second-factor requirement."""

import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from casework import kept_drafts, request_context
from casework.audit import AuditAction, record, write_deferred
from casework.client_address import client_ip
from casework.permissions import needs_second_factor


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = request_context.bind(
            request_context.RequestContext(
                ip=client_ip(request), request_id=request.request_id, memo={}
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response

    def process_exception(self, request, exception):
        write_deferred(exception)
        return None


SESSION_STARTED = "casework_started"
SESSION_SEEN = "casework_seen"
SESSION_EPOCH = "casework_epoch"


def _why_session_ended(user, *, now: int, started: int, seen: int, epoch: int) -> str:
    if now - seen > settings.SESSION_IDLE_SECONDS:
        return "idle timeout"
    if now - started > settings.SESSION_COOKIE_AGE:
        return "absolute timeout"
    if epoch != user.session_epoch or not user.is_active:
        return "ended everywhere"
    return ""


def _seen_write_interval() -> int:
    return max(1, min(60, settings.SESSION_IDLE_SECONDS // 2))


class SessionTimeoutMiddleware:
    """Idle (30 min) and absolute (12 h) timeouts, and ending sessions when the user's epoch moves
    (deactivation, password change, "log out everywhere")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault(SESSION_STARTED, now)
            seen = session.get(SESSION_SEEN, now)
            epoch = session.setdefault(SESSION_EPOCH, user.session_epoch)
            ended = _why_session_ended(user, now=now, started=started, seen=seen, epoch=epoch)
            if ended:
                record(user, AuditAction.SESSION_ENDED, user, reason=ended)
                if request.path.startswith("/api/"):
                    logout(request)
                    return self.get_response(request)
                if request.method == "POST" and ended.endswith("timeout"):
                    # Not saved, but not lost: offered back on this page after the next login
                    # (a session ended everywhere on purpose keeps nothing of what it sent).
                    kept_drafts.keep(user.pk, request.path, request.POST)
                logout(request)
                back = request.get_full_path() if request.method == "GET" else request.path
                query = urlencode({"expired": 1, "next": back})
                return redirect(f"{reverse('login')}?{query}")
            if request.method == "GET" and (user.is_verified() or not needs_second_factor(user)):
                request.kept_draft = kept_drafts.take(user.pk, request.path)
            # Writing the session on every request would be a write per page: the last-seen time
            # is written at most once a minute, and at least twice per idle period, so an active
            # user is never taken for an idle one however short the period is.
            if now - seen >= _seen_write_interval() or SESSION_SEEN not in session:
                session[SESSION_SEEN] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Staff who can see sensitive data reach nothing but the second-factor pages until verified."""

    ALLOWED_PREFIXES = ("/account/2fa/", "/account/logout/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    # Django admin asks every account for the second factor, whatever its role.
    ADMIN_PREFIX = "/admin/"

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not request.path.startswith("/api/")
            and (needs_second_factor(user) or request.path.startswith(self.ADMIN_PREFIX))
        ):
            return redirect(reverse("second_factor") + "?" + urlencode({"next": request.path}))
        return self.get_response(request)


class PrivateApiResponsesMiddleware:
    """Every API answer is about people (or says who may ask): no browser, proxy or shared cache
    keeps one, whatever view, error handler or refusal produced it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store, private"
        return response
