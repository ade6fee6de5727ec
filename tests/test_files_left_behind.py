"""No file outlives its purpose: an upload refused or set aside as spam leaves nothing on disk,
and exports (the person list, subject access) are built in memory and sent, never stored, so
there is nothing on disk to expire."""

from __future__ import annotations

import builtins
import copy
import datetime as dt
import io
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from casework.models import AuditEvent, Channel, FamilyReport, ListImport, ReportAttachment
from casework.services.errors import ServiceError
from casework.services.imports import list_import_upload
from casework.services.reports import report_set_status, report_submit


@pytest.fixture
def private_root(settings, tmp_path):
    storages = copy.deepcopy(settings.STORAGES)
    storages["default"]["OPTIONS"]["location"] = str(tmp_path / "private")
    settings.STORAGES = storages
    return tmp_path / "private"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (40, 80, 120)).save(out, format="JPEG")
    return out.getvalue()


def _public_post(files) -> object:
    family = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")
    html = family.get("/report/").content.decode()
    data = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1],
        "form_token": re.search(r'name="form_token" value="([^"]+)"', html)[1],
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "1",
        "entries-MAX_NUM_FORMS": "50",
        "entries-0-family_name": "Testova",
        "entries-0-given_name": "Amina",
        "reporter_name": "Testova Zarema",
        "reporter_relationship": "grandmother",
        "account": "My daughter took her son to Syria in 2014.",
        "consent_process": "yes",
        "attachments": files,
    }
    return family.post("/report/", data)


def test_a_public_submission_with_a_refused_file_stores_no_file(world, settings, private_root):
    world.north.receives_public_reports = True
    world.north.save()
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    cache.clear()
    good = SimpleUploadedFile("a.jpg", _jpeg(), content_type="image/jpeg")
    svg = SimpleUploadedFile(
        "b.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
    )
    response = _public_post([good, svg])
    cache.clear()
    assert response.status_code == 400
    assert "SVG images are not accepted" in response.content.decode()
    assert FamilyReport.objects.count() == 0
    assert _files(private_root) == []


def test_a_report_set_aside_as_spam_keeps_no_file(
    world, private_root, django_capture_on_commit_callbacks
):
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Testova", "given_name": "Lailo"}],
        attachments=[
            SimpleUploadedFile("p.jpg", _jpeg()),
            SimpleUploadedFile("l.pdf", b"%PDF-1.4\n%%EOF\n"),
        ],
    )
    assert len(_files(private_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        report_set_status(actor=world.intake, report=report, status="spam", reason="Advert.")
    assert _files(private_root) == []
    assert not ReportAttachment.objects.filter(report=report).exists()
    event = AuditEvent.objects.get(action="status_change", object_id=report.public_id)
    assert set(event.fields) == {"status", "attachments"}
    # Brought back to the queue, the report is whole but for the files.
    report_set_status(actor=world.intake, report=report, status="new", reason="It was real.")
    assert FamilyReport.objects.get(pk=report.pk).entries.count() == 1


def test_a_list_upload_whose_transaction_fails_keeps_no_file(world, private_root, monkeypatch):
    from casework.services import imports

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(imports.audit, "record", broken)
    with pytest.raises(RuntimeError):
        imports.list_import_upload(
            actor=world.supervisor,
            source="Camp administration",
            as_of=dt.date(2026, 1, 5),
            filename="list.csv",
            data=b"family_name,given_name\nTestova,Madina\n",
        )
    assert not ListImport.objects.exists()
    assert _files(private_root) == []


def test_an_unreadable_list_is_refused_before_anything_is_stored(world, private_root):
    with pytest.raises(ServiceError):
        list_import_upload(
            actor=world.supervisor,
            source="Camp administration",
            as_of=dt.date(2026, 1, 5),
            filename="list.csv",
            data=b"\x00\x01 not a table",
        )
    assert _files(private_root) == []


@pytest.fixture
def no_file_written(monkeypatch):
    """Any attempt to write a file (or a temporary one) fails the test."""
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            raise AssertionError(f"an export wrote a file: {file}")
        return real_open(file, mode, *args, **kwargs)

    def refuse(*args, **kwargs):
        raise AssertionError("an export made a temporary file")

    monkeypatch.setattr(builtins, "open", guarded_open)
    for name in ("mkstemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)


def test_the_person_export_is_sent_from_memory_never_stored(
    world, login, private_root, no_file_written
):
    client = login(world.supervisor)
    response = client.post(
        "/persons/export/", {"kind": "identifiable", "reason": "Manifest check with the ministry"}
    )
    assert response.status_code == 200
    assert response["X-Export-Rows"] == "3"
    assert _files(private_root) == []


def test_the_subject_access_zip_is_sent_from_memory_never_stored(
    world, login, private_root, no_file_written
):
    client = login(world.dpo)
    response = client.post(
        "/audit/subject-access/",
        {"reason": "Request of 2 December by letter.", "person_id": str(world.case_a.public_id)},
    )
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == ["subject-access.json"]
    assert _files(private_root) == []
