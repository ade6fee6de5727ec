"""Exports: the exact persons (by pseudonym, or by name) each persona's file holds, which columns
are withheld for them, and that every export is in the audit trail."""

import csv
import io

from casework.exports import pseudonym
from casework.models import AuditEvent, BackgroundJob
from tests.matrix import PAGES, Surface, expect
from tests.matrix.records import canaries

EXPORTERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200, "dpo": 200}
PAGE = expect(403, **EXPORTERS, **PAGES)
# Exactly the persons each exporter's file holds.
EXPORTED = {
    "caseworker": {"case_a"},
    "other_team_caseworker": {"case_b"},
    "supervisor": {"case_a", "case_b", "protected_a"},
    "dpo": {"case_a", "case_b"},
}
# Who sees the region of origin (sensitive) of the persons in their file.
SEES_REGIONS = {"caseworker", "other_team_caseworker", "supervisor"}
REASON = "Court order 2026/17: the family's lawyer asks for the list."


def _rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _audited_export(world, persona, rows, identifiable):
    event = AuditEvent.objects.filter(actor=world.personas()[persona], action="export").get()
    assert event.changes["rows"] == len(rows)
    assert event.changes["identifiable"] is identifiable


def _pseudonymised(expected):
    def check(world, persona, response):
        rows = _rows(response)
        by_pseudonym = {pseudonym(getattr(world, n).public_id): n for n in ("case_a", "case_b",
                        "protected_a", "south_case")}  # fmt: skip
        assert {by_pseudonym.get(r["pseudonym"], r["pseudonym"]) for r in rows} == expected.get(
            persona, set()
        )
        for row in rows:
            assert (row["region_of_origin"] == "withheld") is (persona not in SEES_REGIONS)
            assert row["region_of_origin"] != ""
        _audited_export(world, persona, rows, identifiable=False)

    return check


def _identifiable(world, persona, response):
    rows = _rows(response)
    names = {getattr(world, n).display_name: n for n in ("case_a", "case_b", "protected_a",
             "south_case")}  # fmt: skip
    assert {names.get(r["name"], r["name"]) for r in rows} == EXPORTED[persona]
    for row in rows:
        assert (row["birthplace"] == "withheld") is (persona == "dpo")
    _audited_export(world, persona, rows, identifiable=True)


def _exported_in_background(world, persona):
    # The job's file holds exactly what the same export in the request would have held.
    job = BackgroundJob.objects.get(requested_by=world.personas()[persona], kind="export")
    assert job.state == "done" and job.private
    with job.result_file.open("rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    by_pseudonym = {pseudonym(getattr(world, n).public_id): n for n in ("case_a", "case_b",
                    "protected_a", "south_case")}  # fmt: skip
    assert {by_pseudonym.get(r["pseudonym"], r["pseudonym"]) for r in rows} == EXPORTED[persona]
    _audited_export(world, persona, rows, identifiable=False)


def _form(world, persona, response):
    assert response.context["may_identifiable"] is (persona in ("supervisor", "dpo"))


SURFACES = [
    Surface(name="person_export", path=lambda w: "/persons/export/", expect=PAGE, check=_form),
    Surface(
        name="person_export",
        method="POST",
        path=lambda w: (canaries(w), "/persons/export/")[1],
        data=lambda w: {"kind": "pseudonymised"},
        expect=PAGE,
        check=_pseudonymised(EXPORTED),
    ),
    Surface(
        name="person_export",
        method="POST",
        label="?q=team B's name",
        path=lambda w: (canaries(w), "/persons/export/?q=Bekova")[1],
        data=lambda w: {"kind": "pseudonymised"},
        expect=PAGE,
        check=_pseudonymised({p: {"case_b"} for p in EXPORTED if "case_b" in EXPORTED[p]}),
    ),
    Surface(
        name="person_export",
        method="POST",
        label="?region=a hidden filter",
        path=lambda w: (canaries(w), "/persons/export/?region=Canary-Region-B")[1],
        data=lambda w: {"kind": "pseudonymised"},
        # The DPO may not filter on regions: the filter is dropped, the file is their whole list.
        expect=PAGE,
        check=_pseudonymised(
            {**{p: {"case_b"} for p in EXPORTED if "case_b" in EXPORTED[p]}, "dpo": EXPORTED["dpo"]}
        ),  # fmt: skip
    ),
    Surface(
        name="person_export",
        method="POST",
        label="identifiable",
        path=lambda w: (canaries(w), "/persons/export/")[1],
        data=lambda w: {"kind": "identifiable", "reason": REASON},
        expect=expect(403, supervisor=200, dpo=200, **PAGES),
        check=_identifiable,
    ),
    Surface(
        name="person_export",
        method="POST",
        label="in the background",
        path=lambda w: (canaries(w), "/persons/export/")[1],
        data=lambda w: {"kind": "pseudonymised", "background": "csv"},
        expect=expect(403, **dict.fromkeys(EXPORTERS, 302), **PAGES),
        writes=set(EXPORTERS),
        wrote=_exported_in_background,
    ),
    Surface(
        name="person_export",
        method="POST",
        label="identifiable without a reason",
        path=lambda w: "/persons/export/",
        data=lambda w: {"kind": "identifiable", "reason": ""},
        expect=expect(403, supervisor=400, dpo=400, **PAGES),
    ),
]


