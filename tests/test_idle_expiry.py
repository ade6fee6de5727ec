"""The idle timeout without losing work (issue 9, WCAG 2.2 "timing adjustable"): a warning with
"stay signed in" before the timeout, and after an expiry the text that was being sent kept on the
server (never in the browser's storage: computers are shared) and offered back after login, on the
page it was typed in."""

import time

from casework import middleware
from casework.services.form_tokens import new_form_token
from tests.conftest import verified_client

NOTE = "Spoke to the aunt in Grozny; she will send the birth certificate."


def _idle(client, seconds=30 * 60 + 1):
    session = client.session
    session[middleware.SESSION_SEEN] = int(time.time()) - seconds
    session.save()


def _expired_post(world):
    client = verified_client(world.caseworker)
    client.get("/")
    _idle(client)
    url = f"/persons/{world.case_a.public_id}/notes/new/"
    data = {"text": NOTE, "form_token": new_form_token(), "password": "never kept"}
    response = client.post(url, data)
    return client, url, response


def test_an_expired_post_goes_to_login_and_back_to_the_form(world):
    _client, url, response = _expired_post(world)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert (
        "expired=1" in response["Location"]
        and f"next={url}".replace("/", "%2F") in (response["Location"])
    )


def test_the_text_is_kept_on_the_server_and_offered_back_once_after_login(world):
    client, url, response = _expired_post(world)
    assert NOTE not in response.content.decode()
    assert all(NOTE not in morsel.value for morsel in response.cookies.values())
    back = verified_client(world.caseworker)  # logged in again
    page = back.get(url).content.decode()
    assert NOTE in page
    assert "never kept" not in page
    assert NOTE not in back.get(url).content.decode()  # offered once


def test_the_kept_text_is_offered_to_no_one_else(world):
    _client, url, _response = _expired_post(world)
    other = verified_client(world.supervisor)
    assert NOTE not in other.get(url).content.decode()
    assert NOTE in verified_client(world.caseworker).get(url).content.decode()


def test_the_page_warns_before_the_timeout_and_offers_to_stay(world, login, settings):
    page = login(world.caseworker).get("/").content.decode()
    assert f'data-idle-seconds="{settings.SESSION_IDLE_SECONDS}"' in page
    assert 'id="idle-warning"' in page and "Stay signed in" in page
    assert '<script src="/static/casework/app.js" defer></script>' in page


def test_stay_signed_in_moves_the_idle_clock(world, login):
    client = login(world.caseworker)
    client.get("/")
    _idle(client, seconds=29 * 60)
    assert client.post("/account/keepalive/").status_code == 204
    _idle_after = client.session[middleware.SESSION_SEEN]
    assert int(time.time()) - _idle_after < 5
    _idle(client, seconds=0)
    assert client.get("/").status_code == 200


def test_stay_signed_in_needs_a_signed_in_session(world, login):
    response = login(None).post("/account/keepalive/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
