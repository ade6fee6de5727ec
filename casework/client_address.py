"""The address a request came from, as login throttling, rate limits and the audit trail see it.

Behind the README's TLS proxy every request arrives from the proxy: REMOTE_ADDR is the proxy's,
the lockout would become per username (anyone could lock any staff member out) and the audit's
address column would say nothing. A proxy appends the address it saw to X-Forwarded-For, so with
`TRUSTED_PROXY_COUNT` proxies in front the client is that many entries from the right. Entries
further left are whatever the client chose to send and are never believed. (python-ipware was
tried: it prefers the leftmost, client-written entry and drops private addresses, which is the
opposite of what a lockout needs.)
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < hops:
        # Not through the proxies (a health check on the host itself): the direct peer.
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def ratelimit_ip(request) -> str:
    """For django-ratelimit's "ip" key (RATELIMIT_IP_META_KEY): never empty."""
    return client_ip(request) or "unknown"
