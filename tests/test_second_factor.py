"""The second factor: who must pass it, enrolment (secret, QR, recovery codes), verification."""

import base64
import re
import time

import pytest
from django.test import Client, RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from casework.api.authentication import VerifiedSessionAuthentication
from casework.audit import AuditAction
from casework.models import AuditEvent, Role
from casework.permissions import ROLES_NEEDING_SECOND_FACTOR
from tests.factories import TEST_PASSWORD, UserFactory

SETUP = "/account/2fa/setup/"
VERIFY = "/account/2fa/"


def _password_only(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _code(device: TOTPDevice, *, later_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + later_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def _confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


@pytest.mark.parametrize("role", sorted(ROLES_NEEDING_SECOND_FACTOR))
def test_every_staff_role_is_sent_to_the_second_factor_first(world, role):
    user = UserFactory(username=f"new-{role}", organisation=world.north, role=role)
    _confirmed_device(user)
    response = _password_only(user).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_a_superuser_must_pass_the_second_factor(world):
    root = UserFactory(username="root", organisation=None, is_superuser=True, is_staff=True)
    response = _password_only(root).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_the_api_refuses_a_session_without_the_second_factor(world):
    def api_request(verified: bool) -> Request:
        django_request = RequestFactory().get("/api/anything/")
        django_request.user = world.caseworker
        # As django_otp's middleware marks the user of each request.
        world.caseworker.is_verified = lambda: verified
        return Request(django_request)

    with pytest.raises(AuthenticationFailed):
        VerifiedSessionAuthentication().authenticate(api_request(verified=False))
    user, _ = VerifiedSessionAuthentication().authenticate(api_request(verified=True))
    assert user == world.caseworker


def test_admin_requires_a_verified_second_factor(world):
    root = UserFactory(username="root", organisation=None, is_superuser=True, is_staff=True)
    _confirmed_device(root)
    response = _password_only(root).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_admin_requires_it_even_of_a_staff_account_whose_role_would_not(world):
    partner_staff = UserFactory(
        username="partner-staff", organisation=world.partner_org, role=Role.PARTNER, is_staff=True
    )
    response = _password_only(partner_staff).get("/admin/casework/auditevent/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_admin_opens_after_the_second_factor(world, login):
    root = UserFactory(username="root", organisation=None, is_superuser=True, is_staff=True)
    assert login(root).get("/admin/").status_code == 200


def test_a_user_without_a_device_is_sent_to_enrolment(world):
    client = _password_only(world.caseworker)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)


def test_enrolment_shows_the_secret_and_an_inline_svg_qr_code(world):
    response = _password_only(world.caseworker).get(SETUP)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=world.caseworker, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    html = response.content.decode()
    assert secret in html
    assert 'src="data:image/svg+xml' in html
    # The CSP forbids inline scripts and styles: the page has none.
    assert "<script" not in html and "<style" not in html and "style=" not in html
    assert "data:" in response["Content-Security-Policy"]


def test_reloading_enrolment_keeps_the_same_secret(world):
    client = _password_only(world.caseworker)
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=world.caseworker).count() == 1


def test_enrolment_confirms_with_a_code_and_shows_ten_recovery_codes_once(world):
    client = _password_only(world.caseworker)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.caseworker)
    response = client.post(SETUP, {"token": _code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    stored = set(
        StaticToken.objects.filter(device__user=world.caseworker).values_list("token", flat=True)
    )
    assert stored == set(codes)
    # The session passed the factor: the home page opens.
    assert client.get("/").status_code == 200
    # The codes are never shown again: enrolment now offers a new secret, not the codes.
    again = client.get(SETUP).content.decode()
    assert not any(code in again for code in codes)


def test_enrolment_refuses_a_wrong_code(world):
    client = _password_only(world.caseworker)
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000x"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=world.caseworker, confirmed=True).exists()
    assert client.get("/").status_code == 302


def test_a_password_alone_cannot_enrol_a_new_device_over_a_confirmed_one(world):
    _confirmed_device(world.caseworker)
    response = _password_only(world.caseworker).get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=world.caseworker).count() == 1


def test_it_verifies_with_a_code_from_the_app(world):
    device = _confirmed_device(world.caseworker)
    client = _password_only(world.caseworker)
    response = client.post(f"{VERIFY}?next=/", {"token": _code(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR).get()
    assert event.changes["result"] == "verified"


def test_it_refuses_a_wrong_code_and_audits_the_failure(world):
    _confirmed_device(world.caseworker)
    client = _password_only(world.caseworker)
    response = client.post(VERIFY, {"token": "123456"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR).get()
    assert event.changes == {"result": "failed"}
    assert "123456" not in str(event.changes)


def test_a_recovery_code_works_once(world):
    _confirmed_device(world.caseworker)
    static = StaticDevice.objects.create(user=world.caseworker, name="recovery codes")
    static.token_set.create(token="abcd2345")
    first = _password_only(world.caseworker)
    assert first.post(VERIFY, {"token": "abcd2345"}).status_code == 302
    assert first.get("/").status_code == 200
    second = _password_only(world.caseworker)
    assert second.post(VERIFY, {"token": "abcd2345"}).status_code == 400
    assert second.get("/").status_code == 302


def test_verification_gives_a_new_session_id(world):
    device = _confirmed_device(world.caseworker)
    client = _password_only(world.caseworker)
    before = client.cookies["sessionid"].value
    client.post(VERIFY, {"token": _code(device)})
    assert client.cookies["sessionid"].value != before


def test_it_never_redirects_off_site_after_verifying(world):
    device = _confirmed_device(world.caseworker)
    client = _password_only(world.caseworker)
    response = client.post(f"{VERIFY}?next=https://evil.example/", {"token": _code(device)})
    assert response["Location"] == "/"


def test_recovery_codes_can_be_renewed_only_from_a_verified_session(world, login):
    _confirmed_device(world.caseworker)
    unverified = _password_only(world.caseworker).post("/account/recovery-codes/")
    assert unverified.status_code == 302
    assert not StaticDevice.objects.filter(user=world.caseworker).exists()
    client = login(world.caseworker)
    current = TOTPDevice.objects.get(user=world.caseworker, name="test")
    response = client.post(
        "/account/recovery-codes/", {"password": TEST_PASSWORD, "current_token": _code(current)}
    )
    assert response.status_code == 200
    assert StaticToken.objects.filter(device__user=world.caseworker).count() == 10


# A refusal is written outside any transaction (it must outlive the refused work), so the test
# runs outside the test case's own transaction, as the request does in production.
@pytest.mark.django_db(transaction=True)
def test_a_stolen_session_alone_cannot_make_new_recovery_codes(world, login):
    client = login(world.caseworker)
    current = TOTPDevice.objects.get(user=world.caseworker, name="test")
    page = client.get("/account/recovery-codes/").content.decode()
    assert 'name="password"' in page and 'name="current_token"' in page
    for given, refused in (
        ({}, "Your password was entered wrongly."),
        ({"password": "a guess at the password"}, "Your password was entered wrongly."),
        # The password alone (phished, or typed where the thief could see) is not enough either.
        ({"password": TEST_PASSWORD}, "That is not a current code of your second factor."),
        ({"password": TEST_PASSWORD, "current_token": "123456"}, "not a current code"),
    ):
        response = client.post("/account/recovery-codes/", given)
        assert response.status_code == 400
        assert refused in response.content.decode()
    assert not StaticToken.objects.filter(device__user=world.caseworker).exists()
    refusals = AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR, changes__has_key="recovery_codes"
    )
    assert refusals.count() == 4
    assert all(e.changes["recovery_codes"].startswith("refused") for e in refusals)
    assert _code(current) not in str(list(refusals.values_list("changes", flat=True)))


def test_a_stolen_session_alone_cannot_replace_the_second_factor(world, login):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = login(world.caseworker)  # verified, with a confirmed authenticator
    page = client.get(SETUP)
    assert 'name="password"' in page.content.decode()
    device = TOTPDevice.objects.get(user=world.caseworker, confirmed=False)
    refused = client.post(SETUP, {"token": _code(device)})
    assert refused.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert TOTPDevice.objects.filter(user=world.caseworker, confirmed=True, name="test").exists()
    page = client.get(SETUP).content.decode()
    assert 'name="current_token"' in page
    password_only = client.post(SETUP, {"token": _code(device), "password": TEST_PASSWORD})
    assert password_only.status_code == 400
    assert "not a current code of your second factor" in password_only.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    current = TOTPDevice.objects.get(user=world.caseworker, name="test")
    done = client.post(
        SETUP,
        {"token": _code(device), "password": TEST_PASSWORD, "current_token": _code(current)},
    )
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert not TOTPDevice.objects.filter(user=world.caseworker, name="test").exists()
