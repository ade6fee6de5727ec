"""Login: argon2 hashing, password rules, throttling per username and address, session id, audit."""

import importlib

import pytest
from django.contrib.auth.hashers import get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from casework.audit import AuditAction
from casework.models import AuditEvent
from tests.factories import TEST_PASSWORD

LOGIN = "/account/login/"
WRONG = "not the password at all, 1"


def _post_login(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_production_settings_hash_with_argon2_first():
    production = importlib.import_module("casework.settings")
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert not any("MD5" in h or "SHA1" in h for h in production.PASSWORD_HASHERS)


def test_argon2_hashes_work_here():
    encoded = make_password("a long enough passphrase", hasher="argon2")
    assert encoded.startswith("argon2$")
    assert get_hasher("argon2").verify("a long enough passphrase", encoded)


def test_it_refuses_a_password_of_eleven_characters():
    with pytest.raises(ValidationError) as caught:
        validate_password("xq7#Lm2!pRz")
    assert any("at least 12" in m for m in caught.value.messages)


def test_it_refuses_a_common_password_even_when_long_enough():
    with pytest.raises(ValidationError) as caught:
        validate_password("password1234")
    assert any("too common" in m for m in caught.value.messages)


def test_it_accepts_a_long_uncommon_passphrase():
    validate_password("violet kettle under a quiet bridge")


def test_a_login_gives_a_new_session_id(world):
    client = Client()
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    client.cookies["sessionid"] = "presetsessionidfixation0000000000"
    response = _post_login(client, "caseworker", TEST_PASSWORD)
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != "presetsessionidfixation0000000000"
    assert before is None or after != before.value


def test_it_locks_a_username_after_five_failures_from_one_address(world):
    client = Client()
    for _ in range(4):
        assert _post_login(client, "caseworker", WRONG).status_code == 200
    # The fifth failure is the one that locks.
    assert _post_login(client, "caseworker", WRONG).status_code == 429
    locked = _post_login(client, "caseworker", TEST_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_spares_other_users_behind_the_same_address(world):
    client = Client()
    for _ in range(5):
        _post_login(client, "caseworker", WRONG)
    colleague = _post_login(Client(), "other_team_caseworker", TEST_PASSWORD)
    assert colleague.status_code == 302


def test_the_lock_spares_the_same_user_from_another_address(world):
    for _ in range(5):
        _post_login(Client(), "caseworker", WRONG, ip="10.0.0.1")
    elsewhere = _post_login(Client(), "caseworker", TEST_PASSWORD, ip="10.9.9.9")
    assert elsewhere.status_code == 302


# A failed login is written outside any transaction (it must outlive the request's work), so the
# test runs outside the test case's own transaction too, as the request does in production.
@pytest.mark.django_db(transaction=True)
def test_a_failed_login_is_audited_without_the_username_or_password(world):
    _post_login(Client(), "caseworker", "my-secret-typo-Zq9")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    stored = f"{event.actor_label} {event.changes} {event.fields} {event.reason}"
    assert "caseworker" not in stored
    assert "my-secret-typo-Zq9" not in stored
    assert event.actor is None
    assert event.ip == "10.0.0.1"


def test_a_successful_login_is_audited(world):
    _post_login(Client(), "caseworker", TEST_PASSWORD)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.actor == world.caseworker
    assert event.organisation == world.north


def test_a_deactivated_account_cannot_log_in(world):
    world.caseworker.is_active = False
    world.caseworker.save()
    response = _post_login(Client(), "caseworker", TEST_PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_partner_account_cannot_sign_in_with_a_password(world):
    from django.test import Client

    world.partner.set_password("partner-password-long-1")
    world.partner.save()
    client = Client()
    response = client.post(
        "/account/login/", {"username": "partner", "password": "partner-password-long-1"}
    )
    assert response.status_code == 200
    assert "uses its API token" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_refuses_a_partner_session(world):
    from django.test import Client

    client = Client()
    client.force_login(world.partner)
    assert client.get("/api/v1/persons/").status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_the_dpo_sees_failed_logins_and_lockouts_on_their_staffs_accounts(world):
    from tests.conftest import verified_client

    for _ in range(6):
        _post_login(Client(), "dpo", WRONG, ip="198.51.100.40")
    _post_login(Client(), "nobody-at-all", WRONG)
    events = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    on_dpo = events.filter(object_id=world.dpo.public_id)
    assert on_dpo.filter(organisation=world.north).count() >= 5
    assert all(e.ip == "198.51.100.40" for e in on_dpo)
    # The lockout is an action of its own, so the officer can ask for lockouts alone.
    lockout = AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).first()
    assert lockout is not None
    assert (lockout.object_id, lockout.organisation_id) == (world.dpo.public_id, world.north.pk)
    assert lockout.ip == "198.51.100.40" and lockout.actor is None
    assert "dpo" not in f"{lockout.actor_label} {lockout.changes} {lockout.reason}"
    # A name that is no account stays out of every organisation's trail, kept as a length only.
    stray = events.exclude(object_id=world.dpo.public_id).get()
    assert stray.organisation_id is None and "nobody" not in str(stray.changes)
    page = verified_client(world.dpo).get("/audit/", {"action": "login_failed"})
    assert page.status_code == 200
    assert len(page.context["page"].object_list) >= 5
    lockouts = verified_client(world.dpo).get("/audit/", {"action": "locked_out"})
    assert lockouts.status_code == 200
    assert {e.action for e in lockouts.context["page"].object_list} == {"locked_out"}
