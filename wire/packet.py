"""The enrollment packet: signed by the station, encrypted to the centre (docs/sync-protocol.md).

Traps:
- The AES-GCM associated data is the header bytes exactly as stored, so a header
  edited in transit (another record UUID or sequence number) fails to decrypt.
- The HKDF info carries the record UUID, so a packet key is never reused.
- The signature covers the manifest, and the manifest carries each item's SHA-256,
  so one signature covers everything; items are checked against those hashes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from wire.canonical import canonical

MAGIC = b"EKTPPKT1"
VERSION = 1
MAX_HEADER = 4096
MAX_MANIFEST = 1 << 20
# The signed body is inflated at most to this many bytes unless the caller says otherwise
# (the centre passes its packet limit): a 300 KB packet must not become 300 MB in memory.
DEFAULT_MAX_INFLATED = 8 * 1024 * 1024
INFLATE_STEP = 64 * 1024
# A body that inflates to at most this many times its compressed size (plus a step) is
# inflated in one pass: photos, fingerprints and irises are already compressed, so an
# honest packet inflates to about its own size. Anything more is counted first.
ONE_PASS_RATIO = 2
# The header is read before anything is authenticated: check every field's type, so
# hostile input is a PacketError and never a TypeError deep in base64 or HKDF.
_HEADER_FIELDS: tuple[tuple[str, type], ...] = (
    ("station", str),
    ("record_uuid", str),
    ("station_seq", int),
    ("epk", str),
    ("nonce", str),
)


class PacketError(Exception):
    """A packet that cannot be accepted; `code` is one of the packet.* codes."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class OpenedPacket:
    header: dict[str, Any]
    manifest: dict[str, Any]
    items: list[bytes]


def _key(shared: bytes, record_uuid: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ektp-packet v1|" + record_uuid.encode()).derive(
        shared
    )


def build_packet(
    manifest: dict[str, Any],
    items: list[bytes],
    *,
    signing_key: Ed25519PrivateKey,
    central_public: X25519PublicKey,
) -> bytes:
    entries = manifest["items"]
    if len(entries) != len(items):
        raise ValueError("manifest and items differ in number")
    for entry, data in zip(entries, items, strict=True):
        if entry["size"] != len(data) or entry["sha256"] != hashlib.sha256(data).hexdigest():
            raise ValueError(f"item {entry['kind']} does not match its manifest entry")
    body = canonical(manifest)
    signed = struct.pack(">I", len(body)) + body + signing_key.sign(body) + b"".join(items)
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    header = canonical(
        {
            "v": VERSION,
            "station": manifest["station"],
            "record_uuid": manifest["record_uuid"],
            "station_seq": manifest["station_seq"],
            "epk": base64.b64encode(ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
            "nonce": base64.b64encode(nonce).decode(),
        }
    )
    key = _key(ephemeral.exchange(central_public), manifest["record_uuid"])
    ciphertext = AESGCM(key).encrypt(nonce, zlib.compress(signed, 6), header)
    return MAGIC + struct.pack(">I", len(header)) + header + ciphertext


def _split(blob: bytes) -> tuple[bytes, dict[str, Any], bytes]:
    if len(blob) < 12 or blob[:8] != MAGIC:
        raise PacketError("packet.format", "not an e-KTP packet (bad magic)")
    (hlen,) = struct.unpack(">I", blob[8:12])
    if hlen > MAX_HEADER or 12 + hlen > len(blob):
        raise PacketError("packet.format", "header length out of range (truncated packet?)")
    raw = blob[12 : 12 + hlen]
    try:
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PacketError("packet.format", "header is not JSON") from None
    if not isinstance(header, dict) or header.get("v") != VERSION:
        raise PacketError("packet.format", "unknown packet version")
    for key, kind in _HEADER_FIELDS:
        if not isinstance(header.get(key), kind) or isinstance(header.get(key), bool):
            raise PacketError("packet.format", f"header lacks {key} or it has the wrong type")
    return raw, header, blob[12 + hlen :]


def _parse_manifest(body: bytes) -> tuple[dict[str, Any], list[int]]:
    """The signed manifest and its item sizes; a signed but malformed manifest is packet.format."""
    try:
        manifest = json.loads(body)
        entries = manifest["items"]
        if not isinstance(entries, list):
            raise TypeError("items is not a list")
        sizes = [entry["size"] for entry in entries]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in sizes):
            raise ValueError("an item size is not a non-negative integer")
    except (ValueError, KeyError, TypeError):
        raise PacketError("packet.format", "the signed manifest is not well formed") from None
    return manifest, sizes


def read_header(blob: bytes) -> dict[str, Any]:
    return _split(blob)[1]


