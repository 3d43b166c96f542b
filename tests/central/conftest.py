"""Fixtures for the central receiver: a fresh home, a database per test, a station, clients.

The database fixture is parametrized over SQLite and, only when CENTRAL_TEST_PG_URL
is set, PostgreSQL: each PostgreSQL test gets its own schema (search_path), dropped
afterwards. If the variable is set but the server is unreachable the tests fail;
they are never skipped silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from central.app import create_app
from central.receiver import Receiver
from central.settings import Settings, normalise_db_url
from central.stations import add_station
from tests.central.support import Api, FakeClock, FakeStation, TestClient, serve_in_thread
from wire.keys import public_pem

PG_ENV = "CENTRAL_TEST_PG_URL"
STATION = "329104-01"


def _databases() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(PG_ENV):
        params.append(pytest.param("postgresql", id="pg"))
    return params


@pytest.fixture(params=_databases())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    base = normalise_db_url(os.environ[PG_ENV])
    schema = f"central_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def central_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "central-home"
    monkeypatch.setenv("CENTRAL_HOME", str(home))
    monkeypatch.delenv("CENTRAL_DB_URL", raising=False)
    return home


@pytest.fixture
def settings(central_home: Path, db_url: str) -> Settings:
    return Settings(home=central_home, db_url=db_url, downstream_delay_s=0, max_packet_size=64 * 1024)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def receiver(settings: Settings, clock: FakeClock) -> Iterator[Receiver]:
    r = Receiver(settings, clock=clock)
    yield r
    r.close()


@pytest.fixture
def station(receiver: Receiver) -> FakeStation:
    s = FakeStation(STATION, receiver.keys.packet_key.public_key())
    add_station(receiver.engine, s.code, public_pem(s.key), name="Loket uji", now=receiver.clock())
    return s


@pytest.fixture
def api(receiver: Receiver, station: FakeStation) -> Iterator[Api]:
    """Fast, in-process: Starlette's TestClient (an httpx.Client) on the app."""
    with TestClient(create_app(receiver.settings, receiver=receiver)) as http:
        yield Api(http, station)


@pytest.fixture
def live_api(receiver: Receiver, station: FakeStation) -> Iterator[Api]:
    """A real uvicorn on 127.0.0.1 and a real httpx client."""
    with serve_in_thread(create_app(receiver.settings, receiver=receiver)) as url:
        with httpx.Client(base_url=url, timeout=10) as http:
            yield Api(http, station)
