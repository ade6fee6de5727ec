"""The API (/api/v1/): every route × method × persona, with the exact set of records every list
returns, which fields each record withholds, and what each write does."""

import datetime as dt

from casework.api.persons import current_etag
from casework.models import FamilyReport, ManifestEntry, Person, Placement
from tests.factories import FlightFactory, LocationFactory, ReportFactory
from tests.matrix import Surface, expect
from tests.matrix.records import audited, fresh
from tests.matrix.surfaces_flights import _flights
from tests.matrix.surfaces_reports import _reports

WITHHELD = {"withheld": True}
# Fields a partner's agreement names in the world (tests/conftest.py), besides the id, and when
# the record was made and changed, which a partner always sees.
PARTNER_FIELDS = {"display_name", "sex", "status", "created_at", "updated_at"}
# Working-record fields staff at the minimal level (intake, dpo) never see.
SENSITIVE = ("birthplace", "citizenship", "languages", "birth_date", "vulnerabilities")

VISIBLE_PERSONS = {
    "caseworker": {"case_a"},
    "other_team_caseworker": {"case_b"},
    "intake": {"case_a", "case_b"},
    "supervisor": {"case_a", "case_b", "protected_a"},
    "dpo": {"case_a", "case_b"},
    "partner": {"case_a"},
}

STAFF_ONLY = expect(200, partner=403, partner_without_agreement=403, anonymous=401)
PLANNERS_ONLY = expect(
    403, caseworker=200, other_team_caseworker=200, supervisor=200, anonymous=401
)
PERSON_CREATORS = {"intake", "caseworker", "other_team_caseworker", "supervisor"}
EDITORS_OF_CASE_A = {"caseworker", "supervisor"}


def _persons(world, ids) -> set[str]:
    known = {str(v.public_id): n for n, v in vars(world).items() if isinstance(v, Person)}
    return {known.get(i, i) for i in ids}


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


def _person_list(expected):
    def check(world, persona, response):
        results = response.json()["results"]
        assert _persons(world, [r["id"] for r in results]) == expected.get(persona, set())
        for record in results:
            _check_person_fields(persona, record)

    return check


def _refused_parameter(parameter):
    def check(world, persona, response):
        assert [e["parameter"] for e in response.json()["errors"]] == [parameter]

    return check


def _listed_or_refused_search(expected, parameter="search"):
    listed = _person_list(expected)
    refused = _refused_parameter(parameter)

    def check(world, persona, response):
        if response.status_code == 400:
            refused(world, persona, response)
        else:
            listed(world, persona, response)

    return check


def _person_detail(name):
    def check(world, persona, response):
        record = response.json()
        assert record["id"] == str(getattr(world, name).public_id)
        _check_person_fields(persona, record)

    return check


def _changes(expected):
    def check(world, persona, response):
        body = response.json()
        assert set(body) == {"results", "next_cursor", "has_more"}
        assert _persons(world, [r["id"] for r in body["results"]]) == expected.get(persona, set())
        for record in body["results"]:
            _check_person_fields(persona, record)

    return check


def _partner_report(world):
    if not hasattr(world, "partner_report"):
        world.partner_report = ReportFactory(
            organisation=world.north,
            reference="MATRIXREP1",
            channel="partner",
            source_partner=world.partner_org,
        )
    return world.partner_report


def _all_reports(w):
    _reports(w)
    _partner_report(w)
    return w


REPORTS = {
    "caseworker": {"north_report", "partner_report"},
    "other_team_caseworker": {"north_report", "team_b_report", "partner_report"},
    "intake": {"north_report", "team_b_report", "partner_report"},
    "supervisor": {"north_report", "team_b_report", "protected_report", "partner_report"},
    "partner": {"partner_report"},
}


def _report_list(world, persona, response):
    references = {r["reference"] for r in response.json()["results"]}
    expected = {getattr(world, name).reference for name in REPORTS.get(persona, ())}
    assert references == expected
    for record in response.json()["results"]:
        assert "reporter_name" not in record and "reporter_contact" not in record
        if persona == "partner":
            assert record["status"] == "received"


def _report_detail(world, persona, response):
    body = response.json()
    assert body["reference"] == "MATRIXREP1"
    assert "reporter_name" not in body and "reporter_contact" not in body
    if persona == "partner":
        assert body["status"] == "received"


def _location(world):
    if not hasattr(world, "location"):
        world.location = LocationFactory(
            name="Matrix Camp", country="SY", access_notes="Gate 3 on request"
        )
    return world.location


