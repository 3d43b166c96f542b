"""The packet store in the database (schema 3): several nodes on one database, the
station lock, and the upgrade of a version-2 database with its spool of files.

Two Receiver objects on the same database stand for two nodes: they share nothing
but the database, exactly as two `serve` processes do.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text, update

from central import receiver as receiver_module
from central import spool
from central.db import SchemaMismatch, lock_key, read, records, schema_info, upload_chunks, write
from central.errors import CentralError
from central.receiver import Receiver
from central.settings import Settings
from central.stations import add_station
from tests.central.support import FakeClock, FakeStation, Packet
from tests.central.trust_support import upload
from wire.keys import public_pem
from wire.packet import open_packet

CHUNK = 4096


@pytest.fixture
def other_node(settings: Settings, clock: FakeClock, receiver: Receiver) -> Iterator[Receiver]:
    """A second node on the same database (made after the first, which created it)."""
    node = Receiver(settings, clock=clock, create=False)
    yield node
    node.close()


def _register(node: Receiver, code: str, p: Packet) -> None:
    node.register(code, p.record_uuid, {"station_seq": p.seq, "sha256": p.sha256, "size": p.size})


def test_a_node_that_dies_mid_upload_loses_nothing_another_continues(
    settings: Settings, clock: FakeClock, station: FakeStation
) -> None:
    first = Receiver(settings, clock=clock, create=False)
    p = station.packet(1, payload=3 * CHUNK)
    _register(first, station.code, p)
    assert first.append(station.code, p.record_uuid, 0, p.blob[:CHUNK], None) == CHUNK
    first.close()  # the node is gone; what it acknowledged is in the database
    second = Receiver(settings, clock=clock, create=False)
    try:
        offset, length = second.upload_status(station.code, p.record_uuid)
        assert (offset, length) == (CHUNK, p.size)
        assert second.append(station.code, p.record_uuid, offset, p.blob[offset:], None) == p.size
        receipt = second.commit(station.code, p.record_uuid)
        assert receipt["server_seq"] == 1 and second.packet_bytes(station.code, p.record_uuid) == p.blob
    finally:
        second.close()


def test_a_commit_that_loses_the_race_to_another_node_answers_its_receipt(
    receiver: Receiver, other_node: Receiver, station: FakeStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Node A verifies outside its write transaction; node B commits the same record in
    that moment. A's locked transaction finds it received and answers B's receipt."""
    p = station.packet(1)
    _register(receiver, station.code, p)
    receiver.append(station.code, p.record_uuid, 0, p.blob, None)
    real_open = receiver_module.open_packet
    won: list[dict[str, Any]] = []

    def open_while_the_other_node_commits(blob: bytes, **keys: Any) -> Any:
        if not won:
            won.append({})
            won[0] = other_node.commit(station.code, p.record_uuid)
        return real_open(blob, **keys)

    monkeypatch.setattr(receiver_module, "open_packet", open_while_the_other_node_commits)
    lost = receiver.commit(station.code, p.record_uuid)
    assert won and lost == won[0]
    with read(receiver.engine) as conn:
        row = conn.execute(select(records)).one()
        assert (row.commit_count, row.server_seq) == (1, 1)
        assert conn.execute(select(func.count()).select_from(upload_chunks)).scalar_one() == 0


def test_racing_chunks_from_two_nodes_are_appended_once(
    receiver: Receiver, other_node: Receiver, station: FakeStation
) -> None:
    p = station.packet(1, payload=2 * CHUNK)
    _register(receiver, station.code, p)
    assert receiver.append(station.code, p.record_uuid, 0, p.blob[:CHUNK], None) == CHUNK
    with pytest.raises(CentralError) as again:
        other_node.append(station.code, p.record_uuid, 0, p.blob[:CHUNK], None)  # a retry that went elsewhere
    assert again.value.code == "upload.offset_mismatch" and again.value.headers["Upload-Offset"] == str(CHUNK)
    assert other_node.partial_bytes(station.code, p.record_uuid) == p.blob[:CHUNK]


def test_a_station_held_by_another_transaction_is_busy_within_the_lock_timeout(
    db_url: str, central_home: Path, clock: FakeClock
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises writers with BEGIN IMMEDIATE")
    settings = Settings(home=central_home, db_url=db_url, downstream_delay_s=0, lock_timeout_s=0.3)
    node = Receiver(settings, clock=clock)
    st = FakeStation("329104-05", node.keys.packet_key.public_key())
    other = FakeStation("329104-06", node.keys.packet_key.public_key())
    try:
        for s in (st, other):
            add_station(node.engine, s.code, public_pem(s.key), name="", now=clock())
        p = st.packet(1)
        with write(node.engine) as holder:  # another node in the middle of a write for the station
            holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("station:" + st.code)})
            started = time.monotonic()
            with pytest.raises(CentralError) as busy:
                _register(node, st.code, p)
            waited = time.monotonic() - started
            upload(node, other.code, other.packet(1))  # another station is not held up
        assert busy.value.code == "server.busy" and busy.value.headers.get("Retry-After")
        assert 0.25 <= waited < 5, waited
        _register(node, st.code, p)  # free again once the other transaction ended
    finally:
        node.close()


