"""At-rest encryption of biometric payloads and demographics (AES-256-GCM).

The data key lives in ``keys/data.key`` under the station's data directory, written
once by `station init` with owner-only permissions. Losing it makes every sealed
record unreadable: back it up (see README, "Keys and backups").

Each ciphertext is bound to its record and item kind through the GCM associated data
(``ektp-station/v1|<record uuid>|<kind>``), so a blob copied onto another record or
another item fails to decrypt instead of silently showing the wrong person.

NIK look-ups use a separate HMAC key derived from the same secret, so the index
column reveals nothing without the key file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from common.errors import StorageError
from common.text import Text

KEY_VERSION = 1
NONCE_BYTES = 12
AAD_PREFIX = b"ektp-station/v1|"


class TamperedError(StorageError):
    """A ciphertext failed authentication: altered, truncated or moved to another record."""

    code = "storage.tampered"


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class DataKey:
    """The station's data key, with the two sub-keys derived from it."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise StorageError(Text("Kunci data rusak (panjang salah).", "The data key is damaged (wrong length)."))
        self._aead = AESGCM(_derive(secret, b"ektp-station items v1"))
        self._index_key = _derive(secret, b"ektp-station nik index v1")

    @staticmethod
    def _aad(record_uuid: str, kind: str) -> bytes:
        return AAD_PREFIX + record_uuid.encode() + b"|" + kind.encode()

    def encrypt(self, plaintext: bytes, *, record_uuid: str, kind: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, self._aad(record_uuid, kind))

    def decrypt(self, blob: bytes, *, record_uuid: str, kind: str) -> bytes:
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._aad(record_uuid, kind))
        except (InvalidTag, ValueError):
            raise TamperedError(
                Text(
                    f"Data terenkripsi {kind} pada rekaman tidak dapat dibuka: diubah atau dipindah.",
                    f"Encrypted {kind} data of a record failed to decrypt: altered or moved.",
                )
            ) from None

    def nik_index(self, nik: str) -> bytes:
        return hmac.new(self._index_key, nik.encode(), hashlib.sha256).digest()[:16]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def create_key_file(path: Path) -> DataKey:
    """Write a new random data key; refuse to overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    secret = os.urandom(32)
    body = json.dumps({"version": KEY_VERSION, "key": base64.b64encode(secret).decode()}).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    return DataKey(secret)


def load_key_file(path: Path) -> DataKey:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StorageError(
            Text(
                f"File kunci data tidak ditemukan di {path}. Pulihkan dari cadangan.",
                f"The data key file is missing at {path}. Restore it from the backup.",
            ),
            code="storage.key_missing",
        ) from None
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StorageError(
            Text(
                f"File kunci {path} dapat dibaca pengguna lain; jalankan: chmod 600 {path}",
                f"The key file {path} is readable by other users; run: chmod 600 {path}",
            ),
            code="storage.key_permissions",
        )
    try:
        data = json.loads(raw)
        secret = base64.b64decode(data["key"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise StorageError(
            Text(f"File kunci {path} rusak.", f"The key file {path} is damaged."), code="storage.key_damaged"
        ) from None
    return DataKey(secret)
