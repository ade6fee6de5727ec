"""casework/api/reports.py: partners and report staff submit; a partner lists only its own."""

import datetime as dt
import uuid

import pytest

from casework.models import FamilyReport, Organisation, SharingAgreement
from tests.api.conftest import fields_of
from tests.factories import ReportFactory

URL = "/api/v1/reports/"


def _body(**extra):
    return {
        "reporter": {"reporter_name": "Testova Zarema", "reporter_contact": "+7 900 000 00 00"},
        "account": "Моя дочь уехала в 2014 году с детьми.",
        "consents": [{"purpose": "process", "given": True}],
        "entries": [
            {"family_name": "Testova", "given_name": "Aminat", "sex": "F"},
            {"full_name": "Umm Bilal", "birthplace": "Raqqa", "age_stated": 9},
        ],
        **extra,
    }


def _submit(client, body):
    return client.post(URL, body, content_type="application/json")


def test_a_partner_submits_a_report_for_the_organisation_it_works_with(world, api):
    response = _submit(api(world.partner), _body())
    assert response.status_code == 201, response.content
    report = FamilyReport.objects.get(public_id=response.json()["id"])
    assert report.organisation == world.north
    assert report.channel == "partner"
    assert report.source_partner == world.partner_org
    assert report.entries.count() == 2
    assert report.reporter_name == "Testova Zarema"
    assert response.json()["status"] == "received"
    # What the family told is kept; the API answer does not echo it back.
    assert "Testova Zarema" not in response.content.decode()
    assert "secret" not in response.json()


def test_a_partner_whose_agreement_does_not_allow_reports_is_refused(world, api):
    SharingAgreement.objects.filter(pk=world.agreement.pk).update(may_submit_reports=False)
    response = _submit(api(world.partner), _body())
    assert response.status_code == 403
    assert not FamilyReport.objects.exists()


def test_a_partner_without_agreement_is_refused(world, api):
    assert _submit(api(world.partner_without_agreement), _body()).status_code == 403
    assert not FamilyReport.objects.exists()


def test_a_partner_with_several_organisations_names_the_one(world, api):
    SharingAgreement.objects.create(
        owner=world.south,
        partner=world.partner_org,
        title="South shares with Partner NGO",
        may_submit_reports=True,
        valid_from=dt.date(2025, 1, 1),
    )
    client = api(world.partner)
    unnamed = _submit(client, _body())
    assert unnamed.status_code == 400
    assert "organisation" in fields_of(unnamed)
    named = _submit(client, _body(organisation=str(world.south.public_id)))
    assert named.status_code == 201
    assert FamilyReport.objects.get().organisation == world.south


def test_an_organisation_the_partner_has_no_agreement_with_is_like_a_missing_one(world, api):
    stranger = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    client = api(world.partner)
    foreign = _submit(client, _body(organisation=str(stranger.public_id)))
    missing = _submit(client, _body(organisation=str(uuid.uuid4())))
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert not FamilyReport.objects.exists()


@pytest.mark.parametrize(
    "smuggled",
    [
        {"status": "triaged"},
        {"source_partner": "x"},
        {"entered_by": "x"},
        {"reference": "AAAA"},
        {"secret_hash": "x"},
    ],
)
def test_smuggled_report_fields_are_refused(world, api, smuggled):
    response = _submit(api(world.partner), _body(**smuggled))
    assert response.status_code == 400
    assert fields_of(response) == set(smuggled)
    assert not FamilyReport.objects.exists()


def test_a_partner_cannot_claim_another_channel(world, api):
    response = _submit(api(world.partner), _body(channel="letter"))
    assert response.status_code == 400
    assert not FamilyReport.objects.exists()


def test_service_errors_name_the_entry_and_field(world, api):
    body = _body(entries=[{"family_name": "Testova", "birth_date": "2015-02-29"}])
    response = _submit(api(world.partner), body)
    assert response.status_code == 400
    assert "entries/0/birth_date" in fields_of(response)
    assert not FamilyReport.objects.exists()


def test_a_consent_naming_an_unknown_partner_is_refused(world, api):
    consents = [{"purpose": "share_partner", "given": True, "partner": str(uuid.uuid4())}]
    response = _submit(api(world.supervisor), _body(channel="letter", consents=consents))
    assert response.status_code == 400
    assert not FamilyReport.objects.exists()


def test_a_consent_naming_a_sharing_partner_is_kept(world, api):
    consents = [
        {"purpose": "process", "given": True},
        {"purpose": "share_partner", "given": True, "partner": str(world.partner_org.public_id)},
    ]
    response = _submit(api(world.intake), _body(channel="phone", consents=consents))
    assert response.status_code == 201, response.content
    report = FamilyReport.objects.get()
    assert report.consents.filter(purpose="share_partner", partner=world.partner_org).exists()


