"""Hostile and careless requests (SECURITY.md): each gets a clear JSON error, never a 500."""

import base64
import datetime as dt
import json
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from casework.api.parsers import MAX_BODY_BYTES
from casework.models import Person
from tests.api.conftest import issue_token, problem_of
from tests.conftest import verified_client
from tests.factories import TEST_PASSWORD

URL = "/api/v1/persons/"


def _assert_error_shape(response, status):
    assert response.status_code == status
    body = problem_of(response)
    assert set(body) - {"errors"} == {"type", "title", "status", "detail", "code"}
    return body


# --- Settings: DRF's unsafe defaults are overridden --------------------------------------------


def test_the_api_settings_deny_by_default():
    api = settings.REST_FRAMEWORK
    assert api["DEFAULT_PERMISSION_CLASSES"] == ["rest_framework.permissions.IsAuthenticated"]
    assert not any("Basic" in cls for cls in api["DEFAULT_AUTHENTICATION_CLASSES"])
    assert api["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]
    assert api["DEFAULT_PARSER_CLASSES"] == ["casework.api.parsers.SafeJSONParser"]
    assert api["DEFAULT_PAGINATION_CLASS"]
    assert api["DEFAULT_THROTTLE_CLASSES"]


# --- Authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [URL, "/api/v1/persons/changes/", "/api/v1/reports/", "/api/v1/schema/"]
)
def test_anonymous_gets_401_with_a_json_error(db, path):
    response = Client().get(path)
    error = _assert_error_shape(response, 401)
    assert error["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_basic_auth_is_refused_even_with_the_right_password(world):
    credentials = base64.b64encode(f"caseworker:{TEST_PASSWORD}".encode()).decode()
    response = Client(HTTP_AUTHORIZATION=f"Basic {credentials}").get(URL)
    _assert_error_shape(response, 401)


def test_a_token_in_the_query_string_is_refused(world):
    _token, value = issue_token(world.partner)
    for name in ("token", "access_token", "api_key"):
        response = Client().get(f"{URL}?{name}={quote(value)}")
        _assert_error_shape(response, 401)
    # Even alongside a good header: a token in a URL leaks into logs, so it is never accepted.
    response = Client(HTTP_AUTHORIZATION=f"Bearer {value}").get(f"{URL}?token={quote(value)}")
    _assert_error_shape(response, 401)


def test_an_expired_token_is_refused(world):
    _token, value = issue_token(world.partner, expires_in=dt.timedelta(seconds=-1))
    _assert_error_shape(Client(HTTP_AUTHORIZATION=f"Bearer {value}").get(URL), 401)


def test_a_revoked_token_is_refused(world):
    token, value = issue_token(world.partner)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    assert client.get(URL).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    _assert_error_shape(client.get(URL), 401)


def test_a_wrong_or_malformed_token_is_refused(world):
    token, value = issue_token(world.partner)
    for header in (f"Bearer {token.prefix}.wrong", "Bearer nodot", "Bearer .", f"Bearer {value}x"):
        _assert_error_shape(Client(HTTP_AUTHORIZATION=header).get(URL), 401)


def test_a_session_without_the_second_factor_is_refused(world):
    client = Client()
    client.force_login(world.caseworker)
    _assert_error_shape(client.get(URL), 401)


# --- Rendering: JSON only -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept", ["text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "application/xml"]
)
def test_a_browser_asking_for_html_gets_json(world, accept):
    response = verified_client(world.caseworker).get(URL, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "results" in response.json()


def test_the_browsable_api_format_is_not_served(world):
    response = verified_client(world.caseworker).get(f"{URL}?format=api")
    assert response["Content-Type"] == "application/json"
    assert b"<html" not in response.content.lower()


# --- Hostile bodies -----------------------------------------------------------------------------


def _post(client, body: bytes | str, content_type="application/json"):
    return client.post(URL, body, content_type=content_type)


def test_deeply_nested_json_is_a_400(world):
    body = "[" * 5000 + "]" * 5000
    error = _assert_error_shape(_post(verified_client(world.caseworker), body), 400)
    assert error["code"] == "parse_error"
    deep_object = '{"a":' * 5000 + "1" + "}" * 5000
    _assert_error_shape(_post(verified_client(world.caseworker), deep_object), 400)


def test_duplicate_json_keys_are_a_400(world):
    body = '{"names": [{"family_name": "Testova"}], "sex": "F", "sex": "M"}'
    error = _assert_error_shape(_post(verified_client(world.caseworker), body), 400)
    assert "Duplicate key" in error["detail"]
    assert not Person.objects.filter(display_name="Testova").exists()


def test_a_ten_thousand_digit_integer_is_a_400(world):
    body = '{"names": [{"family_name": "Testova"}], "age_stated": ' + "9" * 10_000 + "}"
    _assert_error_shape(_post(verified_client(world.caseworker), body), 400)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_a_400(world, constant):
    body = '{"names": [{"family_name": "Testova"}], "age_stated": ' + constant + "}"
    _assert_error_shape(_post(verified_client(world.caseworker), body), 400)


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
def test_a_wrong_content_type_is_a_415(world, content_type):
    response = _post(verified_client(world.caseworker), "names=Testova", content_type)
    _assert_error_shape(response, 415)


def test_a_body_that_is_not_utf8_is_a_400(world):
    _assert_error_shape(_post(verified_client(world.caseworker), b'{"a": "\xff\xfe"}'), 400)


def test_a_ten_megabyte_body_is_refused_without_a_500(world):
    filler = "x" * (10 * 1024 * 1024)
    body = '{"names": [{"family_name": "' + filler + '"}]}'
    response = _post(verified_client(world.caseworker), body)
    assert response.status_code in (400, 413)
    _assert_error_shape(response, response.status_code)
    assert not Person.objects.filter(display_name__startswith="xxx").exists()


def test_a_body_just_over_the_limit_is_a_413(world):
    body = '{"a": "' + "x" * MAX_BODY_BYTES + '"}'
    _assert_error_shape(_post(verified_client(world.caseworker), body), 413)


def test_a_body_that_is_not_an_object_is_a_400(world):
    for body in ("[]", '"text"', "42", "null"):
        _assert_error_shape(_post(verified_client(world.caseworker), body), 400)


@pytest.mark.parametrize(
    "text",
    [
        "Testova\x00Amina",
        "<script>alert(1)</script>",
        '"><svg onload=alert(1)>',
        "{{7*7}}",
        '=HYPERLINK("http://x")',
        "Тестова\u202eanimA",
        "x" * 100_000,
    ],
)
def test_hostile_text_is_refused_or_stored_as_text(world, text):
    response = _post(
        verified_client(world.caseworker),
        json.dumps({"names": [{"family_name": text}]}),
    )
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        # Stored as text, through the one cleaner: markup stays as typed, a right-to-left
        # override (which would reverse what is displayed after it) is removed.
        from casework.text import clean_line

        stored = Person.objects.get(public_id=response.json()["id"]).names.get()
        assert stored.family_name == clean_line(text)
        assert "\u202e" not in stored.family_name
    else:
        _assert_error_shape(response, 400)


def test_a_lone_surrogate_is_a_400(world):
    response = _post(verified_client(world.caseworker), '{"names": [{"family_name": "\\ud800"}]}')
    _assert_error_shape(response, 400)


# --- Cursors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        base64.b64encode(b"o=0&r=0&p=not-a-date").decode(),
        base64.b64encode(b"p=" + b"9" * 5000).decode(),
        base64.b64encode(b"o=-5&p=2026-13-45T99:99").decode(),
        # An offset: lists page by position only, so no cursor carries one.
        base64.b64encode(b"o=99999999999999999999&p=2026-01-01").decode(),
        "%00",
    ],
)
def test_a_tampered_list_cursor_is_a_400_never_a_500(world, cursor):
    # The same answer as the change feed's to a cursor it did not hand out.
    response = verified_client(world.supervisor).get(f"{URL}?cursor={quote(cursor)}")
    error = _assert_error_shape(response, 400)
    assert error["code"] == "invalid_cursor"


