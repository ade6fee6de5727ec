"""The keys that encrypt stored files (photos, documents, imported lists) and the sealing itself.

The keys live outside the database, so a stolen dump or disk of the files alone reveals nothing.
They come from `CASEWORK_FILE_KEYS` (comma-separated, base64 of 32 bytes each) or from the file
named by `CASEWORK_FILE_KEY_FILE` (one key a line). The first key encrypts; every key decrypts,
which is how a key is rotated: put the new key first, run `manage.py encrypt_stored_files`, then
drop the old one. The demo and a developer's machine get a key made on first use beside the
project (never committed); production refuses to start without one (a deploy check) and every
read or write of a file fails closed.

A sealed file is AES-256-GCM: a header (magic, the key's id, the nonce) authenticated with the
ciphertext, so a file altered on disk or sealed with an unknown key is a clear error, never
garbage served as a photo.

Files are sealed in pieces (`seal_chunks`, magic CWVAULT2), so that a 100,000-row export is
encrypted as it is copied to the disk instead of held whole: a key of its own for each file
(HKDF of the file key and a random salt in the header) and AES-256-GCM over each 64 KiB piece,
its nonce the piece's number and whether it is the last (the STREAM construction), the header
authenticated with every piece. A piece removed, moved or cut off, or the file cut short at a
piece's end, fails its tag. Files sealed whole before (CWVAULT1) still open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"CWVAULT1"
KEY_ID_BYTES = 8
NONCE_BYTES = 12
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES
STREAM_MAGIC = b"CWVAULT2"
SALT_BYTES = 16
STREAM_HEADER_BYTES = len(STREAM_MAGIC) + KEY_ID_BYTES + SALT_BYTES
PIECE_BYTES = 64 * 1024  # of plaintext; each sealed piece is 16 bytes (its tag) longer
TAG_BYTES = 16


class FileKeyError(ValueError):
    """A stored file cannot be opened with the keys configured (wrong key, altered file)."""


def new_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def _decode(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("A file key is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("A file key must be 32 bytes (base64 of 32 random bytes).")
    return raw


def _configured_texts() -> list[str]:
    keys = [k for k in getattr(settings, "CASEWORK_FILE_KEYS", []) if k.strip()]
    if keys:
        return keys
    key_file = getattr(settings, "CASEWORK_FILE_KEY_FILE", "")
    if not key_file:
        return []
    path = Path(key_file)
    if not path.exists() and getattr(settings, "CASEWORK_FILE_KEY_GENERATE", False):
        # The demo's key, made once per install; a fresh install cannot read another's files.
        path.write_text(new_key() + "\n")
        path.chmod(0o600)
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if line.strip()]


def configured() -> bool:
    return bool(_configured_texts())


def keys() -> list[bytes]:
    texts = _configured_texts()
    if not texts:
        raise ImproperlyConfigured(
            "No key to encrypt stored files: set CASEWORK_FILE_KEYS or CASEWORK_FILE_KEY_FILE."
        )
    return [_decode(text) for text in texts]


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"casework-file-key-id" + key).digest()[:KEY_ID_BYTES]


def is_sealed(data: bytes) -> bool:
    return data.startswith((MAGIC, STREAM_MAGIC))


def sealed_with_current_key(data: bytes) -> bool:
    # Both formats put the key's id right after their magic (of the same length).
    return is_sealed(data) and data[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES] == key_id(keys()[0])


def _piece_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"casework-file-pieces"
    ).derive(key)
    return AESGCM(derived)


def _piece_nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(NONCE_BYTES - 1, "big") + (b"\x01" if last else b"\x00")


def _read_piece(read) -> bytes:
    # A read may return less than asked before the end (a pipe): a piece is full but the last.
    piece = read(PIECE_BYTES)
    while piece and len(piece) < PIECE_BYTES and (more := read(PIECE_BYTES - len(piece))):
        piece += more
    return piece


def seal_chunks(read) -> Iterator[bytes]:
    """The sealed file, a piece at a time, from `read(n)` (a file's read): never more than two
    pieces in memory, whatever the file's size."""
    key = keys()[0]
    header = STREAM_MAGIC + key_id(key) + os.urandom(SALT_BYTES)
    aead = _piece_key(key, header[-SALT_BYTES:])
    yield header
    number, piece = 0, _read_piece(read)
    while True:
        following = _read_piece(read) if len(piece) == PIECE_BYTES else b""
        last = not following
        yield aead.encrypt(_piece_nonce(number, last), piece, header)
        if last:
            return
        number, piece = number + 1, following


def seal(plaintext: bytes) -> bytes:
    return b"".join(seal_chunks(io.BytesIO(plaintext).read))


def _key_for(wanted: bytes) -> bytes:
    for key in keys():
        if secrets.compare_digest(key_id(key), wanted):
            return key
    raise FileKeyError(
        "The stored file was encrypted with a key that is not configured "
        "(CASEWORK_FILE_KEYS): add the old key after the new one."
    )


def _open_pieces(data: bytes) -> bytes:
    if len(data) < STREAM_HEADER_BYTES + TAG_BYTES:
        raise FileKeyError("The stored file was altered on disk.")
    header = data[:STREAM_HEADER_BYTES]
    key = _key_for(header[len(STREAM_MAGIC) : len(STREAM_MAGIC) + KEY_ID_BYTES])
    aead = _piece_key(key, header[-SALT_BYTES:])
    sealed_piece = PIECE_BYTES + TAG_BYTES
    body = memoryview(data)[STREAM_HEADER_BYTES:]
    # The last piece is the one that ends the file (an empty file is one empty last piece).
    count = max(1, -(-len(body) // sealed_piece))
    plain = []
    try:
        for number in range(count):
            piece = body[number * sealed_piece : (number + 1) * sealed_piece]
            plain.append(aead.decrypt(_piece_nonce(number, number == count - 1), piece, header))
    except InvalidTag as exc:
        raise FileKeyError("The stored file was altered on disk.") from exc
    return b"".join(plain)


def open_sealed(data: bytes) -> bytes:
    if data.startswith(STREAM_MAGIC):
        return _open_pieces(data)
    if not data.startswith(MAGIC) or len(data) < HEADER_BYTES:
        raise FileKeyError("The stored file is not encrypted: run manage.py encrypt_stored_files.")
    header = data[:HEADER_BYTES]
    key = _key_for(header[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES])
    nonce = header[len(MAGIC) + KEY_ID_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, data[HEADER_BYTES:], header)
    except InvalidTag as exc:
        raise FileKeyError("The stored file was altered on disk.") from exc
