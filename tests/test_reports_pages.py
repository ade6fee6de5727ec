"""The reports pages: entering a report once, escaping, files served safely, triage."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework.models import AuditEvent, Channel, FamilyReport
from casework.services.reports import report_submit

XSS = "<script>alert(1)</script>{{7*7}}"


def _form(token, **extra):
    data = {
        "form_token": token,
        "channel": "phone",
        "received_at": "2026-01-05 10:00",
        "reporter_name": "Testova Zarema",
        "account": XSS,
        "consent_process": "yes",
        "entries-TOTAL_FORMS": "2",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "1",
        "entries-MAX_NUM_FORMS": "50",
        "entries-0-family_name": "Testova",
        "entries-0-given_name": "Lailo",
        "entries-0-birth_date": "2015-04-01",
    }
    data.update(extra)
    return data


def _token(client):
    return client.get("/reports/new/").context["form"].initial["form_token"]


def test_the_same_form_posted_twice_makes_one_report(world, login):
    client = login(world.intake)
    token = _token(client)
    first = client.post("/reports/new/", _form(token))
    second = client.post("/reports/new/", _form(token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert FamilyReport.objects.count() == 1


def test_a_date_that_does_not_exist_is_a_form_error(world, login):
    client = login(world.intake)
    response = client.post(
        "/reports/new/", _form(_token(client), **{"entries-0-birth_date": "2023-02-29"})
    )
    assert response.status_code == 400
    assert "29 February exists only in leap years" in response.content.decode()
    assert not FamilyReport.objects.exists()


def test_service_errors_land_on_the_entry_field(world, login):
    client = login(world.intake)
    response = client.post(
        "/reports/new/", _form(_token(client), **{"entries-0-birth_date": "1850-01-01"})
    )
    assert response.status_code == 400
    formset = response.context["formset"]
    assert "before 1900" in str(formset.forms[0].errors["birth_date"])


def test_markup_is_shown_escaped(world, login):
    client = login(world.intake)
    response = client.post("/reports/new/", _form(_token(client)), follow=True)
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in body


def _report_with_files(world):
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Alieva", "given_name": "Madina"}],
        attachments=[
            SimpleUploadedFile("p.png", out.getvalue()),
            SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"),
        ],
    )
    return report


def test_a_document_is_served_as_a_download_never_cached_and_audited(world, login):
    report = _report_with_files(world)
    pdf = report.attachments.get(kind="document")
    client = login(world.caseworker)
    response = client.get(f"/reports/{report.public_id}/attachments/{pdf.public_id}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"].startswith("no-store")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert AuditEvent.objects.filter(
        object_id=pdf.public_id, action="read_sensitive", actor=world.caseworker
    ).exists()


def test_another_reports_attachment_id_answers_404(world, login):
    report = _report_with_files(world)
    other = _report_with_files(world)
    photo = other.attachments.get(kind="photo")
    client = login(world.caseworker)
    response = client.get(f"/reports/{report.public_id}/attachments/{photo.public_id}/")
    assert response.status_code == 404


def test_triage_page_shows_likely_known_persons_and_links(world, login):
    from casework.services.names import refresh_name_keys

    for person in (world.case_a, world.protected_a):
        refresh_name_keys(person)  # the factory writes persons without their search keys
    report = _report_with_files(world)
    entry = report.entries.get()
    client = login(world.intake)
    url = f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"
    response = client.get(url)
    candidates = [c.public_id for c in response.context["candidates"]]
    assert world.case_a.public_id in candidates
    assert world.protected_a.public_id not in candidates
    response = client.post(url, {"decision": "link", "person": str(world.case_a.public_id)})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.person == world.case_a


def test_triage_cannot_link_to_another_organisations_person(world, login):
    report = _report_with_files(world)
    entry = report.entries.get()
    client = login(world.intake)
    url = f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"
    response = client.post(url, {"decision": "link", "person": str(world.south_case.public_id)})
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.person is None
