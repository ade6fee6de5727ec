"""casework/api/guide.md, the guide on the docs page: every example in it is run against the API
as the partner, in order, and answers as the guide says (status, headers, the body's members)."""

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from casework.api import schema as api_schema
from tests.api.conftest import issue_token

GUIDE = Path(api_schema.__file__).with_name("guide.md")
BLOCK = re.compile(r"```http\n(.*?)```", re.S)
PLACEHOLDER = re.compile(r"<([a-z ]+)>")


def _examples():
    blocks = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) % 2 == 0, "each request is followed by its response"
    return [(blocks[i], blocks[i + 1]) for i in range(0, len(blocks), 2)]


def _parse(block):
    head, _, body = block.partition("\n\n")
    first, *lines = head.strip().splitlines()
    headers = dict(line.split(": ", 1) for line in lines)
    return first, headers, body.strip()


def _fill(text, values):
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _matches(example, actual, values):
    """The example's members are the answer's (for objects, the same names; for the first item of
    a list, the example's names); literal values are equal, `...` and placeholders stand for any."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), actual
        if set(example) <= {"id", "display_name"} and "display_name" in example:
            # A person's shape, abridged: the id and a name.
            assert {"id", "display_name"} <= set(actual) or actual.get("tombstone"), actual
            return
        assert set(example) == set(actual), (example, actual)
        for name, value in example.items():
            _matches(value, actual[name], values)
    elif isinstance(example, list):
        assert isinstance(actual, list)
        if example:
            assert actual, "the example shows an item"
            _matches(example[0], actual[0], values)
    elif isinstance(example, str) and ("..." in example or PLACEHOLDER.search(example)):
        return
    else:
        assert example == actual, (example, actual)


def test_the_guide_has_an_example_for_each_topic():
    requests = [request.splitlines()[0] for request, _ in _examples()]
    assert any("/changes/" in line for line in requests)
    assert any(line.startswith("POST") for line in requests)
    assert any("cursor=" in line for line in requests)
    assert len(requests) >= 8


def _suggestion_to_read(world) -> str:
    """A suggestion between two persons shared with the partner, whose agreement takes its
    opinion: what the guide's section on suggestions reads and answers."""
    from casework.models import MatchSuggestion, SharedCase, SharingAgreement
    from tests.factories import PersonFactory

    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_decide_suggestions=True)
    other = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Ra")
    SharedCase.objects.create(agreement=world.agreement, person=other)
    low, high = sorted((world.case_a, other), key=lambda p: p.pk)
    explanation = {
        "probability": 0.97,
        "fields": [{"field": "family_name", "left": "Testova", "right": "Testova",
                    "level": "exact", "weight": 6.2}],
    }  # fmt: skip
    suggestion = MatchSuggestion.objects.create(
        organisation=world.north,
        kind="person_person",
        person=low,
        other_person=high,
        probability=0.97,
        explanation=explanation,
    )
    return str(suggestion.public_id)


@pytest.mark.django_db
def test_every_example_of_the_guide_answers_as_shown(world):
    _token, value = issue_token(world.partner)
    values = {"token": value, "person id": str(world.case_a.public_id)}
    values["suggestion id"] = _suggestion_to_read(world)
    _share_records(world)
    for request_block, response_block in _examples():
        first, headers, body = _parse(request_block)
        method, target = first.rsplit(" ", 1)[0].split(" ", 1)
        if "<cursor>" in target:
            assert "cursor" in values, "a cursor from an earlier example"
        target = _fill(target, values)
        extra = {
            "HTTP_" + name.upper().replace("-", "_"): _fill(v, values)
            for name, v in headers.items()
            if name != "Content-Type"
        }
        client = Client()
        if method == "GET":
            response = client.get(target, **extra)
        else:
            response = client.generic(
                method, target, _fill(body, values), headers.get("Content-Type"), **extra
            )
        status_line, expected_headers, expected_body = _parse(response_block)
        status = int(status_line.split(" ")[1])
        assert response.status_code == status, (first, response.content)
        for name, expected in expected_headers.items():
            assert name in response, (first, name)
            if PLACEHOLDER.search(expected):
                key = PLACEHOLDER.search(expected).group(1)
                if key.endswith("etag"):
                    values.setdefault(key, response[name])
                    assert response[name] == values[key]
                if key.endswith(" id") and name == "Location":
                    values[key] = response[name].rstrip("/").rsplit("/", 1)[1]
            else:
                assert response[name] == expected, (first, name, response[name])
        if expected_body:
            actual = json.loads(response.content)
            _matches(json.loads(expected_body), actual, values)
            if actual.get("next_cursor"):
                values["cursor"] = actual["next_cursor"]
            # A record the guide names by a placeholder is that very record.
            named = PLACEHOLDER.fullmatch(str(json.loads(expected_body).get("id", "")))
            if isinstance(actual, dict) and named and named.group(1) in values:
                assert actual["id"] == values[named.group(1)], (first, actual["id"])
        else:
            assert response.content == b"", first


def _share_records(world):
    """What the guide's section on shared records reads: the shared person's current placement
    and a flight they are on with a passenger not shared."""
    import datetime as dt

    from casework.models import ManifestEntry, Placement
    from tests.factories import FlightFactory, LocationFactory, PersonFactory

    world.agreement.shared_fields = [*world.agreement.shared_fields, "placements", "flights"]
    world.agreement.save(update_fields=["shared_fields"])
    Placement.objects.create(
        person=world.case_a,
        location=LocationFactory(),
        start_date=dt.date(2023, 5, 1),
        start_precision="month",
        source="visit",
        reliability="confirmed",
    )
    flight = FlightFactory(organisation=world.north)
    ManifestEntry.objects.create(flight=flight, person=world.case_a)
    ManifestEntry.objects.create(
        flight=flight, person=PersonFactory(organisation=world.north, team=world.team_a)
    )
