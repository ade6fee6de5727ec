"""Who may do what is decided in `casework.permissions` alone: no view, serializer, form,
filterset or other module of the web layer names a user's role (a manifest role is no user role)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "casework"
WEB_LAYER = [
    *sorted((ROOT / "views").glob("*.py")),
    *sorted((ROOT / "api").glob("*.py")),
    *sorted((ROOT / "forms").glob("*.py")),
    *sorted((ROOT / "templatetags").glob("*.py")),
    ROOT / "filtersets.py",
    ROOT / "context_processors.py",
    ROOT / "exports.py",
    ROOT / "presenters.py",
]
NAMES_A_ROLE = re.compile(
    r"(?<![A-Za-z])Role\b(?!s)"  # the Role enum (not ManifestRole)
    r"|\brole_of\b"
    r"|\b(?:user|actor)\.role\b"
    r"|\bSTAFF_ROLES\b"
    r"|\brole__"
)


@pytest.mark.parametrize("module", WEB_LAYER, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_no_web_module_names_a_role(module):
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
