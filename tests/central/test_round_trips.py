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
    assert [(c["uuid"], c["error"]) for c in clash] == [(packets[0].record_uuid, "record.hash_conflict")]
    refused = clash[0]["verdict"]  # the refusal names the hash the request claimed
    assert (refused["state"], refused["reason"], refused["sha256"]) == ("rejected", "record.hash_conflict", "0" * 64)


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
    assert receiver.packet_bytes(station.code, p.record_uuid) == p.blob


# --- Upload-Commit-After: a pipelined commit waits for the station's previous record ----------


def _patch_after(api: Api, p: Packet, offset: int, chunk: bytes, after: str):  # type: ignore[no-untyped-def]
    headers = {
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": str(offset),
        "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
        "Tus-Resumable": "1.0.0",
        "Upload-Commit": "?1",
        "Upload-Commit-After": after,
    }
    return api.send("PATCH", f"/v1/uploads/{api.station.code}/{p.record_uuid}", chunk, headers=headers)


def _state(api: Api, p: Packet) -> dict:  # type: ignore[type-arg]
    answer: dict = api.reconcile([p])["records"][0]  # type: ignore[type-arg]
    return answer


def test_a_pipelined_commit_is_deferred_until_the_previous_record_is_received(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    first, second = station.packet(1), station.packet(2)
    assert _register_many(api, [first, second]).status_code == 200
    early = _patch_after(api, second, 0, second.blob, first.record_uuid)
    assert early.status_code == 204, early.text
    assert early.headers["Upload-Commit-Deferred"] == "commit.out_of_order"
    assert int(early.headers["Upload-Offset"]) == second.size  # the bytes are kept
    assert _state(api, second)["state"] == "partial" and _state(api, second)["verdict"] is None
    # Asking again changes nothing: the same bytes are refused by offset, an empty tail is deferred again.
    assert _patch_after(api, second, 0, second.blob, first.record_uuid).status_code == 409
    again = _patch_after(api, second, second.size, b"", first.record_uuid)
    assert again.status_code == 204 and again.headers["Upload-Commit-Deferred"] == "commit.out_of_order"
    assert _state(api, second)["state"] == "partial"
    # The previous record arrives; now the same request commits, and the receipt stays the same.
    first_receipt = _patch_commit(api, first, 0, first.blob).json()
    late = _patch_after(api, second, second.size, b"", first.record_uuid)
    assert late.status_code == 200, late.text
    receipt = late.json()
    assert "Upload-Commit-Deferred" not in late.headers
    assert receipt["server_seq"] > first_receipt["server_seq"]
    assert _patch_after(api, second, second.size, b"", first.record_uuid).json() == receipt
    assert api.commit(second).json() == receipt
    assert receiver.packet_bytes(station.code, second.record_uuid) == second.blob


def test_a_pipelined_commit_goes_at_once_when_the_previous_record_is_received(api: Api, station: FakeStation) -> None:
    first, second = station.packet(1), station.packet(2)
    _register_many(api, [first, second])
    r1 = _patch_commit(api, first, 0, first.blob)
    r2 = _patch_after(api, second, 0, second.blob, first.record_uuid)
    assert r1.status_code == 200 and r2.status_code == 200, r2.text
    assert r2.json()["server_seq"] == r1.json()["server_seq"] + 1
    assert int(r2.headers["Upload-Offset"]) == second.size


def test_a_previous_record_rejected_for_good_does_not_hold_the_next_one(api: Api, station: FakeStation) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    bad = station.packet(1, key=Ed25519PrivateKey.generate())  # fails the signature check
    second = station.packet(2)
    _register_many(api, [bad, second])
    refused = _patch_commit(api, bad, 0, bad.blob)
    assert refused.status_code == 422 and refused.json()["reason"] == "packet.signature"
    r = _patch_after(api, second, 0, second.blob, bad.record_uuid)
    assert r.status_code == 200, r.text


def test_a_previous_record_reset_by_a_hash_mismatch_still_holds_the_next_one(api: Api, station: FakeStation) -> None:
    first = station.packet(1)
    wrong = station.packet(1, record_uuid=first.record_uuid)  # same size, other bytes
    second = station.packet(2)
    _register_many(api, [first, second])
    r = _patch_commit(api, first, 0, wrong.blob)
    assert r.status_code == 422 and r.json()["reason"] == "packet.sha256"  # not rejected for good
    held = _patch_after(api, second, 0, second.blob, first.record_uuid)
    assert held.status_code == 204 and held.headers["Upload-Commit-Deferred"] == "commit.out_of_order"


def test_only_an_earlier_record_of_the_same_station_can_release_a_commit(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    import uuid

    from central.stations import add_station
    from wire.keys import public_pem

    other = FakeStation("329104-02", station.central_public)
    add_station(receiver.engine, other.code, public_pem(other.key), name="", now=receiver.clock())
    theirs = other.packet(1)
    Api(api.http, other).send_all(theirs)
    later = station.packet(3)
    api.send_all(later)
    p = station.packet(2)
    api.register(p)
    # unknown, another station's (received), a later one of ours (received), itself
    afters = [str(uuid.uuid4()), theirs.record_uuid, later.record_uuid, p.record_uuid]
    offset, chunk = 0, p.blob
    for after in afters:
        r = _patch_after(api, p, offset, chunk, after)
        assert r.status_code == 204 and r.headers["Upload-Commit-Deferred"] == "commit.out_of_order", after
        offset, chunk = p.size, b""  # the bytes are all there after the first
    assert _state(api, p)["state"] == "partial"
    # The separate commit is the station's own word that the order is right: it commits.
    assert api.commit(p).status_code == 200


def test_a_malformed_commit_after_is_refused_before_any_byte_is_stored(api: Api, station: FakeStation) -> None:
    first, second = station.packet(1), station.packet(2)
    _register_many(api, [first, second])
    r = _patch_after(api, second, 0, second.blob, "../../etc/passwd")
    assert r.status_code == 400 and r.json()["error"] == "request.invalid"
    assert api.head(second).headers["Upload-Offset"] == "0"