# -- the upgrade from schema version 2 --------------------------------------------------


def _as_version_2(node: Receiver) -> dict[str, bytes]:
    """Turn a version-3 centre into what version 2 left: the same ledger tables (they did
    not change), the bytes as spool files in the home, no byte tables, version 2.
    Returns the spool's files by relative path."""
    home = node.settings.home
    files: dict[str, bytes] = {}
    with read(node.engine) as conn:
        for r in conn.execute(text("SELECT station, record_uuid, data FROM packets")):
            files[f"packets/{r.station}/{r.record_uuid}.pkt"] = bytes(r.data)
        for r in conn.execute(text("SELECT station, record_uuid, data FROM upload_chunks ORDER BY start")):
            path = f"uploads/{r.station}/{r.record_uuid}.part"
            files[path] = files.get(path, b"") + bytes(r.data)
        for r in conn.execute(text("SELECT station, record_uuid, reason, data FROM rejected_packets")):
            name = f"{r.record_uuid}.sha256-mismatch.20261122T070000" if r.reason == "packet.sha256" else None
            files[f"rejected/{r.station}/{name or r.record_uuid + '.pkt'}"] = bytes(r.data)
    files["locks/329104-01.lock"] = b""
    files["uploads/329104-01/0b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f60.part"] = b"left by a reset database"
    with write(node.engine) as conn:
        for table in ("upload_chunks", "packets", "rejected_packets", "spool_imports"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
        conn.execute(update(schema_info).values(version=2))
    for path, data in files.items():
        (home / path).parent.mkdir(parents=True, exist_ok=True)
        (home / path).write_bytes(data)
    return files


def _version_2_centre(receiver: Receiver, station: FakeStation) -> tuple[Packet, Packet, Packet, Packet]:
    """Four records: received, an upload in progress, rejected, and one whose bytes
    did not match the registered hash (set aside, upload restarted)."""
    received, partial, forged, wrong = (station.packet(n) for n in (1, 2, 3, 4))
    upload(receiver, station.code, received)
    _register(receiver, station.code, partial)
    receiver.append(station.code, partial.record_uuid, 0, partial.blob[:1000], None)
    forged = Packet(forged.record_uuid, forged.seq, forged.blob[:-1] + bytes([forged.blob[-1] ^ 1]))
    _register(receiver, station.code, forged)
    receiver.append(station.code, forged.record_uuid, 0, forged.blob, None)
    with pytest.raises(CentralError):
        receiver.commit(station.code, forged.record_uuid)
    _register(receiver, station.code, wrong)
    other = station.packet(4, record_uuid=wrong.record_uuid)
    receiver.append(station.code, wrong.record_uuid, 0, other.blob[: wrong.size].ljust(wrong.size, b"\0"), None)
    with pytest.raises(CentralError):
        receiver.commit(station.code, wrong.record_uuid)
    return received, partial, forged, wrong


def test_a_version_2_database_and_its_spool_move_into_the_database(
    receiver: Receiver, station: FakeStation, settings: Settings, clock: FakeClock
) -> None:
    received, partial, forged, wrong = _version_2_centre(receiver, station)
    receipt = receiver.commit(station.code, received.record_uuid)
    files = _as_version_2(receiver)
    receiver.close()
    home = settings.home

    node = Receiver(settings, clock=clock)
    try:
        with read(node.engine) as conn:
            assert conn.execute(select(schema_info.c.version)).scalar_one() == 3
        assert node.packet_bytes(station.code, received.record_uuid) == received.blob
        assert node.commit(station.code, received.record_uuid) == receipt  # the same receipt after the upgrade
        assert node.upload_status(station.code, partial.record_uuid) == (1000, partial.size)
        assert [k.data for k in node.set_aside(station.code, forged.record_uuid)] == [forged.blob]
        assert [k.reason for k in node.set_aside(station.code, wrong.record_uuid)] == ["packet.sha256"]
        assert not any((home / name).exists() for name in spool.SPOOL_DIRS)
        (aside,) = home.glob("spool-v2-imported-*")
        assert stat.S_IMODE(aside.stat().st_mode) == 0o700
        assert sorted(str(p.relative_to(aside)) for p in aside.rglob("*") if p.is_file()) == sorted(files)
        node.append(station.code, partial.record_uuid, 1000, partial.blob[1000:], None)
        assert node.commit(station.code, partial.record_uuid)["server_seq"] == 2
        opened = open_packet(
            node.packet_bytes(station.code, partial.record_uuid) or b"",
            central_private=node.keys.packet_key,
            station_public=station.key.public_key(),
        )
        assert opened.header["record_uuid"] == partial.record_uuid
    finally:
        node.close()


def test_a_version_2_spool_missing_a_received_packet_is_refused_and_nothing_changes(
    receiver: Receiver, station: FakeStation, settings: Settings
) -> None:
    received, *_ = _version_2_centre(receiver, station)
    _as_version_2(receiver)
    receiver.close()
    lost = settings.home / "packets" / station.code / f"{received.record_uuid}.pkt"
    os.rename(lost, settings.home / "elsewhere.pkt")
    with pytest.raises(SchemaMismatch) as refused:
        Receiver(settings)
    assert str(lost) in str(refused.value) and "cannot be upgraded" in str(refused.value)
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(schema_info.c.version)).scalar_one() == 2
            assert conn.execute(text("SELECT count(*) FROM records")).scalar_one() == 4
    finally:
        engine.dispose()
    assert (settings.home / "uploads").is_dir() and not list(settings.home.glob("spool-v2-*"))
    os.rename(settings.home / "elsewhere.pkt", lost.with_name("not-a-uuid.pkt"))
    lost.write_bytes(received.blob[:-1] + b"\0")  # there, but not the packet that was received
    with pytest.raises(SchemaMismatch, match="SHA-256"):
        Receiver(settings)


