"""How partner systems and browser sessions authenticate to the API.

No Basic auth: a password alone, without the second factor, must not open the API.
"""

import hashlib
import hmac
import secrets

from django.utils import timezone
from rest_framework import authentication, exceptions

from casework.permissions import needs_second_factor

TOKEN_QUERY_PARAMETERS = ("token", "access_token", "api_key", "key")


def hash_token_secret(secret: str) -> str:
    # The secret is 256 random bits: a fast hash is enough, a slow one would only cost requests.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_parts() -> tuple[str, str]:
    return secrets.token_hex(6), secrets.token_urlsafe(32)


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        if any(name in request.query_params for name in TOKEN_QUERY_PARAMETERS):
            raise exceptions.AuthenticationFailed(
                "Tokens are accepted only in the Authorization header, never in the URL."
            )
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, value = header.partition(" ")
        if keyword != self.keyword:
            return None
        prefix, dot, secret = value.strip().partition(".")
        if not dot or not prefix or not secret:
            raise exceptions.AuthenticationFailed("Malformed token.")
        from casework.models import PartnerToken

        token = (
            PartnerToken.objects.select_related("user", "user__organisation")
            .filter(prefix=prefix)
            .first()
        )
        if token is None or not hmac.compare_digest(token.key_hash, hash_token_secret(secret)):
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        user = token.user
        if (
            token.revoked_at is not None
            or token.expires_at <= now
            or not user.is_active
            or token.session_epoch != user.session_epoch
        ):
            raise exceptions.AuthenticationFailed("Token expired or revoked.")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        return (user, token)

    def authenticate_header(self, request):
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, with CSRF, and only once the second factor is verified."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if needs_second_factor(user) and not user.is_verified():
            raise exceptions.AuthenticationFailed("Second factor required.")
        return result
