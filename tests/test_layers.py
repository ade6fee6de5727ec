"""Who may do what is decided in `casework.permissions` alone: no view, serializer, form,
filterset, service or any other module outside the policy names a user's role (a manifest role is
no user role); no module imports another's private name; every model with case data has its read
gate."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "casework"
# Where a role may be named: the policy itself, the models that define the roles, the demo that
# creates users with them, and the migrations.
MAY_NAME_ROLES = ("permissions", "models", "demo", "migrations")
OUTSIDE_THE_POLICY = sorted(
    path for path in ROOT.rglob("*.py") if path.relative_to(ROOT).parts[0] not in MAY_NAME_ROLES
)
NAMES_A_ROLE = re.compile(
    r"(?<![A-Za-z])Role\b(?!s)"  # the Role enum (not ManifestRole)
    r"|\brole_of\b"
    r"|\b(?:user|actor)\.role\b"
    r"|\bSTAFF_ROLES\b"
    r"|\brole__"
)


@pytest.mark.parametrize(
    "module", OUTSIDE_THE_POLICY, ids=lambda p: str(p.relative_to(ROOT.parent))
)
def test_no_module_outside_the_policy_names_a_role(module):
    found = [
        f"{module.name}:{number}: {line.strip()}"
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), start=1)
        if NAMES_A_ROLE.search(line)
    ]
    assert not found, "ask casework.permissions instead:\n" + "\n".join(found)


def test_the_check_finds_a_role_where_there_is_one():
    for line in (
        "if user.role == Role.PARTNER:",
        "role_of(request.user)",
        "if request.user.role != 'dpo':",
        "User.objects.filter(role__in=[...])",
        "from casework.permissions import STAFF_ROLES",
    ):
        assert NAMES_A_ROLE.search(line), line
    for line in ("if entry.role == ManifestRole.PASSENGER:", "role='button'"):
        assert not NAMES_A_ROLE.search(line), line


def _casework_modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _private_imports(module: str, source: str) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("casework"):
            found += [
                f"line {node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and node.module != module
            ]
    return found


def test_no_module_imports_a_private_name_of_another():
    found = [
        f"{path.relative_to(ROOT.parent)} {offence}"
        for module, path in _casework_modules()
        for offence in _private_imports(module, path.read_text(encoding="utf-8"))
    ]
    assert not found, "make it public, or keep it where it is used:\n" + "\n".join(found)


def test_the_private_name_check_finds_one():
    assert _private_imports("casework.api.sync", "from casework.permissions import _grants")
    assert not _private_imports("casework.x", "from casework.permissions import may")
    assert not _private_imports("casework.x", "from casework.x import _own")


# Models that hold no case data, each with why it has no read gate.
UNGATED = {
    "Organisation": "the tenants themselves",
    "Team": "reference data of an organisation",
    "User": "accounts; who may manage them is an action of the policy",
    "Membership": "team membership, read with the user",
    "PartnerToken": "a partner account's own credentials, read by their owner",
    "IdempotencyRecord": "bookkeeping of retried requests, keyed by the caller",
    "AgreementFeedState": "bookkeeping of the change feed: whether it told an agreement in force",
    "NameKey": "the matcher's blocking keys: never shown, read only through a gated person",
    "AuditEventSubject": "read only through its event's gate (`AuditEvent.objects.about`)",
}


def test_every_model_with_case_data_has_a_read_gate():
    from django.apps import apps

    from casework.models.base import registered_read_gates

    gated = {label.rpartition(".")[2] for label, gate in registered_read_gates()}
    models = {m.__name__ for m in apps.get_app_config("casework").get_models()}
    assert models - gated == set(UNGATED), "give the model a gate in casework.permissions.records"
    for model in apps.get_app_config("casework").get_models():
        if model.__name__ not in UNGATED:
            assert hasattr(model.objects, "visible_to"), model.__name__


def test_a_gated_model_refuses_to_answer_without_its_gate():
    from django.core.exceptions import ImproperlyConfigured

    from casework.models import Team

    with pytest.raises(ImproperlyConfigured):
        Team.objects.visible_to(None)
