"""The benchmark's lean asyncio station client (testing/loadgen.py) against the real receiver.

A few simulated stations send real packets to `station-central serve` on 127.0.0.1 (on
SQLite, and on PostgreSQL when CENTRAL_TEST_PG_URL is set); the centre's own report must
then hold every record once, in order, under the receipts the stations verified. A client
that believes the wrong receipt key must believe nothing. The benchmark's throwaway
PostgreSQL (testing/postgres.py) must be durable and leave nothing behind.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from central.keys import load_keys
from testing.harness import CentralServer, central_here
from testing.loadgen import SimStation, build_station_packets, check_ledger, run_stations
from testing.postgres import postgres_cluster
from wire.keys import public_pem


def _stations(
    server: CentralServer, tmp_path: Path, count: int, records: int, db: tuple[str, ...] = ()
) -> list[SimStation]:
    central_raw = load_keys(server.home).packet_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    out = []
    for i in range(count):
        code = f"LG{i:03d}"
        key = Ed25519PrivateKey.generate()
        pub = tmp_path / f"{code}.pub"
        pub.write_bytes(public_pem(key))
        added = central_here(server.home, "stations", "add", "--code", code, "--public-key", str(pub), *db)
        assert added.returncode == 0, added.stderr
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        # 20 KB packets in 8 KB chunks: the commit rides on the third PATCH of each record
        packets = build_station_packets(code, pem, central_raw, 1, records, 20_000, 8192, seed=i)
        out.append(SimStation(i, code, key, packets))
    return out


def test_every_record_arrives_once_in_order_under_verified_receipts(tmp_path: Path, db_url: str) -> None:
    server = CentralServer(tmp_path / "central")
    server.args += ["--db", db_url]  # SQLite, and a fresh PostgreSQL schema when CENTRAL_TEST_PG_URL is set
    server.start()
    try:
        stations = _stations(server, tmp_path, 3, 4, ("--db", db_url))
        receipt_key = load_keys(server.home).receipt_key.public_key()
        log = asyncio.run(run_stations(stations, [("127.0.0.1", server.port)], receipt_key, seconds=30, drain_s=10))
        answer = central_here(server.home, "report", "--json", "--db", db_url)
        assert answer.returncode == 0, answer.stderr
        report = json.loads(answer.stdout)
    finally:
        server.stop()
    assert not log.errors, log.errors
    assert len(log.deliveries) == 12 and len(log.commit_ms) == 12
    check = check_ledger(report, log)
    assert check["ok"], check
    assert check["receipts_held"] == check["received_at_centre"] == 12
    for st in stations:
        held = log.receipts[st.code]
        assert [held[p.uuid] for p in st.packets] == sorted(held.values())  # server_seq follows station_seq


def test_a_receipt_under_another_key_is_not_believed(tmp_path: Path) -> None:
    server = CentralServer(tmp_path / "central").start()
    try:
        stations = _stations(server, tmp_path, 1, 2)
        stranger = Ed25519PrivateKey.generate().public_key()
        log = asyncio.run(
            run_stations(stations, [("127.0.0.1", server.port)], stranger, seconds=2, drain_s=5, start_spread_s=0)
        )
        report = server.report()
    finally:
        server.stop()
    assert log.errors["bad_receipt"] >= 1
    assert not log.deliveries and not log.receipts["LG000"]
    check = check_ledger(report, log)
    assert check["received_at_centre"] == 1 and check["received_answer_lost"] == 1  # committed, never believed
    assert check["ok"], check


def test_the_throwaway_postgresql_is_durable_and_leaves_nothing_behind() -> None:
    import psycopg

    with postgres_cluster(max_connections=30) as pg:
        pg.create_database("bench_probe")
        with psycopg.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="bench_probe") as conn:
            shown = {name: conn.execute(f"SHOW {name}").fetchone() for name in ("fsync", "synchronous_commit")}
            assert conn.execute("SHOW max_connections").fetchone() == ("30",)
        folder = pg.data_dir
        assert folder.exists()
    assert shown == {"fsync": ("on",), "synchronous_commit": ("on",)}
    assert not folder.exists()