def _location_check(world, persona, response):
    body = response.json()
    records = body.get("results", [body])
    if persona.startswith("partner"):
        # The places of persons whose placements an agreement shares: the world's shares none.
        assert records == []
        return
    assert {r["name"] for r in records} == {"Matrix Camp"}
    for record in records:
        shown = persona in ("caseworker", "other_team_caseworker", "supervisor", "admin")
        assert (record["access_notes"] != WITHHELD) is shown


def _api_flight(world):
    if not hasattr(world, "api_flight"):
        world.api_flight = FlightFactory(organisation=world.north, reference="FL-MATRIX")
        ManifestEntry.objects.create(flight=world.api_flight, person=world.case_a)
    return world.api_flight


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
    references = {f["reference"] for f in response.json()["results"]}
    # A partner's: the flights of persons whose flights an agreement shares; the world's none.
    assert references == (set() if persona.startswith("partner") else {"NORTH-1", "FL-MATRIX"})
    for flight in response.json()["results"]:
        for entry in flight["manifest"]:
            # A passenger shows only to whoever sees that person.
            assert entry["person"] == WITHHELD or _persons(world, [entry["person"]["id"]]) <= (
                VISIBLE_PERSONS[persona] | {"child_a"}
            )


def _report_changes(world, persona, response):
    """A partner's feed of the reports it sent: the world's partner report, to that partner."""
    ids = {r["id"] for r in response.json()["results"]}
    theirs = {str(_partner_report(world).public_id)} if persona == "partner" else set()
    assert ids == theirs


def _placement(world):
    """A placement of team A's case: the working record, which no agreement of the world shares."""
    if not hasattr(world, "placement"):
        world.placement = Placement.objects.create(
            person=world.case_a,
            location=_location(world),
            start_date=dt.date(2024, 3, 1),
            start_precision="month",
            source="visit",
            reliability="confirmed",
            notes="Matrix note",
        )
    return world.placement


def _placement_check(world, persona, response):
    body = response.json()
    ids = {r["id"] for r in body.get("results", [body])}
    sees = persona in ("caseworker", "supervisor")
    assert (str(_placement(world).public_id) in ids) is sees
    assert "Matrix note" not in response.content.decode()


def _docs_page(response):
    page = response.content.decode()
    assert 'data-schema-url="/api/v1/schema/"' in page and "/static/vendor/swagger-ui/" in page
    assert "Testova" not in page and "Alieva" not in page


def _no_restricted_field(response):
    text = response.content.decode()
    assert "security_notes" not in text and "legal_proceedings" not in text
    assert "paths" in response.json()


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


def _report_submitted(w, persona):
    user = w.personas()[persona]
    report = FamilyReport.objects.get(account="My daughter left in 2014 with her children.")
    assert report.organisation == w.north
    if persona == "partner":
        assert report.channel == "partner" and report.source_partner == w.partner_org
    else:
        assert report.channel == "letter" and report.entered_by == user
    assert report.entries.get().family_name == "Testova"


def _person_body(world):
    return {"names": [{"family_name": "Testova", "given_name": "Khava"}], "sex": "F"}


def _person_created(w, persona):
    person = Person.objects.get(display_name="Testova Khava")
    assert person.organisation == w.north
    team = {"caseworker": w.team_a, "other_team_caseworker": w.team_b}.get(persona)
    assert person.team_id == (team.pk if team else None)
    assert audited(w.personas()[persona], "create", person_id=person.public_id)


def _if_match(w, persona):
    """The ETag of case_a as this persona reads it (each sees their own representation); any
    other tag for those who do not see it at all, who are refused before it is looked at."""
    user = w.personas().get(persona)
    person = fresh(w.case_a)
    if user is None or not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return {"If-Match": '"unseen"'}
    return {"If-Match": current_etag(user, person)}


def _patched(w, persona):
    person = fresh(w.case_a)
    assert person.birthplace == "Raqqa" and person.version == w.case_a.version + 1
    assert audited(w.personas()[persona], "update", person_id=person.public_id)


def _status_changed(w, persona):
    assert fresh(w.case_a).status == "verifying"
    assert audited(w.personas()[persona], "status_change", person_id=w.case_a.public_id)


