"""Partner tokens: shown once, hashed at rest, expiring, revocable, header only, ended with the
account's sessions; every refused token audited without the token; scopes enforced."""

import datetime as dt
import json
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory

from casework.audit import AuditAction
from casework.models import AuditEvent, PartnerToken, Role
from casework.permissions import Denied, Hidden
from casework.services.accounts import (
    partner_token_issue,
    partner_token_revoke,
    user_change_password,
    user_deactivate,
)
from casework.services.errors import ServiceError
from casework.tokens import SCOPES
from tests.api.conftest import problem_of
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
    body = problem_of(response)
    assert body["status"] == 401
    assert body["detail"]
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


def test_the_command_issues_a_token_with_the_scopes_named(world):
    out, err = StringIO(), StringIO()
    call_command(
        "issue_partner_token",
        "partner",
        "--name",
        "read-only mirror",
        "--scope",
        "persons:read",
        stdout=out,
        stderr=err,
    )
    token = PartnerToken.objects.get()
    assert token.scopes == ["persons:read"]
    assert "persons:read" in err.getvalue()
    key = out.getvalue().strip()
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/persons/").status_code == 200
    assert client.get("/api/v1/reports/").status_code == 403


def test_the_command_names_what_is_wrong(world):
    with pytest.raises(CommandError, match="No account"):
        call_command("issue_partner_token", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="partner accounts only"):
        call_command("issue_partner_token", "caseworker", "--name", "x")
    with pytest.raises(CommandError, match="Unknown scope 'persons:delete'"):
        call_command("issue_partner_token", "partner", "--name", "x", "--scope", "persons:delete")
    assert not PartnerToken.objects.exists()


# --- Refused tokens are audited, without the token -----------------------------------------------


def _refusals():
    return AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")


def _assert_no_key_stored(key: str):
    parts = [key, *(part for part in key.split(".") if len(part) > 12)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM casework_auditevent")
        rows = cursor.fetchall()
    assert rows
    assert all(part not in str(v) for row in rows for v in row for part in parts)


def _refusal_shape(event):
    return (
        event.actor_id,
        event.actor_label,
        event.organisation_id,
        event.object_type,
        event.object_id,
        event.person_id,
        event.fields,
        event.changes,
    )


def _expire(token):
    PartnerToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _revoke(token):
    PartnerToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())


def _deactivate_account(token):
    type(token.user).objects.filter(pk=token.user_id).update(is_active=False)


def _end_sessions(token):
    type(token.user).objects.filter(pk=token.user_id).update(session_epoch=token.session_epoch + 1)


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (_expire, "expired"),
        (_revoke, "revoked"),
        (_deactivate_account, "account_inactive"),
        (_end_sessions, "sessions_ended"),
    ],
)
def test_a_token_that_no_longer_opens_the_api_is_an_audited_failure(world, spoil, reason):
    issued = _issue(world)
    spoil(issued.token)
    _assert_refused(_call(issued.key))
    [event] = _refusals()
    assert _refusal_shape(event) == (
        None,
        "anonymous",
        world.partner_org.pk,
        "PartnerToken",
        issued.token.public_id,
        None,
        [],
        {"via": "api_token", "reason": reason},
    )
    _assert_no_key_stored(issued.key)


def test_a_wrong_secret_for_a_real_prefix_names_the_token_not_the_secret(world):
    issued = _issue(world)
    wrong = f"{issued.token.prefix}.not-the-secret-at-all"
    _assert_refused(_call(wrong))
    [event] = _refusals()
    assert _refusal_shape(event) == (
        None,
        "anonymous",
        world.partner_org.pk,
        "PartnerToken",
        issued.token.public_id,
        None,
        [],
        {"via": "api_token", "reason": "wrong_secret"},
    )
    assert "not-the-secret-at-all" not in str(_refusal_shape(event))


@pytest.mark.parametrize(
    "key, reason",
    [("0123456789ab.some-secret-value", "unknown_token"), ("garbage-without-a-dot", "malformed")],
)
def test_an_unknown_or_malformed_token_is_an_audited_failure_naming_nothing(world, key, reason):
    _assert_refused(_call(key))
    [event] = _refusals()
    assert _refusal_shape(event) == (
        None,
        "anonymous",
        None,
        "",
        None,
        None,
        [],
        {"via": "api_token", "reason": reason},
    )
    _assert_no_key_stored(key)


def test_a_token_in_the_query_string_is_an_audited_failure_without_the_token(world):
    issued = _issue(world)
    _assert_refused(_call(query=f"?access_token={issued.key}"))
    [event] = _refusals()
    assert _refusal_shape(event) == (
        None,
        "anonymous",
        None,
        "",
        None,
        None,
        [],
        {"via": "api_token", "reason": "token_in_query_string", "parameters": ["access_token"]},
    )
    _assert_no_key_stored(issued.key)


def test_a_valid_token_is_no_failure(world):
    issued = _issue(world)
    assert _call(issued.key).status_code == 200
    assert not _refusals().exists()


