"""casework/api/persons.py: field-level output, hidden filters, 404s, ETag/If-Match, writes."""

import datetime as dt
import uuid

import pytest
from django.utils.dateparse import parse_datetime

from casework.api.persons import current_etag
from casework.audit import AuditAction
from casework.models import AuditEvent, Person, PersonName, SharedCase, Team
from tests.api.conftest import fields_of, problem_of
from tests.factories import PersonFactory

WITHHELD = {"withheld": True}
URL = "/api/v1/persons/"


def _detail(person) -> str:
    return f"{URL}{person.public_id}/"


def _ids(response) -> list[str]:
    return [r["id"] for r in response.json()["results"]]


def _set_birthplaces(world):
    Person.objects.filter(pk=world.case_a.pk).update(birthplace="Raqqa")
    Person.objects.filter(pk=world.case_b.pk).update(birthplace="Mosul")


# --- Output ---------------------------------------------------------------------------------------


def test_it_shows_a_partner_only_the_agreed_fields(world, api):
    PersonName.objects.create(person=world.case_a, full_text="Umm Bilal", kind="kunya")
    record = api(world.partner).get(_detail(world.case_a)).json()
    assert record["display_name"] == "Alieva Madina"
    assert record["sex"] == "F"
    assert record["status"] == "reported"
    assert record["names"] == WITHHELD  # never the kunya, never even how many names
    assert record["birthplace"] == WITHHELD
    assert record["organisation"] == WITHHELD
    assert "security_notes" not in record


def test_it_withholds_rather_than_empties_fields(world, api):
    record = api(world.intake).get(_detail(world.case_a)).json()
    # An empty birthplace the intake volunteer may not see is "withheld", not "".
    assert record["birthplace"] == WITHHELD
    assert record["birth_date"] == WITHHELD
    assert record["display_name"] == "Alieva Madina"


def test_it_shows_minimal_staff_a_birth_year_never_the_date(world, api):
    day = dt.date(2015, 4, 9)
    Person.objects.filter(pk=world.case_a.pk).update(
        birth_date=day, birth_precision="exact", birth_earliest=day, birth_latest=day
    )
    minimal = api(world.intake).get(_detail(world.case_a)).json()
    assert minimal["birth_year"] == 2015
    for name in ("birth_date", "birth_earliest", "birth_latest"):
        assert minimal[name] == WITHHELD, name
    assert "2015-04-09" not in str(minimal)
    full = api(world.caseworker).get(_detail(world.case_a)).json()
    assert full["birth_date"] == full["birth_earliest"] == "2015-04-09"


def test_it_withholds_the_kind_of_a_name_below_the_sensitive_level(world, api):
    PersonName.objects.create(person=world.case_a, full_text="Umm Bilal", kind="kunya")
    minimal = api(world.intake).get(_detail(world.case_a)).json()["names"]
    full = api(world.caseworker).get(_detail(world.case_a)).json()["names"]
    assert [n["kind"] for n in minimal] == [WITHHELD, WITHHELD]
    assert [n["kind"] for n in full] == ["legal", "kunya"]
    assert [n["text"] for n in full] == ["Alieva Madina", "Umm Bilal"]


def test_it_never_shows_restricted_fields_even_to_a_supervisor(world, api):
    Person.objects.filter(pk=world.protected_a.pk).update(security_notes="Do not call the uncle")
    body = api(world.supervisor).get(_detail(world.protected_a)).content.decode()
    assert "security_notes" not in body
    assert "uncle" not in body


def test_it_withholds_a_merge_target_the_caller_cannot_see(world, api):
    Person.objects.filter(pk=world.case_a.pk).update(merged_into=world.protected_a)
    seen_by_caseworker = api(world.caseworker).get(_detail(world.case_a)).json()
    seen_by_supervisor = api(world.supervisor).get(_detail(world.case_a)).json()
    assert seen_by_caseworker["merged_into"] == WITHHELD
    assert seen_by_supervisor["merged_into"] == str(world.protected_a.public_id)


# --- Hidden filters, searches and orderings change nothing ------------------------------------


