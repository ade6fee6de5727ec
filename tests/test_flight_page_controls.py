"""The flight page for a day of boarding: every id once, every field labelled, few controls per
seat (each row action its own small form, the note of "did not board" folded away), and a row
offers only the actions its state allows (`permissions.manifest_row_actions`)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from casework.models import ManifestEntry, PersonStatus
from tests.factories import FlightFactory, PersonFactory

FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}


class _Page(HTMLParser):
    """Ids, labelled fields and the controls a keyboard reaches (not those inside a closed
    <details>, nor hidden inputs)."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.labels_for: set[str] = set()
        self.fields: list[dict] = []
        self.reachable = 0
        self._closed_details = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.labels_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.fields.append(attrs)
        if tag == "details" and "open" not in attrs:
            self._closed_details += 1
        focusable = tag in FOCUSABLE and attrs.get("type") != "hidden"
        if tag == "a" and "href" not in attrs:
            focusable = False
        inside_closed = self._closed_details and tag != "summary"
        if focusable and not inside_closed:
            self.reachable += 1

    def handle_endtag(self, tag):
        if tag == "details" and self._closed_details:
            self._closed_details -= 1


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _child(world, status=PersonStatus.ON_MANIFEST):
    return PersonFactory(
        organisation=world.north,
        team=world.team_a,
        status=status,
        birth_precision="year",
        birth_date=dt.date(2016, 1, 1),
        birth_earliest=dt.date(2016, 1, 1),
        birth_latest=dt.date(2016, 12, 31),
    )


def _boarding_day(world, approved=0):
    flight = FlightFactory(organisation=world.north, date=timezone.localdate(), capacity=200)
    for _ in range(approved):
        ManifestEntry.objects.create(
            flight=flight, person=_child(world), status="approved", approved_by=world.supervisor
        )
    return flight


def _page(login, user, flight) -> str:
    response = login(user).get(f"/flights/{flight.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_every_id_is_used_once_and_every_field_is_labelled(world, login):
    flight = _boarding_day(world, approved=3)
    ManifestEntry.objects.create(
        flight=flight, person=_child(world, PersonStatus.CLEARED_FOR_RETURN)
    )
    ManifestEntry.objects.create(flight=flight, role="escort", escort_name="Escortova Aset")
    page = _parse(_page(login, world.supervisor, flight))
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert duplicates == set()
    unlabelled = [
        f for f in page.fields if f.get("id") not in page.labels_for and not f.get("aria-label")
    ]
    assert unlabelled == []
    # The escort's note and each row's note are told apart by id and by label.
    assert "escort-note" in page.ids and "id_note" not in page.ids


def test_a_seat_costs_at_most_three_controls(world, login):
    empty = _parse(_page(login, world.caseworker, _boarding_day(world))).reachable
    full = _parse(_page(login, world.caseworker, _boarding_day(world, approved=20))).reachable
    # The passenger's name, "Boarded", and "Did not board…" (its note and button folded away).
    assert (full - empty) / 20 <= 3


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("proposed", {"approve", "not_board"}),
        ("approved", {"board", "not_board"}),
        ("boarded", {"hand_over"}),
        ("not_boarded", set()),
    ],
)
def test_a_row_offers_only_what_its_state_allows(world, login, status, offered):
    flight = _boarding_day(world)
    person = _child(
        world, PersonStatus.CLEARED_FOR_RETURN if status == "proposed" else "on_manifest"
    )
    approver = None if status in ("proposed", "not_boarded") else world.supervisor
    entry = ManifestEntry.objects.create(
        flight=flight, person=person, status=status, approved_by=approver
    )
    html = _page(login, world.supervisor, flight)
    marks = {
        "approve": f'id="approve-{entry.public_id}"',
        "board": f'id="board-{entry.public_id}-yes"',
        "not_board": f'id="board-{entry.public_id}-no"',
        "hand_over": f"/manifest/{entry.public_id}/handover/",
    }
    assert {action for action, mark in marks.items() if mark in html} == offered


def test_a_completed_flight_offers_neither_proposing_nor_approving(world, login):
    flight = _boarding_day(world)
    ManifestEntry.objects.create(
        flight=flight, person=_child(world, PersonStatus.CLEARED_FOR_RETURN)
    )
    flight.status = "completed"
    flight.save(update_fields=["status"])
    html = _page(login, world.supervisor, flight)
    assert "/approve/" not in html and "/manifest/add/" not in html
