"""Sessions end on idle (30 min), at 12 h whatever happens, at logout, and everywhere at once when
the account is deactivated or its password changes."""

import time

import pytest
from django.conf import settings
from django.test import Client

from casework import middleware
from casework.audit import AuditAction
from casework.models import AuditEvent
from casework.permissions import Denied, Hidden
from casework.services.accounts import user_change_password, user_deactivate, user_end_sessions
from casework.services.errors import ServiceError
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "a brand new passphrase for the test"


def _shift_session(client, **offsets):
    session = client.session
    now = int(time.time())
    for key, seconds_ago in offsets.items():
        session[getattr(middleware, key)] = now - seconds_ago
    session.save()


def _is_logged_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_timeouts_are_thirty_minutes_idle_and_twelve_hours_absolute():
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_a_session_survives_twenty_nine_idle_minutes(world, login):
    client = login(world.caseworker)
    client.get("/")
    _shift_session(client, SESSION_SEEN=29 * 60)
    assert client.get("/").status_code == 200


def test_a_session_ends_after_thirty_idle_minutes(world, login):
    client = login(world.caseworker)
    client.get("/")
    _shift_session(client, SESSION_SEEN=30 * 60 + 1)
    response = client.get("/")
    assert _is_logged_out(response)
    assert "expired=1" in response["Location"]
    assert _is_logged_out(client.get("/"))
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_ENDED, actor=world.caseworker, reason="idle timeout"
    ).exists()


def test_the_idle_clock_moves_with_time_itself(world, login, monkeypatch):
    client = login(world.caseworker)
    client.get("/")
    real_time = time.time
    monkeypatch.setattr(middleware.time, "time", lambda: real_time() + 31 * 60)
    assert _is_logged_out(client.get("/"))


def test_an_active_user_is_not_logged_out_by_a_short_idle_period(
    world, login, monkeypatch, settings
):
    # With SESSION_IDLE_SECONDS=60, a request every 40 s is activity: it must keep the session.
    settings.SESSION_IDLE_SECONDS = 60
    client = login(world.caseworker)
    start = time.time()
    monkeypatch.setattr(middleware.time, "time", lambda: start)
    client.get("/")
    for step in range(1, 8):
        monkeypatch.setattr(middleware.time, "time", lambda s=step: start + s * 40)
        assert client.get("/").status_code == 200, step
    monkeypatch.setattr(middleware.time, "time", lambda: start + 7 * 40 + 61)
    assert _is_logged_out(client.get("/"))


def test_activity_does_not_stretch_a_session_past_twelve_hours(world, login, monkeypatch):
    client = login(world.caseworker)
    client.get("/")
    start = time.time()
    # A request every 20 minutes keeps it from idling out, until the twelfth hour.
    for step in range(1, 36):
        monkeypatch.setattr(middleware.time, "time", lambda s=step: start + s * 20 * 60)
        assert client.get("/").status_code == 200
    monkeypatch.setattr(middleware.time, "time", lambda: start + 12 * 3600 + 1)
    assert _is_logged_out(client.get("/"))


def test_a_session_ends_after_twelve_hours_even_when_busy(world, login):
    client = login(world.caseworker)
    client.get("/")
    _shift_session(client, SESSION_STARTED=12 * 3600 + 1, SESSION_SEEN=10)
    assert _is_logged_out(client.get("/"))
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_ENDED, reason="absolute timeout"
    ).exists()


def test_logout_ends_the_session(world, login):
    client = login(world.caseworker)
    old_key = client.cookies["sessionid"].value
    assert client.post("/account/logout/").status_code == 302
    assert _is_logged_out(client.get("/"))
    # The old session id does not come back to life either.
    replay = Client()
    replay.cookies["sessionid"] = old_key
    assert _is_logged_out(replay.get("/"))
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=world.caseworker).exists()


def test_deactivation_ends_every_session_at_once(world, login):
    office, laptop = login(world.caseworker), login(world.caseworker)
    office.get("/")
    laptop.get("/")
    user_deactivate(actor=world.admin, user=world.caseworker, reason="left the organisation")
    assert _is_logged_out(office.get("/"))
    assert _is_logged_out(laptop.get("/"))
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_ENDED, object_id=world.caseworker.public_id
    ).exists()


def test_only_an_administrator_of_the_organisation_deactivates(world):
    with pytest.raises(Denied):
        user_deactivate(actor=world.supervisor, user=world.caseworker)
    with pytest.raises(Hidden):
        user_deactivate(actor=world.south_supervisor, user=world.caseworker)
    world.caseworker.refresh_from_db()
    assert world.caseworker.is_active


def test_a_password_change_ends_every_session_and_token(world, login):
    other_device = login(world.caseworker)
    other_device.get("/")
    user_change_password(
        actor=world.caseworker,
        user=world.caseworker,
        old_password=TEST_PASSWORD,
        new_password=NEW_PASSWORD,
    )
    assert _is_logged_out(other_device.get("/"))
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_ENDED, reason="password changed"
    ).exists()


def test_a_password_change_needs_the_current_password_and_a_good_new_one(world):
    with pytest.raises(ServiceError) as wrong_old:
        user_change_password(
            actor=world.caseworker,
            user=world.caseworker,
            old_password="not it at all",
            new_password=NEW_PASSWORD,
        )
    assert "old_password" in wrong_old.value.message_dict
    with pytest.raises(ServiceError) as weak:
        user_change_password(
            actor=world.caseworker,
            user=world.caseworker,
            old_password=TEST_PASSWORD,
            new_password="short1",
        )
    assert "new_password" in weak.value.message_dict
    world.caseworker.refresh_from_db()
    assert world.caseworker.check_password(TEST_PASSWORD)


def test_the_password_page_keeps_this_session_and_ends_the_others(world, login):
    here, elsewhere = login(world.caseworker), login(world.caseworker)
    elsewhere.get("/")
    response = here.post(
        "/account/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert here.get("/").status_code == 200
    assert _is_logged_out(elsewhere.get("/"))
    world.caseworker.refresh_from_db()
    assert world.caseworker.check_password(NEW_PASSWORD)


def test_the_password_page_shows_why_a_password_is_refused(world, login):
    response = login(world.caseworker).post(
        "/account/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password": "password1234",
            "new_password_again": "password1234",
        },
    )
    assert response.status_code == 400
    assert "too common" in response.content.decode()


def test_log_out_everywhere_else_keeps_only_this_session(world, login):
    here, elsewhere = login(world.caseworker), login(world.caseworker)
    elsewhere.get("/")
    assert here.post("/account/sessions/end/").status_code == 200
    assert here.get("/").status_code == 200
    assert _is_logged_out(elsewhere.get("/"))


def test_ending_sessions_of_someone_else_needs_an_administrator(world):
    with pytest.raises(Denied):
        user_end_sessions(actor=world.other_team_caseworker, user=world.caseworker)
    before = world.caseworker.session_epoch
    user_end_sessions(actor=world.admin, user=world.caseworker)
    world.caseworker.refresh_from_db()
    assert world.caseworker.session_epoch == before + 1