# --- CSRF ---------------------------------------------------------------------------------------


def test_a_session_write_needs_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    session_client = verified_client(world.caseworker, enforce_csrf_checks=True)
    client.cookies = session_client.cookies
    body = {"names": [{"family_name": "Testova", "given_name": "Raisa"}]}
    refused = client.post(URL, body, format="json")
    error = _assert_error_shape(refused, 403)
    assert "CSRF" in error["detail"]
    assert not Person.objects.filter(display_name="Testova Raisa").exists()

    # With the token from the cookie the same write goes through.
    client.get(URL)
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    accepted = client.post(URL, body, format="json", HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret))
    assert accepted.status_code == 201, accepted.content


def test_a_token_write_needs_no_csrf_token(world):
    _token, value = issue_token(world.partner)
    client = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {value}")
    body = {
        "entries": [{"family_name": "Testova", "given_name": "Aminat"}],
        "consents": [{"purpose": "process", "given": True}],
    }
    assert client.post("/api/v1/reports/", body, format="json").status_code == 201


# --- Throttling ---------------------------------------------------------------------------------


def test_the_api_is_throttled(world, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    client = verified_client(world.caseworker)
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute"}
    try:
        codes = [client.get(URL).status_code for _ in range(5)]
        refused = client.get(URL)
    finally:
        UserRateThrottle.THROTTLE_RATES = original
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    assert _assert_error_shape(refused, 429)["code"] == "throttled"
    assert refused["Retry-After"].isdigit()


# --- Unknown paths and methods ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/", "/api/v1/nope/", "/api/v2/persons/", "/api/v1/persons"])
def test_an_unknown_api_path_is_a_json_404(db, path):
    _assert_error_shape(Client().get(path), 404)


def test_options_does_not_describe_the_api(world):
    response = verified_client(world.caseworker).options(URL)
    _assert_error_shape(response, 405)
