"""casework/api/throttling.py: every answer announces the caller's standing; a 429 says when to
come back; refused tokens are counted by client address."""

import re

import pytest
from django.test import Client
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from casework.models import AuditEvent
from tests.api.conftest import issue_token, problem_of

URL = "/api/v1/persons/"
POLICY = re.compile(r'^"(?P<scope>\w+)";q=(?P<q>\d+);w=(?P<w>\d+)$')
STANDING = re.compile(r'^"(?P<scope>\w+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


def _standing(response):
    policy = POLICY.match(response["RateLimit-Policy"]).groupdict()
    standing = STANDING.match(response["RateLimit"]).groupdict()
    assert policy["scope"] == standing["scope"]
    return policy, standing


@pytest.fixture
def three_a_minute():
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute"}
    yield
    UserRateThrottle.THROTTLE_RATES = original


@pytest.mark.parametrize("persona", ["partner", "caseworker"])
def test_each_answer_announces_the_standing(world, api, persona, three_a_minute):
    client = api(getattr(world, persona))
    remaining = []
    for _ in range(3):
        response = client.get(URL)
        assert response.status_code == 200
        policy, standing = _standing(response)
        assert policy == {"scope": "user", "q": "3", "w": "60"}
        assert 0 < int(standing["t"]) <= 60
        remaining.append(int(standing["r"]))
    assert remaining == [2, 1, 0]
    refused = client.get(URL)
    assert problem_of(refused)["code"] == "throttled"
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert _standing(refused)[1]["r"] == "0"


def test_errors_announce_the_standing_too(world, api):
    response = api(world.partner).get(f"{URL}?cursor=nonsense")
    assert response.status_code == 400
    assert _standing(response)[0]["scope"] == "user"


@pytest.mark.parametrize(
    "token", ["unknown.secret", "garbage-without-a-dot", "revoked", "expired", "wrong-secret"]
)
def test_refused_tokens_are_throttled_by_client_address(world, token, settings):
    limit = int(api_settings.DEFAULT_THROTTLE_RATES["refused_token"].split("/")[0])
    issued, value = issue_token(world.partner)
    if token == "revoked":
        from django.utils import timezone

        issued.revoked_at = timezone.now()
        issued.save()
        token = value
    elif token == "expired":
        from django.utils import timezone

        issued.expires_at = timezone.now()
        issued.save()
        token = value
    elif token == "wrong-secret":
        token = f"{issued.prefix}.not-the-secret"
    guesser = Client(HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR="203.0.113.7")
    codes = [guesser.get(URL).status_code for _ in range(limit)]
    assert set(codes) == {401}
    audited = AuditEvent.objects.filter(action="login_failed").count()
    blocked = guesser.get(URL)
    assert blocked.status_code == 429
    assert problem_of(blocked)["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0
    assert _standing(blocked)[0]["scope"] == "refused_token"
    # Blocked before the token is looked at: not even a refusal to audit.
    assert AuditEvent.objects.filter(action="login_failed").count() == audited
    # Even the right token is not looked at from that address until the window passes ...
    right = Client(
        HTTP_AUTHORIZATION=f"Bearer {issue_token(world.partner)[1]}", REMOTE_ADDR="203.0.113.7"
    )
    assert right.get(URL).status_code == 429
    # ... while another address is not affected.
    elsewhere = Client(
        HTTP_AUTHORIZATION=f"Bearer {issue_token(world.partner)[1]}", REMOTE_ADDR="198.51.100.2"
    )
    assert elsewhere.get(URL).status_code == 200


def test_a_token_in_the_url_counts_as_a_refusal(world):
    limit = int(api_settings.DEFAULT_THROTTLE_RATES["refused_token"].split("/")[0])
    client = Client(REMOTE_ADDR="203.0.113.8")
    codes = [client.get(URL, {"token": "x.y"}).status_code for _ in range(limit + 1)]
    assert codes[:limit] == [401] * limit and codes[limit] == 429
