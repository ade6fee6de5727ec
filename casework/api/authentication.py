"""How partner systems and browser sessions authenticate to the API, and what a token may reach.

No Basic auth: a password alone, without the second factor, must not open the API. Every refused
token (in the query string, malformed, unknown, wrong secret, expired, revoked, of a deactivated
account or ended sessions) is an audit event (`login_failed`, `changes.via == "api_token"`) that
never holds the token itself.

Scopes. A token names what it may reach, as `<resource>:<read|write>`:
- `persons:read`: the shared persons, one by one, listed and through the change feed, and what
  the agreement shares of them: placements, the places they are or were at, flights;
- `reports:read`: the reports the partner sent;
- `reports:write`: submitting a family report;
- `imports:read`, `imports:write`: following the lists the partner sent, sending one;
- `suggestions:read`, `suggestions:write`: match suggestions on shared persons, giving an opinion.
Read is GET and HEAD, write any other method. A route of no resource above is in no scope: a
scoped token gets 403 there, as for a missing scope, and the refusal is audited. A token issued
with no scopes at all (the only kind issued before scopes were enforced, and what
`issue_partner_token` still issues) keeps what it always had: the partner's role and agreements
decide, as for every token. Scopes only narrow a token, never widen the account.
"""

import hmac

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from casework.api.throttling import RefusedTokenThrottle
from casework.permissions import is_partner_system, needs_second_factor
from casework.tokens import hash_token_secret

TOKEN_QUERY_PARAMETERS = ("token", "access_token", "api_key", "key")

# The resource of each API route family (the router's basename, see casework/api/urls.py).
SCOPE_RESOURCES = {
    "api-person": "persons",
    "api-report": "reports",
    "api-import": "imports",
    "api-suggestion": "suggestions",
}
# A shared person's records (placements, the places they are or were at, their flights) are read
# under the persons' scope.
SCOPE_RESOURCES |= {"api-placement": "persons", "api-location": "persons", "api-flight": "persons"}


def _refused(reason: str, message: str, *, token=None, detail=None):
    """The AuthenticationFailed to raise, its audit event written or carried to the boundary."""
    from casework.audit import record_token_refused

    exc = exceptions.AuthenticationFailed(message)
    record_token_refused(reason, token=token, exc=exc, detail=detail)
    return exc


def _why_ended(token, user, now) -> str:
    """Why a token with the right secret no longer opens the API ("" when it still does)."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    if not user.is_active:
        return "account_inactive"
    if token.session_epoch != user.session_epoch:
        return "sessions_ended"
    return ""


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        if not self._tries_a_token(request):
            return None
        refusals = RefusedTokenThrottle()
        # An address past its refusals gets 429 whatever it sends (see casework.api.throttling).
        refusals.check(request)
        try:
            return self._authenticate(request)
        except exceptions.AuthenticationFailed:
            refusals.count(request)
            raise

    def _tries_a_token(self, request) -> bool:
        if any(name in request.query_params for name in TOKEN_QUERY_PARAMETERS):
            return True
        header = authentication.get_authorization_header(request).decode("latin-1")
        return header.partition(" ")[0] == self.keyword

    def _authenticate(self, request):
        in_url = [name for name in TOKEN_QUERY_PARAMETERS if name in request.query_params]
        if in_url:
            # Which parameter names, never their values.
            raise _refused(
                "token_in_query_string",
                "Tokens are accepted only in the Authorization header, never in the URL.",
                detail={"parameters": in_url},
            )
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, value = header.partition(" ")
        if keyword != self.keyword:
            return None
        prefix, dot, secret = value.strip().partition(".")
        if not dot or not prefix or not secret:
            raise _refused("malformed", "Malformed token.")
        from casework.models import PartnerToken

        token = (
            PartnerToken.objects.select_related("user", "user__organisation")
            .filter(prefix=prefix)
            .first()
        )
        if token is None:
            raise _refused("unknown_token", "Invalid token.")
        if not hmac.compare_digest(token.key_hash, hash_token_secret(secret)):
            raise _refused("wrong_secret", "Invalid token.", token=token)
        now = timezone.now()
        user = token.user
        ended = _why_ended(token, user, now)
        if ended:
            raise _refused(ended, "Token expired or revoked.", token=token)
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        return (user, token)

    def authenticate_header(self, request):
        return self.keyword


def required_scope(view, request) -> str | None:
    """The scope a token needs for this request, or None when no scope reaches the route."""
    resource = SCOPE_RESOURCES.get(getattr(view, "basename", None))
    if resource is None:
        return None
    verb = "read" if request.method in permissions.SAFE_METHODS else "write"
    return f"{resource}:{verb}"


def token_allows(token, scope: str | None) -> bool:
    granted = set(token.scopes or [])
    if not granted:
        # Issued without scopes: unrestricted by scope, as it always was.
        return True
    return scope is not None and scope in granted


def check_token_scope(request, view) -> None:
    """403 (audited, naming the token and the missing scope) unless the request's partner token
    has the scope of this route. Session requests carry no token and are not scoped."""
    from casework.models import PartnerToken

    token = request.auth
    if not isinstance(token, PartnerToken):
        return
    scope = required_scope(view, request)
    if token_allows(token, scope):
        return
    from casework.audit import record_denial
    from casework.permissions import Denied

    exc = Denied()
    match = getattr(request, "resolver_match", None)
    record_denial(
        request.user,
        f"scope:{scope}" if scope else "scope:none",
        token,
        hidden=False,
        exc=exc,
        detail={
            "route": getattr(match, "view_name", "") or "",
            "method": request.method,
            "missing_scope": scope,
        },
    )
    raise exc


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, with CSRF, and only once the second factor is verified."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if is_partner_system(user):
            # A partner system comes in with its token; a session would skip its scopes.
            raise exceptions.AuthenticationFailed("Partner accounts use their API token.")
        if needs_second_factor(user) and not user.is_verified():
            raise exceptions.AuthenticationFailed("Second factor required.")
        return result
