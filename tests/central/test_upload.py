"""Register and the tus-style upload: idempotency, conflicts, resume, 409, 460, 413."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from central import store
from central.receiver import Receiver
from tests.central.support import Api, FakeStation
from wire.receipts import verify_verdict


def test_register_is_idempotent_and_a_new_hash_conflicts(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    first = api.register(p)
    assert first.status_code == 201 and first.json() == {"state": "registered", "offset": 0}
    again = api.register(p)
    assert again.status_code == 200 and again.json() == {"state": "registered", "offset": 0}
    other = station.packet(1, record_uuid=p.record_uuid)
    conflict = api.register(other)
    assert conflict.status_code == 422
    assert conflict.json()["error"] == "record.hash_conflict" and conflict.json()["detail"]


def test_register_of_a_received_record_answers_its_verdict(api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = station.packet(1)
    receipt = api.send_all(p)
    again = api.register(p)
    assert again.status_code == 200
    answer = again.json()
    assert answer["state"] == "received" and answer["offset"] == p.size
    verdict = verify_verdict(
        receiver.keys.receipt_key.public_key(),
        answer["verdict"],
        station=station.code,
        record_uuid=p.record_uuid,
        station_seq=p.seq,
        sha256=p.sha256,
        state="received",
    )
    assert (verdict.receipt_id, verdict.server_seq) == (receipt["receipt_id"], receipt["server_seq"])


def test_register_refuses_bad_input(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    bad_sha = api.register(p, sha256="XYZ")
    assert bad_sha.status_code == 400 and bad_sha.json()["error"] == "request.invalid"
    huge = api.register(p, size=10**9)
    assert huge.status_code == 413 and huge.json()["error"] == "upload.too_large"
    not_uuid = api.send("PUT", f"/v1/stations/{station.code}/records/not-a-uuid", b"{}")
    assert not_uuid.status_code == 400


def test_head_reports_offset_and_length_and_404_when_unregistered(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    missing = api.head(p)
    assert missing.status_code == 404 and missing.headers["X-Error"] == "record.not_registered"
    api.register(p)
    r = api.head(p)
    assert r.status_code == 200
    assert r.headers["Upload-Offset"] == "0" and r.headers["Upload-Length"] == str(p.size)
    assert r.headers["Tus-Resumable"] == "1.0.0" and r.headers["Cache-Control"] == "no-store"


def test_chunked_upload_resumes_from_the_head_offset(live_api: Api, station: FakeStation) -> None:
    api = live_api
    p = station.packet(1, payload=20_000)
    api.register(p)
    first = api.patch(p, 0, p.blob[:5000])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "5000"
    # the link drops; later the station asks where it stands and goes on from there
    offset = int(api.head(p).headers["Upload-Offset"])
    assert offset == 5000
    assert api.reconcile([p])["records"][0] == {
        "uuid": p.record_uuid,
        "station_seq": 1,
        "state": "partial",
        "offset": 5000,
        "reason": None,
        "downstream": None,
        "verdict": None,
    }
    while offset < p.size:
        r = api.patch(p, offset, p.blob[offset : offset + 4096])
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
    commit = api.commit(p)
    assert commit.status_code == 200, commit.text
    assert commit.json()["sha256"] == p.sha256


def test_offset_mismatch_is_409_and_changes_nothing(api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = station.packet(1)
    api.register(p)
    api.patch(p, 0, p.blob[:1000])
    replay = api.patch(p, 0, p.blob[:1000])  # a retried PATCH whose first try was applied
    assert replay.status_code == 409
    assert replay.json()["error"] == "upload.offset_mismatch" and replay.headers["Upload-Offset"] == "1000"
    ahead = api.patch(p, 2000, p.blob[2000:3000])
    assert ahead.status_code == 409
    assert receiver.partial_bytes(station.code, p.record_uuid) == p.blob[:1000]


def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    p = station.packet(1)
    api.register(p)
    bad = api.patch(p, 0, p.blob[:1000], checksum=b"something else")
    assert bad.status_code == 460 and bad.json()["error"] == "upload.checksum_mismatch"
    assert api.head(p).headers["Upload-Offset"] == "0"
    assert receiver.partial_bytes(station.code, p.record_uuid) == b""
    assert api.patch(p, 0, p.blob[:1000]).status_code == 204


def test_a_chunk_beyond_the_registered_size_is_413(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    api.register(p)
    over = api.patch(p, 0, p.blob + b"extra")
    assert over.status_code == 413 and over.json()["error"] == "upload.too_large"
    assert over.headers["Tus-Resumable"] == "1.0.0"
    assert api.head(p).headers["Upload-Offset"] == "0"


def test_a_body_over_the_packet_limit_is_413_before_anything_is_stored(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    api.register(p)
    over = api.patch(p, 0, b"x" * (api_limit(api) + 1))
    assert over.status_code == 413 and over.json()["error"] == "upload.too_large"


def test_patch_needs_the_offset_content_type(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    api.register(p)
    path = f"/v1/uploads/{station.code}/{p.record_uuid}"
    r = api.send("PATCH", path, p.blob[:10], headers={"Content-Type": "text/plain", "Upload-Offset": "0"})
    assert r.status_code == 415 and r.json()["error"] == "upload.content_type"
    no_offset = api.send("PATCH", path, p.blob[:10], headers={"Content-Type": "application/offset+octet-stream"})
    assert no_offset.status_code == 400


def test_patch_of_an_unregistered_record_is_404(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    r = api.patch(p, 0, p.blob[:100])
    assert r.status_code == 404 and r.json()["error"] == "record.not_registered"


def test_a_chunk_whose_transaction_dies_leaves_nothing_and_the_upload_resumes(
    api: Api, station: FakeStation, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node dying after the chunk's INSERT but before its COMMIT: the chunk is not
    there at all (no torn prefix), HEAD says so, and the same chunk is then taken."""
    p = station.packet(1)
    api.register(p)
    api.patch(p, 0, p.blob[:1000])
    real = store.add_chunk

    def insert_then_die(conn: Connection, code: str, record_uuid: str, start: int, data: bytes) -> None:
        real(conn, code, record_uuid, start, data)
        assert receiver.partial_bytes(code, record_uuid) == p.blob[:1000]  # not visible before the commit
        raise MemoryError("the node died before the commit")

    monkeypatch.setattr(store, "add_chunk", insert_then_die)
    with pytest.raises(MemoryError):
        receiver.append(station.code, p.record_uuid, 1000, p.blob[1000:1337], None)
    monkeypatch.setattr(store, "add_chunk", real)
    assert api.head(p).headers["Upload-Offset"] == "1000"
    assert receiver.partial_bytes(station.code, p.record_uuid) == p.blob[:1000]
    assert api.patch(p, 1000, p.blob[1000:]).status_code == 204
    assert api.commit(p).status_code == 200
    assert receiver.packet_bytes(station.code, p.record_uuid) == p.blob


def api_limit(api: Api) -> int:
    limit: int = api.http.app.state.receiver.settings.max_packet_size  # type: ignore[attr-defined]
    return limit
