"""Behind the TLS proxy the client's address is the one the proxy saw: login throttling, rate
limits and the audit trail use it, and a client cannot choose it by writing X-Forwarded-For."""

import pytest
from django.test import Client, RequestFactory

from casework.audit import AuditAction
from casework.client_address import client_ip
from casework.models import AuditEvent

LOGIN = "/account/login/"
PROXY = "10.0.0.1"
WRONG = "not the password at all, 1"


def _request(remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_proxy_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("198.51.100.7", forwarded="6.6.6.6")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the left is what the client wrote
        ("garbage, not-an-address", PROXY),
        ("", PROXY),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_one_proxy_the_client_is_the_rightmost_entry(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="6.6.6.6, 198.51.100.7, 10.0.0.9")) == "198.51.100.7"


def _login(client, ip, password=WRONG):
    return client.post(
        LOGIN,
        {"username": "caseworker", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=ip,
    )


def test_behind_the_proxy_a_stranger_cannot_lock_a_staff_member_out(world, settings):
    from tests.factories import TEST_PASSWORD

    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for _ in range(5):
        _login(attacker, "203.0.113.66")
    assert _login(attacker, "203.0.113.66").status_code == 429
    # Forging the header's left part changes nothing: the proxy's entry is on the right.
    assert _login(attacker, "198.51.100.7, 203.0.113.66").status_code == 429
    # The caseworker, from their own address through the same proxy, still gets in.
    assert _login(Client(), "198.51.100.7", TEST_PASSWORD).status_code == 302


# A failed login is written outside any transaction, as in production (see test_auth_login).
@pytest.mark.django_db(transaction=True)
def test_the_audit_trail_keeps_the_clients_address(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _login(Client(), "198.51.100.7")
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).latest("id")
    assert event.ip == "198.51.100.7"


def test_the_public_forms_limit_counts_the_client_not_the_proxy(world, settings):
    from django.core.cache import cache

    from casework.views.public_limits import report_posts_exhausted

    settings.TRUSTED_PROXY_COUNT = 1
    settings.PUBLIC_REPORT_RATE = "2/m"
    cache.clear()
    one = _request(forwarded="198.51.100.7")
    other = _request(forwarded="198.51.100.8")
    assert [report_posts_exhausted(one) for _ in range(3)] == [False, False, True]
    assert report_posts_exhausted(other) is False
    cache.clear()
