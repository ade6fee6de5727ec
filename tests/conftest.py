"""Named personas shared by the whole suite (the world: see tests/shared_world.py), and browser
sessions for them."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import shared_world
from tests.shared_world import World


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
