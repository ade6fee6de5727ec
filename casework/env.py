"""Reading settings from the environment, failing loudly on a bad value.

A mistyped flag must never silently fall back to a permissive default: these helpers raise
ImproperlyConfigured naming the variable and what it accepts.
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_str(name: str, default: str | None = None) -> str | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip()


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env_str(name)
    if raw is None:
        return default
    value = raw.upper() if all(c.isupper() for c in choices) else raw
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of: {', '.join(choices)}.")
    return value


_RATE = re.compile(r"^\d+/\d*[smhd]$")


def env_rate(name: str, default: str) -> str:
    """A rate such as 20/h (per second, minute, hour or day), as django-ratelimit reads it."""
    raw = env_str(name)
    if raw is None:
        return default
    if not _RATE.match(raw):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: write a count per s, m, h or d, such as 20/h."
        )
    return raw
