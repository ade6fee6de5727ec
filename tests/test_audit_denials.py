"""Every refusal is an audit event: the 403s of the staff pages' door (`staff_view`) and of the API
(role checks in `initial()`, views), and the 404s of the read gates for a record that exists but is
hidden, answered word for word like a missing one. Each test asserts the exact event."""

import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.audit import AuditAction
from casework.models import AuditEvent, SharedCase
from tests.api.conftest import issue_token
from tests.conftest import verified_client
from tests.factories import ReportFactory
from tests.queries import own_queries

PERSONS = "/api/v1/persons/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # API throttle counters live in the cache, which outlives each test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """`api(user)`: staff through their verified session, a partner through a token."""

    def _client(user):
        if user.role == "partner":
            _token, key = issue_token(user)
            return Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        return verified_client(user)

    return _client


def _denials():
    return AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("id")


def _shape(event) -> dict:
    """What an event says, without when and in which request."""
    return {
        "action": event.action,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "organisation": event.organisation_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": event.person_id,
        "fields": event.fields,
        "changes": event.changes,
        "reason": event.reason,
    }


def _denial(user, organisation, changes, *, obj_type="", obj_id=None, person_id=None) -> dict:
    return {
        "action": AuditAction.DENIED,
        "actor": user.pk,
        "actor_label": user.username,
        "organisation": organisation.pk,
        "object_type": obj_type,
        "object_id": obj_id,
        "person_id": person_id,
        "fields": [],
        "changes": changes,
        "reason": "",
    }


# --- staff_view: the door of every staff page -------------------------------------------------


def test_a_role_without_the_pages_action_is_refused_and_audited(world, login):
    response = login(world.admin).get("/persons/?q=Alieva&region=Dagestan")
    assert response.status_code == 403
    [event] = _denials()
    assert _shape(event) == _denial(
        world.admin,
        world.north,
        {"attempted": "view_person", "answered": "403", "route": "person_list", "method": "GET"},
    )
    # The query string (a searched name, a region) never enters the trail.
    assert "Alieva" not in str(_shape(event)) and "Dagestan" not in str(_shape(event))


def test_a_partner_account_on_a_staff_page_is_refused_and_audited(world):
    client = verified_client(world.partner)
    response = client.get(f"/persons/{world.case_a.public_id}/")
    assert response.status_code == 403
    [event] = _denials()
    assert _shape(event) == _denial(
        world.partner,
        world.partner_org,
        {"attempted": "staff_area", "answered": "403", "route": "person_detail", "method": "GET"},
    )


def test_a_page_the_role_may_open_writes_no_denial(world, login):
    assert login(world.caseworker).get("/persons/").status_code == 200
    assert not _denials().exists()


# --- API: 403s of initial() and of the views ---------------------------------------------------


def test_an_api_role_check_in_initial_is_audited(world, api):
    # The data-protection officer reads no family reports (the report API's `initial()`).
    response = api(world.dpo).get("/api/v1/reports/")
    assert response.status_code == 403
    [event] = _denials()
    assert _shape(event) == _denial(
        world.dpo,
        world.north,
        {"attempted": "api-report-list", "answered": "403", "method": "GET"},
    )


def test_a_permission_denied_raised_by_a_view_is_audited(world, api):
    # The change feed is for partners; staff get 403 from the view itself.
    response = api(world.caseworker).get(f"{PERSONS}changes/")
    assert response.status_code == 403
    [event] = _denials()
    assert _shape(event) == _denial(
        world.caseworker,
        world.north,
        {"attempted": "api-person-changes", "answered": "403", "method": "GET"},
    )


def test_a_refusal_already_written_by_the_gate_is_not_written_twice(world, api):
    # require() passes (partners may enter reports); the view refuses for want of an agreement
    # that allows it, writing its own denial. The API boundary adds none.
    response = api(world.partner_without_agreement).post(
        "/api/v1/reports/",
        {"entries": [{"family_name": "Testova"}]},
        content_type="application/json",
    )
    assert response.status_code == 403
    [event] = _denials()
    assert event.changes == {"attempted": "enter_report", "answered": "403"}


def test_a_refusal_by_require_inside_a_view_is_written_once(world, api):
    # Intake sees case_a at the minimal level: it may not change its status (require: 403).
    response = api(world.intake).post(
        f"{PERSONS}{world.case_a.public_id}/status/",
        {"status": "located", "reason": "seen"},
        content_type="application/json",
    )
    assert response.status_code == 403
    [event] = _denials()
    assert event.actor == world.intake
    assert event.object_id == world.case_a.public_id
    assert event.changes == {"attempted": "change_status", "answered": "403"}


# --- 404s of the read gates: hidden answers like missing, and is audited ------------------------


def _missing_changes(route="api-person-detail", method="GET"):
    return {"attempted": route, "answered": "404", "method": method}


def test_a_hidden_record_answers_byte_for_byte_like_a_missing_one(world, api):
    client = api(world.other_team_caseworker)
    hidden = client.get(f"{PERSONS}{world.case_a.public_id}/")
    missing = client.get(f"{PERSONS}{uuid.uuid4()}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden["Content-Type"] == missing["Content-Type"]


def test_a_hidden_record_of_the_own_organisation_is_a_denial_naming_it(world, api):
    api(world.other_team_caseworker).get(f"{PERSONS}{world.case_a.public_id}/")
    prober_side, event = _denials()
    assert _shape(prober_side) == _denial(
        world.other_team_caseworker, world.north, _missing_changes(), obj_type="Person"
    )
    assert _shape(event) == _denial(
        world.other_team_caseworker,
        world.north,
        _missing_changes(),
        obj_type="Person",
        obj_id=world.case_a.public_id,
        person_id=world.case_a.public_id,
    )
    # The officer sees the probe, and so does the case's own history.
    assert event in AuditEvent.objects.visible_to(world.dpo)
    assert event in AuditEvent.objects.visible_to(world.caseworker)


def test_a_missing_id_is_a_denial_without_an_object(world, api):
    api(world.other_team_caseworker).get(f"{PERSONS}{uuid.uuid4()}/")
    event, operators_side = _denials()
    assert _shape(event) == _denial(
        world.other_team_caseworker, world.north, _missing_changes(), obj_type="Person"
    )
    # The id names nothing, so no organisation's officer is told more: the record's side of the
    # probe goes to the trail of events without an organisation.
    assert _shape(operators_side) == {**_shape(event), "organisation": None}
    assert operators_side not in AuditEvent.objects.visible_to(world.dpo)


def _kinds(events) -> list[tuple]:
    return sorted((e.action, e.object_type, e.actor_id, str(e.changes)) for e in events)


@pytest.mark.parametrize(
    ("persona", "case"),
    [
        ("other_team_caseworker", "case_a"),  # hidden in the own organisation
        ("caseworker", "south_case"),  # held by another organisation
        ("partner", "case_b"),  # a case not shared with the partner
    ],
)
def test_hidden_and_missing_write_the_same_number_and_kinds_of_rows(world, api, persona, case):
    client = api(getattr(world, persona))
    client.get(PERSONS)  # the first request of a session also writes the session
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with CaptureQueriesContext(connection) as hidden_queries:
        assert client.get(f"{PERSONS}{getattr(world, case).public_id}/").status_code == 404
    middle = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    with CaptureQueriesContext(connection) as missing_queries:
        assert client.get(f"{PERSONS}{uuid.uuid4()}/").status_code == 404
    hidden_rows = AuditEvent.objects.filter(id__gt=before, id__lte=middle)
    missing_rows = AuditEvent.objects.filter(id__gt=middle)
    assert hidden_rows.count() == missing_rows.count() == 2
    assert _kinds(hidden_rows) == _kinds(missing_rows)
    assert _statements(hidden_queries) == _statements(missing_queries)


def test_a_malformed_id_names_no_record_and_is_no_event(world, api):
    assert api(world.caseworker).get(f"{PERSONS}not-a-uuid/").status_code == 404
    assert not _denials().exists()


def test_hidden_and_missing_cost_the_same_queries(world, api):
    client = api(world.other_team_caseworker)
    client.get(PERSONS)  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as hidden:
        client.get(f"{PERSONS}{world.case_a.public_id}/")
    with CaptureQueriesContext(connection) as missing:
        client.get(f"{PERSONS}{uuid.uuid4()}/")
    assert _statements(hidden) == _statements(missing)


def _statements(queries) -> list[str]:
    """The kinds of statements a request ran, in order (a missing id's record side is in the
    audit chain of no organisation, a hidden one's may share the prober's: the chain-head reads
    of SQLite are left out, see tests/queries.py)."""
    return [q["sql"].split()[0] for q in own_queries(queries)]


def test_a_record_of_another_organisation_leaves_the_prober_side_like_a_missing_one(world, api):
    client = api(world.caseworker)
    foreign = client.get(f"{PERSONS}{world.south_case.public_id}/")
    missing = client.get(f"{PERSONS}{uuid.uuid4()}/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    # The owner's officer sees who probed their record ...
    owner_side = AuditEvent.objects.get(action=AuditAction.DENIED, organisation=world.south)
    assert _shape(owner_side) == _denial(
        world.caseworker,
        world.south,
        _missing_changes(),
        obj_type="Person",
        obj_id=world.south_case.public_id,
        person_id=world.south_case.public_id,
    )
    # ... and the prober's officer sees two probes that read alike: the trail does not tell them
    # that another organisation holds the first id.
    own_side = [_shape(e) for e in AuditEvent.objects.visible_to(world.dpo).filter(action="denied")]
    expected = _denial(world.caseworker, world.north, _missing_changes(), obj_type="Person")
    assert own_side == [expected, expected]
    assert not AuditEvent.objects.visible_to(world.dpo).filter(object_id=world.south_case.public_id)


def test_a_partner_probing_an_unshared_case_is_seen_by_its_owner(world, api):
    client = api(world.partner)
    unshared = client.get(f"{PERSONS}{world.case_b.public_id}/")
    missing = client.get(f"{PERSONS}{uuid.uuid4()}/")
    assert unshared.status_code == missing.status_code == 404
    assert unshared.content == missing.content
    owner_side = AuditEvent.objects.get(action=AuditAction.DENIED, object_id=world.case_b.public_id)
    assert owner_side.organisation == world.north
    assert owner_side.actor == world.partner
    assert owner_side in AuditEvent.objects.visible_to(world.dpo)
    partner_side = _denials().filter(organisation=world.partner_org)
    assert [_shape(e) for e in partner_side] == [
        _denial(world.partner, world.partner_org, _missing_changes(), obj_type="Person")
    ] * 2


def test_a_case_that_is_no_longer_shared_answers_like_missing_and_is_audited(world, api):
    client = api(world.partner)
    assert client.get(f"{PERSONS}{world.case_a.public_id}/").status_code == 200
    SharedCase.objects.filter(person=world.case_a).delete()
    assert client.get(f"{PERSONS}{world.case_a.public_id}/").status_code == 404
    assert _denials().filter(object_id=world.case_a.public_id, actor=world.partner).exists()


def test_a_write_to_a_hidden_record_is_audited_with_its_method(world, api):
    response = api(world.other_team_caseworker).post(
        f"{PERSONS}{world.case_a.public_id}/status/",
        {"status": "located", "reason": "seen"},
        content_type="application/json",
    )
    assert response.status_code == 404
    _prober_side, event = _denials()
    assert event.object_id == world.case_a.public_id
    assert event.changes == _missing_changes("api-person-status", "POST")
    # The body sent (a reason) is not kept.
    assert "seen" not in str(_shape(event))


def test_another_partners_report_answers_like_a_missing_one_and_is_audited(world, api):
    report = ReportFactory(organisation=world.north, channel="partner", source_partner=None)
    client = api(world.partner)
    hidden = client.get(f"/api/v1/reports/{report.public_id}/")
    missing = client.get(f"/api/v1/reports/{uuid.uuid4()}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    owner_side = AuditEvent.objects.get(action=AuditAction.DENIED, object_id=report.public_id)
    assert owner_side.object_type == "FamilyReport"
    assert owner_side.organisation == world.north
    assert owner_side.changes == _missing_changes("api-report-detail")


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_a_visible_record_is_no_denial(world, api, persona):
    assert (
        api(getattr(world, persona)).get(f"{PERSONS}{world.case_a.public_id}/").status_code == 200
    )
    assert not _denials().exists()
