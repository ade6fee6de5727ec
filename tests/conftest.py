"""Named personas shared by the whole suite (the world: see tests/shared_world.py), and browser
sessions for them."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.models import PersonStatus
from casework.services.names import person_add_name
from casework.services.notes import note_add
from casework.services.persons import person_change_status, person_update
from casework.services.placements import placement_record
from casework.services.relationships import relationship_link
from tests import shared_world
from tests.factories import LocationFactory, PersonFactory
from tests.shared_world import World


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page requested in Russian leaves Russian
    active in the test's thread (Django activates a request's language and leaves it so), and
    messages made outside a request (a list's file errors) speak the active language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_refused_tokens_carried_over():
    # Refused tokens are counted by client address in the cache (casework.api.throttling), which
    # outlives each test: one test's refusals must not throttle the next one's test client.
    from django.core.cache import cache

    from casework.api.throttling import RefusedTokenThrottle

    key = RefusedTokenThrottle.cache_format % {"scope": "refused_token", "ident": "127.0.0.1"}
    cache.delete(key)
    yield


@pytest.fixture
def world(db) -> World:
    """The personas' world: the committed one for a rolled-back test (fresh instances each time),
    else built here, in the test's own transaction or, on a transactional database, committed
    until the flush at the test's end."""
    return shared_world.world_for_test()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, which the shared world may use while it exists."""
    shared_world.database_ready(django_db_blocker)
    yield
    shared_world.database_closing()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture: the committed world is built or removed outside the test's transaction.
    shared_world.prepare_database_for(item)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    # After pytest-django's ordering (rolled-back tests, then transactional, then the rest) and the
    # browser tests' (last).
    result = yield
    shared_world.group_world_tests(items)
    return result


def verified_client(user, *, enforce_csrf_checks: bool = False) -> Client:
    """A browser session for `user` that has passed the second factor."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login():
    """`login(user)` → a verified browser client; `login(None)` → an anonymous one."""

    def _login(user, **kwargs):
        return Client(**kwargs) if user is None else verified_client(user, **kwargs)

    return _login


# --- Pages in Russian, and a case with every label a person's page can show ---------------


@pytest.fixture
def staff(world):
    """The personas with user names that read as no English label: "caseworker" and
    "supervisor" are also the labels of those roles, and the header names the user."""
    for user, name in ((world.caseworker, "k.umarova"), (world.supervisor, "s.dudaeva")):
        user.username = name
        user.save(update_fields=["username"])
    return world


@pytest.fixture
def russian(login):
    def _russian(user):
        client = login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
        return client

    return _russian


@pytest.fixture
def rich_case(staff):
    """Case A with names in every script and of every kind, relatives both ways, a placement
    and a sighting, a note, an edit and a status change: every label the person page can show."""
    case, actor = staff.case_a, staff.caseworker
    person_add_name(
        actor=actor, person=case, family_name="Алиева", given_name="Мадина", kind="legal"
    )
    person_add_name(actor=actor, person=case, full_text="أم بلال", kind="kunya")
    person_add_name(actor=actor, person=case, full_text="Madina Aliyeva", kind="translit")
    person_add_name(actor=actor, person=case, full_text="Dina", kind="nickname", script="other")
    mother = PersonFactory(organisation=staff.north, team=staff.team_a, display_name="Alieva Zulay")
    child = PersonFactory(
        organisation=staff.north, team=staff.team_a, display_name="Aliev Bilal", sex="M"
    )
    relationship_link(actor=actor, person=case, relative=mother, kind="mother")
    relationship_link(
        actor=actor, person=child, relative=case, kind="mother", confidence="confirmed"
    )
    placement_record(
        actor=actor,
        person=case,
        start_date=dt.date(2019, 5, 1),
        start_precision="month",
        source="voice_message",
        reliability="probable",
        location=LocationFactory(kind="detention_centre"),
    )
    placement_record(
        actor=actor,
        person=case,
        start_date=dt.date(2021, 1, 1),
        start_precision="year",
        source="authority_list",
        reliability="doubtful",
        place_text="Roj",
        is_sighting=True,
    )
    note_add(actor=actor, person=case, text="Голосовое сообщение от сестры.")
    case.refresh_from_db()
    person_update(
        actor=actor,
        person=case,
        expected_version=case.version,
        birth_precision="year",
        birth_date=dt.date(1994, 1, 1),
        documents_held="armed_group",
    )
    person_change_status(
        actor=actor, person=case, to=PersonStatus.VERIFYING, reason="Сестра прислала фото."
    )
    person_change_status(
        actor=actor, person=case, to=PersonStatus.LOCATED, reason="Подтверждено списком."
    )
    case.refresh_from_db()
    return case