def test_an_upgrade_interrupted_before_the_spool_was_moved_moves_it_on_the_next_start(
    receiver: Receiver, station: FakeStation, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _version_2_centre(receiver, station)
    _as_version_2(receiver)
    receiver.close()

    def crash(*_: object) -> None:
        raise KeyboardInterrupt("killed after the commit, before the spool was moved")

    monkeypatch.setattr(spool, "move_imported_spool", crash)
    with pytest.raises(KeyboardInterrupt):
        Receiver(settings)
    monkeypatch.undo()
    assert (settings.home / "packets").is_dir()
    Receiver(settings).close()
    assert not (settings.home / "packets").exists() and len(list(settings.home.glob("spool-v2-imported-*"))) == 1


def test_a_spool_the_database_never_imported_is_refused(settings: Settings, clock: FakeClock) -> None:
    Receiver(settings, clock=clock).close()
    (settings.home / "packets" / "329104-01").mkdir(parents=True)
    with pytest.raises(SchemaMismatch, match="never imported"):
        Receiver(settings, clock=clock)
    assert (settings.home / "packets").is_dir()


# -- the last chunk and the commit in one transaction -------------------------------------


def _chunk_count(node: Receiver) -> int:
    with read(node.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(upload_chunks)).scalar_one())


def test_the_last_chunk_with_commit_stores_the_packet_without_storing_the_chunk(
    receiver: Receiver, station: FakeStation
) -> None:
    p = station.packet(1, payload=2 * CHUNK)
    _register(receiver, station.code, p)
    assert receiver.append_and_commit(station.code, p.record_uuid, 0, p.blob[:CHUNK], None, None) == (
        CHUNK,
        False,
        None,
    )
    assert _chunk_count(receiver) == 1
    offset, complete, receipt = receiver.append_and_commit(
        station.code, p.record_uuid, CHUNK, p.blob[CHUNK:], None, None
    )
    assert (offset, complete) == (p.size, True) and receipt is not None and receipt["server_seq"] == 1
    assert receiver.packet_bytes(station.code, p.record_uuid) == p.blob and _chunk_count(receiver) == 0
    assert receiver.commit(station.code, p.record_uuid) == receipt
    with pytest.raises(CentralError) as replay:  # the same PATCH again: its bytes are already in
        receiver.append_and_commit(station.code, p.record_uuid, CHUNK, p.blob[CHUNK:], None, None)
    assert replay.value.code == "upload.offset_mismatch"


def test_a_pipelined_last_chunk_waits_for_the_previous_record_with_its_bytes_stored(
    receiver: Receiver, station: FakeStation
) -> None:
    first, second = station.packet(1), station.packet(2)
    for p in (first, second):
        _register(receiver, station.code, p)
    answer = receiver.append_and_commit(station.code, second.record_uuid, 0, second.blob, None, first.record_uuid)
    assert answer == (second.size, True, None)  # deferred: the first is not resolved
    assert receiver.partial_bytes(station.code, second.record_uuid) == second.blob
    _, _, receipt = receiver.append_and_commit(station.code, first.record_uuid, 0, first.blob, None, None)
    assert receipt is not None and receipt["server_seq"] == 1
    assert receiver.commit(station.code, second.record_uuid)["server_seq"] == 2