@pytest.mark.parametrize("persona", ["partner", "intake"])
@pytest.mark.parametrize(
    "query", ["?birthplace=Raqqa", "?region=Chechnya", "?birthplace=Raqqa&region=Chechnya"]
)
def test_a_filter_on_a_hidden_field_changes_nothing(world, api, persona, query):
    _set_birthplaces(world)
    Person.objects.filter(pk=world.case_b.pk).update(region_of_origin="Chechnya")
    client = api(getattr(world, persona))
    unfiltered = client.get(URL).json()
    assert client.get(URL + query).json() == unfiltered


def test_a_partner_search_is_refused_not_silently_dropped(world, api):
    _set_birthplaces(world)
    client = api(world.partner)
    for term in ("Raqqa", "Alieva", "Umm"):
        for name in ("search", "q"):
            response = client.get(URL, {name: term})
            assert response.status_code == 400
            assert fields_of(response) == {name}


@pytest.mark.parametrize("persona", ["partner", "intake", "supervisor"])
@pytest.mark.parametrize("ordering", ["-birthplace", "created_at", "display_name"])
def test_ordering_is_refused_the_order_is_the_cursors(world, api, persona, ordering):
    response = api(getattr(world, persona)).get(URL, {"ordering": ordering})
    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_parameters"
    assert fields_of(response) == {"ordering"}


def test_an_intake_search_never_depends_on_a_hidden_value(world, api):
    _set_birthplaces(world)
    client = api(world.intake)
    with_raqqa = client.get(f"{URL}?search=Raqqa").json()
    nowhere = client.get(f"{URL}?search=Nowhereville").json()
    Person.objects.filter(pk=world.case_a.pk).update(birthplace="Aleppo")
    assert client.get(f"{URL}?search=Raqqa").json() == with_raqqa == nowhere
    # The search itself works on what intake may see: names.
    assert _ids(client.get(f"{URL}?search=Alieva")) == [str(world.case_a.public_id)]


def test_a_filter_on_a_visible_field_filters(world, api):
    _set_birthplaces(world)
    response = api(world.supervisor).get(f"{URL}?birthplace=Raqqa")
    assert _ids(response) == [str(world.case_a.public_id)]


def test_a_filter_on_another_organisations_team_is_like_a_missing_one(world, api):
    south_team = Team.objects.create(organisation=world.south, name="S")
    client = api(world.supervisor)
    foreign = client.get(f"{URL}?team={south_team.public_id}")
    missing = client.get(f"{URL}?team={uuid.uuid4()}")
    assert foreign.status_code == missing.status_code == 400
    assert problem_of(foreign)["code"] == problem_of(missing)["code"]


# --- Not found ----------------------------------------------------------------------------------


def test_hidden_missing_and_malformed_ids_answer_the_same_404(world, api):
    client = api(world.other_team_caseworker)
    hidden = client.get(_detail(world.case_a))
    missing = client.get(f"{URL}{uuid.uuid4()}/")
    malformed = client.get(f"{URL}not-a-uuid/")
    other_org = client.get(_detail(world.south_case))
    assert {r.status_code for r in (hidden, missing, malformed, other_org)} == {404}
    assert hidden.json() == missing.json() == malformed.json() == other_org.json()
    assert problem_of(hidden) == {
        "type": "/api/v1/docs/#problem-not_found",
        "title": "Not found.",
        "status": 404,
        "detail": "Not found.",
        "code": "not_found",
    }


def test_a_partner_cannot_reach_an_unshared_case(world, api):
    client = api(world.partner)
    assert client.get(_detail(world.case_b)).status_code == 404
    SharedCase.objects.filter(person=world.case_a).delete()
    assert client.get(_detail(world.case_a)).status_code == 404


# --- Read audit -----------------------------------------------------------------------------------


def test_a_sensitive_read_is_audited(world, api):
    api(world.caseworker).get(_detail(world.case_a))
    event = AuditEvent.objects.get(action=AuditAction.READ_SENSITIVE)
    assert event.actor == world.caseworker
    assert event.object_id == world.case_a.public_id
    assert "birthplace" in event.fields


def test_a_restricted_read_is_audited(world, api):
    api(world.supervisor).get(_detail(world.protected_a))
    assert AuditEvent.objects.filter(
        action=AuditAction.READ_RESTRICTED, object_id=world.protected_a.public_id
    ).exists()


