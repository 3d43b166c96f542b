"""The centre's three secrets: the X25519 packet key, the Ed25519 receipt key and the NIK-hash key.

All live in HOME/keys, owner-only. The packet key is what stations encrypt to; the
receipt key signs every verdict (received / rejected) so a station believes only
this centre (wire/receipts.py); the NIK-hash key turns a NIK into an HMAC so the
receiver can find duplicate residents without ever storing a NIK in the clear; a
plain SHA-256 of a 16-digit NIK would be reversed by enumeration in minutes.

Trap: a home made before the receipt key existed gets it on the next `init` or
`serve` (ensure_keys); every other command refuses such a home rather than signing
with a key no station has installed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from wire.keys import central_bundle, load_ed25519_private, load_x25519_private, public_pem, write_private

log = logging.getLogger(__name__)

PACKET_KEY = Path("keys") / "central_x25519.key"
RECEIPT_KEY = Path("keys") / "central_receipt_ed25519.key"
NIK_KEY = Path("keys") / "nik_hmac.key"
NIK_KEY_BYTES = 32


class NotInitialised(Exception):
    """The home has no keys: `station-central init` (or `serve`) has not been run there."""


@dataclass(frozen=True)
class CentralKeys:
    packet_key: X25519PrivateKey
    nik_key: bytes
    receipt_key: Ed25519PrivateKey

    def public_pem(self) -> bytes:
        """The packet key's public half alone (what a packet is encrypted to)."""
        return public_pem(self.packet_key)

    def bundle(self) -> bytes:
        """Both public keys a station installs: the packet key, then the receipt key."""
        return central_bundle(self.packet_key.public_key(), self.receipt_key.public_key())

    def nik_hash(self, nik: str) -> str:
        return hmac.new(self.nik_key, nik.strip().encode(), hashlib.sha256).hexdigest()


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_keys(home: Path) -> CentralKeys:
    """Create whichever key is missing (each once: O_EXCL wins a race), then load them."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    packet, receipt, nik = home / PACKET_KEY, home / RECEIPT_KEY, home / NIK_KEY
    if not packet.exists():
        log.info("creating the centre's packet key %s", packet)
        try:
            write_private(packet, X25519PrivateKey.generate())
        except FileExistsError:
            pass
    if not receipt.exists():
        log.info("creating the centre's receipt key %s", receipt)
        try:
            write_private(receipt, Ed25519PrivateKey.generate())
        except FileExistsError:
            pass
    if not nik.exists():
        log.info("creating the NIK-hash key %s", nik)
        try:
            _write_secret(nik, os.urandom(NIK_KEY_BYTES))
        except FileExistsError:
            pass
    return load_keys(home)


def load_keys(home: Path) -> CentralKeys:
    packet, receipt, nik = home / PACKET_KEY, home / RECEIPT_KEY, home / NIK_KEY
    if not packet.exists() or not nik.exists():
        raise NotInitialised(f"{home} is not an initialised centre home (run `station-central init` there first)")
    if not receipt.exists():
        raise NotInitialised(
            f"{home} has no receipt key yet (made by an older station-central): run `station-central init` "
            "there once to add it, then give the stations the new `station-central pubkey` bundle"
        )
    secret = nik.read_bytes()
    if len(secret) != NIK_KEY_BYTES:
        raise ValueError(f"{nik} is damaged: expected {NIK_KEY_BYTES} bytes")
    return CentralKeys(load_x25519_private(packet), secret, load_ed25519_private(receipt))
