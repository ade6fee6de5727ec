"""The storage of private files: the file system, every file sealed by `file_keys` on the way in
and opened on the way out, so callers (uploads, imports, downloads, subject access) see only the
plaintext and the disk holds only ciphertext."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

from casework import file_keys


class PlainFile(File):
    """The opened plaintext; reopening it reads and decrypts the stored file again."""

    def __init__(self, storage: EncryptedFileSystemStorage, name: str):
        self._storage = storage
        super().__init__(io.BytesIO(storage.read_plain(name)), name=name)

    def open(self, mode=None, *args, **kwargs):
        if self.closed:
            self.file = io.BytesIO(self._storage.read_plain(self.name))
        else:
            self.seek(0)
        return self


class _Sealed:
    """A sealed file ready in the storage's folder: FileSystemStorage moves it into place under
    the name it chooses (the upload path Django takes for a large upload)."""

    def __init__(self, path: str):
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


class EncryptedFileSystemStorage(FileSystemStorage):
    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Stored files are written only through save().")
        return PlainFile(self, name)

    def _save(self, name, content):
        # Sealed a piece at a time into a temporary file beside its place, then moved there: a
        # large file (an export) is never held whole, and a failure halfway (no key, a full
        # disk) leaves no half-sealed file under the name.
        directory = Path(self.path(name)).parent
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".sealing-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                if hasattr(content, "seek"):
                    content.seek(0)
                for piece in file_keys.seal_chunks(content.read):
                    handle.write(piece)
            return super()._save(name, _Sealed(temporary))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    def read_plain(self, name: str) -> bytes:
        with open(self.path(name), "rb") as handle:
            return file_keys.open_sealed(handle.read())

    def size(self, name):
        return len(self.read_plain(name))


def seal_in_place(path: Path, *, dry_run: bool = False) -> str:
    """Seal a file stored before encryption ("sealed"), re-seal one under an older key
    ("rotated"), or leave one sealed with the current key ("kept"). The new content replaces the
    old in one rename, so a crash leaves either the old file or the new one, never half."""
    data = path.read_bytes()
    if file_keys.sealed_with_current_key(data):
        return "kept"
    if file_keys.is_sealed(data):
        outcome, plaintext = "rotated", file_keys.open_sealed(data)
    else:
        outcome, plaintext = "sealed", data
    if dry_run:
        return outcome
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".sealing-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(file_keys.seal(plaintext))
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return outcome
