"""The wire contract on its own: packet round trip and each refusal's specific code."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.central.support import manifest
from wire.auth import AuthFailure, sign_headers, verify
from wire.canonical import canonical
from wire.packet import MAGIC, PacketError, _key, build_packet, open_packet, read_header

STATION = "329104-01"
UUID = "0b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f60"
ITEMS = [b"face-jpeg-bytes" * 50, b"signature-strokes" * 20]


@pytest.fixture
def keys() -> tuple[Ed25519PrivateKey, X25519PrivateKey]:
    return Ed25519PrivateKey.generate(), X25519PrivateKey.generate()


def _packet(keys: tuple[Ed25519PrivateKey, X25519PrivateKey], seq: int = 7, record_uuid: str = UUID) -> bytes:
    station, centre = keys
    m = manifest(STATION, seq, record_uuid, items=ITEMS)
    return build_packet(m, ITEMS, signing_key=station, central_public=centre.public_key())


def _open(blob: bytes, keys: tuple[Ed25519PrivateKey, X25519PrivateKey]) -> Any:
    station, centre = keys
    return open_packet(blob, central_private=centre, station_public=station.public_key())


def _seal_raw(
    keys: tuple[Ed25519PrivateKey, X25519PrivateKey], header: dict[str, Any], m: dict[str, Any], items: list[bytes]
) -> bytes:
    """Build a packet by hand, bypassing build_packet's own checks (to forge bad ones)."""
    station, centre = keys
    body = canonical(m)
    signed = struct.pack(">I", len(body)) + body + station.sign(body) + b"".join(items)
    eph = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    raw = canonical(
        {
            **header,
            "v": 1,
            "epk": base64.b64encode(eph.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
            "nonce": base64.b64encode(nonce).decode(),
        }
    )
    key = _key(eph.exchange(centre.public_key()), header["record_uuid"])
    return MAGIC + struct.pack(">I", len(raw)) + raw + AESGCM(key).encrypt(nonce, zlib.compress(signed, 6), raw)


def _code(blob: bytes, keys: tuple[Ed25519PrivateKey, X25519PrivateKey]) -> str:
    with pytest.raises(PacketError) as caught:
        _open(blob, keys)
    return caught.value.code


def test_round_trip_gives_back_header_manifest_and_items(keys: Any) -> None:
    blob = _packet(keys)
    assert read_header(blob)["record_uuid"] == UUID
    opened = _open(blob, keys)
    assert opened.items == ITEMS
    assert opened.manifest["station_seq"] == 7 and opened.header["station"] == STATION


def test_tampered_header_does_not_decrypt(keys: Any) -> None:
    blob = _packet(keys, seq=7)
    forged = blob.replace(b'"station_seq":7', b'"station_seq":8')
    assert forged != blob and read_header(forged)["station_seq"] == 8
    assert _code(forged, keys) == "packet.decrypt"


def test_ciphertext_swapped_between_packets_does_not_decrypt(keys: Any) -> None:
    a, b = _packet(keys, record_uuid=UUID), _packet(keys, record_uuid="1b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f61")
    head_a = 12 + struct.unpack(">I", a[8:12])[0]
    head_b = 12 + struct.unpack(">I", b[8:12])[0]
    assert _code(a[:head_a] + b[head_b:], keys) == "packet.decrypt"


def test_packet_for_another_centre_does_not_decrypt(keys: Any) -> None:
    blob = _packet(keys)
    assert _code(blob, (keys[0], X25519PrivateKey.generate())) == "packet.decrypt"


def test_packet_signed_by_another_station_fails_signature(keys: Any) -> None:
    blob = _packet(keys)
    assert _code(blob, (Ed25519PrivateKey.generate(), keys[1])) == "packet.signature"


def test_altered_item_fails_its_hash(keys: Any) -> None:
    m = manifest(STATION, 7, UUID, items=ITEMS)
    altered = [ITEMS[0][:-1] + b"X", ITEMS[1]]
    blob = _seal_raw(keys, {"station": STATION, "record_uuid": UUID, "station_seq": 7}, m, altered)
    assert _code(blob, keys) == "packet.item_hash"


def test_header_and_manifest_that_disagree_are_a_mismatch(keys: Any) -> None:
    m = manifest(STATION, 7, UUID, items=ITEMS)
    blob = _seal_raw(keys, {"station": STATION, "record_uuid": UUID, "station_seq": 9}, m, ITEMS)
    assert _code(blob, keys) == "packet.mismatch"


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"NOTAPKT!" + b"\0" * 20,
        MAGIC + struct.pack(">I", 10_000) + b"{}",
        MAGIC + struct.pack(">I", 2) + b"[]",
        MAGIC + struct.pack(">I", 7) + b"not-js}",
    ],
    ids=["empty", "magic", "header-length", "header-list", "header-json"],
)
def test_malformed_packets_are_packet_format(keys: Any, blob: bytes) -> None:
    assert _code(blob, keys) == "packet.format"


