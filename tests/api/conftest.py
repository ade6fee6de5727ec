"""API clients for the personas: staff through their verified browser session, partners through
a token in the Authorization header."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from casework.models import PartnerToken
from casework.tokens import hash_token_secret, new_token_parts
from tests.conftest import verified_client


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in the cache, which outlives each test's database.
    cache.clear()
    yield
    cache.clear()


def issue_token(user, *, expires_in=dt.timedelta(days=1)) -> tuple[PartnerToken, str]:
    prefix, secret = new_token_parts()
    token = PartnerToken.objects.create(
        user=user,
        name="test",
        prefix=prefix,
        key_hash=hash_token_secret(secret),
        expires_at=timezone.now() + expires_in,
    )
    return token, f"{prefix}.{secret}"


@pytest.fixture
def api():
    """`api(user)` → a client for that persona (None: anonymous)."""
    from django.test import Client

    def _client(user, **kwargs):
        if user is None:
            return Client(**kwargs)
        if user.role == "partner":
            _token, value = issue_token(user)
            return Client(HTTP_AUTHORIZATION=f"Bearer {value}", **kwargs)
        return verified_client(user, **kwargs)

    return _client


def problem_of(response) -> dict:
    """The problem (RFC 9457) a refused request answered, checked for its shape."""
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = json.loads(response.content)
    assert {"type", "title", "status", "detail", "code"} <= set(body), body
    assert body["status"] == response.status_code
    assert body["type"] == f"/api/v1/docs/#problem-{body['code']}"
    return body


def fields_of(response) -> set[str]:
    """Where an invalid request went wrong: body members as JSON Pointers without the leading
    slash (`entries/0/birth_date`), parameters and headers by name."""
    located = set()
    for error in problem_of(response)["errors"]:
        assert error["detail"]
        [where] = set(error) - {"detail"}
        located.add(error[where].removeprefix("/") if where == "pointer" else error[where])
    return located
