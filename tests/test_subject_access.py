"""A subject-access request: the data-protection officer downloads everything held about one person
or one reporter (a ZIP of a JSON document and the files), on the trail; nobody else may, and an id
of another organisation answers like a missing one."""

import io
import json
import uuid
import zipfile

import pytest
from django.core.files.base import ContentFile

from casework.models import AuditEvent, AuditEventSubject, ReportAttachment, ReportEntry
from casework.permissions import Denied
from casework.services.notes import note_add
from casework.subject_access import subject_access_export
from tests.factories import ReportFactory

URL = "/audit/subject-access/"
WHY = "Request of 2 December by letter, checked by phone."


def _download(client, **data):
    response = client.post(URL, {"reason": WHY, **data})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="subject-access-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return archive, json.loads(archive.read("subject-access.json"))


def test_the_dpo_downloads_everything_held_about_a_person(world, login):
    note_add(actor=world.caseworker, person=world.case_a, text="Canary note 4471 about a visit")
    archive, document = _download(login(world.dpo), person_id=str(world.case_a.public_id))
    assert document["person"]["public_id"] == str(world.case_a.public_id)
    assert document["person"]["display_name"] == world.case_a.display_name
    notes = document["records"]["CaseNote.person"]
    assert [n["text"] for n in notes] == ["Canary note 4471 about a visit"]
    assert document["records"]["PersonName.person"]
    # Who received the data: the world shares case_a with the partner.
    shares = document["records"]["SharedCase.person"]
    assert [s["agreement"] for s in shares] == [str(world.agreement.public_id)]
    assert any(e["action"] == "create" for e in document["audit_trail"])
    assert "id" not in document["person"]
    event = AuditEvent.objects.get(action="export", actor=world.dpo)
    assert event.changes["kind"] == "subject_access" and event.changes["subject"] == "person"
    assert event.reason == WHY
    assert AuditEventSubject.objects.filter(event=event, person_id=world.case_a.public_id).exists()
    assert archive.namelist() == ["subject-access.json"]


def test_the_dpo_downloads_everything_held_about_a_reporter(world, login, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    first = ReportFactory(organisation=world.north, reporter_email="Mother@Example.org")
    again = ReportFactory(organisation=world.north, reporter_email="mother@example.org")
    other = ReportFactory(organisation=world.north, reporter_email="someone.else@example.org")
    ReportEntry.objects.create(report=again, position=0, family_name="Testova", person=world.case_b)
    photo = ReportAttachment(
        report=again, kind="photo", content_type="image/jpeg", size=4, sha256="0" * 64
    )
    photo.file.save("p.jpg", ContentFile(b"JPEG"), save=False)
    photo.save()

    archive, document = _download(login(world.dpo), report_id=str(first.public_id))

    references = {r["reference"] for r in document["reports"]}
    assert references == {first.reference, again.reference}
    assert other.reference not in json.dumps(document)
    assert all("secret_hash" not in r for r in document["reports"])
    [attachment] = [a for r in document["reports"] for a in r["attachments"]]
    assert archive.read(attachment["file"]) == b"JPEG"
    event = AuditEvent.objects.get(action="export", actor=world.dpo)
    assert event.changes["subject"] == "reporter"
    assert set(event.changes["reports"]) == {str(first.public_id), str(again.public_id)}
    assert "example.org" not in json.dumps(event.changes)
    assert AuditEventSubject.objects.filter(event=event, person_id=world.case_b.public_id).exists()


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "intake", "admin"])
def test_only_the_dpo_answers_subject_access_requests(world, login, persona):
    client = login(getattr(world, persona))
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"person_id": str(world.case_a.public_id), "reason": WHY})
    assert response.status_code == 403
    with pytest.raises(Denied):
        subject_access_export(
            actor=getattr(world, persona), person_id=str(world.case_a.public_id), reason=WHY
        )
    assert not AuditEvent.objects.filter(action="export").exists()


def test_another_organisations_person_answers_like_a_missing_one(world, login):
    client = login(world.dpo)
    foreign = client.post(URL, {"person_id": str(world.south_case.public_id), "reason": WHY})
    missing = client.post(URL, {"person_id": str(uuid.uuid4()), "reason": WHY})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert not AuditEvent.objects.filter(action="export").exists()
    assert AuditEvent.objects.filter(
        action="denied", object_id=world.south_case.public_id, organisation=world.south
    ).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": WHY}, "__all__"),
        ({"person_id": "x", "report_id": "y", "reason": WHY}, "__all__"),
        ({"person_id": "not-an-id", "reason": WHY}, "person_id"),
        ({"person_id": "CASE_A", "reason": ""}, "reason"),
    ],
)
def test_bad_requests_get_a_clear_error_and_no_export(world, login, data, field):
    data = {k: str(world.case_a.public_id) if v == "CASE_A" else v for k, v in data.items()}
    response = login(world.dpo).post(URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_dpo_finds_the_page_from_the_audit_trail(world, login):
    page = login(world.dpo).get("/audit/").content.decode()
    assert URL in page
    assert URL not in login(world.supervisor).get("/").content.decode()