def test_minimal_and_partner_reads_are_not_audited_as_sensitive(world, api):
    api(world.intake).get(_detail(world.case_a))
    api(world.partner).get(_detail(world.case_a))
    reads = (AuditAction.READ_SENSITIVE, AuditAction.READ_RESTRICTED)
    assert not AuditEvent.objects.filter(action__in=reads).exists()


def test_a_list_of_sensitive_records_audits_each_read_in_one_event(world, api):
    api(world.supervisor).get(URL)
    [event] = AuditEvent.objects.filter(action=AuditAction.READ_RESTRICTED)
    audited = set(event.subjects.values_list("person_id", flat=True))
    assert audited == {world.case_a.public_id, world.case_b.public_id, world.protected_a.public_id}
    # Each read is found from its person.
    for person in (world.case_a, world.case_b, world.protected_a):
        assert list(AuditEvent.objects.about([person.public_id])) == [event]


# --- Create ---------------------------------------------------------------------------------------


def test_staff_create_a_person_through_the_service(world, api):
    body = {
        "names": [
            {"family_name": "Тестова", "given_name": "Хава"},
            {"full_text": "Umm Yusuf", "kind": "kunya"},
        ],
        "sex": "F",
        "birth_precision": "year",
        "birth_date": "2015-01-01",
        "birthplace": "Raqqa",
    }
    response = api(world.caseworker).post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content
    person = Person.objects.get(public_id=response.json()["id"])
    assert person.organisation == world.north
    assert person.team == world.team_a
    assert person.names.get(is_primary=True).script == "cyrl"
    assert response["ETag"] == current_etag(world.caseworker, person)
    assert response.json()["birth_year"] == 2015
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=person.public_id).exists()


@pytest.mark.parametrize(
    "smuggled",
    [
        {"organisation": "south"},
        {"status": "returned"},
        {"security_notes": "x"},
        {"sensitivity": "normal"},
        {"version": 7},
    ],
)
def test_create_refuses_fields_it_does_not_take(world, api, smuggled):
    body = {"names": [{"family_name": "Testova", "given_name": "Liana"}], **smuggled}
    response = api(world.supervisor).post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert fields_of(response) == set(smuggled)
    assert not Person.objects.filter(display_name__startswith="Testova Liana").exists()


def test_create_with_another_organisations_team_answers_like_a_missing_team(world, api):
    south_team = Team.objects.create(organisation=world.south, name="S")
    client = api(world.supervisor)
    names = [{"family_name": "Testova", "given_name": "Liana"}]

    def attempt(team_id):
        body = {"names": names, "team": str(team_id)}
        response = client.post(URL, body, content_type="application/json")
        assert response.status_code == 400
        [error] = problem_of(response)["errors"]
        assert error["pointer"] == "/team"
        return error["detail"].replace(str(team_id), "<id>")

    assert attempt(south_team.public_id) == attempt(uuid.uuid4())
    assert not Person.objects.filter(team=south_team).exists()


def test_create_reports_service_errors_per_field(world, api):
    body = {
        "names": [{"family_name": "Testova"}],
        "birth_precision": "exact",
        "birth_date": "2099-01-01",
    }
    response = api(world.caseworker).post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "birth_date" in fields_of(response)


def _known_child(world):
    from casework.services.persons import NameInput, person_create

    return person_create(
        actor=world.supervisor, names=[NameInput(family_name="Тагиров", given_name="Билал")],
        sex="M", birth_precision="year", birth_date=dt.date(2015, 1, 1), birthplace="Raqqa",
        team=world.team_a,
    )  # fmt: skip


CHILD = {
    "names": [{"family_name": "Tagirov", "given_name": "Bilal"}],
    "sex": "M",
    "birth_precision": "year",
    "birth_date": "2015-01-01",
}


