"""Every runtime dependency's licence lets casework be distributed under AGPL-3.0-or-later."""

import re
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements" / "prod.lock"

# Licences known to combine with AGPL-3.0-or-later. GPL-2.0-only (incompatible) is absent on
# purpose; "or later" GPL and LGPL are compatible.
COMPATIBLE = (
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "BSD",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD 3-Clause",
    "Apache-2.0",
    # django-ratelimit has no SPDX expression: its License field is the Apache 2.0 notice (version
    # 2.0 matters: Apache-1.1 does not combine with the GPL family).
    "Apache License, Version 2.0",
    "PSF",
    "PSFL",
    "PSF-2.0",
    "Python Software Foundation License",
    "Unlicense",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MPL-2.0",
)


def _runtime_packages() -> list[str]:
    return [
        line.split("==")[0]
        for line in LOCK.read_text().splitlines()
        if re.match(r"^[a-z0-9]", line)
    ]


def _licence_words(name: str) -> str:
    meta = metadata.metadata(name)
    classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " ".join(
        filter(None, [meta.get("License-Expression"), meta.get("License"), *classifiers])
    )


def test_the_lock_file_lists_the_runtime_dependencies():
    packages = _runtime_packages()
    assert {"django", "djangorestframework", "django-filter", "psycopg"} <= set(packages)


def test_every_runtime_dependency_has_a_compatible_licence():
    unknown = {}
    for name in _runtime_packages():
        words = _licence_words(name)
        if not any(licence in words for licence in COMPATIBLE):
            unknown[name] = words or "(no licence metadata)"
        assert "GPL-2.0-only" not in words, name
    assert not unknown, f"Licences to review before shipping: {unknown}"
