"""casework/api/sync.py: a partner's change feed by cursor, under interleaved writes."""

import datetime as dt
from collections import Counter
from urllib.parse import quote

import pytest
from django.utils import timezone

from casework.api import sync
from casework.models import Person, SharedCase
from casework.services.persons import person_change_status, person_update
from tests.factories import PersonFactory

URL = "/api/v1/persons/changes/"


@pytest.fixture(autouse=True)
def _no_settle_time(settings):
    # Most tests read at once what was just written; the settle time has its own tests.
    settings.API_SYNC_SETTLE_SECONDS = 0


def _share(world, **kwargs) -> Person:
    person = PersonFactory(organisation=world.north, team=world.team_a, **kwargs)
    SharedCase.objects.create(agreement=world.agreement, person=person)
    return person


def _page(client, cursor=None, page_size=100):
    url = f"{URL}?page_size={page_size}"
    if cursor:
        url += f"&cursor={quote(cursor)}"
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _drain(client, cursor=None, page_size=100, between=None):
    """Every item until the feed has no more; `between(n)` writes after page n."""
    items, pages = [], 0
    while True:
        body = _page(client, cursor, page_size)
        items.extend(body["results"])
        cursor = body["next_cursor"]
        pages += 1
        if between is not None:
            between(pages)
        if not body["has_more"]:
            return items, cursor


def test_it_delivers_every_shared_person_once(world, api):
    shared = [world.case_a] + [_share(world) for _ in range(5)]
    client = api(world.partner)
    items, cursor = _drain(client, page_size=2)
    assert sorted(i["id"] for i in items) == sorted(str(p.public_id) for p in shared)
    # Polling again from the end gives nothing new, and keeps the position.
    again = _page(client, cursor)
    assert again == {"results": [], "next_cursor": cursor, "has_more": False}


def test_it_shows_only_the_agreed_fields(world, api):
    item = _page(api(world.partner))["results"][0]
    assert item["display_name"] == "Alieva Madina"
    assert item["birthplace"] == {"withheld": True}
    assert item["names"] == {"withheld": True}


def test_a_partner_without_agreement_gets_nothing(world, api):
    assert _page(api(world.partner_without_agreement))["results"] == []


def test_no_record_is_skipped_or_duplicated_under_interleaved_writes(world, api):
    shared = [world.case_a] + [_share(world) for _ in range(8)]
    client = api(world.partner)
    state = {}

    def order():
        return list(
            Person.objects.filter(pk__in=[p.pk for p in shared])
            .order_by("updated_at", "public_id")
            .values_list("pk", flat=True)
        )

    first_order = order()
    first, last = first_order[0], first_order[-1]
    updated_early, updated_late = first_order[1], first_order[-2]
    unshared = first_order[-3]

    def edit(pk, **changes):
        person = Person.objects.get(pk=pk)
        person_update(
            actor=world.supervisor, person=person, expected_version=person.version, **changes
        )

    def between(page):
        if page == 1:
            # Already delivered: changes again, so comes again (a new change).
            edit(updated_early, birthplace="Mosul")
            # Not yet delivered: changes, and must come once, with its new state.
            person = Person.objects.get(pk=updated_late)
            person_change_status(actor=world.supervisor, person=person, to="verifying", reason="x")
            # A new case shared while the partner reads.
            state["new"] = _share(world, display_name="Newova Liana")
            # Unshared before the partner got to it: a tombstone, never the record.
            SharedCase.objects.filter(person_id=unshared).delete()
        if page == 2:
            edit(last, citizenship="RU")
            edit(first, region_of_origin="Dagestan")

    items, _cursor = _drain(client, page_size=3, between=between)
    counts = Counter(item["id"] for item in items)
    public = dict(Person.objects.values_list("pk", "public_id"))

    def count(pk):
        return counts[str(public[pk])]

    untouched = set(first_order) - {first, last, updated_early, updated_late, unshared}
    assert all(count(pk) == 1 for pk in untouched)
    assert count(updated_late) == 1
    assert count(updated_early) == 2
    assert count(first) == 2
    assert count(state["new"].pk) == 1
    # `last` was not yet delivered when it changed on page 2: once.
    assert count(last) == 1
    # The unshared person comes only as its tombstone.
    unshared_items = [i for i in items if i["id"] == str(public[unshared])]
    assert unshared_items == [{"id": str(public[unshared]), "deleted": True}]
    # The last word on each person is its current state.
    final = {item["id"]: item for item in items}
    assert final[str(public[updated_late])]["status"] == "verifying"
    # Nothing the partner may not see.
    visible = {
        str(p) for p in Person.objects.visible_to(world.partner).values_list("public_id", flat=True)
    }
    assert {i["id"] for i in items if "deleted" not in i} <= visible


