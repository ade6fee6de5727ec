"""casework/api/suggestions.py and services/match_opinions.py: a partner reads the suggestions on
persons shared with it, with their explanation in words, and gives its opinion where its
agreement allows; the host's staff see it, and nothing is ever merged or linked by it."""

import datetime as dt

import pytest

from casework.models import (
    AuditEvent,
    MatchSuggestion,
    PersonMerge,
    SharedCase,
    SharingAgreement,
    SuggestionOpinion,
)
from casework.services.match_opinions import suggestion_give_opinion
from tests.api.conftest import fields_of, problem_of
from tests.factories import PersonFactory

URL = "/api/v1/suggestions/"
EXPLANATION = {
    "prior": -8.0,
    "total": 9.1,
    "probability": 0.97,
    "fields": [
        {"field": "family_name", "left": "Testova", "right": "Testova", "level": "exact",
         "weight": 6.2},
        {"field": "birth", "left": "2014", "right": "2015", "level": "different", "weight": -1.5},
    ],
}  # fmt: skip


def _pair(world, *, shared=(True, True), organisation=None):
    first = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Ava")
    second = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Eva")
    for person, share in zip((first, second), shared, strict=True):
        if share:
            SharedCase.objects.create(agreement=world.agreement, person=person)
    low, high = sorted((first, second), key=lambda p: p.pk)
    return MatchSuggestion.objects.create(
        organisation=organisation or world.north,
        kind="person_person",
        person=low,
        other_person=high,
        probability=0.97,
        explanation=EXPLANATION,
    )


@pytest.fixture
def deciding(world):
    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_decide_suggestions=True)
    return world


