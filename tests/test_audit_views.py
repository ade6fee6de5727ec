"""The audit trail page: the DPO's organisation only, filters, pages; nobody else gets in."""

import datetime as dt

import pytest

from casework import audit
from casework.audit import AuditAction

AUDIT = "/audit/"


def _listed(response) -> list:
    return list(response.context["page"])


@pytest.fixture
def events(world):
    return {
        "read_a": audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a),
        "update_b": audit.record(world.other_team_caseworker, AuditAction.UPDATE, world.case_b),
        "login": audit.record(world.supervisor, AuditAction.LOGIN, world.supervisor),
        "south": audit.record(
            world.south_supervisor, AuditAction.READ_RESTRICTED, world.south_case
        ),
    }


def test_the_dpo_sees_the_events_of_the_organisation(world, login, events):
    response = login(world.dpo).get(AUDIT)
    assert response.status_code == 200
    listed = _listed(response)
    assert {events["read_a"], events["update_b"], events["login"]} <= set(listed)
    assert events["south"] not in listed
    assert str(world.south_case.public_id) not in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["caseworker", "other_team_caseworker", "intake", "supervisor", "admin"]
)
def test_roles_without_the_audit_permission_get_403(world, login, persona, events):
    assert login(getattr(world, persona)).get(AUDIT).status_code == 403


def test_anonymous_is_sent_to_login(world, login):
    response = login(None).get(AUDIT)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_it_filters_by_who(world, login, events):
    listed = _listed(login(world.dpo).get(AUDIT, {"who": "other_team_caseworker"}))
    assert listed == [events["update_b"]]


def test_it_filters_by_record_or_person_id(world, login, events):
    by_person = _listed(login(world.dpo).get(AUDIT, {"record": str(world.case_a.public_id)}))
    assert by_person == [events["read_a"]]
    by_object = _listed(login(world.dpo).get(AUDIT, {"record": str(world.supervisor.public_id)}))
    assert by_object == [events["login"]]


def test_the_record_filter_finds_a_page_read_from_each_person_it_names(world, login, events):
    from casework.permissions import Level

    [page] = audit.record_reads(
        world.supervisor,
        "api_person_list",
        [(world.case_a, Level.RESTRICTED, ["birthplace"]), (world.case_b, Level.RESTRICTED, [])],
    )
    client = login(world.dpo)
    assert _listed(client.get(AUDIT, {"record": str(world.case_a.public_id)})) == [
        page,
        events["read_a"],
    ]
    assert _listed(client.get(AUDIT, {"record": str(world.case_b.public_id)})) == [
        page,
        events["update_b"],
    ]


def test_a_record_filter_cannot_reach_another_organisation(world, login, events):
    response = login(world.dpo).get(AUDIT, {"record": str(world.south_case.public_id)})
    assert _listed(response) == []


def test_it_filters_by_action(world, login, events):
    listed = _listed(login(world.dpo).get(AUDIT, {"action": AuditAction.LOGIN}))
    assert events["login"] in listed
    assert all(e.action == AuditAction.LOGIN for e in listed)


def test_it_filters_by_date(world, login, events):
    today = dt.date.today()
    kept = _listed(login(world.dpo).get(AUDIT, {"date_from": today, "date_to": today}))
    assert events["read_a"] in kept
    future = today + dt.timedelta(days=1)
    assert _listed(login(world.dpo).get(AUDIT, {"date_from": future})) == []
    past = today - dt.timedelta(days=1)
    assert _listed(login(world.dpo).get(AUDIT, {"date_to": past})) == []


def test_bad_filter_values_get_a_clear_error(world, login, events):
    response = login(world.dpo).get(AUDIT, {"record": "not-a-uuid", "date_from": "2025-02-30"})
    assert response.status_code == 400
    assert _listed(response) == []
    html = response.content.decode()
    assert "Enter a valid UUID" in html
    assert "There is no 30 February in 2025." in html  # read as every date is (casework.dates)


def test_it_is_paginated(world, login):
    for _ in range(55):
        audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)
    client = login(world.dpo)
    first = client.get(AUDIT, {"action": AuditAction.READ_SENSITIVE})
    assert len(_listed(first)) == 50
    assert "page=2" in first.content.decode()
    second = client.get(AUDIT, {"action": AuditAction.READ_SENSITIVE, "page": 2})
    assert len(_listed(second)) == 5
    assert not set(_listed(first)) & set(_listed(second))


def test_sensitive_values_stay_redacted_on_the_page(world, login):
    audit.record(
        world.caseworker,
        AuditAction.UPDATE,
        world.case_a,
        fields=["birthplace"],
        changes=audit.diff(
            {"birthplace": "Mosul"}, {"birthplace": "Raqqa"}, sensitive={"birthplace"}
        ),
    )
    html = login(world.dpo).get(AUDIT).content.decode()
    assert "birthplace" in html and "[redacted]" in html
    assert "Raqqa" not in html and "Mosul" not in html
