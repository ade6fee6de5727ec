"""Photos, documents and imported lists are encrypted at rest with a key outside the database;
callers see only the plaintext, and the sha256 recorded is the plaintext's."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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
    assert not raw.startswith(JPEG_MAGIC) and raw.startswith(file_keys.STREAM_MAGIC)
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
    assert b"Testova" not in raw and raw.startswith(file_keys.STREAM_MAGIC)
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


# --- sealed a piece at a time (issue 12: a 100,000-row export is never held whole) ---------------


def _sealed_the_old_way(plaintext: bytes) -> bytes:
    """A file as stored before the pieces (CWVAULT1: one AES-GCM over the whole)."""
    key = file_keys.keys()[0]
    nonce = b"\x07" * file_keys.NONCE_BYTES
    header = file_keys.MAGIC + file_keys.key_id(key) + nonce
    return header + AESGCM(key).encrypt(nonce, plaintext, header)


def test_a_file_sealed_whole_before_still_opens_and_is_kept_by_the_command(private_root):
    plain = b"an export written before the pieces\n" * 100
    old = private_root / "jobs" / "old.csv"
    old.parent.mkdir(parents=True)
    old.write_bytes(_sealed_the_old_way(plain))
    assert default_storage.open("jobs/old.csv").read() == plain
    out = io.StringIO()
    call_command("encrypt_stored_files", stdout=out)
    assert "current key: 1" in out.getvalue()
    assert default_storage.open("jobs/old.csv").read() == plain


class _ReadOnlyInPieces(io.BytesIO):
    """A file that fails the test if anything reads it whole."""

    def read(self, size=-1):
        assert 0 < size <= file_keys.PIECE_BYTES, "the file was read whole"
        return super().read(size)


@pytest.mark.parametrize(
    "size", [0, 1, file_keys.PIECE_BYTES - 1, file_keys.PIECE_BYTES, 3 * file_keys.PIECE_BYTES + 5]
)
def test_a_file_is_sealed_and_opened_in_pieces_of_any_length(private_root, size):
    plain = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    name = default_storage.save("jobs/export.csv", _ReadOnlyInPieces(plain))
    raw = _on_disk(name)
    pieces = max(1, -(-size // file_keys.PIECE_BYTES))
    assert len(raw) == file_keys.STREAM_HEADER_BYTES + size + pieces * file_keys.TAG_BYTES
    assert size < 64 or plain[:64] not in raw  # a byte or two may occur in any ciphertext
    assert default_storage.open(name).read() == plain
    assert default_storage.size(name) == size


def _pieces(raw: bytes) -> tuple[bytes, list[bytes]]:
    header, body = raw[: file_keys.STREAM_HEADER_BYTES], raw[file_keys.STREAM_HEADER_BYTES :]
    step = file_keys.PIECE_BYTES + file_keys.TAG_BYTES
    return header, [body[i : i + step] for i in range(0, len(body), step)]


def test_pieces_cut_off_swapped_or_added_are_found(private_root):
    plain = b"a" * file_keys.PIECE_BYTES + b"b" * file_keys.PIECE_BYTES + b"c" * 10
    header, pieces = _pieces(file_keys.seal(plain))
    assert len(pieces) == 3
    _other_header, other = _pieces(file_keys.seal(plain))
    for tampered in (
        [pieces[0], pieces[1]],  # cut at a piece's end
        [pieces[1], pieces[0], pieces[2]],  # reordered
        [*pieces, pieces[2]],  # a last piece added
        [pieces[0], other[1], pieces[2]],  # a piece of another file (another key)
    ):
        with pytest.raises(file_keys.FileKeyError, match="altered"):
            file_keys.open_sealed(header + b"".join(tampered))
    with pytest.raises(file_keys.FileKeyError, match="altered"):
        file_keys.open_sealed(header)
    assert file_keys.open_sealed(header + b"".join(pieces)) == plain