def _inflated_size(compressed: bytes, max_inflated: int) -> int:
    """How many bytes `compressed` inflates to, counted in INFLATE_STEP pieces that are
    thrown away, stopping as soon as the count passes `max_inflated`: a bomb costs one
    piece of memory, never the cap (or twice it, as one capped decompress call would)."""
    counter = zlib.decompressobj()
    data, total = compressed, 0
    try:
        while not counter.eof:
            piece = counter.decompress(data, INFLATE_STEP)
            data = counter.unconsumed_tail
            total += len(piece)
            if total > max_inflated:
                raise PacketError("packet.format", f"the signed body inflates past the limit of {max_inflated} bytes")
            if not piece and not data:
                break  # no progress and no input left: the stream is truncated
    except zlib.error:
        raise PacketError("packet.format", "the signed body is not a valid compressed stream") from None
    if not counter.eof or counter.unused_data:
        raise PacketError("packet.format", "the compressed body is truncated or has bytes after its end")
    return total


def _inflate(compressed: bytes, max_inflated: int) -> bytes:
    """The inflated body, at most `max_inflated` bytes. One pass while the output stays
    within ONE_PASS_RATIO of the input (an honest packet: its media are already
    compressed), so memory stays proportional to bytes already held. A body that
    inflates further is a bomb or an unusual packet: what was inflated is dropped, its
    size counted in pieces (`_inflated_size`, refusing it past the cap) and only then
    inflated whole. Counting first for every packet inflated each one twice (0.12 ms
    of a receiver's 3.5 ms of CPU per 136 KB record)."""
    budget = min(max_inflated, ONE_PASS_RATIO * len(compressed) + INFLATE_STEP)
    inflater = zlib.decompressobj()
    try:
        signed = inflater.decompress(compressed, budget + 1)
    except zlib.error:
        raise PacketError("packet.format", "the signed body is not a valid compressed stream") from None
    if len(signed) > budget:
        del signed
        size = _inflated_size(compressed, max_inflated)
        return zlib.decompress(compressed, bufsize=max(size, 1))
    if not inflater.eof or inflater.unused_data:
        raise PacketError("packet.format", "the compressed body is truncated or has bytes after its end")
    return signed


def open_packet(
    blob: bytes,
    *,
    central_private: X25519PrivateKey,
    station_public: Ed25519PublicKey,
    max_inflated: int = DEFAULT_MAX_INFLATED,
) -> OpenedPacket:
    """Decrypt, inflate and verify a packet. Order matters: AES-GCM authenticates the
    ciphertext (its tag) before anything is inflated, and inflating is capped at
    `max_inflated`, so neither a forged nor a station-made compression bomb costs more
    than that much memory. The Ed25519 signature is inside the compressed body, so it
    can only be checked after inflating."""
    raw, header, ciphertext = _split(blob)
    try:
        epk = X25519PublicKey.from_public_bytes(base64.b64decode(header["epk"], validate=True))
        nonce = base64.b64decode(header["nonce"], validate=True)
        key = _key(central_private.exchange(epk), str(header["record_uuid"]))
        compressed = AESGCM(key).decrypt(nonce, ciphertext, raw)
    except (InvalidTag, ValueError, TypeError):
        raise PacketError(
            "packet.decrypt", "the packet does not decrypt (altered, truncated or not for this centre)"
        ) from None
    signed = _inflate(compressed, max_inflated)
    del compressed
    if len(signed) < 4:
        raise PacketError("packet.format", "signed body too short")
    (mlen,) = struct.unpack(">I", signed[:4])
    if mlen > MAX_MANIFEST or 4 + mlen + 64 > len(signed):
        raise PacketError("packet.format", "manifest length out of range")
    body, signature, rest = signed[4 : 4 + mlen], signed[4 + mlen : 4 + mlen + 64], signed[4 + mlen + 64 :]
    try:
        station_public.verify(signature, body)
    except InvalidSignature:
        raise PacketError("packet.signature", "the station's signature does not verify") from None
    manifest, sizes = _parse_manifest(body)
    for name in ("station", "record_uuid", "station_seq"):
        if manifest.get(name) != header.get(name):
            raise PacketError("packet.mismatch", f"header and manifest disagree on {name}")
    items: list[bytes] = []
    offset = 0
    for entry, size in zip(manifest["items"], sizes, strict=True):
        data = rest[offset : offset + size]
        offset += size
        if len(data) != size or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise PacketError("packet.item_hash", f"item {entry.get('kind')} does not match its hash")
        items.append(data)
    if offset != len(rest):
        raise PacketError("packet.format", "bytes after the last item")
    return OpenedPacket(header, manifest, items)