def test_an_older_record_shared_later_is_delivered(world, api):
    client = api(world.partner)
    _items, cursor = _drain(client)
    # case_b was saved before the cursor's position; sharing it is what is new.
    SharedCase.objects.create(agreement=world.agreement, person=world.case_b)
    body = _page(client, cursor)
    assert [i["id"] for i in body["results"]] == [str(world.case_b.public_id)]


def test_cases_of_an_agreement_that_comes_into_force_later_are_delivered(world, api, monkeypatch):
    client = api(world.partner)
    _items, cursor = _drain(client)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    later = type(world.agreement).objects.create(
        owner=world.north,
        partner=world.partner_org,
        title="From tomorrow",
        shared_fields=["display_name"],
        valid_from=tomorrow,
    )
    SharedCase.objects.create(agreement=later, person=world.case_b)
    assert _page(client, cursor)["results"] == []  # not in force yet
    cursor = _page(client, cursor)["next_cursor"]
    moment = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(sync, "_now", lambda: moment)
    monkeypatch.setattr("casework.permissions.persons.timezone.localdate", lambda: moment.date())
    results = _page(client, cursor)["results"]
    assert [i["id"] for i in results] == [str(world.case_b.public_id)]


def test_a_change_of_agreed_fields_delivers_the_shared_records_again(world, api):
    client = api(world.partner)
    _items, cursor = _drain(client)
    world.agreement.shared_fields = ["display_name", "sex", "status", "birthplace"]
    world.agreement.save()
    results = _page(client, cursor)["results"]
    assert [i["id"] for i in results] == [str(world.case_a.public_id)]
    assert results[0]["birthplace"] == ""


# --- Tombstones ---------------------------------------------------------------------------------


def _after_first_sync(world, api):
    client = api(world.partner)
    _items, cursor = _drain(client)
    return client, cursor


def test_unsharing_delivers_a_tombstone(world, api):
    client, cursor = _after_first_sync(world, api)
    SharedCase.objects.filter(person=world.case_a).delete()
    assert _page(client, cursor)["results"] == [
        {"id": str(world.case_a.public_id), "deleted": True}
    ]


def test_a_deleted_person_is_a_tombstone(world, api):
    person = _share(world)
    client, cursor = _after_first_sync(world, api)
    public_id = person.public_id
    person.delete()
    assert _page(client, cursor)["results"] == [{"id": str(public_id), "deleted": True}]


def test_a_revoked_agreement_tombstones_every_case_it_shared(world, api):
    other = _share(world)
    client, cursor = _after_first_sync(world, api)
    world.agreement.revoked_at = timezone.now()
    world.agreement.save()
    results = _page(client, cursor)["results"]
    expected = {str(world.case_a.public_id), str(other.public_id)}
    assert {i["id"] for i in results} == expected
    assert all(i["deleted"] is True for i in results)
    assert _page(client, _page(client, cursor)["next_cursor"])["results"] == []


def test_an_agreement_ending_at_midnight_tombstones_its_cases(world, api, monkeypatch):
    world.agreement.valid_until = timezone.localdate()
    world.agreement.save()
    client, cursor = _after_first_sync(world, api)
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(sync, "_now", lambda: tomorrow)
    monkeypatch.setattr("casework.permissions.persons.timezone.localdate", lambda: tomorrow.date())
    assert _page(client, cursor)["results"] == [
        {"id": str(world.case_a.public_id), "deleted": True}
    ]


def test_an_end_date_set_after_the_fact_tombstones_its_cases(world, api):
    client, cursor = _after_first_sync(world, api)
    world.agreement.valid_until = timezone.localdate() - dt.timedelta(days=1)
    world.agreement.save()
    assert _page(client, cursor)["results"] == [
        {"id": str(world.case_a.public_id), "deleted": True}
    ]


