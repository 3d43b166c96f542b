"""Every test gets a fresh data directory, never the developer's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def station_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "station-home"
    monkeypatch.setenv("STATION_HOME", str(home))
    monkeypatch.delenv("STATION_CENTRAL_URL", raising=False)
    yield home


SUPERVISOR_PASSWORD = "rahasia-spv-1"


@pytest.fixture
def core(station_home: Path):  # type: ignore[no-untyped-def]
    """An initialised station with one supervisor ("spv")."""
    from station.core import StationCore

    c = StationCore.init(
        station_code="320412-01",
        station_name="Loket uji",
        supervisor="spv",
        supervisor_name="Supervisor Uji",
        password=SUPERVISOR_PASSWORD,
        home=station_home,
    )
    yield c
    c.close()


@pytest.fixture
def supervisor():  # type: ignore[no-untyped-def]
    from station.auth import Role, User

    return User("spv", "Supervisor Uji", Role.SUPERVISOR)


def database_at_revision(path: Path, revision: str, *, next_seq: int = 1) -> Path:
    """A station database file left at an older schema `revision`, with its station row
    (code 320412-01, `next_seq`): what an upgrade test opens."""
    from alembic import command
    from sqlalchemy import text

    from store.db import alembic_config, make_engine

    engine = make_engine(path)
    command.upgrade(alembic_config(engine), revision)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO station (id, code, name, created_at, next_seq) "
                "VALUES (1, '320412-01', 'old', '2026-01-01T00:00:00.000000Z', :seq)"
            ),
            {"seq": next_seq},
        )
    engine.dispose()
    return path
