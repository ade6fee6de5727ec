"""casework/services/idempotency.py and its use on API writes (`Idempotency-Key`)."""

import pytest

from casework.models import FamilyReport, IdempotencyRecord, Person
from casework.services.idempotency import (
    IdempotencyKeyReused,
    idempotency_run,
    request_fingerprint,
)
from tests.api.conftest import fields_of, problem_of

URL = "/api/v1/persons/"
BODY = {"names": [{"family_name": "Testova", "given_name": "Seda"}], "sex": "F"}


def _post(client, body, key):
    return client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_and_body_twice_make_one_record_and_the_same_response(world, api):
    client = api(world.caseworker)
    first = _post(client, BODY, "key-1")
    second = _post(client, BODY, "key-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert second["ETag"] == first["ETag"]
    assert Person.objects.filter(display_name="Testova Seda").count() == 1


def test_the_same_key_with_another_body_is_a_422(world, api):
    client = api(world.caseworker)
    assert _post(client, BODY, "key-2").status_code == 201
    other = {**BODY, "sex": "M"}
    response = _post(client, other, "key-2")
    assert response.status_code == 422
    assert problem_of(response)["code"] == "idempotency_key_reused"
    assert Person.objects.filter(display_name="Testova Seda").count() == 1
    assert not Person.objects.filter(display_name="Testova Seda", sex="M").exists()


def test_the_same_key_on_another_route_is_a_422(world, api):
    client = api(world.caseworker)
    assert _post(client, BODY, "key-3").status_code == 201
    response = client.post(
        f"{URL}{world.case_a.public_id}/status/",
        BODY,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-3",
    )
    assert response.status_code == 422


def test_keys_belong_to_their_user(world, api):
    assert _post(api(world.caseworker), BODY, "shared").status_code == 201
    # The same person again: the supervisor confirms it is a new one past the duplicate check.
    confirmed = {**BODY, "confirm_new": True}
    assert _post(api(world.supervisor), confirmed, "shared").status_code == 201
    assert Person.objects.filter(display_name="Testova Seda").count() == 2


def test_a_refused_request_keeps_no_key(world, api):
    client = api(world.caseworker)
    bad = {"names": [{"family_name": "Testova"}], "birth_precision": "exact"}
    assert _post(client, bad, "key-4").status_code == 400
    assert not IdempotencyRecord.objects.filter(key="key-4").exists()
    # Fixed and sent again with the same key, it goes through.
    assert _post(client, BODY, "key-4").status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "naïve", "two words"])
def test_an_unusable_key_is_a_400(world, api, key):
    response = _post(api(world.caseworker), BODY, key)
    assert response.status_code == 400
    assert fields_of(response) == {"Idempotency-Key"}
    assert not Person.objects.filter(display_name="Testova Seda").exists()


def test_a_status_change_is_idempotent(world, api):
    client = api(world.caseworker)
    url = f"{URL}{world.case_a.public_id}/status/"
    body = {"status": "verifying", "reason": "A letter"}
    headers = {
        "HTTP_IDEMPOTENCY_KEY": "s",
        "HTTP_IF_MATCH": client.get(url.removesuffix("status/"))["ETag"],
    }
    first = client.post(url, body, content_type="application/json", **headers)
    # The retry carries the same (now stale) If-Match: it gets the first answer, not a 412.
    again = client.post(url, body, content_type="application/json", **headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    world.case_a.refresh_from_db()
    assert world.case_a.version == 2  # moved once


def test_a_partner_report_sent_twice_is_stored_once(world, api):
    client = api(world.partner)
    body = {
        "entries": [{"family_name": "Testova", "given_name": "Aminat"}],
        "consents": [{"purpose": "process", "given": True}],
    }
    responses = [
        client.post(
            "/api/v1/reports/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r1"
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert FamilyReport.objects.filter(source_partner=world.partner_org).count() == 1


def _winner(world, key, fingerprint):
    return IdempotencyRecord.objects.create(
        user=world.caseworker,
        key=key,
        method="POST",
        path="/p/",
        body_sha256=fingerprint,
        status_code=201,
        response_body={"data": {"winner": True}, "headers": {}},
    )


def test_a_lost_race_rolls_back_its_write_and_replays_the_winner(world, monkeypatch):
    # Two requests with one key both pass the look-up; the winner commits first. The loser's key
    # insert then fails on the unique constraint, and its own write must not survive.
    from casework.services import idempotency

    payload = {"a": 1}
    _winner(world, "race", request_fingerprint("POST", "/p/", payload))
    monkeypatch.setattr(idempotency, "_find", lambda user, key: None)

    def perform():
        Person.objects.create(organisation=world.north, display_name="Loser Write")
        return 201, {"winner": False}, {}

    status, data, _headers, replayed = idempotency_run(
        user=world.caseworker,
        key="race",
        method="POST",
        path="/p/",
        payload=payload,
        perform=perform,
    )
    assert (status, data, replayed) == (201, {"winner": True}, True)
    assert not Person.objects.filter(display_name="Loser Write").exists()


def test_a_lost_race_with_another_body_is_refused(world, monkeypatch):
    from casework.services import idempotency

    _winner(world, "race2", "another-body")
    monkeypatch.setattr(idempotency, "_find", lambda user, key: None)
    with pytest.raises(IdempotencyKeyReused):
        idempotency_run(
            user=world.caseworker,
            key="race2",
            method="POST",
            path="/p/",
            payload={},
            perform=lambda: (201, {}, {}),
        )
