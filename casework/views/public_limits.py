"""Rate limits of the families' pages, counted in Django's cache so that every app server shares
them (production sets CACHE_URL to a Redis server).

Wrong status secrets are counted per address and over all addresses, never per reference: a limit
per reference would let anyone holding a receipt lock the family out of their own report.
"""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import get_usage, is_ratelimited


def _everyone(group, request) -> str:
    return "everyone"


def _limited(request, group: str, key, rate: str, *, count: bool) -> bool:
    if count:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    # Looking without counting: the limit is reached once the count stands at it.
    usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def report_posts_exhausted(request) -> bool:
    """Counts this post of the public form; True when the address has sent too many."""
    return _limited(request, "public-report-post", "ip", settings.PUBLIC_REPORT_RATE, count=True)


def status_checks_blocked(request) -> bool:
    """Whether wrong secrets from this address, or from everyone, are over the limit. Checked
    before the secret is looked at, so a blocked try learns nothing even when it is right."""
    return _limited(
        request, "public-status-ip", "ip", settings.PUBLIC_STATUS_FAILURES_PER_ADDRESS, count=False
    ) or _limited(
        request, "public-status-all", _everyone, settings.PUBLIC_STATUS_FAILURES_ALL, count=False
    )


def count_wrong_secret(request) -> None:
    _limited(
        request, "public-status-ip", "ip", settings.PUBLIC_STATUS_FAILURES_PER_ADDRESS, count=True
    )
    _limited(
        request, "public-status-all", _everyone, settings.PUBLIC_STATUS_FAILURES_ALL, count=True
    )
