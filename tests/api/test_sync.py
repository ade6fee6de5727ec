"""casework/api/sync.py: a partner's change feed by cursor, under interleaved writes."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casework.models import AgreementFeedState, ChangeOutbox, Person, SharedCase
from casework.services.merge import persons_merge
from casework.services.persons import person_change_status, person_update
from tests.api.conftest import fields_of, problem_of
from tests.api.feed import URL, drain, page, share


def _deleted(person) -> dict:
    return {"id": str(person.public_id), "tombstone": True, "deleted": True}


def _edit(world, person, **changes):
    person = Person.objects.get(pk=person.pk)
    person_update(actor=world.supervisor, person=person, expected_version=person.version, **changes)


def test_it_delivers_every_shared_person_once(world, api):
    shared = [world.case_a] + [share(world) for _ in range(5)]
    client = api(world.partner)
    items, cursor = drain(client, page_size=2)
    assert sorted(i["id"] for i in items) == sorted(str(p.public_id) for p in shared)
    # Polling again from the end gives nothing new, and keeps the position.
    again = page(client, cursor)
    assert again == {"results": [], "next_cursor": cursor, "has_more": False}


def test_it_shows_only_the_agreed_fields_and_when_the_record_changed(world, api):
    item = page(api(world.partner))["results"][0]
    assert item["display_name"] == "Alieva Madina"
    assert item["birthplace"] == {"withheld": True}
    assert item["names"] == {"withheld": True}
    person = Person.objects.get(pk=world.case_a.pk)
    assert parse_datetime(item["created_at"]) == person.created_at
    assert parse_datetime(item["updated_at"]) == person.updated_at


def test_a_partner_without_agreement_gets_nothing(world, api):
    assert page(api(world.partner_without_agreement))["results"] == []


def test_no_record_is_skipped_or_duplicated_under_interleaved_writes(world, api):
    for _ in range(8):
        share(world)
    client = api(world.partner)
    state = {}

    delivered = set()

    def not_yet_delivered():
        visible = Person.objects.visible_to(world.partner).order_by("pk")
        return [p for p in visible if str(p.public_id) not in delivered]

    def between(number, body):
        delivered.update(i["id"] for i in body["results"])
        if number == 1:
            rest = not_yet_delivered()
            early = Person.objects.get(public_id=body["results"][0]["id"])
            state.update(early=early, late=rest[0], unshared=rest[1])
            # Already delivered: changes again, so comes again (a new change).
            _edit(world, early, birthplace="Mosul")
            # Not yet delivered: changes, and comes once, with its new state.
            person_change_status(actor=world.supervisor, person=rest[0], to="verifying", reason="x")
            # A new case shared while the partner reads.
            state["new"] = share(world, display_name="Newova Liana")
            # Unshared before the partner got to it: a tombstone, never the record.
            SharedCase.objects.filter(person=rest[1]).delete()
        if number == 2:
            moved = {state["late"].pk, state["new"].pk}
            state["last"] = next(p for p in not_yet_delivered() if p.pk not in moved)
            _edit(world, state["last"], citizenship="RU")

    items, _cursor = drain(client, page_size=3, between=between)
    counts = Counter(item["id"] for item in items)
    shared = Person.objects.filter(shares__isnull=False).values_list("public_id", flat=True)
    assert set(counts) == {str(p) for p in shared} | {str(state["unshared"].public_id)}
    assert counts[str(state["early"].public_id)] == 2
    for once in ("late", "unshared", "last", "new"):
        assert counts[str(state[once].public_id)] == 1, once
    assert [i for i in items if i["id"] == str(state["unshared"].public_id)] == [
        _deleted(state["unshared"])
    ]
    # The last word on each person is its current state.
    final = {item["id"]: item for item in items}
    assert final[str(state["late"].public_id)]["status"] == "verifying"
    visible = Person.objects.visible_to(world.partner).values_list("public_id", flat=True)
    assert {i["id"] for i in items if not i.get("tombstone")} == {str(p) for p in visible}


def test_a_person_changed_many_times_between_two_reads_comes_once(world, api):
    client = api(world.partner)
    _items, cursor = drain(client)
    for place in ("Raqqa", "Mosul", "Hasakah"):
        _edit(world, world.case_a, birthplace=place)
    assert [i["id"] for i in page(client, cursor)["results"]] == [str(world.case_a.public_id)]


def test_an_older_record_shared_later_is_delivered(world, api):
    client = api(world.partner)
    _items, cursor = drain(client)
    # case_b was saved before the cursor's position; sharing it is what is new.
    SharedCase.objects.create(agreement=world.agreement, person=world.case_b)
    body = page(client, cursor)
    assert [i["id"] for i in body["results"]] == [str(world.case_b.public_id)]


def _in_a_day(monkeypatch):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr("casework.permissions.persons.timezone.localdate", lambda: tomorrow)


def test_cases_of_an_agreement_that_comes_into_force_later_are_delivered(world, api, monkeypatch):
    client = api(world.partner)
    _items, cursor = drain(client)
    later = type(world.agreement).objects.create(
        owner=world.north,
        partner=world.partner_org,
        title="From tomorrow",
        shared_fields=["display_name"],
        valid_from=timezone.localdate() + dt.timedelta(days=1),
    )
    SharedCase.objects.create(agreement=later, person=world.case_b)
    _edit(world, world.case_b, birthplace="Raqqa")
    body = page(client, cursor)
    # Not in force yet: the partner learns nothing of its cases, not even an id.
    assert body["results"] == []
    assert not ChangeOutbox.objects.filter(person_public_id=world.case_b.public_id).exists()
    _in_a_day(monkeypatch)
    results = page(client, body["next_cursor"])["results"]
    assert [i["id"] for i in results] == [str(world.case_b.public_id)]


def test_a_change_of_agreed_fields_delivers_the_shared_records_again(world, api):
    client = api(world.partner)
    _items, cursor = drain(client)
    world.agreement.shared_fields = ["display_name", "sex", "status", "birthplace"]
    world.agreement.save()
    results = page(client, cursor)["results"]
    assert [i["id"] for i in results] == [str(world.case_a.public_id)]
    assert results[0]["birthplace"] == ""


# --- Tombstones ---------------------------------------------------------------------------------


def _after_first_sync(world, api):
    client = api(world.partner)
    _items, cursor = drain(client)
    return client, cursor


def test_unsharing_delivers_a_tombstone(world, api):
    client, cursor = _after_first_sync(world, api)
    SharedCase.objects.filter(person=world.case_a).delete()
    assert page(client, cursor)["results"] == [_deleted(world.case_a)]


def test_a_deleted_person_is_a_tombstone(world, api):
    person = share(world)
    client, cursor = _after_first_sync(world, api)
    expected = _deleted(person)
    person.delete()
    assert page(client, cursor)["results"] == [expected]


def test_a_person_made_protected_is_a_tombstone_and_comes_back_when_no_longer(world, api):
    client, cursor = _after_first_sync(world, api)
    _edit(world, world.case_a, sensitivity="protected")
    body = page(client, cursor)
    assert body["results"] == [_deleted(world.case_a)]
    _edit(world, world.case_a, sensitivity="normal")
    assert [i["id"] for i in page(client, body["next_cursor"])["results"]] == [
        str(world.case_a.public_id)
    ]


def test_a_revoked_agreement_tombstones_every_case_it_shared(world, api):
    other = share(world)
    client, cursor = _after_first_sync(world, api)
    world.agreement.revoked_at = timezone.now()
    world.agreement.save()
    body = page(client, cursor)
    assert sorted(body["results"], key=lambda i: i["id"]) == sorted(
        [_deleted(world.case_a), _deleted(other)], key=lambda i: i["id"]
    )
    assert page(client, body["next_cursor"])["results"] == []


def test_a_deleted_agreement_tombstones_every_case_it_shared(world, api):
    client, cursor = _after_first_sync(world, api)
    world.agreement.delete()
    assert page(client, cursor)["results"] == [_deleted(world.case_a)]


def test_an_agreement_ending_at_midnight_tombstones_its_cases(world, api, monkeypatch):
    world.agreement.valid_until = timezone.localdate()
    world.agreement.save()
    client, cursor = _after_first_sync(world, api)
    _in_a_day(monkeypatch)
    assert page(client, cursor)["results"] == [_deleted(world.case_a)]
    # Told once: the next read has nothing new.
    assert AgreementFeedState.objects.get(agreement=world.agreement).in_force is False


def test_an_end_date_set_after_the_fact_tombstones_its_cases(world, api):
    client, cursor = _after_first_sync(world, api)
    world.agreement.valid_until = timezone.localdate() - dt.timedelta(days=1)
    world.agreement.save()
    assert page(client, cursor)["results"] == [_deleted(world.case_a)]


def test_a_stale_copy_of_the_agreement_saved_again_still_tombstones(world, api):
    # The agreement as loaded before the feed first told it: saving it must not undo that.
    stale = type(world.agreement).objects.get(pk=world.agreement.pk)
    client, cursor = _after_first_sync(world, api)
    stale.revoked_at = timezone.now()
    stale.save()
    assert page(client, cursor)["results"] == [_deleted(world.case_a)]


def test_a_merge_into_a_shared_person_is_delivered_as_merged_into(world, api):
    survivor = share(world)
    client, cursor = _after_first_sync(world, api)
    persons_merge(actor=world.supervisor, survivor=survivor, absorbed=world.case_a, reason="Same")
    results = page(client, cursor)["results"]
    tombstone = {
        "id": str(world.case_a.public_id),
        "tombstone": True,
        "merged_into": str(survivor.public_id),
    }
    # The survivor changed too (it holds the absorbed record's names now).
    assert tombstone in results
    assert [i["id"] for i in results if i != tombstone] == [str(survivor.public_id)]


def test_a_merge_into_an_unshared_person_is_delivered_as_deleted(world, api):
    client, cursor = _after_first_sync(world, api)
    persons_merge(
        actor=world.supervisor, survivor=world.case_b, absorbed=world.case_a, reason="Same"
    )
    results = page(client, cursor)["results"]
    assert results == [_deleted(world.case_a)]
    assert str(world.case_b.public_id) not in str(results)


def test_sharing_again_after_unsharing_delivers_the_record(world, api):
    client, cursor = _after_first_sync(world, api)
    SharedCase.objects.filter(person=world.case_a).delete()
    SharedCase.objects.create(agreement=world.agreement, person=world.case_a)
    results = page(client, cursor)["results"]
    # Visible again: its record, not a stale tombstone.
    assert [i["id"] for i in results] == [str(world.case_a.public_id)]
    assert "tombstone" not in results[0]


# --- Nothing reaches a partner that never saw the person ----------------------------------------


@pytest.mark.parametrize("case", ["south_case", "protected_a"])
def test_a_share_written_around_the_service_tells_the_partner_nothing(world, api, case):
    client, cursor = _after_first_sync(world, api)
    person = getattr(world, case)
    SharedCase.objects.create(agreement=world.agreement, person=person)
    SharedCase.objects.filter(person=person).delete()
    assert page(client, cursor)["results"] == []
    assert not ChangeOutbox.objects.filter(person_public_id=person.public_id).exists()


def test_a_change_of_an_unshared_person_tells_no_partner(world, api):
    client, cursor = _after_first_sync(world, api)
    _edit(world, world.case_b, birthplace="Raqqa")
    assert page(client, cursor)["results"] == []
    assert not ChangeOutbox.objects.filter(person_public_id=world.case_b.public_id).exists()


def test_another_partners_changes_are_not_in_the_feed(world, api):
    other = type(world.agreement).objects.create(
        owner=world.north,
        partner=world.stranger_org,
        title="North shares with Stranger NGO",
        shared_fields=["display_name"],
        valid_from=dt.date(2025, 1, 1),
    )
    SharedCase.objects.create(agreement=other, person=world.case_b)
    stranger = api(world.partner_without_agreement)
    client, cursor = _after_first_sync(world, api)
    assert [i["id"] for i in page(stranger)["results"]] == [str(world.case_b.public_id)]
    _edit(world, world.case_b, birthplace="Raqqa")
    assert page(client, cursor)["results"] == []


# --- Errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cursor", ["garbage", "a:b:c", "x" * 5000])
def test_a_tampered_cursor_is_a_400(world, api, cursor):
    response = api(world.partner).get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_cursor"
    assert fields_of(response) == {"cursor"}


@pytest.mark.parametrize(
    "payload",
    [
        {"t": "2020-01-01T00:00:00+00:00", "k": "0" * 32},  # a cursor of the feed before the outbox
        {"x": -1, "i": 5},
        {"x": "5", "i": 5},
        {"x": True, "i": 5},
    ],
)
def test_a_cursor_signed_for_something_else_is_refused(world, api, payload):
    from django.core import signing

    for salt in ("casework.api.change-outbox", "casework.api.list-position", None):
        forged = signing.dumps(payload, salt=salt) if salt else signing.dumps(payload)
        response = api(world.partner).get(URL, {"cursor": forged})
        assert response.status_code == 400, (salt, payload)


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "intake", "dpo", "admin"])
def test_staff_have_no_change_feed(world, api, persona):
    assert api(getattr(world, persona)).get(URL).status_code == 403


def test_the_largest_page_size_is_500(world, api):
    for _ in range(3):
        share(world)
    assert len(page(api(world.partner), page_size=500)["results"]) == 4
    assert api(world.partner).get(URL, {"page_size": 10**9}).status_code == 400


def test_a_person_shared_under_two_agreements_comes_once(world, api):
    second = type(world.agreement).objects.create(
        owner=world.north,
        partner=world.partner_org,
        title="A second agreement",
        shared_fields=["display_name"],
        valid_from=dt.date(2025, 1, 1),
    )
    SharedCase.objects.create(agreement=second, person=world.case_a)
    client, cursor = _after_first_sync(world, api)
    _edit(world, world.case_a, birthplace="Raqqa")
    assert [i["id"] for i in page(client, cursor)["results"]] == [str(world.case_a.public_id)]


def test_an_agreement_coming_into_force_tells_nothing_of_a_protected_case(world, api):
    SharedCase.objects.create(agreement=world.agreement, person=world.protected_a)
    items, _cursor = drain(api(world.partner))
    assert [i["id"] for i in items] == [str(world.case_a.public_id)]


@pytest.mark.parametrize("wrong", ["0", "501", "null", "ten"])
def test_a_page_size_out_of_range_is_a_400(world, api, wrong):
    response = api(world.partner).get(URL, {"page_size": wrong})
    assert response.status_code == 400
    assert fields_of(response) == {"page_size"}
