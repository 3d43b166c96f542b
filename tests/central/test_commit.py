"""Commit: verification with the reason, durable signed receipt, idempotency; reconcile and downstream.

Every answer that says received or rejected is checked as a station checks it
(wire.receipts.verify_verdict under the centre's receipt key)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, update

from central.app import create_app
from central.db import SERVER_SEQ, SERVER_SEQ_SEQUENCE, counters, read, records, write
from central.receiver import Receiver
from central.settings import Settings
from tests.central.support import NIK_A, NIK_B, Api, FakeClock, FakeStation, Packet, TestClient
from tests.central.trust_support import verified
from wire.receipts import verify_ledger


def _upload(api: Api, p: Packet, *, seq: int | None = None) -> None:
    r = api.register(Packet(p.record_uuid, seq or p.seq, p.blob))
    assert r.status_code == 201, r.text
    assert api.patch(p, 0, p.blob).status_code == 204


def test_commit_returns_a_durable_receipt_and_the_same_one_forever(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    p = station.packet(1)
    _upload(api, p)
    first = api.commit(p)
    assert first.status_code == 200
    receipt = first.json()
    assert {"receipt_id", "server_seq", "received_at", "sha256"} <= set(receipt)
    assert receipt["sha256"] == p.sha256 and receipt["server_seq"] == 1
    verdict = verified(receiver, receipt, p, station=station.code, state="received")
    assert verdict.receipt_id == receipt["receipt_id"] and verdict.server_seq == 1
    assert api.commit(p).content == first.content
    assert api.commit(p).json() == receipt
    assert receiver.packet_bytes(station.code, p.record_uuid) == p.blob
    assert receiver.partial_bytes(station.code, p.record_uuid) == b""  # the chunks went with the commit
    with read(receiver.engine) as conn:
        row = conn.execute(select(records).where(records.c.record_uuid == p.record_uuid)).one()
    assert row.commit_count == 1 and row.nik_hash is not None and NIK_A not in row.nik_hash


def test_server_seq_is_global_and_increasing(api: Api, station: FakeStation) -> None:
    seqs = [api.send_all(station.packet(n))["server_seq"] for n in (1, 2, 3)]
    assert seqs == [1, 2, 3]


def test_server_seq_never_repeats_a_number_given_before_the_sequence(
    api: Api, station: FakeStation, receiver: Receiver, settings: Settings
) -> None:
    """A database whose numbers came from the counter row (every centre before the
    PostgreSQL sequence) goes on past the highest number given, on both engines."""
    assert [api.send_all(station.packet(n))["server_seq"] for n in (1, 2)] == [1, 2]
    with write(receiver.engine) as conn:
        conn.execute(update(counters).where(counters.c.name == SERVER_SEQ).values(value=41))
        conn.execute(update(records).where(records.c.station_seq == 2).values(server_seq=41))
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"DROP SEQUENCE {SERVER_SEQ_SEQUENCE}")  # as made before it existed
    again = Receiver(settings, clock=receiver.clock)
    try:
        with TestClient(create_app(settings, receiver=again)) as http:
            later = Api(http, station)
            assert [later.send_all(station.packet(n))["server_seq"] for n in (3, 4)] == [42, 43]
    finally:
        again.close()
    Receiver(settings, clock=receiver.clock).close()  # a second start moves nothing back
    with TestClient(create_app(settings, receiver=receiver)) as http:
        assert Api(http, station).send_all(station.packet(5))["server_seq"] == 44


def test_commit_of_an_incomplete_upload_is_409(api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    api.register(p)
    api.patch(p, 0, p.blob[:100])
    r = api.commit(p)
    assert r.status_code == 409 and r.json()["error"] == "commit.incomplete"
    unknown = api.commit(station.packet(2))
    assert unknown.status_code == 404 and unknown.json()["error"] == "record.not_registered"


def _forged(station: FakeStation, how: str) -> tuple[Packet, int]:
    """A packet that fails one verification; returns it and the seq to register it under."""
    if how == "packet.signature":
        return station.packet(1, key=Ed25519PrivateKey.generate()), 1
    if how == "packet.decrypt":
        return station.packet(1, central=X25519PrivateKey.generate().public_key()), 1
    if how == "packet.mismatch":
        return station.packet(2), 1  # a packet for seq 2 registered as seq 1
    good = station.packet(1)
    if how == "packet.decrypt-header":
        return Packet(good.record_uuid, 1, good.blob.replace(b'"station_seq":1', b'"station_seq":5')), 1
    return Packet(good.record_uuid, 1, b"garbage-" + good.blob[8:]), 1


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("packet.signature", "packet.signature"),
        ("packet.decrypt", "packet.decrypt"),
        ("packet.decrypt-header", "packet.decrypt"),
        ("packet.mismatch", "packet.mismatch"),
        ("packet.format", "packet.format"),
    ],
)
def test_a_packet_that_fails_verification_is_rejected_with_the_reason(
    api: Api, station: FakeStation, receiver: Receiver, how: str, reason: str
) -> None:
    p, seq = _forged(station, how)
    _upload(api, p, seq=seq)
    claimed = Packet(p.record_uuid, seq, p.blob)
    r = api.commit(p)
    assert r.status_code == 422
    assert r.json()["error"] == "commit.rejected" and r.json()["reason"] == reason
    assert verified(receiver, r.json()["verdict"], claimed, station=station.code, state="rejected").reason == reason
    again = api.commit(p)
    assert again.status_code == 422 and again.json()["reason"] == reason
    assert again.json()["verdict"] == r.json()["verdict"]
    state = api.reconcile([claimed])["records"][0]
    assert state["state"] == "rejected" and state["reason"] == reason
    assert verified(receiver, state["verdict"], claimed, station=station.code, state="rejected").reason == reason
    kept = receiver.set_aside(station.code, p.record_uuid)
    assert [k.reason for k in kept] == [reason] and kept[0].data == p.blob
    assert receiver.packet_bytes(station.code, p.record_uuid) is None
    registered = api.register(claimed).json()
    assert registered["state"] == "rejected" and registered["verdict"] == r.json()["verdict"]


def test_bytes_that_differ_from_the_registered_hash_reset_the_upload(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    good = station.packet(1)
    wrong = station.packet(1, record_uuid=good.record_uuid)  # same size, other bytes
    assert wrong.size == good.size and wrong.sha256 != good.sha256
    api.register(good)
    assert api.patch(good, 0, wrong.blob).status_code == 204
    r = api.commit(good)
    assert r.status_code == 422 and r.json()["reason"] == "packet.sha256"
    assert verified(receiver, r.json()["verdict"], good, station=station.code, state="rejected").reason == (
        "packet.sha256"
    )
    assert api.head(good).headers["Upload-Offset"] == "0"
    kept = receiver.set_aside(station.code, good.record_uuid)
    assert [(k.reason, k.data) for k in kept] == [("packet.sha256", wrong.blob)]
    assert receiver.partial_bytes(station.code, good.record_uuid) == b""
    assert api.patch(good, 0, good.blob).status_code == 204
    assert api.commit(good).status_code == 200
    assert receiver.packet_bytes(station.code, good.record_uuid) == good.blob


def test_reconcile_states_watermark_and_gaps(api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = {n: station.packet(n) for n in range(1, 8)}
    for n in (1, 2, 4, 7):
        api.send_all(p[n])
    api.register(p[5])
    api.register(p[6])
    api.patch(p[6], 0, p[6].blob[:50])
    never = station.packet(8)
    answer = api.reconcile([p[n] for n in range(1, 8)] + [never])
    states = {r["uuid"]: r for r in answer["records"]}
    assert [states[p[n].record_uuid]["state"] for n in range(1, 8)] == [
        "received",
        "received",
        "unknown",
        "received",
        "registered",
        "partial",
        "received",
    ]
    assert states[never.record_uuid]["state"] == "unknown"
    assert states[p[6].record_uuid]["offset"] == 50
    first = verified(receiver, states[p[1].record_uuid]["verdict"], p[1], station=station.code, state="received")
    assert first.sha256 == p[1].sha256 and first.downstream == "PRINT_READY"
    assert states[p[1].record_uuid]["downstream"] == "PRINT_READY"
    assert [states[p[n].record_uuid]["verdict"] for n in (3, 5, 6)] == [None, None, None]
    assert states[never.record_uuid]["verdict"] is None
    assert answer["watermark"] == 2 and answer["gaps"] == [3, 5, 6]
    public = receiver.keys.receipt_key.public_key()
    assert verify_ledger(public, answer, station=station.code) == (2, [3, 5, 6])


def test_reconcile_names_a_hash_the_centre_does_not_hold(api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = station.packet(1)
    api.register(p)
    other = station.packet(1, record_uuid=p.record_uuid)
    state = api.reconcile([other])["records"][0]
    assert state["state"] == "rejected" and state["reason"] == "record.hash_conflict"
    assert verified(receiver, state["verdict"], other, station=station.code, state="rejected").sha256 == other.sha256


def test_reconcile_does_not_show_another_stations_records(api: Api, station: FakeStation, receiver: Receiver) -> None:
    from central.stations import add_station
    from wire.keys import public_pem

    other = FakeStation("329104-02", station.central_public)
    add_station(receiver.engine, other.code, public_pem(other.key), name="", now=receiver.clock())
    p = station.packet(1)
    api.send_all(p)
    theirs = Api(api.http, other)
    assert theirs.reconcile([p])["records"][0]["state"] == "unknown"
    assert theirs.head(p).status_code == 404


def test_downstream_pending_then_print_ready_or_duplicate(
    api: Api, station: FakeStation, receiver: Receiver, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receiver, "settings", replace(receiver.settings, downstream_delay_s=5))
    first, second, other = station.packet(1, nik=NIK_A), station.packet(2, nik=NIK_A), station.packet(3, nik=NIK_B)
    for p in (first, second, other):
        api.send_all(p)
    assert [r["downstream"] for r in api.reconcile([first, second, other])["records"]] == ["PENDING"] * 3
    clock.advance(5)
    assert [r["downstream"] for r in api.reconcile([first, second, other])["records"]] == [
        "PRINT_READY",
        "DUPLICATE",
        "PRINT_READY",
    ]


def test_a_correction_is_not_a_duplicate_of_the_record_it_corrects(api: Api, station: FakeStation) -> None:
    original = station.packet(1, nik=NIK_A)
    fix = station.packet(2, nik=NIK_A, corrects=original.record_uuid)
    fix_of_fix = station.packet(3, nik=NIK_A, corrects=fix.record_uuid)
    stranger = station.packet(4, nik=NIK_A)
    for p in (original, fix, fix_of_fix, stranger):
        api.send_all(p)
    downstream = [r["downstream"] for r in api.reconcile([original, fix, fix_of_fix, stranger])["records"]]
    assert downstream == ["PRINT_READY", "PRINT_READY", "PRINT_READY", "DUPLICATE"]