def test_a_refused_token_through_the_api_urls_is_audited_once(world, client):
    from django.core.cache import cache

    cache.clear()
    issued = _issue(world)
    partner_token_revoke(actor=world.admin, token=issued.token)
    response = client.get("/api/v1/persons/", HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    assert response.status_code == 401
    [event] = _refusals()
    assert event.changes == {"via": "api_token", "reason": "revoked"}
    assert event.request_id  # the request it came with, for the officer to follow
    cache.clear()


# --- Scopes ---------------------------------------------------------------------------------------

REPORT_BODY = {"entries": [{"family_name": "Testova", "given_name": "Aminat", "sex": "F"}]}


@pytest.fixture
def scoped(world):
    """`scoped(scopes)` → a client with a token holding those scopes: issued by the service when
    they are known ones; unknown names (which the service refuses) are stored as an older version
    or a hand edit of the database could have left them, to show they grant nothing."""
    from django.core.cache import cache
    from django.test import Client

    cache.clear()

    def _client(scopes):
        if set(scopes) <= set(SCOPES):
            issued = _issue(world, scopes=scopes)
        else:
            issued = _issue(world)
            PartnerToken.objects.filter(pk=issued.token.pk).update(scopes=list(scopes))
        assert PartnerToken.objects.get(pk=issued.token.pk).scopes == list(scopes)
        return Client(HTTP_AUTHORIZATION=f"Bearer {issued.key}"), issued.token

    yield _client
    cache.clear()


def _post_report(client):
    return client.post("/api/v1/reports/", REPORT_BODY, content_type="application/json")


def _scope_denial(world, token, scope, route, method):
    return {
        "action": AuditAction.DENIED,
        "actor": world.partner.pk,
        "organisation": world.partner_org.pk,
        "object_type": "PartnerToken",
        "object_id": token.public_id,
        "person_id": None,
        "changes": {
            "attempted": f"scope:{scope}" if scope else "scope:none",
            "answered": "403",
            "route": route,
            "method": method,
            "missing_scope": scope,
        },
    }


def _denial_of(event):
    return {
        "action": event.action,
        "actor": event.actor_id,
        "organisation": event.organisation_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": event.person_id,
        "changes": event.changes,
    }


def test_a_read_only_token_reads_but_cannot_submit_a_report(world, scoped):
    from casework.models import FamilyReport

    client, token = scoped(["persons:read", "reports:read"])
    assert client.get("/api/v1/persons/").status_code == 200
    assert client.get(f"/api/v1/persons/{world.case_a.public_id}/").status_code == 200
    assert client.get("/api/v1/persons/changes/").status_code == 200
    assert client.get("/api/v1/reports/").status_code == 200
    response = _post_report(client)
    assert response.status_code == 403
    assert problem_of(response)["code"] == "permission_denied"
    assert not FamilyReport.objects.exists()
    [event] = AuditEvent.objects.filter(action=AuditAction.DENIED)
    assert _denial_of(event) == _scope_denial(
        world, token, "reports:write", "api-report-list", "POST"
    )


def test_a_token_without_the_persons_scope_gets_403_on_persons_and_the_feed(world, scoped):
    client, token = scoped(["reports:write"])
    assert _post_report(client).status_code == 201
    for path in [
        "/api/v1/persons/",
        f"/api/v1/persons/{world.case_a.public_id}/",
        "/api/v1/persons/changes/",
    ]:
        assert client.get(path).status_code == 403, path
    denials = AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("id")
    assert [_denial_of(e) for e in denials] == [
        _scope_denial(world, token, "persons:read", route, "GET")
        for route in ("api-person-list", "api-person-detail", "api-person-changes")
    ]


def test_a_missing_scope_answers_403_whether_or_not_the_record_exists(world, scoped):
    # The scope is checked before the record is looked up: no way to probe ids without it.
    client, _token = scoped(["reports:read"])
    shared = client.get(f"/api/v1/persons/{world.case_a.public_id}/")
    missing = client.get(f"/api/v1/persons/{uuid.uuid4()}/")
    assert shared.status_code == missing.status_code == 403
    assert shared.content == missing.content


def test_a_shared_persons_records_are_read_under_the_persons_scope(world, scoped):
    # Their placements, the places they are at and their flights: what the agreement shares of
    # the persons, so a token without `persons:read` reaches none of them.
    client, token = scoped(["reports:read", "reports:write"])
    assert client.get("/api/v1/locations/").status_code == 403
    [event] = AuditEvent.objects.filter(action=AuditAction.DENIED)
    assert _denial_of(event) == _scope_denial(
        world, token, "persons:read", "api-location-list", "GET"
    )
    for url in ("/api/v1/placements/", "/api/v1/flights/"):
        assert client.get(url).status_code == 403
    client, token = scoped(["persons:read"])
    for url in ("/api/v1/placements/", "/api/v1/locations/", "/api/v1/flights/"):
        assert client.get(url).status_code == 200


def test_an_unknown_scope_grants_nothing(world, scoped):
    client, _token = scoped(["admin"])
    assert client.get("/api/v1/persons/").status_code == 403
    assert _post_report(client).status_code == 403


def test_a_scope_never_widens_what_the_account_may_do(world, scoped):
    # Scopes only narrow: the partner role still may not write persons, whatever the token says.
    client, _token = scoped(["persons:read", "persons:write"])
    response = client.post(
        f"/api/v1/persons/{world.case_a.public_id}/status/",
        {"status": "located", "reason": "seen"},
        content_type="application/json",
    )
    assert response.status_code == 403
    world.case_a.refresh_from_db()
    assert world.case_a.status == "reported"


def test_a_token_issued_without_scopes_keeps_what_it_always_had(world, scoped):
    # What `issue_partner_token` issues (no scopes): the partner's role and agreements decide.
    client, _token = scoped([])
    assert client.get("/api/v1/persons/").status_code == 200
    assert client.get("/api/v1/persons/changes/").status_code == 200
    assert client.get("/api/v1/reports/").status_code == 200
    assert _post_report(client).status_code == 201
    # What the agreements share of the persons: nothing under the world's, which names none.
    assert client.get("/api/v1/locations/").json()["results"] == []
    assert client.get("/api/v1/flights/").json()["results"] == []
    assert not AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


def test_session_requests_carry_no_token_and_are_not_scoped(world, client):
    from tests.conftest import verified_client

    response = verified_client(world.caseworker).get("/api/v1/persons/")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.DENIED).exists()
