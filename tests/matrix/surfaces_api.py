"""The API (/api/v1/): every route × persona, with the exact visible set where it lists records."""

from casework.models import FamilyReport, ManifestEntry
from tests.factories import FlightFactory, LocationFactory, ReportFactory
from tests.matrix import Surface, expect

WITHHELD = {"withheld": True}
# Fields a partner's agreement names in the world (tests/conftest.py), besides the id.
PARTNER_FIELDS = {"display_name", "sex", "status"}
# Working-record fields staff at the minimal level (intake, dpo) never see.
SENSITIVE = ("birthplace", "citizenship", "languages", "birth_date", "vulnerabilities")

VISIBLE_PERSONS = {
    "caseworker": ["case_a"],
    "other_team_caseworker": ["case_b"],
    "intake": ["case_a", "case_b"],
    "supervisor": ["case_a", "case_b", "protected_a"],
    "dpo": ["case_a", "case_b"],
    "admin": [],
    "partner": ["case_a"],
    "partner_without_agreement": [],
}

STAFF_ONLY = expect(200, partner=403, partner_without_agreement=403, anonymous=401)
PLANNERS_ONLY = expect(
    403, caseworker=200, other_team_caseworker=200, supervisor=200, anonymous=401
)


def _ids(world, names):
    return sorted(str(getattr(world, name).public_id) for name in names)


def _check_person_fields(persona, record):
    if persona == "partner":
        for name, value in record.items():
            if name == "id":
                continue
            if name in PARTNER_FIELDS:
                assert value != WITHHELD, name
            else:
                assert value == WITHHELD, (name, value)
    elif persona in ("intake", "dpo"):
        assert record["display_name"] != WITHHELD
        for name in SENSITIVE:
            assert record[name] == WITHHELD, name
    else:
        assert all(record[name] != WITHHELD for name in SENSITIVE)
    # Restricted fields are not part of the API at all.
    assert "security_notes" not in record


def _person_list(world, persona, response):
    results = response.json()["results"]
    assert sorted(r["id"] for r in results) == _ids(world, VISIBLE_PERSONS[persona])
    for record in results:
        _check_person_fields(persona, record)


def _person_detail(world, persona, response):
    record = response.json()
    assert record["id"] == str(world.case_a.public_id)
    _check_person_fields(persona, record)


def _changes(world, persona, response):
    body = response.json()
    # Changes younger than the settle time wait (tests/api/test_sync.py), never someone else's.
    allowed = set(_ids(world, VISIBLE_PERSONS[persona]))
    assert {r["id"] for r in body["results"]} <= allowed
    assert set(body) == {"results", "next_cursor", "has_more"}


def _partner_report(world):
    report = FamilyReport.objects.filter(reference="MATRIXREP1").first()
    return report or ReportFactory(
        organisation=world.north,
        reference="MATRIXREP1",
        channel="partner",
        source_partner=world.partner_org,
    )


def _report_detail(world, persona, response):
    body = response.json()
    assert body["reference"] == "MATRIXREP1"
    assert "reporter_name" not in body and "reporter_contact" not in body
    if persona == "partner":
        assert body["status"] == "received"


def _report_list(world, persona, response):
    references = [r["reference"] for r in response.json()["results"]]
    assert references == []  # the world holds no reports: nothing of anyone else's shows


def _location(world):
    return LocationFactory(name="Matrix Camp", country="SY", access_notes="Gate 3 on request")


def _location_check(world, persona, response):
    body = response.json()
    records = body.get("results", [body])
    for record in records:
        shown = persona in ("caseworker", "other_team_caseworker", "supervisor", "admin")
        assert (record["access_notes"] != WITHHELD) is shown


def _flight(world):
    flight = FlightFactory(organisation=world.north, reference="FL-MATRIX")
    ManifestEntry.objects.create(flight=flight, person=world.case_a)
    return flight


def _flight_check(world, persona, response):
    entry = response.json()["manifest"][0]
    if persona in ("caseworker", "supervisor"):
        assert entry["person"] == {
            "id": str(world.case_a.public_id),
            "display_name": world.case_a.display_name,
        }
    else:
        assert entry["person"] == WITHHELD


def _flight_list(world, persona, response):
    assert response.json()["results"] == []  # the world holds no flights


def _report_body(channel=None):
    def build(world):
        body = {
            "reporter": {"reporter_name": "Testova Zarema", "reporter_relationship": "mother"},
            "account": "My daughter left in 2014 with her children.",
            "consents": [{"purpose": "process", "given": True}],
            "entries": [{"family_name": "Testova", "given_name": "Aminat", "sex": "F"}],
        }
        if channel:
            body["channel"] = channel
        return body

    return build