# --- The other lists: each persona's file holds exactly the rows its list shows them -----------


def _list_rows(list_name, expected_rows):
    def check(world, persona, response):
        rows = _rows(response)
        assert {r[expected_rows[0]] for r in rows} == expected_rows[1](world, persona)
        event = AuditEvent.objects.filter(actor=world.personas()[persona], action="export").get()
        assert event.changes["list"] == list_name and event.changes["rows"] == len(rows)

    return check


def _list_rows_in_background(list_name, expected_rows):
    def wrote(world, persona):
        job = BackgroundJob.objects.get(requested_by=world.personas()[persona], kind="export")
        assert job.state == "done" and job.private
        with job.result_file.open("rb") as handle:
            rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
        assert {r[expected_rows[0]] for r in rows} == expected_rows[1](world, persona)
        event = AuditEvent.objects.filter(actor=world.personas()[persona], action="export").get()
        assert event.changes["list"] == list_name and event.changes["rows"] == len(rows)

    return wrote


def _matrix_flights(w):
    from tests.factories import FlightFactory

    if not hasattr(w, "matrix_flights"):
        w.matrix_flights = {
            "north": FlightFactory(organisation=w.north, reference="FL-NORTH"),
            "south": FlightFactory(organisation=w.south, reference="FL-SOUTH"),
        }
    return w


def _matrix_reports(w):
    from tests.factories import ReportFactory

    if not hasattr(w, "matrix_reports"):
        w.matrix_reports = {
            "north": ReportFactory(organisation=w.north, reference="RNORTH01"),
            "south": ReportFactory(organisation=w.south, reference="RSOUTH01"),
        }
    return w


def _matrix_places(w):
    from tests.factories import LocationFactory

    if not hasattr(w, "matrix_export_place"):
        w.matrix_export_place = LocationFactory(name="Matrix export camp", kind="camp")
    return w


def _own_org(reference_north, reference_south):
    def expected(world, persona):
        org = world.personas()[persona].organisation
        return {reference_south if org == world.south else reference_north}

    return expected


LIST_EXPORTERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}
SURFACES += [
    Surface(
        name="report_export",
        method="POST",
        path=lambda w: (_matrix_reports(w), "/reports/export/")[1],
        data=lambda w: {"format": "csv"},
        expect=expect(403, **LIST_EXPORTERS, **PAGES),
        check=_list_rows("reports", ("reference", _own_org("RNORTH01", "RSOUTH01"))),
    ),
    Surface(
        name="report_export",
        method="POST",
        label="in the background",
        path=lambda w: (_matrix_reports(w), "/reports/export/")[1],
        data=lambda w: {"background": "csv"},
        expect=expect(403, **dict.fromkeys(LIST_EXPORTERS, 302), **PAGES),
        writes=set(LIST_EXPORTERS),
        wrote=_list_rows_in_background("reports", ("reference", _own_org("RNORTH01", "RSOUTH01"))),
    ),
    Surface(
        name="flight_export",
        method="POST",
        path=lambda w: (_matrix_flights(w), "/flights/export/")[1],
        data=lambda w: {"format": "csv"},
        expect=expect(403, **LIST_EXPORTERS, **PAGES),
        check=_list_rows("flights", ("reference", _own_org("FL-NORTH", "FL-SOUTH"))),
    ),
    Surface(
        name="place_export",
        method="POST",
        path=lambda w: (_matrix_places(w), "/places/export/?q=Matrix+export")[1],
        data=lambda w: {"format": "csv"},
        expect=expect(403, **LIST_EXPORTERS, dpo=200, **PAGES),
        check=_list_rows("places", ("name", lambda w, p: {"Matrix export camp"})),
    ),
]


def _hxl(world, persona, response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, tags, *rows = list(csv.reader(io.StringIO(text)))
    assert tags[0] == "#loc+name" and len(header) == len(tags)
    # The matrix world's groups are all under five: every one is left out.
    assert rows == []
    event = AuditEvent.objects.filter(actor=world.personas()[persona], action="export").get()
    assert event.changes["list"] == "persons_hxl"


SURFACES.append(
    Surface(
        name="person_export_hxl",
        method="POST",
        path=lambda w: (canaries(w), "/persons/export/hxl/")[1],
        data=lambda w: {},
        expect=PAGE,
        check=_hxl,
    )
)
