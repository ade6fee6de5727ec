"""Photos, documents and imported lists are encrypted at rest with a key outside the database;
callers see only the plaintext, and the sha256 recorded is the plaintext's."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from casework import deploy_checks, file_keys
from casework.models import Channel
from casework.services.imports import list_import_upload
from casework.services.reports import report_submit

JPEG_MAGIC = b"\xff\xd8\xff"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (40, 80, 120)).save(out, format="JPEG")
    return out.getvalue()


def _report(world, *files):
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Testova", "given_name": "Lailo"}],
        attachments=list(files),
    )
    return report


def _on_disk(name: str) -> bytes:
    return Path(default_storage.path(name)).read_bytes()


@pytest.fixture
def private_root(settings, tmp_path):
    """A storage folder of this test's own: the command walks the whole folder."""
    storages = copy.deepcopy(settings.STORAGES)
    storages["default"]["OPTIONS"]["location"] = str(tmp_path / "private")
    settings.STORAGES = storages
    return tmp_path / "private"


def test_a_photo_is_ciphertext_on_disk_and_plaintext_when_downloaded(world, login):
    report = _report(world, SimpleUploadedFile("p.jpg", _jpeg()))
    photo = report.attachments.get()
    raw = _on_disk(photo.file.name)
    assert not raw.startswith(JPEG_MAGIC) and raw.startswith(file_keys.MAGIC)
    response = login(world.caseworker).get(
        f"/reports/{report.public_id}/attachments/{photo.public_id}/"
    )
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served.startswith(JPEG_MAGIC)
    assert hashlib.sha256(served).hexdigest() == photo.sha256  # the plaintext's, as before
    assert hashlib.sha256(raw).hexdigest() != photo.sha256
    assert int(response["Content-Length"]) == len(served) == photo.size


def test_a_document_and_an_imported_list_are_encrypted_too(world):
    report = _report(world, SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"))
    document = report.attachments.get()
    assert b"%PDF" not in _on_disk(document.file.name)
    listed = list_import_upload(
        actor=world.supervisor,
        source="Camp administration",
        as_of=dt.date(2026, 1, 5),
        filename="list.csv",
        data=b"family_name,given_name\nTestova,Madina\n",
    )
    raw = _on_disk(listed.file.name)
    assert b"Testova" not in raw and raw.startswith(file_keys.MAGIC)
    with listed.file.open("rb") as handle:
        assert handle.read() == b"family_name,given_name\nTestova,Madina\n"


def test_a_wrong_key_is_a_clear_error(world, settings):
    photo = _report(world, SimpleUploadedFile("p.jpg", _jpeg())).attachments.get()
    settings.CASEWORK_FILE_KEYS = [file_keys.new_key()]
    with pytest.raises(file_keys.FileKeyError, match="key that is not configured"):
        default_storage.open(photo.file.name).read()


def test_a_file_altered_on_disk_is_a_clear_error(world):
    photo = _report(world, SimpleUploadedFile("p.jpg", _jpeg())).attachments.get()
    path = Path(default_storage.path(photo.file.name))
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(file_keys.FileKeyError, match="altered"):
        default_storage.open(photo.file.name).read()


def test_rotation_new_key_first_old_still_reads_then_the_command_moves_every_file(
    settings, private_root
):
    old = settings.CASEWORK_FILE_KEYS[0]
    name = default_storage.save("attachments/a.jpg", ContentFile(_jpeg()))
    new = file_keys.new_key()
    settings.CASEWORK_FILE_KEYS = [new, old]
    assert default_storage.open(name).read().startswith(JPEG_MAGIC)
    call_command("encrypt_stored_files", stdout=io.StringIO())
    settings.CASEWORK_FILE_KEYS = [new]  # the old key dropped after the command
    assert default_storage.open(name).read().startswith(JPEG_MAGIC)


def test_files_stored_before_are_encrypted_by_the_command_idempotently(settings, private_root):
    clear = private_root / "attachments" / "2025" / "01" / "old.jpg"
    clear.parent.mkdir(parents=True)
    photo = _jpeg()
    clear.write_bytes(photo)
    sealed_name = default_storage.save("lists/new.csv", ContentFile(b"a,b\n"))
    sealed_before = _on_disk(sealed_name)

    dry = io.StringIO()
    call_command("encrypt_stored_files", "--dry-run", stdout=dry)
    assert "in clear, to encrypt: 1" in dry.getvalue()
    assert clear.read_bytes() == photo  # a dry run changes nothing

    first = io.StringIO()
    call_command("encrypt_stored_files", stdout=first)
    assert "in clear, now encrypted: 1" in first.getvalue()
    assert "current key: 1" in first.getvalue()
    assert not clear.read_bytes().startswith(JPEG_MAGIC)
    assert default_storage.open("attachments/2025/01/old.jpg").read() == photo
    assert _on_disk(sealed_name) == sealed_before  # already sealed: untouched

    again = io.StringIO()
    call_command("encrypt_stored_files", stdout=again)
    assert "now encrypted: 0" in again.getvalue() and "current key: 2" in again.getvalue()


def test_without_a_key_nothing_is_stored_and_the_deploy_check_refuses(settings, private_root):
    settings.CASEWORK_FILE_KEYS = []
    settings.CASEWORK_FILE_KEY_FILE = ""
    settings.CASEWORK_FILE_KEY_GENERATE = False
    with pytest.raises(ImproperlyConfigured, match="CASEWORK_FILE_KEYS"):
        default_storage.save("attachments/x.jpg", ContentFile(_jpeg()))
    assert not any(p.is_file() for p in private_root.rglob("*"))
    assert [e.id for e in deploy_checks.file_keys_configured()] == ["casework.E003"]
    settings.CASEWORK_FILE_KEYS = [file_keys.new_key()]
    assert deploy_checks.file_keys_configured() == []


def test_the_demo_makes_its_own_key_once_outside_the_repository_history(settings, tmp_path):
    key_file = tmp_path / "file-keys"
    settings.CASEWORK_FILE_KEYS = []
    settings.CASEWORK_FILE_KEY_FILE = str(key_file)
    settings.CASEWORK_FILE_KEY_GENERATE = True
    first = file_keys.keys()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert file_keys.keys() == first  # made once, then kept
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().split()
    assert ".file-keys" in ignored


def test_a_key_file_holds_the_keys_one_a_line_first_encrypts(settings, tmp_path, private_root):
    old = settings.CASEWORK_FILE_KEYS[0]
    name = default_storage.save("lists/a.csv", ContentFile(b"family_name\nTestova\n"))
    new = file_keys.new_key()
    key_file = tmp_path / "keys"
    key_file.write_text(f"{new}\n{old}\n")
    settings.CASEWORK_FILE_KEYS = []
    settings.CASEWORK_FILE_KEY_FILE = str(key_file)
    assert default_storage.open(name).read() == b"family_name\nTestova\n"
    fresh = default_storage.save("lists/b.csv", ContentFile(b"x\n"))
    assert file_keys.sealed_with_current_key(_on_disk(fresh))
    assert not file_keys.sealed_with_current_key(_on_disk(name))
    key_file.write_text("not base64 at all!\n")
    with pytest.raises(ImproperlyConfigured, match="base64"):
        default_storage.open(name).read()
