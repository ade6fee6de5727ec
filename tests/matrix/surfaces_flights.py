"""The flights area in the permission matrix: planners of north see north's flights only, and a
passenger they may not see is a withheld passenger."""

from django.utils import timezone

from casework.models import PersonStatus
from tests.factories import FlightFactory, PersonFactory
from tests.matrix import LOGIN, Surface, expect

PLANNERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}
PAGES = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}


def _flights(w):
    """North's flight carries a passenger of team A and one of team B; south has its own."""
    if not hasattr(w, "north_flight"):
        from casework.models import ManifestEntry

        w.north_flight = FlightFactory(
            organisation=w.north, reference="NORTH-1", date=timezone.localdate()
        )
        w.south_flight = FlightFactory(organisation=w.south, reference="SOUTH-1")
        for person in (w.case_a, w.case_b):
            person.status = PersonStatus.CLEARED_FOR_RETURN
            person.save(update_fields=["status"])
        w.entry_a = ManifestEntry.objects.create(flight=w.north_flight, person=w.case_a)
        w.entry_b = ManifestEntry.objects.create(flight=w.north_flight, person=w.case_b)
        w.ready_a = PersonFactory(
            organisation=w.north,
            team=w.team_a,
            status=PersonStatus.CLEARED_FOR_RETURN,
            display_name="Readyova Amina",
        )
    return w.north_flight, w.south_flight


def _north(w):
    return f"/flights/{_flights(w)[0].public_id}/"


def _south(w):
    return f"/flights/{_flights(w)[1].public_id}/"


def _exactly_norths_flights(w, persona, response):
    assert {f.reference for f in response.context["page"]} == {"NORTH-1"}


def _manifest_as_far_as_visible(w, persona, response):
    body = response.content.decode()
    sees_a = persona in ("caseworker", "supervisor")
    sees_b = persona in ("other_team_caseworker", "supervisor")
    assert ("Alieva Madina" in body) is sees_a
    assert ("Bekova Zaira" in body) is sees_b
    withheld = body.count("withheld passenger")
    assert withheld == (not sees_a) + (not sees_b)


def _entry(w, name):
    _flights(w)
    return getattr(w, name)


def _entry_path(w, name, action):
    return f"{_north(w)}manifest/{_entry(w, name).public_id}/{action}/"


SURFACES = [
    Surface(
        name="flight_list",
        path=lambda w: (_flights(w), "/flights/")[1],
        expect=expect(403, **PLANNERS, **PAGES),
        check=_exactly_norths_flights,
    ),
    Surface(
        name="flight_new",
        path=lambda w: "/flights/new/",
        expect=expect(403, **PLANNERS, **PAGES),
    ),
    Surface(
        name="flight_new",
        path=lambda w: "/flights/new/",
        method="POST",
        data=lambda w: {
            "reference": "NEW-1",
            "date": "2026-12-24",
            "origin": "Erbil",
            "destination": "Grozny",
            "capacity": "10",
            "status": "planned",
        },
        expect=expect(403, **dict.fromkeys(PLANNERS, 302), **PAGES),
    ),
    Surface(
        name="flight_detail",
        path=_north,
        expect=expect(403, **PLANNERS, **PAGES),
        check=_manifest_as_far_as_visible,
    ),
    Surface(
        name="flight_detail",
        path=_south,
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="flight_edit",
        path=lambda w: _north(w) + "edit/",
        expect=expect(403, **PLANNERS, **PAGES),
    ),
    Surface(
        name="flight_edit",
        path=lambda w: _south(w) + "edit/",
        method="POST",
        data=lambda w: {"version": "1", "capacity": "0"},
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="manifest_propose",
        path=lambda w: _north(w) + "propose/",
        method="POST",
        data=lambda w: {"person": str(_entry(w, "ready_a").public_id)},
        # Redirected back to the flight; the team-B caseworker's choice list lacks the person.
        expect=expect(403, **dict.fromkeys(PLANNERS, 302), **PAGES),
        check=lambda w, persona, response: _proposed(w, persona),
    ),
    Surface(
        name="escort_add",
        path=lambda w: _south(w) + "escorts/",
        method="POST",
        data=lambda w: {"escort_name": "Probe"},
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="escort_add",
        path=lambda w: _north(w) + "escorts/",
        method="POST",
        data=lambda w: {"escort_name": "Staff Escort"},
        expect=expect(403, **dict.fromkeys(PLANNERS, 302), **PAGES),
    ),
    Surface(
        name="manifest_approve",
        path=lambda w: _entry_path(w, "entry_a", "approve"),
        method="POST",
        # Only a supervisor approves; everyone else is refused by role.
        expect=expect(403, supervisor=302, **PAGES),
    ),
    Surface(
        name="manifest_board",
        path=lambda w: _entry_path(w, "entry_b", "boarding"),
        method="POST",
        data=lambda w: {"boarded": "no", "note": "probe"},
        # The team-A caseworker may not see the team-B passenger: 404.
        expect=expect(403, caseworker=404, other_team_caseworker=302, supervisor=302, **PAGES),
    ),
    Surface(
        name="handover_new",
        path=lambda w: _entry_path(w, "entry_a", "handover"),
        expect=expect(403, caseworker=200, supervisor=200, other_team_caseworker=404, **PAGES),
    ),
]


def _proposed(w, persona):
    from casework.models import ManifestEntry

    on_flight = ManifestEntry.objects.filter(flight=w.north_flight, person=w.ready_a).exists()
    assert on_flight is (persona in ("caseworker", "supervisor"))