def _person_body(world):
    return {"names": [{"family_name": "Testova", "given_name": "Khava"}], "sex": "F"}


SURFACES = [
    Surface(
        name="api-person-list",
        path=lambda w: "/api/v1/persons/",
        expect=expect(200, anonymous=401),
        api=True,
        check=_person_list,
    ),
    Surface(
        name="api-person-list",
        method="POST",
        path=lambda w: "/api/v1/persons/",
        data=_person_body,
        json=True,
        expect=expect(
            403,
            intake=201,
            caseworker=201,
            other_team_caseworker=201,
            supervisor=201,
            anonymous=401,
        ),
        api=True,
    ),
    Surface(
        name="api-person-detail",
        path=lambda w: f"/api/v1/persons/{w.case_a.public_id}/",
        expect=expect(
            404,
            caseworker=200,
            intake=200,
            supervisor=200,
            dpo=200,
            partner=200,
            anonymous=401,
        ),
        api=True,
        check=_person_detail,
    ),
    Surface(
        # Without If-Match: who may edit is told to send it (428); who may not is refused first.
        name="api-person-detail",
        method="PATCH",
        path=lambda w: f"/api/v1/persons/{w.case_a.public_id}/",
        data=lambda w: {"birthplace": "Raqqa"},
        json=True,
        expect=expect(
            404,
            caseworker=428,
            supervisor=428,
            intake=403,
            dpo=403,
            partner=403,
            anonymous=401,
        ),
        api=True,
    ),
    Surface(
        name="api-person-status",
        method="POST",
        path=lambda w: f"/api/v1/persons/{w.case_a.public_id}/status/",
        data=lambda w: {"status": "verifying", "reason": "A letter from the camp arrived."},
        json=True,
        expect=expect(
            404,
            caseworker=200,
            supervisor=200,
            intake=403,
            dpo=403,
            partner=403,
            anonymous=401,
        ),
        api=True,
    ),
    Surface(
        name="api-person-changes",
        path=lambda w: "/api/v1/persons/changes/",
        expect=expect(403, partner=200, partner_without_agreement=200, anonymous=401),
        api=True,
        check=_changes,
    ),
    Surface(
        name="api-report-list",
        path=lambda w: "/api/v1/reports/",
        expect=expect(200, dpo=403, admin=403, anonymous=401),
        api=True,
        check=_report_list,
    ),
    Surface(
        # A partner's report (no channel: it is "partner"); staff must say how it came in.
        name="api-report-list",
        method="POST",
        path=lambda w: "/api/v1/reports/",
        data=_report_body(),
        json=True,
        expect=expect(
            400,
            partner=201,
            partner_without_agreement=403,
            dpo=403,
            admin=403,
            anonymous=401,
        ),
        api=True,
    ),
    Surface(
        name="api-report-list",
        method="POST",
        path=lambda w: "/api/v1/reports/",
        data=_report_body("letter"),
        json=True,
        expect=expect(
            201,
            partner=400,
            partner_without_agreement=403,
            dpo=403,
            admin=403,
            anonymous=401,
        ),
        api=True,
    ),
    Surface(
        name="api-report-detail",
        path=lambda w: f"/api/v1/reports/{_partner_report(w).public_id}/",
        expect=expect(200, partner_without_agreement=404, dpo=403, admin=403, anonymous=401),
        api=True,
        check=_report_detail,
    ),
    Surface(
        name="api-location-list",
        path=lambda w: "/api/v1/locations/",
        expect=STAFF_ONLY,
        api=True,
        check=_location_check,
    ),
    Surface(
        name="api-location-detail",
        path=lambda w: f"/api/v1/locations/{_location(w).public_id}/",
        expect=STAFF_ONLY,
        api=True,
        check=_location_check,
    ),
    Surface(
        name="api-flight-list",
        path=lambda w: "/api/v1/flights/",
        expect=PLANNERS_ONLY,
        api=True,
        check=_flight_list,
    ),
    Surface(
        name="api-flight-detail",
        path=lambda w: f"/api/v1/flights/{_flight(w).public_id}/",
        expect=PLANNERS_ONLY,
        api=True,
        check=_flight_check,
    ),
    Surface(
        # Any other path under /api/: the API's JSON 404 for everyone, signed in or not.
        name="api-not-found",
        path=lambda w: "/api/v2/persons/",
        expect=expect(404),
        api=True,
    ),
    Surface(
        name="api-schema",
        path=lambda w: "/api/v1/schema/",
        expect=STAFF_ONLY,
        api=True,
    ),
]