def test_header_fields_of_the_wrong_type_are_packet_format(keys: Any) -> None:
    # fixed in wire: an integer epk used to escape as a TypeError from base64
    raw = canonical({"v": 1, "station": STATION, "record_uuid": UUID, "station_seq": 7, "epk": 5, "nonce": "AA=="})
    assert _code(MAGIC + struct.pack(">I", len(raw)) + raw + b"x" * 32, keys) == "packet.format"


def test_signed_but_malformed_manifest_is_packet_format(keys: Any) -> None:
    m = manifest(STATION, 7, UUID, items=ITEMS)
    m["items"] = "not a list"
    blob = _seal_raw(keys, {"station": STATION, "record_uuid": UUID, "station_seq": 7}, m, ITEMS)
    assert _code(blob, keys) == "packet.format"


# -- request signing -------------------------------------------------------------------------------

NOW = datetime(2026, 11, 22, 7, 0, 0, tzinfo=UTC)
PATH = f"/v1/stations/{STATION}/records/{UUID}"


def _verify(headers: dict[str, str], body: bytes, key: Ed25519PrivateKey, **kw: Any) -> str:
    return verify(
        "PUT",
        kw.pop("path", PATH),
        body,
        headers,
        public_key_for=lambda c: key.public_key() if c == STATION else None,
        **kw,
    ).station


def _auth_code(headers: dict[str, str], body: bytes, key: Ed25519PrivateKey, **kw: Any) -> str:
    with pytest.raises(AuthFailure) as caught:
        _verify(headers, body, key, **kw)
    return caught.value.code


def test_signed_request_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    body = json.dumps({"station_seq": 1}).encode()
    assert _verify(sign_headers("PUT", PATH, body, station=STATION, key=key, now=NOW), body, key, now=NOW) == STATION


def test_unknown_station() -> None:
    key = Ed25519PrivateKey.generate()
    headers = sign_headers("PUT", PATH, b"", station="999999-99", key=key, now=NOW)
    assert _auth_code(headers, b"", key, now=NOW) == "auth.unknown_station"


def test_bad_signature_wrong_key_or_other_path() -> None:
    key = Ed25519PrivateKey.generate()
    other = sign_headers("PUT", PATH, b"", station=STATION, key=Ed25519PrivateKey.generate(), now=NOW)
    assert _auth_code(other, b"", key, now=NOW) == "auth.bad_signature"
    mine = sign_headers("PUT", PATH, b"", station=STATION, key=key, now=NOW)
    assert _auth_code(mine, b"", key, now=NOW, path=PATH + "x") == "auth.bad_signature"


def test_body_hash() -> None:
    key = Ed25519PrivateKey.generate()
    headers = sign_headers("PUT", PATH, b'{"a":1}', station=STATION, key=key, now=NOW)
    assert _auth_code(headers, b'{"a":2}', key, now=NOW) == "auth.body_hash"
    assert headers["X-Content-SHA256"] == hashlib.sha256(b'{"a":1}').hexdigest()


def test_clock_skew_beyond_the_window_only() -> None:
    key = Ed25519PrivateKey.generate()
    headers = sign_headers("PUT", PATH, b"", station=STATION, key=key, now=NOW)
    assert _verify(headers, b"", key, now=NOW + timedelta(seconds=299)) == STATION
    assert _auth_code(headers, b"", key, now=NOW + timedelta(seconds=301)) == "auth.clock_skew"
    assert _auth_code(headers, b"", key, now=NOW - timedelta(hours=2)) == "auth.clock_skew"


def test_missing_headers() -> None:
    key = Ed25519PrivateKey.generate()
    headers = sign_headers("PUT", PATH, b"", station=STATION, key=key, now=NOW)
    del headers["X-Signature"]
    assert _auth_code(headers, b"", key, now=NOW) == "auth.missing_headers"
