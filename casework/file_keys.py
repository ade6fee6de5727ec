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
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"CWVAULT1"
KEY_ID_BYTES = 8
NONCE_BYTES = 12
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES


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
    return data.startswith(MAGIC)


def sealed_with_current_key(data: bytes) -> bool:
    return is_sealed(data) and data[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES] == key_id(keys()[0])


def seal(plaintext: bytes) -> bytes:
    key = keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    header = MAGIC + key_id(key) + nonce
    return header + AESGCM(key).encrypt(nonce, plaintext, header)


def open_sealed(data: bytes) -> bytes:
    if not is_sealed(data) or len(data) < HEADER_BYTES:
        raise FileKeyError("The stored file is not encrypted: run manage.py encrypt_stored_files.")
    header = data[:HEADER_BYTES]
    wanted = header[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES]
    nonce = header[len(MAGIC) + KEY_ID_BYTES :]
    for key in keys():
        if secrets.compare_digest(key_id(key), wanted):
            try:
                return AESGCM(key).decrypt(nonce, data[HEADER_BYTES:], header)
            except InvalidTag as exc:
                raise FileKeyError("The stored file was altered on disk.") from exc
    raise FileKeyError(
        "The stored file was encrypted with a key that is not configured "
        "(CASEWORK_FILE_KEYS): add the old key after the new one."
    )
