"""Reading and writing the PEM key files both sides use (owner-only on disk)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey


def write_private(path: Path, key: Ed25519PrivateKey | X25519PrivateKey) -> None:
    """Write a private key once (refuses to overwrite), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)


def public_pem(key: Ed25519PrivateKey | X25519PrivateKey | Ed25519PublicKey | X25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey | X25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_ed25519_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_x25519_private(path: Path) -> X25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, X25519PrivateKey):
        raise ValueError(f"{path} is not an X25519 private key")
    return key


def load_ed25519_public(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def load_x25519_public(pem: bytes) -> X25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, X25519PublicKey):
        raise ValueError("not an X25519 public key")
    return key


BUNDLE_LIMIT = 16 * 1024
_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]{1,4096}-----END PUBLIC KEY-----")


def central_bundle(packet_key: X25519PublicKey, receipt_key: Ed25519PublicKey) -> bytes:
    """The centre's two public keys as one file a station installs: the X25519 key that
    packets are encrypted to, then the Ed25519 key that signs its receipts."""
    return public_pem(packet_key) + public_pem(receipt_key)


def load_central_bundle(data: bytes) -> tuple[X25519PublicKey, Ed25519PublicKey | None]:
    """(packet key, receipt key) from `central_bundle` output. A file with only the
    packet key (protocol v1) gives None for the receipt key: such a station can send but
    believes no receipt. Raises ValueError naming what is wrong."""
    if len(data) > BUNDLE_LIMIT:
        raise ValueError(f"the key file is over {BUNDLE_LIMIT} bytes")
    blocks = _PEM_BLOCK.findall(data)
    if not blocks or len(blocks) > 2:
        raise ValueError("the key file must hold one or two PEM public keys")
    packet: X25519PublicKey | None = None
    receipt: Ed25519PublicKey | None = None
    for block in blocks:
        key = serialization.load_pem_public_key(block)
        if isinstance(key, X25519PublicKey) and packet is None:
            packet = key
        elif isinstance(key, Ed25519PublicKey) and receipt is None:
            receipt = key
        else:
            raise ValueError("the key file holds a key that is neither the packet key nor the receipt key")
    if packet is None:
        raise ValueError("the key file lacks the centre's X25519 packet key")
    return packet, receipt