@pytest.mark.parametrize(
    ("persona", "sees_id"), [("caseworker", True), ("other_team_caseworker", False)]
)
def test_create_answers_409_with_the_likely_duplicates(world, api, persona, sees_id):
    known = _known_child(world)
    persons = Person.objects.count()
    response = api(getattr(world, persona)).post(URL, CHILD, content_type="application/json")
    assert response.status_code == 409, response.content
    error = problem_of(response)
    assert error["code"] == "possible_duplicates" and "confirm_new" in error["detail"]
    [candidate] = error["candidates"]
    assert candidate["display_name"] == "Тагиров Билал"
    assert candidate["birth_year"] == 2015 and candidate["status"] == "reported"
    assert candidate["likelihood"] >= 0.5
    assert candidate["id"] == (str(known.public_id) if sees_id else WITHHELD)
    assert set(candidate) == {"id", "display_name", "birth_year", "status", "likelihood"}
    assert "Raqqa" not in response.content.decode()
    assert Person.objects.count() == persons


def test_create_with_confirm_new_creates_the_person_anyway(world, api):
    _known_child(world)
    client = api(world.caseworker)
    key = {"HTTP_IDEMPOTENCY_KEY": "child-1"}
    first = client.post(URL, CHILD, content_type="application/json", **key)
    assert first.status_code == 409
    response = client.post(
        URL, {**CHILD, "confirm_new": True}, content_type="application/json", **key
    )
    assert response.status_code == 201, response.content
    assert Person.objects.filter(display_name="Tagirov Bilal").count() == 1


def test_create_without_a_likely_duplicate_needs_no_confirmation(world, api):
    _known_child(world)
    body = {**CHILD, "names": [{"family_name": "Khasiev", "given_name": "Adam"}]}
    response = api(world.caseworker).post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_schema_documents_the_duplicate_check(world, api):
    schema = api(world.intake).get("/api/v1/schema/").json()
    post = schema["paths"]["/api/v1/persons/"]["post"]
    assert "409" in post["responses"] and "confirm_new" in post["description"]
    create = schema["components"]["schemas"]["PersonCreate"]
    assert "confirm_new" in create["properties"]
    assert "409" in create["properties"]["confirm_new"]["description"]


def test_a_partner_may_not_create_persons(world, api):
    body = {"names": [{"family_name": "Testova"}]}
    response = api(world.partner).post(URL, body, content_type="application/json")
    assert response.status_code == 403
    assert problem_of(response)["code"] == "permission_denied"


# --- Update with ETag / If-Match ------------------------------------------------------------------


