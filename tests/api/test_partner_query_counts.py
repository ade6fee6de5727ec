"""The partner's lists and suggestions: a page costs the same number of queries for a few records
or many (casework/api/imports.py, casework/api/suggestions.py)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import MatchSuggestion, SharedCase, SharingAgreement
from casework.services.match_opinions import suggestion_give_opinion
from casework.services.partner_lists import list_import_submit
from tests.factories import PersonFactory


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx), response.json()


def _send(world, n, source):
    rows = [{"family_name": f"Testov{i}", "given_name": source} for i in range(n)]
    return list_import_submit(actor=world.partner, source=source, rows=rows)


def test_a_page_of_a_lists_rows_costs_the_same_for_3_rows_or_60(world, api):
    client = api(world.partner)
    few_list, many_list = _send(world, 3, "Few"), _send(world, 60, "Many")
    client.get("/api/v1/imports/")  # the first request of a token also notes its use
    few, body = _queries(client, f"/api/v1/imports/{few_list.public_id}/rows/")
    assert len(body["results"]) == 3
    many, body = _queries(client, f"/api/v1/imports/{many_list.public_id}/rows/")
    assert len(body["results"]) == 60
    assert many == few <= 8


def test_the_list_of_lists_costs_the_same_for_1_list_or_12(world, api):
    client = api(world.partner)
    _send(world, 2, "First")
    client.get("/api/v1/imports/")
    few, body = _queries(client, "/api/v1/imports/")
    assert len(body["results"]) == 1
    for n in range(11):
        _send(world, 2, f"List {n}")
    many, body = _queries(client, "/api/v1/imports/")
    assert len(body["results"]) == 12
    assert many == few <= 8


def _shared_pairs(world, n):
    for _ in range(n):
        pair = [PersonFactory(organisation=world.north, team=world.team_a) for _ in range(2)]
        for person in pair:
            SharedCase.objects.create(agreement=world.agreement, person=person)
        low, high = sorted(pair, key=lambda p: p.pk)
        suggestion = MatchSuggestion.objects.create(
            organisation=world.north,
            kind="person_person",
            person=low,
            other_person=high,
            probability=0.9,
            explanation={"probability": 0.9, "fields": []},
        )
        suggestion_give_opinion(actor=world.partner, suggestion=suggestion, opinion="same", note="")


def test_a_page_of_suggestions_costs_the_same_for_2_or_30(world, api):
    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_decide_suggestions=True)
    client = api(world.partner)
    client.get("/api/v1/suggestions/")
    _shared_pairs(world, 2)
    few, body = _queries(client, "/api/v1/suggestions/")
    assert len(body["results"]) == 2 and body["results"][0]["your_opinion"]
    _shared_pairs(world, 28)
    many, body = _queries(client, "/api/v1/suggestions/")
    assert len(body["results"]) == 30
    assert many == few <= 8