SURFACES = [
    Surface(
        name="api-person-list",
        path=lambda w: "/api/v1/persons/",
        expect=expect(200, anonymous=401),
        check=_person_list(VISIBLE_PERSONS),
    ),
    Surface(
        name="api-person-list",
        label="?search=team B's name",
        path=lambda w: "/api/v1/persons/?search=Bekova",
        # A partner's name search is refused, 400 naming the parameter (it would look at names it
        # never sees); never silently dropped.
        expect=expect(200, anonymous=401, partner=400, partner_without_agreement=400),
        check=_listed_or_refused_search(
            {
                "other_team_caseworker": {"case_b"},
                "intake": {"case_b"},
                "supervisor": {"case_b"},
                "dpo": {"case_b"},
            }  # fmt: skip
        ),
    ),
    Surface(
        name="api-person-list",
        label="?q=the protected name",
        path=lambda w: "/api/v1/persons/?q=Protected",
        expect=expect(200, anonymous=401, partner=400, partner_without_agreement=400),
        check=_listed_or_refused_search({"supervisor": {"protected_a"}}, parameter="q"),
    ),
    Surface(
        name="api-person-list",
        label="?team=B",
        path=lambda w: f"/api/v1/persons/?team={w.team_b.public_id}",
        expect=expect(200, anonymous=401),
        # A partner may not filter on the team (its agreement does not name it): dropped.
        check=_person_list(
            {
                "other_team_caseworker": {"case_b"},
                "intake": {"case_b"},
                "supervisor": {"case_b"},
                "dpo": {"case_b"},
                "partner": {"case_a"},
            }  # fmt: skip
        ),
    ),
    Surface(
        name="api-person-list",
        label="?birthplace=hidden filter",
        path=lambda w: "/api/v1/persons/?birthplace=Raqqa",
        expect=expect(200, anonymous=401),
        check=_person_list({p: VISIBLE_PERSONS[p] for p in ("intake", "dpo", "partner")}),
    ),
    Surface(
        name="api-person-list",
        label="?ordering=birthplace",
        path=lambda w: "/api/v1/persons/?ordering=-birthplace",
        # The order is the cursor's: an ordering is refused for everyone alike, so the answer says
        # nothing about a hidden field.
        expect=expect(400, anonymous=401),
        check=_refused_parameter("ordering"),
    ),
    Surface(
        name="api-person-list",
        method="POST",
        path=lambda w: "/api/v1/persons/",
        data=_person_body,
        json=True,
        expect=expect(403, **dict.fromkeys(PERSON_CREATORS, 201), anonymous=401),
        writes=PERSON_CREATORS,
        wrote=_person_created,
    ),
    Surface(
        name="api-person-detail",
        path=lambda w: f"/api/v1/persons/{w.case_a.public_id}/",
        expect=expect(
            404, caseworker=200, intake=200, supervisor=200, dpo=200, partner=200, anonymous=401
        ),
        check=_person_detail("case_a"),
    ),
    Surface(
        name="api-person-detail",
        label="protected",
        path=lambda w: f"/api/v1/persons/{w.protected_a.public_id}/",
        expect=expect(404, supervisor=200, anonymous=401),
        check=_person_detail("protected_a"),
    ),
    Surface(
        name="api-person-detail",
        label="other organisation",
        path=lambda w: f"/api/v1/persons/{w.south_case.public_id}/",
        expect=expect(404, anonymous=401),
    ),
    Surface(
        # Without If-Match: who may edit is told to send it (428); who may not is refused first.
        name="api-person-detail",
        method="PATCH",
        label="no If-Match",
        path=lambda w: f"/api/v1/persons/{w.case_a.public_id}/",
        data=lambda w: {"birthplace": "Raqqa"},
        json=True,
        expect=expect(
            404, caseworker=428, supervisor=428, intake=403, dpo=403, partner=403, anonymous=401
        ),  # fmt: skip
    ),
    Surface(
        name="api-person-detail",
        method="PATCH",
        path=lambda w: f"/api/v1/persons/{w.case_a.public_id}/",
        data=lambda w: {"birthplace": "Raqqa"},
        headers=_if_match,
        json=True,
        expect=expect(
            404, caseworker=200, supervisor=200, intake=403, dpo=403, partner=403, anonymous=401
        ),  # fmt: skip
        writes=EDITORS_OF_CASE_A,
        wrote=_patched,
    ),
    Surface(
        name="api-person-status",
        method="POST",
        path=lambda w: f"/api/v1/persons/{w.case_a.public_id}/status/",
        data=lambda w: {"status": "verifying", "reason": "A letter from the camp arrived."},
        headers=_if_match,
        json=True,
        expect=expect(
            404, caseworker=200, supervisor=200, intake=403, dpo=403, partner=403, anonymous=401
        ),  # fmt: skip
        writes=EDITORS_OF_CASE_A,
        wrote=_status_changed,
    ),
    Surface(
        name="api-person-changes",
        path=lambda w: "/api/v1/persons/changes/",
        expect=expect(403, partner=200, partner_without_agreement=200, anonymous=401),
        check=_changes({"partner": {"case_a"}}),
    ),
    Surface(
        name="api-report-list",
        path=lambda w: (_all_reports(w), "/api/v1/reports/")[1],
        expect=expect(200, dpo=403, admin=403, anonymous=401),
        check=_report_list,
    ),
    Surface(
        # A partner's report (no channel: it is "partner"); staff must say how it came in.
        name="api-report-list",
        method="POST",
        label="partner channel",
        path=lambda w: "/api/v1/reports/",
        data=_report_body(),
        json=True,
        expect=expect(
            400, partner=201, partner_without_agreement=403, dpo=403, admin=403, anonymous=401
        ),  # fmt: skip
        writes={"partner"},
        wrote=_report_submitted,
    ),
    Surface(
        name="api-report-list",
        method="POST",
        label="letter",
        path=lambda w: "/api/v1/reports/",
        data=_report_body("letter"),
        json=True,
        expect=expect(
            201, partner=400, partner_without_agreement=403, dpo=403, admin=403, anonymous=401
        ),  # fmt: skip
        writes={"caseworker", "other_team_caseworker", "intake", "supervisor"},
        wrote=_report_submitted,
    ),
    Surface(
        name="api-report-detail",
        path=lambda w: f"/api/v1/reports/{_partner_report(w).public_id}/",
        expect=expect(200, partner_without_agreement=404, dpo=403, admin=403, anonymous=401),
        check=_report_detail,
    ),
    Surface(
        name="api-report-detail",
        label="linked to team B's case",
        path=lambda w: f"/api/v1/reports/{_reports(w) and w.team_b_report.public_id}/",
        expect=expect(
            404,
            other_team_caseworker=200,
            intake=200,
            supervisor=200,
            dpo=403,
            admin=403,
            anonymous=401,
        ),  # fmt: skip
    ),
    Surface(
        name="api-location-list",
        path=lambda w: (_location(w), "/api/v1/locations/")[1],
        expect=STAFF_ONLY | {"partner": 200, "partner_without_agreement": 200},
        check=_location_check,
    ),
    Surface(
        name="api-location-detail",
        path=lambda w: f"/api/v1/locations/{_location(w).public_id}/",
        expect=STAFF_ONLY | {"partner": 404, "partner_without_agreement": 404},
        check=_location_check,
    ),
    Surface(
        name="api-flight-list",
        path=lambda w: (_flights(w), _api_flight(w), "/api/v1/flights/")[2],
        expect=PLANNERS_ONLY | {"partner": 200, "partner_without_agreement": 200},
        check=_flight_list,
    ),
    Surface(
        name="api-flight-detail",
        path=lambda w: f"/api/v1/flights/{_api_flight(w).public_id}/",
        expect=PLANNERS_ONLY | {"partner": 404, "partner_without_agreement": 404},
        check=_flight_check,
    ),
    Surface(
        name="api-flight-detail",
        label="other organisation",
        path=lambda w: f"/api/v1/flights/{_flights(w)[1].public_id}/",
        expect=expect(
            403,
            caseworker=404,
            other_team_caseworker=404,
            supervisor=404,
            partner=404,
            partner_without_agreement=404,
            anonymous=401,
        ),  # fmt: skip
    ),
    Surface(
        name="api-report-changes",
        path=lambda w: (_partner_report(w), "/api/v1/reports/changes/")[1],
        expect=expect(403, partner=200, partner_without_agreement=200, anonymous=401),
        check=_report_changes,
    ),
    Surface(
        name="api-placement-list",
        path=lambda w: (_placement(w), "/api/v1/placements/")[1],
        expect=expect(200, anonymous=401),
        check=_placement_check,
    ),
    Surface(
        name="api-placement-detail",
        path=lambda w: f"/api/v1/placements/{_placement(w).public_id}/",
        expect=expect(404, caseworker=200, supervisor=200, anonymous=401),
        check=_placement_check,
    ),
    # Any other path under /api/: the API's JSON 404 for everyone, signed in or not, any method.
    *(
        Surface(
            name="api-not-found",
            method=method,
            path=lambda w: "/api/v2/persons/",
            data=(lambda w: {}) if method != "GET" else None,
            json=method != "GET",
            expect=expect(404),
        )
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    ),
    Surface(
        # A page holding no data (it loads the caller's own schema with the caller's token): the
        # same for everyone, signed in or not.
        name="api-docs",
        path=lambda w: "/api/v1/docs/",
        expect=expect(200),
        check=lambda w, persona, response: _docs_page(response),
    ),
    Surface(
        name="api-schema",
        path=lambda w: "/api/v1/schema/",
        # Every API caller reads its own schema (only what it may call, see
        # tests/api/test_schema.py); it can describe no restricted field: none is in the API.
        expect=expect(200, anonymous=401),
        check=lambda w, persona, response: _no_restricted_field(response),
    ),
]
