"""Round-trip savers: registering many records at once, committing with the last chunk."""

from __future__ import annotations

import base64
import hashlib
import json

from central.receiver import Receiver
from tests.central.support import Api, FakeStation, Packet


def _patch_commit(api: Api, p: Packet, offset: int, chunk: bytes):  # type: ignore[no-untyped-def]
    headers = {
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": str(offset),
        "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
        "Tus-Resumable": "1.0.0",
        "Upload-Commit": "?1",
    }
    return api.send("PATCH", f"/v1/uploads/{api.station.code}/{p.record_uuid}", chunk, headers=headers)


def _register_many(api: Api, packets: list[Packet], **override: object):  # type: ignore[no-untyped-def]
    body = {
        "records": [
            {"uuid": p.record_uuid, "station_seq": p.seq, "sha256": p.sha256, "size": p.size, **override}
            for p in packets
        ]
    }
    return api.send("POST", f"/v1/stations/{api.station.code}/register", json.dumps(body).encode())


def test_register_many_is_idempotent_and_reports_conflicts_per_record(api: Api, station: FakeStation) -> None:
    packets = [station.packet(n) for n in (1, 2, 3)]
    r = _register_many(api, packets)
    assert r.status_code == 200, r.text
    assert [a["state"] for a in r.json()["records"]] == ["registered"] * 3
    again = _register_many(api, packets).json()["records"]
    assert [a["state"] for a in again] == ["registered"] * 3
    clash = _register_many(api, packets[:1], sha256="0" * 64).json()["records"]
    assert clash == [{"uuid": packets[0].record_uuid, "error": "record.hash_conflict", "detail": clash[0]["detail"]}]


def test_the_last_chunk_can_carry_the_commit_and_earlier_ones_do_not(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    p = station.packet(1)
    assert api.register(p).status_code == 201
    half = p.size // 2
    first = _patch_commit(api, p, 0, p.blob[:half])
    assert first.status_code == 204  # not complete: no commit yet
    last = _patch_commit(api, p, half, p.blob[half:])
    assert last.status_code == 200, last.text
    receipt = last.json()
    assert receipt["sha256"] == p.sha256 and int(last.headers["Upload-Offset"]) == p.size
    assert api.commit(p).json() == receipt  # the same receipt forever
    assert receiver.spool.received(station.code, p.record_uuid).read_bytes() == p.blob
