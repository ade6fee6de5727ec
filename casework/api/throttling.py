"""Rate limits, announced: every API answer says where its caller stands, in the headers of the
IETF draft (draft-ietf-httpapi-ratelimit-headers):

    RateLimit-Policy: "user";q=600;w=60     (600 requests a 60-second window)
    RateLimit: "user";r=597;t=41            (597 left; the window frees one in 41 s)

and a 429 says when to come back (`Retry-After`, seconds). Callers are counted by account (a token
or a staff session) and, before they are known, by client address (`client_address`).

Refused tokens (unknown, wrong secret, expired, revoked, ...) are counted by client address too:
past `refused_token` refusals a window, every token from that address is answered 429 without
being looked at, so guessing tokens is slow and a guesser learns nothing from the answers."""

from __future__ import annotations

import math

from rest_framework import exceptions
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from casework.client_address import ratelimit_ip

STATE_ATTRIBUTE = "_casework_rate_limit"


class _Announced:
    """A throttle that leaves its standing on the request, for `announce` to write out."""

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and self.key is not None:
            remaining = max(0, self.num_requests - len(self.history))
            oldest = self.history[-1] if self.history else self.now
            reset = max(0, math.ceil(self.duration - (self.now - oldest)))
            _keep(request, self.scope, self.num_requests, self.duration, remaining, reset)
        return allowed

    def get_ident(self, request):
        return ratelimit_ip(request)


class UserThrottle(_Announced, UserRateThrottle):
    pass


class AnonThrottle(_Announced, AnonRateThrottle):
    pass


def _keep(request, scope, limit, window, remaining, reset) -> None:
    raw = getattr(request, "_request", request)
    state = getattr(raw, STATE_ATTRIBUTE, None)
    # The tightest standing is the one to announce.
    if state is None or remaining < state[3]:
        setattr(raw, STATE_ATTRIBUTE, (scope, limit, window, remaining, reset))


def announce(request, response) -> None:
    state = getattr(getattr(request, "_request", request), STATE_ATTRIBUTE, None)
    if state is None:
        return
    scope, limit, window, remaining, reset = state
    response["RateLimit-Policy"] = f'"{scope}";q={limit};w={window}'
    response["RateLimit"] = f'"{scope}";r={remaining};t={reset}'


class RefusedTokenThrottle(SimpleRateThrottle):
    """Refused tokens counted by client address (see the module's docstring)."""

    scope = "refused_token"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": ratelimit_ip(request)}

    def _window(self, request):
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return self.history

    def check(self, request) -> None:
        """429 when this address has used up its refusals."""
        if len(self._window(request)) >= self.num_requests:
            wait = math.ceil(self.wait() or 1)
            _keep(request, self.scope, self.num_requests, self.duration, 0, wait)
            raise exceptions.Throttled(wait=wait)

    def count(self, request) -> None:
        """One more refusal for this address."""
        history = self._window(request)
        history.insert(0, self.now)
        self.cache.set(self.key, history, self.duration)
        remaining = max(0, self.num_requests - len(history))
        reset = math.ceil(self.duration - (self.now - history[-1]))
        _keep(request, self.scope, self.num_requests, self.duration, remaining, reset)
