"""Every surface × every persona (see tests/matrix/__init__.py), and no URL left out."""

import datetime as dt
import importlib
import pkgutil

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

import tests.matrix as matrix_package
from casework.api.authentication import hash_token_secret, new_token_parts
from casework.models import PartnerToken
from tests.conftest import verified_client
from tests.matrix import LOGIN, PERSONAS

# URL names deliberately outside the matrix, each with its reason.
UNLISTED = {
    "set_language": "Django's language switch: sets a cookie, reads nothing.",
}
# Whole namespaces covered by their own tests.
UNLISTED_NAMESPACES = {
    "admin": "Django admin: superusers behind the second factor (tests/test_second_factor.py).",
}


def _all_surfaces():
    surfaces = []
    for module_info in pkgutil.iter_modules(matrix_package.__path__):
        if module_info.name.startswith("surfaces_"):
            module = importlib.import_module(f"tests.matrix.{module_info.name}")
            surfaces.extend(module.SURFACES)
    return surfaces


SURFACES = _all_surfaces()


def _pattern_names(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            yield from _pattern_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (namespace, entry.name)


def test_every_url_pattern_is_in_the_matrix():
    covered = set()
    for surface in SURFACES:
        covered.add(surface.name)
        covered.update(surface.also_covers)
    missing = sorted(
        name
        for namespace, name in _pattern_names(get_resolver().url_patterns)
        if namespace not in UNLISTED_NAMESPACES
        and name not in UNLISTED
        and (f"{namespace}:{name}" if namespace else name) not in covered
    )
    assert not missing, f"URL patterns with no line in tests/matrix: {missing}"


def test_every_url_pattern_has_a_name():
    unnamed = [
        str(entry.pattern)
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLPattern) and not entry.name
    ]
    assert not unnamed


def _client_for(world, persona, surface):
    user = world.personas()[persona]
    if user is None:
        return Client()
    if user.role == "partner":
        prefix, secret = new_token_parts()
        PartnerToken.objects.create(
            user=user,
            name="matrix",
            prefix=prefix,
            key_hash=hash_token_secret(secret),
            expires_at=timezone.now() + dt.timedelta(days=1),
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {prefix}.{secret}")
    return verified_client(user)


def _run(surface, world, persona):
    client = _client_for(world, persona, surface)
    path = surface.path(world)
    kwargs = {}
    if surface.data is not None:
        data = surface.data(world)
        if surface.json:
            kwargs = {"data": data, "content_type": "application/json"}
        else:
            kwargs = {"data": data}
    return getattr(client, surface.method.lower())(path, **kwargs)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: f"{s.method} {s.name}")
def test_surface(surface, persona, world):
    response = _run(surface, world, persona)
    expected = surface.expect[persona]
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/account/login/")
    else:
        assert response.status_code == expected, (
            f"{persona} on {surface.method} {surface.name}: got {response.status_code}, "
            f"expected {expected}"
        )
    if surface.check is not None and response.status_code < 300:
        surface.check(world, persona, response)