def test_a_merge_into_a_shared_person_is_delivered_as_merged_into(world, api):
    survivor = _share(world)
    client, cursor = _after_first_sync(world, api)
    absorbed = Person.objects.get(pk=world.case_a.pk)
    absorbed.merged_into = survivor
    absorbed.status = "closed_duplicate"
    absorbed.save()
    results = _page(client, cursor)["results"]
    assert results == [{"id": str(world.case_a.public_id), "merged_into": str(survivor.public_id)}]


def test_a_merge_into_an_unshared_person_is_delivered_as_deleted(world, api):
    client, cursor = _after_first_sync(world, api)
    absorbed = Person.objects.get(pk=world.case_a.pk)
    absorbed.merged_into = world.case_b  # not shared with the partner
    absorbed.save()
    results = _page(client, cursor)["results"]
    assert results == [{"id": str(world.case_a.public_id), "deleted": True}]
    assert str(world.case_b.public_id) not in str(results)


def test_sharing_again_after_unsharing_delivers_the_record(world, api):
    client, cursor = _after_first_sync(world, api)
    SharedCase.objects.filter(person=world.case_a).delete()
    SharedCase.objects.create(agreement=world.agreement, person=world.case_a)
    results = _page(client, cursor)["results"]
    # Visible again: its record, not a stale tombstone.
    assert [i["id"] for i in results] == [str(world.case_a.public_id)]
    assert "deleted" not in results[0]


# --- The settle time: no write in flight is skipped ----------------------------------------------


def test_changes_wait_for_the_settle_time(world, api, settings, monkeypatch):
    settings.API_SYNC_SETTLE_SECONDS = 5
    client = api(world.partner)
    start = timezone.now()
    assert _page(client)["results"] == []  # everything is younger than 5 s
    monkeypatch.setattr(sync, "_now", lambda: start + dt.timedelta(seconds=10))
    body = _page(client)
    assert [i["id"] for i in body["results"]] == [str(world.case_a.public_id)]
    position = sync.Position.decode(body["next_cursor"])
    assert position.at <= start + dt.timedelta(seconds=5)


def test_a_write_committed_late_is_not_skipped(world, api, settings, monkeypatch):
    # A transaction stamps its time when it saves and commits a little later: by then the feed
    # may have been read. Within the settle time, the cursor has not moved past it.
    settings.API_SYNC_SETTLE_SECONDS = 5
    client = api(world.partner)
    start = timezone.now()
    monkeypatch.setattr(sync, "_now", lambda: start + dt.timedelta(seconds=10))
    cursor = _page(client)["next_cursor"]
    late = _share(world)
    stamped = start + dt.timedelta(seconds=6)  # saved at 6 s, committed after the read at 10 s
    Person.objects.filter(pk=late.pk).update(updated_at=stamped)
    SharedCase.objects.filter(person=late).update(shared_at=stamped)
    monkeypatch.setattr(sync, "_now", lambda: start + dt.timedelta(seconds=20))
    assert [i["id"] for i in _page(client, cursor)["results"]] == [str(late.public_id)]


def test_without_a_settle_time_a_late_commit_would_be_skipped(world, api):
    # Why the settle time exists: with none, a write stamped just before the position handed
    # out, but committed after the read, falls behind the cursor for good.
    client = api(world.partner)
    cursor = _page(client)["next_cursor"]
    late = _share(world)
    stamped = sync.Position.decode(cursor).at - dt.timedelta(milliseconds=1)
    Person.objects.filter(pk=late.pk).update(updated_at=stamped)
    SharedCase.objects.filter(person=late).update(shared_at=stamped)
    assert _page(client, cursor)["results"] == []


# --- Errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cursor", ["garbage", "a:b:c", "x" * 5000])
def test_a_tampered_cursor_is_a_400(world, api, cursor):
    response = api(world.partner).get(f"{URL}?cursor={quote(cursor)}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_cursor_signed_for_something_else_is_refused(world, api):
    from django.core import signing

    forged = signing.dumps({"t": "2020-01-01T00:00:00+00:00", "k": "0" * 32})
    response = api(world.partner).get(f"{URL}?cursor={quote(forged)}")
    assert response.status_code == 400


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "intake", "dpo", "admin"])
def test_staff_have_no_change_feed(world, api, persona):
    assert api(getattr(world, persona)).get(URL).status_code == 403


def test_the_page_size_is_capped(world, api):
    for _ in range(3):
        _share(world)
    body = _page(api(world.partner), page_size=10**9)
    assert len(body["results"]) == 4