def test_a_last_chunk_that_fails_verification_is_refused_and_set_aside(
    receiver: Receiver, station: FakeStation
) -> None:
    good = station.packet(1)
    forged = Packet(good.record_uuid, good.seq, good.blob[:-1] + bytes([good.blob[-1] ^ 1]))
    _register(receiver, station.code, forged)
    with pytest.raises(CentralError) as refused:
        receiver.append_and_commit(station.code, forged.record_uuid, 0, forged.blob, None, None)
    assert refused.value.code == "commit.rejected" and refused.value.verdict is not None
    assert [k.data for k in receiver.set_aside(station.code, forged.record_uuid)] == [forged.blob]
    assert _chunk_count(receiver) == 0 and receiver.packet_bytes(station.code, forged.record_uuid) is None


def test_a_packet_sent_whole_is_stored_by_one_locked_transaction_and_no_read_before_it(
    receiver: Receiver, station: FakeStation
) -> None:
    """The usual upload (one committing PATCH at offset 0) is verified as it came and
    checked under the station's lock: one connection, not a read and then the write. A
    packet whose header names another record still gets the general path's answer."""
    from sqlalchemy import event

    p = station.packet(1)
    _register(receiver, station.code, p)
    assert receiver.public_key_for(station.code) is not None  # cached, as it is for every later request
    checkouts: list[int] = []

    def count(*_: object) -> None:
        checkouts.append(1)

    event.listen(receiver.engine, "checkout", count)
    try:
        offset, complete, receipt = receiver.append_and_commit(station.code, p.record_uuid, 0, p.blob, None, None)
    finally:
        event.remove(receiver.engine, "checkout", count)
    assert (offset, complete) == (p.size, True) and receipt is not None and receipt["server_seq"] == 1
    assert receiver.packet_bytes(station.code, p.record_uuid) == p.blob
    assert len(checkouts) == 1
    second = station.packet(2)
    claims_first = Packet(second.record_uuid, second.seq, station.packet(1).blob)  # its header names record 1
    _register(receiver, station.code, claims_first)
    with pytest.raises(CentralError) as refused:
        receiver.append_and_commit(station.code, second.record_uuid, 0, claims_first.blob, None, None)
    assert refused.value.code == "commit.rejected" and refused.value.reason == "packet.mismatch"
    assert [k.data for k in receiver.set_aside(station.code, second.record_uuid)] == [claims_first.blob]


def test_a_register_batch_is_one_transaction_with_an_answer_per_record(
    receiver: Receiver, station: FakeStation
) -> None:
    a, b, c = station.packet(1), station.packet(2), station.packet(3)
    _register(receiver, station.code, a)

    def body(p: Packet, **change: object) -> dict[str, object]:
        return {"uuid": p.record_uuid, "station_seq": p.seq, "sha256": p.sha256, "size": p.size, **change}

    answers = receiver.register_many(
        station.code,
        [body(a), body(b), body(c, station_seq=2), body(c, size=receiver.settings.max_packet_size + 1)],
    )
    assert answers[0] == (False, {"state": "registered", "offset": 0})
    assert answers[1] == (True, {"state": "registered", "offset": 0})
    refused = [x.code if isinstance(x, CentralError) else x for x in answers[2:]]
    assert refused == ["record.seq_conflict", "upload.too_large"]
    with pytest.raises(CentralError) as invalid:
        receiver.register_many(station.code, [body(c), body(c, sha256="not hex")])
    assert invalid.value.code == "request.invalid"
    with read(receiver.engine) as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 2  # c was not kept


def test_a_register_batch_answers_a_repeat_within_it_as_a_second_register_would(
    receiver: Receiver, station: FakeStation
) -> None:
    """register_many reads the station's rows once for the batch: a record named twice in
    one batch must still be answered as registered, or as a conflict, by its first entry."""
    a, b = station.packet(1), station.packet(2)
    first = {"uuid": a.record_uuid, "station_seq": a.seq, "sha256": a.sha256, "size": a.size}
    other = {"uuid": b.record_uuid, "station_seq": b.seq, "sha256": b.sha256, "size": b.size}
    answers = receiver.register_many(
        station.code,
        [
            first,
            {**first, "uuid": a.record_uuid.upper()},
            {**first, "sha256": "0" * 64},
            {**other, "station_seq": a.seq},
        ],
    )
    assert answers[:2] == [(True, {"state": "registered", "offset": 0}), (False, {"state": "registered", "offset": 0})]
    refused = [x.code if isinstance(x, CentralError) else x for x in answers[2:]]
    assert refused == ["record.hash_conflict", "record.seq_conflict"]
    with read(receiver.engine) as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 1
