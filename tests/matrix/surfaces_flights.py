"""The flights area: planners of north see north's flights only, a passenger they may not see is a
withheld passenger, and each manifest action writes only for whoever may take it on that person."""

import datetime as dt

from django.utils import timezone

from casework.models import Handover, ManifestEntry, PersonStatus, RepatriationFlight
from casework.services.form_tokens import new_form_token
from tests.factories import FlightFactory, PersonFactory
from tests.matrix import PAGES, Surface, expect
from tests.matrix.records import audited, fresh

PLANNERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}
PLANNED = dict.fromkeys(PLANNERS, 302)


def _flights(w):
    """North's flight carries a passenger of team A and one of team B, and a boarded child of
    team A; south has its own flight."""
    if not hasattr(w, "north_flight"):
        # It flew yesterday: boarding is open, and a handover an hour ago is after its day even
        # just past midnight.
        w.north_flight = FlightFactory(
            organisation=w.north,
            reference="NORTH-1",
            date=timezone.localdate() - dt.timedelta(days=1),
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
        w.child_a = PersonFactory(
            organisation=w.north,
            team=w.team_a,
            status=PersonStatus.ON_MANIFEST,
            display_name="Childova Iman",
            birth_precision="year",
            birth_date=dt.date(2017, 1, 1),
            birth_earliest=dt.date(2017, 1, 1),
            birth_latest=dt.date(2017, 12, 31),
        )
        w.entry_child = ManifestEntry.objects.create(
            flight=w.north_flight, person=w.child_a, status="boarded", approved_by=w.supervisor
        )
    return w.north_flight, w.south_flight


def _north(w):
    return f"/flights/{_flights(w)[0].public_id}/"


def _south(w):
    return f"/flights/{_flights(w)[1].public_id}/"


def _flights_are(expected):
    def check(w, persona, response):
        assert {f.reference for f in response.context["page"]} == expected

    return check


def _manifest_as_far_as_visible(w, persona, response):
    body = response.content.decode()
    sees_a = persona in ("caseworker", "supervisor")
    sees_b = persona in ("other_team_caseworker", "supervisor")
    assert ("Alieva Madina" in body) is sees_a
    assert ("Childova Iman" in body) is sees_a
    assert ("Bekova Zaira" in body) is sees_b
    withheld = body.count("withheld passenger")
    assert withheld == 2 * (not sees_a) + (not sees_b)


def _candidates_as_far_as_visible(w, persona, response):
    """Whom the planner may propose: cleared persons they see, not yet on the flight."""
    sees_a = persona in ("caseworker", "supervisor")
    candidates = {row["person"].display_name for row in response.context["rows"]}
    assert candidates == ({"Readyova Amina"} if sees_a else set())
    body = response.content.decode()
    assert ("Readyova Amina" in body) is sees_a
    assert "Bekova Zaira" not in body and "Alieva Madina" not in body


def _no_candidates(w, persona, response):
    assert response.context["rows"] == []
    assert "Readyova Amina" not in response.content.decode()


def _entry(w, name):
    _flights(w)
    return getattr(w, name)


def _entry_path(w, name, action):
    return f"{_north(w)}manifest/{_entry(w, name).public_id}/{action}/"


def _flight_data(reference, version=None):
    def data(w):
        body = {
            "reference": reference,
            "date": "2026-12-24",
            "origin": "Erbil",
            "destination": "Grozny",
            "capacity": "10",
            "status": "planned",
            "time_zone": "Asia/Baghdad",
        }
        if version:
            body["version"] = str(fresh(version(w)).version)
        else:
            body["form_token"] = new_form_token()
        return body

    return data


def _flight_created(w, persona):
    flight = RepatriationFlight.objects.get(reference="NEW-1")
    assert flight.organisation == w.north
    assert audited(w.personas()[persona], "create", object_id=flight.public_id)


def _flight_edited(w, persona):
    flight = fresh(w.north_flight)
    assert flight.reference == "NORTH-1B" and flight.capacity == 10
    assert flight.version == w.north_flight.version + 1


def _proposed(w, persona):
    entry = ManifestEntry.objects.get(flight=w.north_flight, person=w.ready_a)
    assert entry.status == "proposed"
    assert audited(w.personas()[persona], "create", object_id=entry.public_id)


def _escort(w, persona):
    entry = ManifestEntry.objects.get(flight=w.north_flight, escort_name="Staff Escort")
    assert entry.role == "escort"


def _approved(w, persona):
    entry = fresh(w.entry_a)
    assert entry.status == "approved" and entry.approved_by == w.supervisor
    assert fresh(w.case_a).status == PersonStatus.ON_MANIFEST


def _not_boarded(w, persona):
    entry = fresh(w.entry_b)
    assert entry.status == "not_boarded" and entry.note == "probe"


def _handover_page(w, persona, response):
    assert response.context["entry"] == w.entry_child
    assert "Childova Iman" in response.content.decode()


def _handover_data(w):
    handed = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    return {
        "recipient_kind": "relative",
        "recipient_name": "Childova Khava",
        "recipient_relationship": "aunt",
        "handed_at": handed.strftime("%Y-%m-%d %H:%M"),
        "place": "Grozny airport",
        "documents": "birth certificate",
        "form_token": new_form_token(),
    }


def _handed_over(w, persona):
    handover = Handover.objects.get(manifest_entry=w.entry_child)
    assert handover.recorded_by == w.personas()[persona]
    assert fresh(w.child_a).status == PersonStatus.REUNITED


SURFACES = [
    Surface(
        name="flight_list",
        path=lambda w: (_flights(w), "/flights/")[1],
        expect=expect(403, **PLANNERS, **PAGES),
        check=_flights_are({"NORTH-1"}),
    ),
    Surface(
        name="flight_list",
        method="POST",
        path=lambda w: (_flights(w), "/flights/")[1],
        data=lambda w: {},
        expect=expect(403, **PLANNERS, **PAGES),
        check=_flights_are({"NORTH-1"}),
    ),
    Surface(
        name="flight_list",
        label="?q=south's flight",
        path=lambda w: (_flights(w), "/flights/?q=SOUTH")[1],
        expect=expect(403, **PLANNERS, **PAGES),
        check=_flights_are(set()),
    ),
    Surface(
        name="flight_list",
        label="?status=planned",
        path=lambda w: (_flights(w), "/flights/?status=planned")[1],
        expect=expect(403, **PLANNERS, **PAGES),
        check=_flights_are({"NORTH-1"}),
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
        data=_flight_data("NEW-1"),
        expect=expect(403, **PLANNED, **PAGES),
        writes=set(PLANNERS),
        wrote=_flight_created,
    ),
    Surface(
        name="flight_detail",
        path=_north,
        expect=expect(403, **PLANNERS, **PAGES),
        check=_manifest_as_far_as_visible,
    ),
    Surface(
        name="flight_detail",
        method="POST",
        path=_north,
        data=lambda w: {},
        expect=expect(403, **PLANNERS, **PAGES),
        check=_manifest_as_far_as_visible,
    ),
    Surface(
        name="flight_detail",
        label="other organisation",
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
        method="POST",
        path=lambda w: _north(w) + "edit/",
        data=_flight_data("NORTH-1B", version=lambda w: w.north_flight),
        expect=expect(403, **PLANNED, **PAGES),
        writes=set(PLANNERS),
        wrote=_flight_edited,
    ),
    Surface(
        name="flight_edit",
        method="POST",
        label="other organisation",
        path=lambda w: _south(w) + "edit/",
        data=_flight_data("SOUTH-1B", version=lambda w: w.south_flight),
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="manifest_add",
        path=lambda w: _north(w) + "manifest/add/",
        expect=expect(403, **PLANNERS, **PAGES),
        check=_candidates_as_far_as_visible,
    ),
    Surface(
        name="manifest_add",
        label="?q=a name",
        path=lambda w: _north(w) + "manifest/add/?q=Readyova",
        expect=expect(403, **PLANNERS, **PAGES),
        check=_candidates_as_far_as_visible,
    ),
    Surface(
        name="manifest_add",
        label="?q=another team's passenger",
        path=lambda w: _north(w) + "manifest/add/?q=Bekova",
        expect=expect(403, **PLANNERS, **PAGES),
        check=_no_candidates,
    ),
    Surface(
        name="manifest_add",
        label="other organisation",
        path=lambda w: _south(w) + "manifest/add/",
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="manifest_add",
        path=lambda w: _north(w) + "manifest/add/",
        method="POST",
        data=lambda w: {
            "persons": [str(_entry(w, "ready_a").public_id)],
            "form_token": new_form_token(),
        },
        # Redirected back to the flight; for the team-B caseworker the person is no valid choice.
        expect=expect(403, caseworker=302, supervisor=302, other_team_caseworker=400, **PAGES),
        writes={"caseworker", "supervisor"},
        wrote=_proposed,
    ),
    Surface(
        name="manifest_add",
        method="POST",
        label="other organisation",
        path=lambda w: _south(w) + "manifest/add/",
        data=lambda w: {
            "persons": [str(_entry(w, "ready_a").public_id)],
            "form_token": new_form_token(),
        },
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="escort_add",
        label="other organisation",
        path=lambda w: _south(w) + "escorts/",
        method="POST",
        data=lambda w: {"escort_name": "Probe", "form_token": new_form_token()},
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="escort_add",
        path=lambda w: _north(w) + "escorts/",
        method="POST",
        data=lambda w: {"escort_name": "Staff Escort", "form_token": new_form_token()},
        expect=expect(403, **PLANNED, **PAGES),
        writes=set(PLANNERS),
        wrote=_escort,
    ),
    Surface(
        name="manifest_approve",
        path=lambda w: _entry_path(w, "entry_a", "approve"),
        method="POST",
        # Only a supervisor approves; everyone else is refused by role.
        expect=expect(403, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=_approved,
    ),
    Surface(
        name="manifest_board",
        path=lambda w: _entry_path(w, "entry_b", "boarding"),
        method="POST",
        data=lambda w: {"boarded": "no", "note": "probe"},
        # The team-A caseworker may not see the team-B passenger: 404.
        expect=expect(403, caseworker=404, other_team_caseworker=302, supervisor=302, **PAGES),
        writes={"other_team_caseworker", "supervisor"},
        wrote=_not_boarded,
    ),
    Surface(
        name="handover_new",
        path=lambda w: _entry_path(w, "entry_child", "handover"),
        expect=expect(403, caseworker=200, supervisor=200, other_team_caseworker=404, **PAGES),
        check=_handover_page,
    ),
    Surface(
        name="handover_new",
        method="POST",
        path=lambda w: _entry_path(w, "entry_child", "handover"),
        data=_handover_data,
        expect=expect(403, caseworker=302, supervisor=302, other_team_caseworker=404, **PAGES),
        writes={"caseworker", "supervisor"},
        wrote=_handed_over,
    ),
]


# --- The printable manifest and its XLSX (issue 12) --------------------------------------------


def _printed_as_far_as_visible(w, persona, response):
    sees_a = persona in ("caseworker", "supervisor")
    sees_b = persona in ("other_team_caseworker", "supervisor")
    names = [line.name for line in response.context["lines"]]
    assert ("Alieva Madina" in names) is sees_a
    assert ("Childova Iman" in names) is sees_a
    assert ("Bekova Zaira" in names) is sees_b
    assert names.count("withheld") == 2 * (not sees_a) + (not sees_b)


def _xlsx_as_far_as_visible(w, persona, response):
    import io

    import openpyxl

    from casework.models import AuditEvent

    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content)), read_only=True
    ).worksheets[0]
    names = [row[1] for row in list(sheet.iter_rows(values_only=True))[1:]]
    assert ("Alieva Madina" in names) is (persona in ("caseworker", "supervisor"))
    assert ("Bekova Zaira" in names) is (persona in ("other_team_caseworker", "supervisor"))
    event = AuditEvent.objects.filter(actor=w.personas()[persona], action="export").get()
    assert event.changes["rows"] == len(names)


SURFACES += [
    Surface(
        name="manifest_print",
        path=lambda w: _north(w) + "manifest/print/",
        expect=expect(403, **PLANNERS, **PAGES),
        check=_printed_as_far_as_visible,
    ),
    Surface(
        name="manifest_print",
        path=lambda w: _south(w) + "manifest/print/",
        label="another organisation's flight",
        expect=expect(403, **dict.fromkeys(PLANNERS, 404), **PAGES),
    ),
    Surface(
        name="manifest_xlsx",
        method="POST",
        path=lambda w: _north(w) + "manifest/xlsx/",
        data=lambda w: {},
        expect=expect(403, **PLANNERS, **PAGES),
        check=_xlsx_as_far_as_visible,
    ),
]
