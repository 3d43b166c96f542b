"""Every test gets a fresh data directory, never the developer's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine

REAL_PASSWORD_HASHING = "real_password_hashing"
REAL_MIGRATIONS = "real_migrations"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{REAL_PASSWORD_HASHING}: hash passwords with argon2's production settings in this test "
        "(the others use the cheapest ones, see `cheap_password_hashing`)",
    )
    config.addinivalue_line(
        "markers",
        f"{REAL_MIGRATIONS}: an empty station database runs every Alembic migration in this test "
        "(the others get a copy of one migrated once, see `store_migrated_once`)",
    )


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Passwords hashed with argon2id's cheapest settings, unless the test is marked
    `real_password_hashing`.

    Why: argon2 with the library's defaults (64 MiB, 3 passes) costs about half a second
    per hash and per verify on a busy 2-core machine, and most tests hash one (the `core`
    fixture's supervisor) and verify several (every login): minutes over the suite, none of
    it what those tests are about. The hashes stay argon2id and are verified the same
    way. Tests about the hashing itself (its format, its constant-time refusals) carry
    the marker and keep the production settings.
    Trap: `station.auth._dummy_hash` is cached for the process; it is cleared before and
    after, so a cheap dummy never meets a test that times refusals with real settings."""
    from station import auth

    auth._dummy_hash.cache_clear()
    if request.node.get_closest_marker(REAL_PASSWORD_HASHING) is None:
        from argon2 import PasswordHasher

        monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    auth._dummy_hash.cache_clear()


class _MigratedStore:
    """A station database migrated to head once for the run (made on first need), and
    the copy of it into an empty database."""

    def __init__(self, root: Path) -> None:
        import threading

        from store.db import migrate

        self.root = root
        self.migrate = migrate  # the real one, taken before any test replaces it
        self.path: Path | None = None
        self.lock = threading.Lock()

    def template(self) -> Path:
        with self.lock:
            if self.path is None:
                from store.db import make_engine

                path = self.root / "template.db"
                engine = make_engine(path)
                self.migrate(engine)  # every migration, for real
                engine.dispose()
                self.path = path
            return self.path

    def copy_into(self, engine: Engine) -> None:
        import sqlite3

        source = sqlite3.connect(self.template())
        try:
            with engine.connect() as conn:
                target = conn.connection.dbapi_connection
                assert isinstance(target, sqlite3.Connection)
                source.backup(target)
        finally:
            source.close()


@pytest.fixture(scope="session")
def _migrated_store(tmp_path_factory: pytest.TempPathFactory) -> _MigratedStore:
    return _MigratedStore(tmp_path_factory.mktemp("migrated-store"))


@pytest.fixture(autouse=True)
def store_migrated_once(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, _migrated_store: _MigratedStore
) -> None:
    """A new, empty station database gets a copy of one migrated to head once for the
    run, unless the test is marked `real_migrations`.

    Why: `StationCore.init` runs the eight Alembic migrations on its empty database,
    about half a second on a busy 2-core machine, and nearly every test makes a station.
    The copy (SQLite's backup API, into the connection the store already opened) is the
    database the migrations made, made by the same code once; a database that is not
    empty (an older revision, a reopened station) still goes through `store.db.migrate`
    as written. tests/store/test_migrations.py runs the migrations themselves."""
    if request.node.get_closest_marker(REAL_MIGRATIONS) is not None:
        return
    from sqlalchemy import text

    from store import db

    migrate = db.migrate

    def migrate_or_copy(engine: Engine) -> None:
        with engine.connect() as conn:
            empty = conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar() == 0
        if empty:
            _migrated_store.copy_into(engine)
        else:
            migrate(engine)

    monkeypatch.setattr(db, "migrate", migrate_or_copy)


@pytest.fixture(scope="session", autouse=True)
def camera_clips_rendered_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The simulated camera's clip rendered once per set of options for the whole run,
    then copied into each new camera's own directory.

    Why: every `opencv-sim` camera renders its clip (60 frames of 640x480 with the
    subject, its sway and sensor noise) and encodes it when it opens: about 1.5 s on a
    busy 2-core machine, paid by every test whose station opens its devices (every
    main window, console, wizard and self-test). The clip is a pure function of its
    arguments (the noise comes from a generator seeded with `seed`), so a copy is the
    same bytes the camera would have written; each camera still gets its own files,
    which its close() deletes. The first clip of each kind is rendered for real.
    Trap: this replaces `devices.camera.simulator._write_clip`; if that is renamed the
    patch fails loudly here rather than silently caching nothing."""
    import shutil
    import tempfile
    import threading

    from devices.camera import simulator

    render = simulator._write_clip
    root = tmp_path_factory.mktemp("camera-clips")
    rendered: dict[tuple[object, ...], Path] = {}
    lock = threading.Lock()

    def write_clip_once(
        port: str,
        fmt: str,
        count: int,
        period: int,
        backdrop: str,
        fault: str | None,
        fps: float,
        size: tuple[int, int],
        seed: int,
    ) -> None:
        key = (fmt, count, period, backdrop, fault, fps, tuple(size), seed)
        with lock:
            clip = rendered.get(key)
            if clip is None:
                clip = Path(tempfile.mkdtemp(dir=root))  # a fresh one even after a failed render
                render(str(clip / Path(port).name), fmt, count, period, backdrop, fault, fps, size, seed)
                rendered[key] = clip
        target = Path(port).parent
        for path in clip.iterdir():
            shutil.copyfile(path, target / path.name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulator, "_write_clip", write_clip_once)
        yield


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