def _decide(client, suggestion_id, body, etag=None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return client.post(
        f"{URL}{suggestion_id}/decision/", body, content_type="application/json", **headers
    )


def _etag(client, suggestion):
    return client.get(f"{URL}{suggestion.public_id}/")["ETag"]


def test_a_partner_reads_a_suggestion_on_two_shared_persons_in_plain_words(world, api):
    suggestion = _pair(world)
    client = api(world.partner)
    [listed] = client.get(URL).json()["results"]
    assert listed["id"] == str(suggestion.public_id)
    assert set(listed["persons"]) == {
        str(suggestion.person.public_id),
        str(suggestion.other_person.public_id),
    }
    assert listed["kind"] == "two_persons" and listed["status"] == "waiting"
    words = listed["explanation"]
    assert words["summary"].startswith("All together: the same person with a likelihood of 97")
    assert words["fields"][0] == {
        "field": "family_name",
        "label": "Family name",
        "compared": "agrees",
        "weighs": words["fields"][0]["weighs"],
    }
    assert words["fields"][0]["weighs"] and words["fields"][1]["compared"] == "differs"
    # The values compared are never given: the persons are read through /persons/ as shared.
    assert "2015" not in client.get(URL).content.decode()
    detail = client.get(f"{URL}{suggestion.public_id}/")
    assert detail.status_code == 200 and detail.json() == listed
    assert (
        client.get(f"{URL}{suggestion.public_id}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code
        == 304
    )


@pytest.mark.parametrize("shared", [(True, False), (False, True), (False, False)])
def test_a_suggestion_on_a_person_not_shared_does_not_exist_for_the_partner(world, api, shared):
    suggestion = _pair(world, shared=shared)
    client = api(world.partner)
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{suggestion.public_id}/").status_code == 404
    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_decide_suggestions=True)
    response = _decide(client, suggestion.public_id, {"decision": "same"}, etag='"x"')
    assert response.status_code == 404
    assert not SuggestionOpinion.objects.exists()


def test_partner_b_sees_no_suggestion_on_partner_as_persons(world, api):
    _pair(world)
    SharingAgreement.objects.create(
        owner=world.north,
        partner=world.stranger_org,
        title="Another partner",
        may_decide_suggestions=True,
        valid_from=dt.date(2025, 1, 1),
    )
    other = api(world.partner_without_agreement)
    assert other.get(URL).json()["results"] == []


def test_a_suggestion_on_the_partners_own_list_row_and_a_shared_person_is_readable(world, api):
    shared = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Ia")
    SharedCase.objects.create(agreement=world.agreement, person=shared)
    client = api(world.partner)
    sent = client.post(
        "/api/v1/imports/",
        {"source": "Camp", "rows": [{"family_name": "Testova", "given_name": "Ia"}]},
        content_type="application/json",
    ).json()
    row_suggestion = MatchSuggestion.objects.create(
        organisation=world.north,
        kind="row_person",
        person=shared,
        list_row=world.north.list_imports.get(public_id=sent["id"]).rows.get(),
        probability=0.9,
        explanation=EXPLANATION,
    )
    [listed] = client.get(URL).json()["results"]
    assert listed["id"] == str(row_suggestion.public_id)
    assert (listed["kind"], listed["list_import"], listed["row"]) == ("list_row", sent["id"], 1)
    assert listed["persons"] == [str(shared.public_id)]


def test_an_agreement_without_decisions_is_a_403_problem(world, api):
    suggestion = _pair(world)
    client = api(world.partner)
    response = _decide(
        client, suggestion.public_id, {"decision": "same"}, _etag(client, suggestion)
    )
    assert response.status_code == 403
    assert problem_of(response)["code"] == "permission_denied"
    assert not SuggestionOpinion.objects.exists()
    assert AuditEvent.objects.filter(action="denied", actor=world.partner).exists()


def test_a_decision_is_recorded_audited_and_never_merges(deciding, api):
    world = deciding
    suggestion = _pair(world)
    client = api(world.partner)
    etag = _etag(client, suggestion)
    body = {"decision": "same", "note": "The mother named both daughters in one interview."}
    response = _decide(client, suggestion.public_id, body, etag)
    assert response.status_code == 200, response.content
    assert response.json()["your_opinion"]["decision"] == "same"
    assert response["ETag"] != etag
    opinion = SuggestionOpinion.objects.get()
    assert (opinion.suggestion, opinion.partner, opinion.opinion) == (
        suggestion,
        world.partner_org,
        "same",
    )
    assert opinion.note == body["note"] and opinion.given_by == world.partner
    suggestion.refresh_from_db()
    # The staff's decision is untouched, nothing merged: the host's staff decide.
    assert suggestion.decision == "pending" and suggestion.decided_by is None
    assert not PersonMerge.objects.exists()
    suggestion.person.refresh_from_db()
    suggestion.other_person.refresh_from_db()
    assert (
        suggestion.person.merged_into_id is None and suggestion.other_person.merged_into_id is None
    )
    event = AuditEvent.objects.get(action="decide_match", actor=world.partner)
    assert event.changes["partner_opinion"] == [None, "same"]
    # The host's staff see the opinion with the suggestion.
    assert SuggestionOpinion.objects.visible_to(world.supervisor).filter(pk=opinion.pk).exists()


def test_the_opinion_needs_if_match_and_a_stale_one_is_412(deciding, api):
    suggestion = _pair(deciding)
    client = api(deciding.partner)
    missing = _decide(client, suggestion.public_id, {"decision": "not_same"})
    assert missing.status_code == 428
    etag = _etag(client, suggestion)
    assert _decide(client, suggestion.public_id, {"decision": "not_same"}, etag).status_code == 200
    stale = _decide(client, suggestion.public_id, {"decision": "same"}, etag)
    assert stale.status_code == 412 and problem_of(stale)["code"] == "precondition_failed"
    assert SuggestionOpinion.objects.get().opinion == "not_same"


def test_a_bad_decision_is_named_by_path(deciding, api):
    suggestion = _pair(deciding)
    client = api(deciding.partner)
    etag = _etag(client, suggestion)
    unknown = _decide(client, suggestion.public_id, {"decision": "merge"}, etag)
    assert unknown.status_code == 400 and fields_of(unknown) == {"decision"}
    smuggled = _decide(client, suggestion.public_id, {"decision": "same", "merge": True}, etag)
    assert smuggled.status_code == 400 and fields_of(smuggled) == {"merge"}
    assert not SuggestionOpinion.objects.exists()


def test_a_pair_the_staff_decided_takes_no_more_opinions(deciding, api):
    suggestion = _pair(deciding)
    MatchSuggestion.objects.filter(pk=suggestion.pk).update(
        decision="rejected", decided_by=deciding.supervisor
    )
    client = api(deciding.partner)
    assert client.get(f"{URL}{suggestion.public_id}/").json()["status"] == "not_same"
    response = _decide(
        client, suggestion.public_id, {"decision": "same"}, _etag(client, suggestion)
    )
    assert response.status_code == 400 and fields_of(response) == {"decision"}


def test_staff_use_the_review_queue_not_this_resource(world, api):
    _pair(world)
    assert api(world.supervisor).get(URL).status_code == 403


def test_the_service_refuses_a_suggestion_the_partner_cannot_read(deciding):
    from casework.permissions import Hidden

    suggestion = _pair(deciding, shared=(True, False))
    with pytest.raises(Hidden):
        suggestion_give_opinion(
            actor=deciding.partner, suggestion=suggestion, opinion="same", note=""
        )
    assert not SuggestionOpinion.objects.exists()


def test_the_review_page_shows_the_partners_opinion_to_the_staff(deciding, api, login):
    suggestion = _pair(deciding)
    client = api(deciding.partner)
    body = {"decision": "not_same", "note": "Different mothers in our registry."}
    assert _decide(client, suggestion.public_id, body, _etag(client, suggestion)).status_code == 200
    page = login(deciding.supervisor).get(f"/review/{suggestion.public_id}/").content.decode()
    assert "The partner Partner NGO thinks: not the same person" in page
    assert "Different mothers in our registry." in page
    # Still the staff's to decide: the decision form is there.
    assert "Record the decision" in page
