"""Partner tokens: shown once, hashed at rest, expiring, revocable, header only, ended with the
account's sessions."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from casework.audit import AuditAction
from casework.models import AuditEvent, PartnerToken
from casework.permissions import Denied, Hidden, Role
from casework.services.accounts import (
    partner_token_issue,
    partner_token_revoke,
    user_change_password,
    user_deactivate,
)
from casework.services.errors import ServiceError
from tests.factories import TEST_PASSWORD, UserFactory


@api_view(["GET"])
def whoami(request):
    """A tiny view behind the project's default authentication and permission classes."""
    return Response({"user": request.user.get_username()})


def _call(key: str | None = None, *, query: str = ""):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    request = APIRequestFactory().get(f"/api/whoami/{query}", **headers)
    response = whoami(request)
    response.render()
    return response


def _issue(world, **kwargs):
    kwargs.setdefault("name", "partner sync")
    kwargs.setdefault("days", 90)
    return partner_token_issue(actor=world.admin, user=world.partner, **kwargs)


def _assert_refused(response):
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["error"]["status"] == 401
    assert body["error"]["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_valid_token_authenticates_its_partner(world):
    issued = _issue(world)
    response = _call(issued.key)
    assert response.status_code == 200
    assert json.loads(response.content) == {"user": "partner"}


def test_the_key_is_returned_once_and_only_its_hash_is_stored(world):
    issued = _issue(world)
    prefix, _, secret = issued.key.partition(".")
    assert prefix == issued.token.prefix and len(secret) >= 40
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM casework_partnertoken")
        rows = cursor.fetchall()
    assert rows and all(secret not in str(value) for row in rows for value in row)
    stored = PartnerToken.objects.get()
    assert stored.key_hash != secret and len(stored.key_hash) == 64
    assert not hasattr(stored, "key")


def test_a_token_expires(world):
    issued = _issue(world, days=1)
    PartnerToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    _assert_refused(_call(issued.key))


def test_a_token_carries_its_expiry(world):
    issued = _issue(world, days=30)
    remaining = issued.token.expires_at - timezone.now()
    assert dt.timedelta(days=29, hours=23) < remaining <= dt.timedelta(days=30)


def test_a_revoked_token_is_refused(world):
    issued = _issue(world)
    partner_token_revoke(actor=world.admin, token=issued.token, reason="partner rotated keys")
    _assert_refused(_call(issued.key))
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=issued.token.public_id
    ).exists()


def test_a_token_in_the_query_string_is_refused_even_when_valid(world):
    issued = _issue(world)
    for name in ("token", "access_token", "api_key", "key"):
        _assert_refused(_call(query=f"?{name}={issued.key}"))


def test_a_wrong_secret_with_a_real_prefix_is_refused(world):
    issued = _issue(world)
    _assert_refused(_call(f"{issued.token.prefix}.not-the-secret"))
    _assert_refused(_call("garbage-without-a-dot"))


def test_no_token_at_all_is_refused(world):
    _assert_refused(_call())


def test_a_password_change_ends_every_token(world):
    issued = _issue(world)
    user_change_password(
        actor=world.partner,
        user=world.partner,
        old_password=TEST_PASSWORD,
        new_password="another long passphrase entirely",
    )
    _assert_refused(_call(issued.key))


def test_deactivation_ends_every_token(world):
    issued = _issue(world)
    user_deactivate(actor=world.admin, user=world.partner)
    _assert_refused(_call(issued.key))


def test_tokens_are_for_partner_accounts_only(world):
    with pytest.raises(ServiceError) as caught:
        partner_token_issue(actor=world.admin, user=world.caseworker, name="x", days=90)
    assert "user" in caught.value.message_dict


def test_only_an_administrator_of_a_sharing_organisation_issues_tokens(world):
    # A supervisor does not manage accounts; the partner account is not even visible to them.
    with pytest.raises(Hidden):
        partner_token_issue(actor=world.supervisor, user=world.partner, name="x", days=90)
    # An administrator whose organisation shares nothing with the partner cannot either.
    south_admin = UserFactory(username="south_admin", organisation=world.south, role=Role.ADMIN)
    with pytest.raises(Hidden):
        partner_token_issue(actor=south_admin, user=world.partner, name="x", days=90)
    with pytest.raises(Denied):
        partner_token_issue(actor=world.caseworker, user=world.caseworker, name="x", days=90)
    assert not PartnerToken.objects.exists()


def test_it_refuses_a_blank_name_and_a_lifetime_out_of_range(world):
    with pytest.raises(ServiceError) as caught:
        _issue(world, name="  ", days=0)
    assert set(caught.value.message_dict) == {"name", "days"}
    with pytest.raises(ServiceError):
        _issue(world, days=366)


def test_issuing_is_audited_without_the_key(world):
    issued = _issue(world)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="PartnerToken")
    assert event.actor == world.admin
    assert event.organisation == world.partner_org
    secret = issued.key.partition(".")[2]
    assert secret not in str(event.changes)


def test_the_command_prints_the_key_once(world):
    out, err = StringIO(), StringIO()
    call_command(
        "issue_partner_token",
        "partner",
        "--name",
        "nightly sync",
        "--days",
        "90",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    assert _call(key).status_code == 200
    token = PartnerToken.objects.get()
    assert token.name == "nightly sync"
    assert key.partition(".")[2] not in err.getvalue()
    event = AuditEvent.objects.get(object_type="PartnerToken")
    assert event.actor is None and event.actor_label.startswith("command-line:")


def test_the_command_names_what_is_wrong(world):
    with pytest.raises(CommandError, match="No account"):
        call_command("issue_partner_token", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="partner accounts only"):
        call_command("issue_partner_token", "caseworker", "--name", "x")
