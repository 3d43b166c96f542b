"""Writes to one record are serialised; server_seq is global, unique and gap-free."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from central.db import read, records
from central.receiver import Receiver
from central.stations import add_station
from tests.central.support import Api, FakeStation
from wire.keys import public_pem


def test_racing_patches_at_one_offset_append_once(live_api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = station.packet(1, payload=20_000)
    live_api.register(p)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: live_api.patch(p, 0, p.blob[:4096]).status_code, range(8)))
    assert sorted(codes) == [204] + [409] * 7
    assert receiver.partial_bytes(station.code, p.record_uuid) == p.blob[:4096]


def test_racing_commits_give_one_receipt(live_api: Api, station: FakeStation, receiver: Receiver) -> None:
    p = station.packet(1)
    live_api.register(p)
    live_api.patch(p, 0, p.blob)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: live_api.commit(p), range(6)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.json()["receipt_id"] for r in answers}) == 1
    with read(receiver.engine) as conn:
        assert conn.execute(select(records.c.commit_count)).scalar_one() == 1


def test_server_seq_is_gap_free_across_stations_committing_at_once(
    live_api: Api, station: FakeStation, receiver: Receiver
) -> None:
    others = [FakeStation(f"329104-{n:02d}", station.central_public) for n in range(2, 5)]
    for other in others:
        add_station(receiver.engine, other.code, public_pem(other.key), name="", now=receiver.clock())
    clients = [live_api] + [Api(live_api.http, other) for other in others]
    with ThreadPoolExecutor(4) as pool:
        receipts = list(pool.map(lambda c: [c.send_all(c.station.packet(n))["server_seq"] for n in (1, 2, 3)], clients))
    assert sorted(s for mine in receipts for s in mine) == list(range(1, 13))
    assert all(mine == sorted(mine) for mine in receipts)
