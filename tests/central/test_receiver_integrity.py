"""The centre's integrity rules (issue 11): corrections only within a station and a
resident, station_seq unique per station, canonical uuids, a station's uuids its
own, signed verdicts on every permanent refusal, and a database of another schema
version refused."""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    inspect,
    select,
    text,
    update,
)

from central.db import SCHEMA_VERSION, SchemaMismatch, read, records, schema_info, write
from central.errors import CentralError
from central.receiver import Receiver
from central.settings import Settings
from tests.central.support import NIK_A, NIK_B, Api, FakeStation, Packet
from tests.central.trust_support import add_other_station, upload, verified


def _downstream(api: Api, packets: list[Packet]) -> list[str]:
    return [r["downstream"] for r in api.reconcile(packets)["records"]]


# -- corrects_uuid --------------------------------------------------------------------


def test_a_correction_claimed_across_stations_is_ignored_and_stays_duplicate(
    api: Api, station: FakeStation, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    original = station.packet(1, nik=NIK_A)
    api.send_all(original)
    other = add_other_station(receiver, station.central_public)
    theirs = Api(api.http, other)
    forged = other.packet(1, nik=NIK_A, corrects=original.record_uuid)
    with caplog.at_level(logging.WARNING, logger="central.receiver"):
        theirs.send_all(forged)
    assert _downstream(theirs, [forged]) == ["DUPLICATE"]
    assert _downstream(api, [original]) == ["PRINT_READY"]
    warned = [r.getMessage() for r in caplog.records if "corrects_uuid" in r.getMessage()]
    assert warned and forged.record_uuid in warned[0] and "no received record of this station" in warned[0]
    assert all(NIK_A not in r.getMessage() for r in caplog.records)


def test_a_correction_of_another_resident_is_ignored(
    api: Api, station: FakeStation, caplog: pytest.LogCaptureFixture
) -> None:
    """Two records of resident A both "correcting" resident B's record would share B's
    lineage and both be PRINT_READY: two cards for A. The claim is ignored instead."""
    someone_else = station.packet(1, nik=NIK_B)
    first = station.packet(2, nik=NIK_A, corrects=someone_else.record_uuid)
    second = station.packet(3, nik=NIK_A, corrects=someone_else.record_uuid)
    with caplog.at_level(logging.WARNING, logger="central.receiver"):
        for p in (someone_else, first, second):
            api.send_all(p)
    assert _downstream(api, [someone_else, first, second]) == ["PRINT_READY", "PRINT_READY", "DUPLICATE"]
    assert sum("another resident" in r.getMessage() for r in caplog.records) == 2
    assert all(NIK_A not in r.getMessage() and NIK_B not in r.getMessage() for r in caplog.records)


def test_a_correction_of_a_later_or_unknown_record_is_ignored(api: Api, station: FakeStation) -> None:
    later = station.packet(5, nik=NIK_A)
    api.send_all(later)
    earlier = station.packet(3, nik=NIK_A, corrects=later.record_uuid)  # seq 3 cannot correct seq 5
    nowhere = station.packet(6, nik=NIK_A, corrects="not-a-uuid")
    for p in (earlier, nowhere):
        api.send_all(p)
    assert _downstream(api, [later, earlier, nowhere]) == ["PRINT_READY", "DUPLICATE", "DUPLICATE"]


def test_an_honest_correction_of_an_upper_cased_uuid_is_honoured(api: Api, station: FakeStation) -> None:
    original = station.packet(1, nik=NIK_A)
    fix = station.packet(2, nik=NIK_A, corrects=original.record_uuid.upper())
    for p in (original, fix):
        api.send_all(p)
    assert _downstream(api, [original, fix]) == ["PRINT_READY", "PRINT_READY"]


# -- station_seq unique per station -----------------------------------------------------


def test_the_same_seq_under_a_second_uuid_is_refused_with_a_signed_verdict(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    first, second = station.packet(1), station.packet(1)
    assert first.record_uuid != second.record_uuid
    api.send_all(first)
    r = api.register(second)
    assert r.status_code == 422 and r.json()["error"] == "record.seq_conflict"
    verdict = verified(receiver, r.json()["verdict"], second, station=station.code, state="rejected")
    assert verdict.reason == "record.seq_conflict" and verdict.sha256 == second.sha256
    batch = {"records": [{"uuid": second.record_uuid, "station_seq": 1, "sha256": second.sha256, "size": second.size}]}
    path = f"/v1/stations/{station.code}/register"
    inline = api.send("POST", path, httpx.Request("POST", "/", json=batch).content).json()["records"][0]
    assert inline["error"] == "record.seq_conflict"
    verified(receiver, inline["verdict"], second, station=station.code, state="rejected")
    with read(receiver.engine) as conn:
        assert conn.execute(select(records.c.record_uuid)).scalars().all() == [first.record_uuid]
    # even while the first is only registered (not yet received)
    third, fourth = station.packet(2), station.packet(2)
    assert api.register(third).status_code == 201
    assert api.register(fourth).json()["error"] == "record.seq_conflict"


def test_the_database_refuses_a_second_row_for_a_seq(receiver: Receiver, station: FakeStation) -> None:
    """The rule holds in the schema too, not only in register's check."""
    p = station.packet(1)
    receiver.register(station.code, p.record_uuid, {"station_seq": 1, "sha256": p.sha256, "size": p.size})
    with pytest.raises(Exception, match="(?i)unique|duplicate"), write(receiver.engine) as conn:
        conn.execute(
            insert(records).values(
                station=station.code,
                record_uuid="00000000-0000-4000-8000-000000000001",
                station_seq=1,
                sha256=p.sha256,
                size=p.size,
                state="registered",
                registered_at=receiver.clock(),
                commit_count=0,
            )
        )


# -- canonical uuids ----------------------------------------------------------------


def test_an_upper_cased_copy_of_a_uuid_is_the_same_record(api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = station.packet(1)
    receipt = api.send_all(p)
    shouted = Packet(p.record_uuid.upper(), p.seq, p.blob)
    again = api.register(shouted)
    assert again.status_code == 200 and again.json()["state"] == "received"
    assert again.json()["verdict"] == receipt
    assert api.commit(shouted).json() == receipt
    state = api.reconcile([shouted])["records"][0]
    assert state["uuid"] == p.record_uuid and state["state"] == "received"
    # the Receiver canonicalises by itself too (import and other callers)
    created, view = receiver.register(
        station.code, p.record_uuid.upper(), {"station_seq": 1, "sha256": p.sha256, "size": p.size}
    )
    assert not created and view["verdict"] == receipt
    assert receiver.commit(station.code, p.record_uuid.upper()) == receipt
    with read(receiver.engine) as conn:
        assert conn.execute(select(records.c.record_uuid)).scalars().all() == [p.record_uuid]


def test_a_record_first_registered_upper_cased_is_stored_lower_cased(receiver: Receiver, station: FakeStation) -> None:
    p = station.packet(1)
    receipt = upload(receiver, station.code, p, uuid_as=p.record_uuid.upper())
    assert receipt["record_uuid"] == p.record_uuid
    verified(receiver, receipt, p, station=station.code, state="received")
    assert receiver.packet_bytes(station.code, p.record_uuid) == p.blob
    with pytest.raises(CentralError) as refused:
        receiver.register(station.code, "not-a-uuid", {"station_seq": 2, "sha256": p.sha256, "size": 1})
    assert refused.value.code == "request.invalid"


# -- a station's uuids are its own ----------------------------------------------------------


def _answer(r: httpx.Response) -> tuple[int, bytes, list[str]]:
    ignore = {"date", "content-length"}
    return r.status_code, r.content, sorted(k for k in r.headers if k not in ignore)


def test_another_stations_uuid_teaches_nothing_and_blocks_nothing(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    mine = station.packet(1)
    receipt = api.send_all(mine)
    other = add_other_station(receiver, station.central_public)
    theirs = Api(api.http, other)
    copied = other.packet(1, record_uuid=mine.record_uuid)
    fresh = other.packet(2)
    assert _answer(theirs.register(copied)) == _answer(theirs.register(fresh))
    assert _answer(theirs.head(copied)) == _answer(theirs.head(fresh))
    # B's record of that uuid is its own: received independently, with its own receipt
    theirs.patch(copied, 0, copied.blob)
    their_receipt = theirs.commit(copied).json()
    verified(receiver, their_receipt, copied, station=other.code, state="received")
    assert their_receipt["receipt_id"] != receipt["receipt_id"]
    # and A is unaffected
    assert api.commit(mine).json() == receipt
    state = api.reconcile([mine])["records"][0]
    assert state["state"] == "received"
    assert (
        verified(receiver, state["verdict"], mine, station=station.code, state="received").receipt_id
        == (receipt["receipt_id"])
    )
    assert receiver.packet_bytes(station.code, mine.record_uuid) == mine.blob
    assert receiver.packet_bytes(other.code, mine.record_uuid) == copied.blob


def test_registering_another_stations_uuid_first_does_not_get_the_real_record_rejected(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    other = add_other_station(receiver, station.central_public)
    theirs = Api(api.http, other)
    mine = station.packet(1)
    squatter = other.packet(1, record_uuid=mine.record_uuid, payload=100)
    theirs.send_all(squatter)
    receipt = api.send_all(mine)
    verified(receiver, receipt, mine, station=station.code, state="received")
    assert theirs.reconcile([squatter])["records"][0]["state"] == "received"


# -- verdicts on register and permanent refusals --------------------------------------------


def test_register_of_a_received_record_carries_its_verdict(api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = station.packet(1)
    receipt = api.send_all(p)
    again = api.register(p).json()
    assert again["state"] == "received" and again["verdict"] == receipt
    verified(receiver, again["verdict"], p, station=station.code, state="received")


def test_a_hash_conflict_and_a_too_large_packet_carry_rejected_verdicts(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    p = station.packet(1)
    api.register(p)
    other = station.packet(1, record_uuid=p.record_uuid)
    r = api.register(other)
    assert r.status_code == 422 and r.json()["error"] == "record.hash_conflict"
    assert verified(receiver, r.json()["verdict"], other, station=station.code, state="rejected").sha256 == (
        other.sha256
    )
    big = station.packet(2)
    huge = receiver.settings.max_packet_size + 1
    r = api.register(big, size=huge)
    assert r.status_code == 413 and r.json()["error"] == "upload.too_large"
    verdict = verified(receiver, r.json()["verdict"], big, station=station.code, state="rejected")
    assert verdict.reason == "upload.too_large"


def test_a_verdict_from_another_key_or_for_another_record_does_not_verify(
    api: Api, station: FakeStation, receiver: Receiver
) -> None:
    """The tests' own check can fail: a verdict does not verify for anything else."""
    from wire.receipts import UntrustedAnswer

    a, b = station.packet(1), station.packet(2)
    receipt = api.send_all(a)
    api.send_all(b)
    with pytest.raises(UntrustedAnswer):
        verified(receiver, receipt, b, station=station.code, state="received")
    with pytest.raises(UntrustedAnswer):
        verified(receiver, {**receipt, "server_seq": 99}, a, station=station.code, state="received")
    with pytest.raises(UntrustedAnswer):
        verified(receiver, receipt, a, station=station.code, state="rejected")


# -- schema version ------------------------------------------------------------------


def _version_1(url: str, rows: list[dict[str, object]], home: Path | None = None) -> None:
    """A database as station-central made it before the trust work (schema version 1),
    and, in `home`, the spool that held its packets (named by the uuid as it was sent)."""
    old = MetaData()
    Table("stations", old, Column("code", String(64), primary_key=True), Column("name", String(200)))
    v1 = Table(
        "records",
        old,
        Column("record_uuid", String(64), primary_key=True),
        Column("station", String(64), ForeignKey("stations.code"), nullable=False),
        *(Column(name, BigInteger) for name in ("station_seq", "size", "server_seq", "commit_count")),
        *(Column(name, String(64)) for name in ("sha256", "state", "reason", "receipt_id", "nik_hash", "lineage")),
        *(Column(name, String(32)) for name in ("registered_at", "received_at", "via")),
        Index("ix_records_station_seq", "station", "station_seq"),
        Index("ix_records_nik_hash", "nik_hash"),
    )
    Table("counters", old, Column("name", String(32), primary_key=True), Column("value", BigInteger))
    engine = create_engine(url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(old.tables["stations"]).values(code="329104-01", name="Loket uji"))
        conn.execute(insert(old.tables["counters"]).values(name="server_seq", value=len(rows)))
        for n, row in enumerate(rows, start=1):
            conn.execute(
                insert(v1).values(
                    station="329104-01",
                    sha256=hashlib.sha256(_v1_packet(n)).hexdigest(),
                    size=1000,
                    state="received",
                    registered_at="2026-11-22T07:00:00.000000Z",
                    received_at="2026-11-22T07:00:01.000000Z",
                    server_seq=n,
                    receipt_id=f"receipt-{n}",
                    nik_hash="a" * 64,
                    commit_count=1,
                    via="upload",
                    **row,
                )
            )
    engine.dispose()
    if home is not None:
        for n, row in enumerate(rows, start=1):
            (home / "packets" / "329104-01").mkdir(parents=True, exist_ok=True)
            (home / "packets" / "329104-01" / f"{row['record_uuid']}.pkt").write_bytes(_v1_packet(n))


def _v1_packet(n: int) -> bytes:
    return bytes([n]) * 1000


U1, U2 = "0b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f60", "1b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f61"


def test_a_version_1_database_is_upgraded_in_place(settings: Settings) -> None:
    _version_1(
        settings.database_url,
        [
            {"record_uuid": U1, "station_seq": 1, "lineage": U1},
            {"record_uuid": U2.upper(), "station_seq": 2, "lineage": U1},  # a correction of U1
        ],
        settings.home,
    )
    receiver = Receiver(settings)
    try:
        with read(receiver.engine) as conn:
            got = conn.execute(select(records.c.record_uuid, records.c.lineage).order_by(records.c.station_seq)).all()
            assert conn.execute(select(schema_info.c.version)).scalar_one() == SCHEMA_VERSION
        assert [tuple(r) for r in got] == [(U1, f"329104-01/{U1}"), (U2, f"329104-01/{U1}")]
        answer = receiver.reconcile("329104-01", [{"uuid": U2.upper(), "station_seq": 2}])
        assert answer["records"][0]["state"] == "received" and answer["watermark"] == 2
        assert answer["records"][0]["downstream"] == "PRINT_READY"  # the lineage survived the upgrade
        assert answer["records"][0]["verdict"]["receipt_id"] == "receipt-2"
        with pytest.raises(CentralError) as taken:
            receiver.register("329104-01", str(uuid.uuid4()), {"station_seq": 2, "sha256": "b" * 64, "size": 9})
        assert taken.value.code == "record.seq_conflict"
        assert receiver.packet_bytes("329104-01", U2) == _v1_packet(2)  # and on to version 3
    finally:
        receiver.close()
    Receiver(settings).close()  # and opened again as it is


def test_a_version_1_database_that_breaks_the_new_rules_is_refused_and_left_alone(settings: Settings) -> None:
    _version_1(
        settings.database_url,
        [
            {"record_uuid": U1, "station_seq": 1, "lineage": U1},
            {"record_uuid": U2, "station_seq": 1, "lineage": U2},  # the same seq received twice
        ],
    )
    with pytest.raises(SchemaMismatch) as refused:
        Receiver(settings)
    message = str(refused.value)
    assert "older station-central" in message and "station-central init" in message
    assert "cannot be upgraded" in message and "station_seq" in message
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM records")).scalar_one() == 2
        assert not inspect(engine).has_table("central_schema")
    finally:
        engine.dispose()


def test_an_unknown_older_layout_is_refused_with_what_to_do(settings: Settings) -> None:
    old = MetaData()
    Table("stations", old, Column("code", String(64), primary_key=True))
    Table("records", old, Column("record_uuid", String(64), primary_key=True), Column("station", String(64)))
    engine = create_engine(settings.database_url)
    old.create_all(engine)
    engine.dispose()
    with pytest.raises(SchemaMismatch) as refused:
        Receiver(settings)
    message = str(refused.value)
    assert "older station-central" in message and "station-central init" in message


def test_a_newer_database_is_refused(settings: Settings) -> None:
    Receiver(settings).close()
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(update(schema_info).values(version=SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(SchemaMismatch, match="newer station-central"):
        Receiver(settings)


def test_the_cli_names_an_older_database_in_one_line(
    central_home: object, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from central.cli import main

    old = MetaData()
    Table("records", old, Column("record_uuid", String(64), primary_key=True), Column("n", Integer))
    engine = create_engine(Settings(db_url=db_url).database_url)
    old.create_all(engine)
    engine.dispose()
    rc = main(["init", "--db", db_url])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("station-central: error:") and "older station-central" in err
    assert "Traceback" not in err and err.count("\n") == 1