def test_an_edit_with_the_current_etag_is_saved(world, api):
    client = api(world.caseworker)
    etag = client.get(_detail(world.case_a))["ETag"]
    response = client.patch(
        _detail(world.case_a),
        {"birthplace": "Mosul", "reason": "Letter from the aunt"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response.json()["birthplace"] == "Mosul"
    world.case_a.refresh_from_db()
    assert world.case_a.birthplace == "Mosul"
    assert response["ETag"] == current_etag(world.caseworker, world.case_a) != etag


def test_an_edit_without_if_match_is_refused_with_428(world, api):
    response = api(world.caseworker).patch(
        _detail(world.case_a), {"birthplace": "Mosul"}, content_type="application/json"
    )
    assert response.status_code == 428
    assert problem_of(response)["code"] == "precondition_required"
    world.case_a.refresh_from_db()
    assert world.case_a.birthplace == ""


def test_a_stale_edit_is_refused_with_412_and_overwrites_nothing(world, api):
    first, second = api(world.caseworker), api(world.supervisor)
    etag = first.get(_detail(world.case_a))["ETag"]
    assert second.get(_detail(world.case_a))["ETag"] == etag
    saved = second.patch(
        _detail(world.case_a),
        {"birthplace": "Mosul"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert saved.status_code == 200
    stale = first.patch(
        _detail(world.case_a),
        {"birthplace": "Raqqa"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert problem_of(stale)["code"] == "precondition_failed"
    world.case_a.refresh_from_db()
    assert world.case_a.birthplace == "Mosul"


def test_a_race_lost_inside_the_service_is_a_412(world, api, monkeypatch):
    # The version moves between the If-Match check and the locked write.
    from casework.api import persons

    client = api(world.caseworker)
    etag = client.get(_detail(world.case_a))["ETag"]
    real_update = persons.person_update

    def racing_update(**kwargs):
        Person.objects.filter(pk=world.case_a.pk).update(version=99)
        return real_update(**kwargs)

    monkeypatch.setattr(persons, "person_update", racing_update)
    response = client.patch(
        _detail(world.case_a),
        {"birthplace": "Raqqa"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 412
    world.case_a.refresh_from_db()
    assert world.case_a.birthplace == ""


@pytest.mark.parametrize(
    "smuggled",
    [{"status": "returned"}, {"organisation": "south"}, {"team": "x"}, {"security_notes": "x"}],
)
def test_an_edit_refuses_hidden_fields(world, api, smuggled):
    client = api(world.caseworker)
    etag = client.get(_detail(world.case_a))["ETag"]
    response = client.patch(
        _detail(world.case_a), smuggled, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    before = world.case_a.version
    world.case_a.refresh_from_db()
    assert world.case_a.version == before
    assert world.case_a.status == "reported"
    assert world.case_a.organisation == world.north


def test_put_is_not_offered(world, api):
    response = api(world.caseworker).put(
        _detail(world.case_a), {"birthplace": "x"}, content_type="application/json"
    )
    assert response.status_code == 405


# --- Status ---------------------------------------------------------------------------------------


def test_the_status_action_moves_a_person_along_the_workflow(world, api):
    client = api(world.caseworker)
    response = client.post(
        f"{_detail(world.case_a)}status/",
        {"status": "verifying", "reason": "A voice message from the camp"},
        content_type="application/json",
        HTTP_IF_MATCH=client.get(_detail(world.case_a))["ETag"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "verifying"
    world.case_a.refresh_from_db()
    assert world.case_a.status == "verifying"


def test_a_forbidden_move_is_a_400_naming_the_field(world, api):
    client = api(world.caseworker)
    response = client.post(
        f"{_detail(world.case_a)}status/",
        {"status": "reunited", "reason": "Skipping ahead"},
        content_type="application/json",
        HTTP_IF_MATCH=client.get(_detail(world.case_a))["ETag"],
    )
    assert response.status_code == 400
    assert "status" in fields_of(response)
    world.case_a.refresh_from_db()
    assert world.case_a.status == "reported"


def test_a_status_change_with_a_stale_if_match_is_refused(world, api):
    client = api(world.caseworker)
    etag = client.get(_detail(world.case_a))["ETag"]
    Person.objects.filter(pk=world.case_a.pk).update(version=5)
    response = client.post(
        f"{_detail(world.case_a)}status/",
        {"status": "verifying", "reason": "Letter"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 412
    assert problem_of(response)["code"] == "precondition_failed"


def test_a_status_change_without_if_match_is_refused_with_428(world, api):
    response = api(world.caseworker).post(
        f"{_detail(world.case_a)}status/",
        {"status": "verifying", "reason": "Letter"},
        content_type="application/json",
    )
    assert response.status_code == 428
    assert problem_of(response)["code"] == "precondition_required"
    world.case_a.refresh_from_db()
    assert world.case_a.status == "reported"


@pytest.mark.parametrize("persona", ["caseworker", "partner"])
def test_a_read_with_the_current_etag_is_a_304(world, api, persona):
    client = api(getattr(world, persona))
    first = client.get(_detail(world.case_a))
    etag = first["ETag"]
    again = client.get(_detail(world.case_a), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert client.get(_detail(world.case_a), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert client.get(_detail(world.case_a), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_the_etag_moves_when_what_the_caller_sees_moves(world, api):
    # A new name moves no version, yet the representation changes: no stale 304.
    client = api(world.caseworker)
    etag = client.get(_detail(world.case_a))["ETag"]
    world.case_a.names.update(given_name="Renamed")
    changed = client.get(_detail(world.case_a), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_each_caller_has_the_etag_of_what_they_see(world, api):
    supervisor = api(world.supervisor).get(_detail(world.case_a))["ETag"]
    partner = api(world.partner).get(_detail(world.case_a))["ETag"]
    assert supervisor != partner


def test_a_status_change_on_another_organisations_case_is_like_a_missing_one(world, api):
    client = api(world.supervisor)
    body = {"status": "verifying", "reason": "x"}
    foreign = client.post(f"{_detail(world.south_case)}status/", body, "application/json")
    missing = client.post(f"{URL}{uuid.uuid4()}/status/", body, "application/json")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    world.south_case.refresh_from_db()
    assert world.south_case.status == "reported"


# --- Pagination -----------------------------------------------------------------------------------


def test_page_size_is_at_most_1000_and_never_silently_another(world, api):
    """The persons list takes pages of up to 1,000 (a partner's full mirror), other lists 200."""
    Person.objects.bulk_create(
        [Person(organisation=world.north, display_name=f"Testova {i}") for i in range(1005)]
    )
    client = api(world.supervisor)
    response = client.get(f"{URL}?page_size=1000")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1000
    for wrong in (str(10**9), "1001", "0", "-1", "null", "2.5", "٣"):
        refused = client.get(URL, {"page_size": wrong})
        assert refused.status_code == 400, wrong
        assert fields_of(refused) == {"page_size"}
    assert client.get("/api/v1/reports/", {"page_size": "201"}).status_code == 400
    assert client.get("/api/v1/reports/", {"page_size": "200"}).status_code == 200


def test_pages_by_cursor_cover_every_visible_person_once(world, api):
    for index in range(7):
        PersonFactory(organisation=world.north, team=world.team_a, display_name=f"Testova {index}")
    client = api(world.caseworker)
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = client.get(url).json()
        seen.extend(r["id"] for r in body["results"])
        url = body["next"]
    expected = Person.objects.visible_to(world.caseworker).values_list("public_id", flat=True)
    assert sorted(seen) == sorted(str(p) for p in expected)


# --- Merged persons: tombstones, as in the change feed ----------------------------------------


def _merge(world, survivor, absorbed):
    from casework.services.merge import persons_merge

    return persons_merge(actor=world.supervisor, survivor=survivor, absorbed=absorbed, reason="x")


def test_the_list_shows_a_merged_person_as_a_tombstone_pointing_to_the_survivor(world, api):
    _merge(world, world.case_a, world.case_b)
    results = api(world.supervisor).get(URL).json()["results"]
    tombstone = {
        "id": str(world.case_b.public_id),
        "tombstone": True,
        "merged_into": str(world.case_a.public_id),
    }
    assert tombstone in results
    assert str(world.case_a.public_id) in _ids(api(world.supervisor).get(URL))


def test_the_list_leaves_out_a_person_merged_into_one_the_caller_cannot_see(world, api):
    _merge(world, world.case_b, world.case_a)
    # The partner sees case_a (shared), not case_b: to it, case_a is gone.
    assert api(world.partner).get(URL).json()["results"] == []
    # Its detail still answers for the record the partner was given.
    assert api(world.partner).get(_detail(world.case_a)).status_code == 200


def test_a_partner_list_shows_a_merge_into_a_shared_person_as_the_feed_does(world, api):
    SharedCase.objects.create(agreement=world.agreement, person=world.case_b)
    _merge(world, world.case_b, world.case_a)
    client = api(world.partner)
    listed = client.get(URL).json()["results"]
    fed = client.get(f"{URL}changes/").json()["results"]
    tombstone = {
        "id": str(world.case_a.public_id),
        "tombstone": True,
        "merged_into": str(world.case_b.public_id),
    }
    assert tombstone in listed and tombstone in fed
    assert [i for i in listed if i != tombstone] == [i for i in fed if i != tombstone]


def test_a_merge_moves_the_survivors_updated_at_with_its_version(world, api):
    client = api(world.supervisor)
    before = client.get(_detail(world.case_a))
    _merge(world, world.case_a, world.case_b)
    after = client.get(_detail(world.case_a))
    assert after["ETag"] != before["ETag"]
    moved = [parse_datetime(r.json()["updated_at"]) for r in (before, after)]
    assert moved[1] > moved[0]


def test_a_partner_sees_when_a_shared_record_was_made_and_last_changed(world, api):
    record = api(world.partner).get(_detail(world.case_a)).json()
    listed = api(world.partner).get(URL).json()["results"][0]
    for name in ("created_at", "updated_at"):
        assert record[name] == listed[name] != WITHHELD
