"""Conditional requests (RFC 9110 §13): every record the API answers with carries an `ETag`, a
digest of the representation this caller received (so a change of what they may see is a change
of tag, as is every write); a read with a matching `If-None-Match` is a bodiless 304, and every
write that changes a record requires `If-Match` with the tag of the version edited: 428 without it
(or with `*`, which protects nothing), 412 when the record has moved on. Strong comparison for
`If-Match`, weak for `If-None-Match`, as the RFC says."""

from __future__ import annotations

import hashlib
import json

from rest_framework import status
from rest_framework.response import Response

from casework.api.exceptions import PreconditionFailed, PreconditionRequired


def etag_for(data, *, version: int | None = None) -> str:
    """The strong tag of a representation (and of the record's version, when it has one: a
    write the caller cannot see still moves the tag)."""
    canonical = json.dumps(
        {"v": version, "data": data}, sort_keys=True, separators=(",", ":"), default=str
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(request, etag: str) -> bool:
    """Whether `If-None-Match` names this representation (weak comparison)."""
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    tags = _tags(header)
    return "*" in tags or etag in [tag.removeprefix("W/") for tag in tags]


def conditional_response(request, data, etag: str, headers: dict | None = None) -> Response:
    """200 with the body and its tag, or 304 when the caller already holds this version."""
    headers = {"ETag": etag, **(headers or {})}
    if none_match(request, etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(data, headers=headers)


def required_if_match(request) -> list[str]:
    """The tags of `If-Match`; 428 when there are none (or only `*`)."""
    tags = _tags(request.META.get("HTTP_IF_MATCH", ""))
    if not tags or tags == ["*"]:
        raise PreconditionRequired()
    return tags


def check_if_match(tags: list[str], current_etag: str) -> None:
    """412 unless the tags name the current version (strong comparison: no `W/` tag matches)."""
    if current_etag not in tags:
        raise PreconditionFailed()