def test_a_consent_naming_a_partner_whose_agreement_ended_is_unknown(world, api):
    # The partner once had an agreement: revoked, it names no one, like a missing id.
    from django.utils import timezone

    SharingAgreement.objects.filter(pk=world.agreement.pk).update(revoked_at=timezone.now())
    consents = [
        {"purpose": "share_partner", "given": True, "partner": str(world.partner_org.public_id)}
    ]
    unknown = [{"purpose": "share_partner", "given": True, "partner": str(uuid.uuid4())}]
    ended = _submit(api(world.intake), _body(channel="phone", consents=consents))
    missing = _submit(api(world.intake), _body(channel="phone", consents=unknown))
    assert ended.status_code == missing.status_code == 400
    assert ended.json() == missing.json()
    assert not FamilyReport.objects.exists()


def test_staff_enter_a_report_received_by_letter(world, api):
    response = _submit(api(world.intake), _body(channel="letter"))
    assert response.status_code == 201, response.content
    report = FamilyReport.objects.get()
    assert (report.organisation, report.channel, report.entered_by) == (
        world.north,
        "letter",
        world.intake,
    )
    assert response.json()["status"] == "new"


def test_staff_cannot_file_a_report_for_another_organisation(world, api):
    response = _submit(
        api(world.intake), _body(channel="letter", organisation=str(world.south.public_id))
    )
    assert response.status_code == 400
    assert not FamilyReport.objects.exists()


# --- Reading ----------------------------------------------------------------------------------


def test_a_partner_lists_only_the_reports_it_sent_with_a_coarse_status(world, api):
    own = ReportFactory(
        organisation=world.north,
        channel="partner",
        source_partner=world.partner_org,
        status="triaged",
    )
    ReportFactory(organisation=world.north, channel="letter")
    ReportFactory(organisation=world.north, channel="partner", source_partner=world.stranger_org)
    results = api(world.partner).get(URL).json()["results"]
    assert [r["id"] for r in results] == [str(own.public_id)]
    assert results[0]["status"] == "being traced"
    assert set(results[0]) == {
        "id",
        "reference",
        "channel",
        "received_at",
        "updated_at",
        "status",
        "entries",
    }


def test_a_partner_cannot_open_another_partners_report(world, api):
    other = ReportFactory(
        organisation=world.north, channel="partner", source_partner=world.stranger_org
    )
    client = api(world.partner)
    hidden = client.get(f"{URL}{other.public_id}/")
    missing = client.get(f"{URL}{uuid.uuid4()}/")
    malformed = client.get(f"{URL}nope/")
    assert hidden.status_code == missing.status_code == malformed.status_code == 404
    assert hidden.json() == missing.json() == malformed.json()


def test_staff_see_their_organisations_reports_only(world, api):
    own = ReportFactory(organisation=world.north)
    ReportFactory(organisation=world.south)
    results = api(world.caseworker).get(URL).json()["results"]
    assert [r["id"] for r in results] == [str(own.public_id)]
    assert results[0]["status"] == "new"


def _linked_report(world, person, *, status="in_triage", pending=True):
    from casework.models import ReportEntry

    report = ReportFactory(organisation=world.north, status=status)
    ReportEntry.objects.create(
        report=report, position=1, family_name="Linkova", outcome="linked", person=person
    )
    if pending:
        ReportEntry.objects.create(report=report, position=2, family_name="Waitova")
    return report


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("caseworker", {"queue", "team_a", "done"}),
        ("other_team_caseworker", {"queue", "team_b"}),
        ("intake", {"queue", "team_a", "team_b"}),
        ("supervisor", {"queue", "team_a", "team_b", "protected", "done"}),
    ],
)
def test_staff_list_and_open_exactly_the_reports_they_may_see(world, api, persona, visible):
    reports = {
        "queue": ReportFactory(organisation=world.north),
        "team_a": _linked_report(world, world.case_a),
        "team_b": _linked_report(world, world.case_b),
        "protected": _linked_report(world, world.protected_a),
        "done": _linked_report(world, world.case_a, status="triaged", pending=False),
    }
    ReportFactory(organisation=world.south)
    client = api(world.personas()[persona])
    listed = {r["id"] for r in client.get(URL).json()["results"]}
    assert listed == {str(reports[name].public_id) for name in visible}
    missing = client.get(f"{URL}{uuid.uuid4()}/")
    for name, report in reports.items():
        response = client.get(f"{URL}{report.public_id}/")
        if name in visible:
            assert response.status_code == 200
            assert response.json()["id"] == str(report.public_id)
        else:
            assert response.status_code == missing.status_code == 404
            assert response.json() == missing.json()
