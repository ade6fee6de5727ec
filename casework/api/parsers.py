"""A JSON parser that turns hostile bodies into 400s, never 500s."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from casework.api.exceptions import PayloadTooLarge

MAX_DEPTH = 32
# A JSON body is records and text, never files: 2 MB holds a report with a 100,000-character
# account many times over. Bigger bodies are refused before they are read into memory.
MAX_BODY_BYTES = 2 * 1024 * 1024


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ParseError(f"Duplicate key in JSON object: {key!r}.")
        seen[key] = value
    return seen


def _reject_constant(name):
    raise ParseError(f"{name} is not valid JSON.")


def _depth_ok(text: str) -> bool:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif char in "]}":
            depth -= 1
    return True


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8.") from None
        if not _depth_ok(text):
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        try:
            return json.loads(
                text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
            )
        except ParseError:
            raise
        except (ValueError, RecursionError) as exc:
            # ValueError covers malformed JSON and integers longer than Python will convert.
            raise ParseError(f"JSON parse error: {str(exc)[:200]}") from None
