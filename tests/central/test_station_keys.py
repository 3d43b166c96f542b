"""The process's cache of stations' keys (central.stations.StationKeys), on a real
database (SQLite, and PostgreSQL when configured): one query for the whole registry,
a removed station no longer believed once its snapshot is old, an unknown code never
remembered, a PEM parsed again only when it changed, a corrupt row refused alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, event, update

import central.stations as stations_module
from central.db import stations, write
from central.receiver import Receiver
from central.stations import KEY_CACHE_S, StationKeys, add_station
from wire.keys import public_pem


class Ticks:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def registry(receiver: Receiver) -> Iterator[tuple[StationKeys, Ticks, list[str]]]:
    """Three stations, a StationKeys on a settable clock, and the SQL it runs."""
    for code in ("A-1", "B-2", "C-3"):
        add_station(receiver.engine, code, public_pem(Ed25519PrivateKey.generate()), name=code, now=receiver.clock())
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "stations" in statement:
            statements.append(statement)

    event.listen(receiver.engine, "before_cursor_execute", seen)
    ticks = Ticks()
    yield StationKeys(receiver.engine, clock=ticks), ticks, statements
    event.remove(receiver.engine, "before_cursor_execute", seen)


def test_one_query_reads_every_station_and_later_lookups_ask_nothing(
    registry: tuple[StationKeys, Ticks, list[str]],
) -> None:
    keys, _ticks, statements = registry
    assert keys.cached("A-1") is None  # nothing read yet, and cached() never reads
    assert keys.lookup("A-1") is not None
    assert len(statements) == 1
    assert keys.cached("B-2") is not None and keys.lookup("C-3") is not None
    assert len(statements) == 1


def test_a_removed_station_is_not_believed_once_the_snapshot_is_old(
    registry: tuple[StationKeys, Ticks, list[str]], receiver: Receiver
) -> None:
    keys, ticks, statements = registry
    assert keys.lookup("B-2") is not None
    with write(receiver.engine) as conn:
        conn.execute(delete(stations).where(stations.c.code == "B-2"))
    ticks.now += KEY_CACHE_S - 1
    assert keys.lookup("B-2") is not None  # still within the promise
    ticks.now += 1
    assert keys.cached("B-2") is None and keys.lookup("B-2") is None
    assert keys.lookup("A-1") is not None  # reloaded with the rest
    assert len(statements) == 3  # the first load, the reload, B-2 asked for alone (it may be new)


def test_a_station_added_later_is_found_and_an_unknown_code_is_never_remembered(
    registry: tuple[StationKeys, Ticks, list[str]], receiver: Receiver
) -> None:
    keys, _ticks, statements = registry
    keys.lookup("A-1")
    add_station(receiver.engine, "D-4", public_pem(Ed25519PrivateKey.generate()), name="D", now=receiver.clock())
    assert keys.lookup("D-4") is not None and len(statements) == 2
    assert keys.lookup("D-4") is not None and len(statements) == 2
    assert keys.lookup("NOPE") is None and keys.lookup("NOPE") is None
    assert len(statements) == 4
    assert keys.lookup("../etc") is None and len(statements) == 4  # not a code: never asked


def test_a_reload_parses_only_the_keys_that_changed(
    registry: tuple[StationKeys, Ticks, list[str]], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys, ticks, _statements = registry
    parsed: list[bytes] = []
    real = stations_module.load_ed25519_public

    def counting(pem: bytes) -> Any:
        parsed.append(pem)
        return real(pem)

    monkeypatch.setattr(stations_module, "load_ed25519_public", counting)
    first = keys.lookup("A-1")
    assert len(parsed) == 3
    new_pem = public_pem(Ed25519PrivateKey.generate()).decode()
    with write(receiver.engine) as conn:
        conn.execute(update(stations).where(stations.c.code == "C-3").values(public_key_pem=new_pem))
    ticks.now += KEY_CACHE_S
    assert keys.lookup("A-1") is first
    assert parsed[3:] == [new_pem.encode()]


def test_a_corrupt_key_row_makes_that_station_unknown_and_no_other(
    registry: tuple[StationKeys, Ticks, list[str]], receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    keys, _ticks, _statements = registry
    with write(receiver.engine) as conn:
        conn.execute(update(stations).where(stations.c.code == "B-2").values(public_key_pem="not a key"))
    assert keys.lookup("B-2") is None
    assert keys.lookup("A-1") is not None and keys.lookup("C-3") is not None
    assert "B-2" in caplog.text and "not a key" not in caplog.text
