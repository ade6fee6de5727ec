"""casework/api/imports.py and services/partner_lists.py: a partner sends a list into the host's
review queue, follows it and reads its rows' outcomes, never told of a person not shared with it."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework.models import (
    AuditEvent,
    ListImport,
    ListImportRow,
    MatchSuggestion,
    Person,
    Role,
    SharedCase,
    SharingAgreement,
)
from casework.services.matching import suggestion_decide
from casework.services.partner_lists import MAX_SUBMITTED_BYTES, MAX_SUBMITTED_ROWS
from casework.services.persons import NameInput, person_create
from tests.api.conftest import fields_of, problem_of
from tests.factories import UserFactory

URL = "/api/v1/imports/"


def _known(world, family, given, birth=dt.date(2014, 5, 2), *, shared=False) -> Person:
    person = person_create(
        actor=world.supervisor,
        names=[NameInput(family_name=family, given_name=given)],
        sex="F",
        birth_precision="exact",
        birth_date=birth,
    )
    if shared:
        SharedCase.objects.create(agreement=world.agreement, person=person)
    return person


def _rows(*rows):
    return {"source": "Camp registry (invented)", "as_of": "2026-10-01", "rows": list(rows)}


def _send(client, body, **headers):
    return client.post(URL, body, content_type="application/json", **headers)


def _rows_of(client, list_import_id, **params):
    return client.get(f"{URL}{list_import_id}/rows/", params).json()["results"]


def _second_partner(world):
    """Partner B: another partner organisation with its own agreement with north."""
    SharingAgreement.objects.create(
        owner=world.north,
        partner=world.stranger_org,
        title="Lists from the stranger NGO",
        may_submit_list_rows=True,
        valid_from=dt.date(2025, 1, 1),
    )
    return world.partner_without_agreement


def test_a_partners_list_lands_in_the_hosts_review_queue_marked_as_the_partners(world, api):
    hidden = _known(world, "Testova", "Zarema")
    client = api(world.partner)
    response = _send(
        client,
        _rows(
            {"family_name": "Testova", "given_name": "Zarema", "birth_date": "2014-05-02"},
            {"family_name": "Nobodyova", "given_name": "Kamila", "birth_date": "2011"},
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"{URL}{body['id']}/"
    assert body["organisation"] == str(world.north.public_id)
    assert body["status"] == "in_review"
    assert body["counts"] == {"matched": 0, "new_candidate": 1, "needs_review": 1, "refused": 0}
    stored = ListImport.objects.get(public_id=body["id"])
    assert (stored.organisation, stored.submitted_by_partner) == (world.north, world.partner_org)
    assert stored.status == "committed" and stored.created_by == world.partner
    # Written onto no one: no person created, none linked; the host's staff review the match.
    assert not Person.objects.filter(display_name__startswith="Nobodyova").exists()
    suggestion = MatchSuggestion.objects.get(list_row__list_import=stored)
    assert suggestion.person == hidden and suggestion.organisation == world.north
    assert MatchSuggestion.objects.visible_to(world.supervisor).filter(pk=suggestion.pk).exists()
    assert AuditEvent.objects.filter(
        action="import", object_id=str(stored.public_id), actor=world.partner
    ).exists()


def test_a_row_matching_a_person_not_shared_needs_review_without_the_persons_id(world, api):
    hidden = _known(world, "Testova", "Zarema")
    client = api(world.partner)
    body = _send(client, _rows({"family_name": "Testova", "given_name": "Zarema",
                                "sex": "F", "birth_date": "2014-05-02"})).json()  # fmt: skip
    [row] = _rows_of(client, body["id"])
    assert row == {"row": 1, "record_id": "", "outcome": "needs_review", "person": None,
                   "reason": None}  # fmt: skip
    # Still nothing of the person once the staff linked the row: matched, without an id.
    suggestion_decide(
        actor=world.supervisor,
        suggestion=MatchSuggestion.objects.get(person=hidden),
        decision="confirmed",
        reason="Same birth date and names",
    )
    [row] = _rows_of(client, body["id"])
    assert (row["outcome"], row["person"]) == ("matched", None)
    assert str(hidden.public_id) not in client.get(f"{URL}{body['id']}/rows/").content.decode()


def test_a_row_linked_to_a_shared_person_gives_that_persons_id(world, api):
    shared = _known(world, "Testova", "Luiza", shared=True)
    client = api(world.partner)
    body = _send(client, _rows({"family_name": "Testova", "given_name": "Luiza",
                                "sex": "F", "birth_date": "2014-05-02"})).json()  # fmt: skip
    suggestion_decide(
        actor=world.supervisor,
        suggestion=MatchSuggestion.objects.get(person=shared),
        decision="confirmed",
        reason="The partner's list names her",
    )
    [row] = _rows_of(client, body["id"])
    assert (row["outcome"], row["person"]) == ("matched", str(shared.public_id))
    detail = client.get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "done"
    assert detail["counts"]["matched"] == 1


def test_a_csv_file_is_accepted_as_the_staff_import_reads_it(world, api):
    client = api(world.partner)
    data = b"family_name,given_name,sex,birth_date\nTestova,Amina,F,2013-02-01\n"
    response = client.post(
        URL,
        {"source": "Camp list", "file": SimpleUploadedFile("list.csv", data, "text/csv")},
    )
    assert response.status_code == 201, response.content
    stored = ListImport.objects.get(public_id=response.json()["id"])
    assert stored.original_filename == "list.csv" and stored.file.name
    assert ListImportRow.objects.get(list_import=stored).row_number == 2


def test_an_invalid_row_of_a_file_is_named_by_its_row_and_field_and_nothing_is_kept(world, api):
    client = api(world.partner)
    data = "family_name,given_name,birth_date\nTestova,Amina,2013\nTestova,Aza,2015-02-29\n"
    response = client.post(
        URL,
        {"source": "Camp list", "file": SimpleUploadedFile("list.csv", data.encode(), "text/csv")},
    )
    assert response.status_code == 400
    assert fields_of(response) == {"file/3/birth_date"}
    assert not ListImport.objects.exists()


def test_invalid_json_rows_are_named_by_path_or_kept_as_refused_when_asked(world, api):
    client = api(world.partner)
    rows = [{"family_name": "Testova", "given_name": "Amina"},
            {"family_name": "Testova", "birth_date": "2015-02-29"}]  # fmt: skip
    refused = _send(client, _rows(*rows))
    assert refused.status_code == 400
    assert fields_of(refused) == {"rows/1/birth_date"}
    assert not ListImport.objects.exists()
    kept = _send(client, {**_rows(*rows), "reject_invalid": True})
    assert kept.status_code == 201
    assert kept.json()["counts"]["refused"] == 1
    second = _rows_of(client, kept.json()["id"])[1]
    assert second["outcome"] == "refused" and "Birth date" in second["reason"]


def test_an_unknown_field_in_a_row_is_refused_by_path(world, api):
    response = _send(api(world.partner), _rows({"family_name": "Testova", "nickname": "x"}))
    assert response.status_code == 400
    assert fields_of(response) == {"rows/0/nickname"}


def test_too_many_rows_and_too_large_a_file_are_clear_problems(world, api):
    client = api(world.partner)
    many = _send(client, _rows(*[{"family_name": f"T{i}"} for i in range(MAX_SUBMITTED_ROWS + 1)]))
    assert many.status_code == 400
    assert fields_of(many) == {"rows"}
    big = b"family_name\n" + b"Testova\n" * (MAX_SUBMITTED_BYTES // 8 + 1)
    response = client.post(
        URL, {"source": "Big", "file": SimpleUploadedFile("big.csv", big, "text/csv")}
    )
    assert response.status_code == 413
    assert problem_of(response)["code"] == "payload_too_large"
    assert not ListImport.objects.exists()


def test_an_agreement_without_list_rows_is_a_403_problem(world, api):
    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_submit_list_rows=False)
    response = _send(api(world.partner), _rows({"family_name": "Testova"}))
    assert response.status_code == 403
    assert problem_of(response)["code"] == "permission_denied"
    assert not ListImport.objects.exists()
    assert AuditEvent.objects.filter(action="denied", actor=world.partner).exists()


def test_a_partner_without_any_agreement_is_refused(world, api):
    response = _send(api(world.partner_without_agreement), _rows({"family_name": "Testova"}))
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_staff_import_through_their_pages_not_this_resource(world, api, role):
    user = world.caseworker if role == Role.CASEWORKER else world.supervisor
    assert _send(api(user), _rows({"family_name": "Testova"})).status_code == 403


def test_partner_b_cannot_see_partner_as_list_or_its_rows(world, api):
    body = _send(api(world.partner), _rows({"family_name": "Testova", "given_name": "A"})).json()
    other = api(_second_partner(world))
    assert other.get(f"{URL}{body['id']}/").status_code == 404
    assert other.get(f"{URL}{body['id']}/rows/").status_code == 404
    assert other.get(URL).json()["results"] == []
    mine = _send(other, _rows({"family_name": "Testova", "given_name": "B"})).json()
    assert [i["id"] for i in other.get(URL).json()["results"]] == [mine["id"]]
    assert [i["id"] for i in api(world.partner).get(URL).json()["results"]] == [body["id"]]


def test_an_idempotency_key_replay_gives_the_same_import(world, api):
    client = api(world.partner)
    body = _rows({"family_name": "Testova", "given_name": "Amina"})
    first = _send(client, body, HTTP_IDEMPOTENCY_KEY="list-1")
    again = _send(client, body, HTTP_IDEMPOTENCY_KEY="list-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert ListImport.objects.count() == 1


def test_an_idempotency_key_replay_of_an_upload_gives_the_same_import(world, api):
    client = api(world.partner)
    data = b"family_name,given_name\nTestova,Amina\n"

    def upload():
        file = SimpleUploadedFile("list.csv", data, "text/csv")
        return client.post(URL, {"source": "Camp", "file": file}, HTTP_IDEMPOTENCY_KEY="up-1")

    first, again = upload(), upload()
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert ListImport.objects.count() == 1


def test_the_same_list_sent_again_without_a_key_is_refused_plainly(world, api):
    client = api(world.partner)
    body = _rows({"family_name": "Testova", "given_name": "Amina"})
    assert _send(client, body).status_code == 201
    again = _send(client, body)
    assert again.status_code == 400
    assert "already sent" in problem_of(again)["errors"][0]["detail"]
    assert ListImport.objects.count() == 1


def test_rows_page_by_row_number_without_skipping_or_repeating(world, api):
    client = api(world.partner)
    body = _send(client, _rows(*[{"family_name": f"Testov{i}"} for i in range(5)])).json()
    seen, url = [], f"{URL}{body['id']}/rows/?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [row["row"] for row in page["results"]]
        url = page["next"]
    assert seen == [1, 2, 3, 4, 5]
    bad = client.get(f"{URL}{body['id']}/rows/", {"cursor": "forged"})
    assert bad.status_code == 400 and problem_of(bad)["code"] == "invalid_cursor"


def test_a_partner_with_two_host_organisations_names_the_one(world, api):
    SharingAgreement.objects.create(
        owner=world.south,
        partner=world.partner_org,
        title="South takes lists too",
        may_submit_list_rows=True,
        valid_from=dt.date(2025, 1, 1),
    )
    client = api(world.partner)
    unnamed = _send(client, _rows({"family_name": "Testova"}))
    assert unnamed.status_code == 400 and fields_of(unnamed) == {"organisation"}
    south = str(world.south.public_id)
    named = _send(client, {**_rows({"family_name": "Testova"}), "organisation": south})
    assert named.status_code == 201
    assert ListImport.objects.get().organisation == world.south


def test_a_staff_member_of_the_host_reads_the_list_through_the_api_too(world, api):
    body = _send(api(world.partner), _rows({"family_name": "Testova"})).json()
    staff = api(world.supervisor)
    assert staff.get(f"{URL}{body['id']}/").status_code == 200
    outsider = UserFactory(organisation=world.south, role=Role.SUPERVISOR, username="south_sup")
    assert api(outsider).get(f"{URL}{body['id']}/").status_code == 404


def test_the_hosts_import_page_marks_the_list_as_the_partners(world, api, login):
    body = _send(api(world.partner), _rows({"family_name": "Testova"})).json()
    page = login(world.supervisor).get(f"/imports/{body['id']}/")
    assert page.status_code == 200
    assert "sent by the partner Partner NGO" in page.content.decode()
    own = ListImport.objects.create(
        organisation=world.north, source="Own list", sha256="0" * 64, status="committed"
    )
    assert (
        "partner-mark"
        not in login(world.supervisor).get(f"/imports/{own.public_id}/").content.decode()
    )


def test_a_list_reviewed_since_shows_in_updated_since(world, api):
    hidden = _known(world, "Testova", "Zarema")
    client = api(world.partner)
    row = {"family_name": "Testova", "given_name": "Zarema", "birth_date": "2014-05-02"}
    body = _send(client, _rows(row)).json()
    since = client.get(f"{URL}{body['id']}/")  # the list as first read, then a review
    moment = ListImport.objects.get(public_id=body["id"]).updated_at
    suggestion_decide(
        actor=world.supervisor,
        suggestion=MatchSuggestion.objects.get(person=hidden),
        decision="confirmed",
        reason="Same names and birth date",
    )
    assert ListImport.objects.get(public_id=body["id"]).updated_at > moment
    later = client.get(URL, {"updated_since": moment.isoformat()}).json()["results"]
    assert [i["id"] for i in later] == [body["id"]]
    assert client.get(f"{URL}{body['id']}/")["ETag"] != since["ETag"]


def test_a_lists_rows_take_updated_since_and_only_the_reviewed_row_comes_back(world, api):
    hidden = _known(world, "Testova", "Zarema")
    client = api(world.partner)
    body = _send(
        client,
        _rows(
            {"family_name": "Testova", "given_name": "Zarema", "birth_date": "2014-05-02"},
            {"family_name": "Primerova", "given_name": "Kheda", "birth_date": "2016-01-01"},
        ),
    ).json()
    assert len(_rows_of(client, body["id"])) == 2
    moment = timezone.now()  # after the rows were written, before the review
    suggestion_decide(
        actor=world.supervisor,
        suggestion=MatchSuggestion.objects.get(person=hidden),
        decision="confirmed",
        reason="Same names and birth date",
    )
    later = _rows_of(client, body["id"], updated_since=moment.isoformat())
    assert [(r["row"], r["outcome"]) for r in later] == [(1, "matched")]
    refused = client.get(f"{URL}{body['id']}/rows/", {"updated_since": "yesterday"})
    assert refused.status_code == 400
    assert "updated_since" in fields_of(refused)


def test_a_merge_moves_the_updated_at_of_the_records_it_carries(world):
    """A partner's updated_since sees a placement (or a list's row) now under the survivor."""
    from casework.models import Placement
    from casework.services.merge import persons_merge
    from tests.factories import LocationFactory, PersonFactory

    survivor = PersonFactory(organisation=world.north, team=world.team_a)
    absorbed = PersonFactory(organisation=world.north, team=world.team_a)
    placement = Placement.objects.create(
        person=absorbed,
        location=LocationFactory(),
        start_date=dt.date(2024, 1, 1),
        source="visit",
        reliability="confirmed",
    )
    before = placement.updated_at
    persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="Same girl")
    placement.refresh_from_db()
    assert placement.person == survivor and placement.updated_at > before
