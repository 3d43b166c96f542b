"""The centre's data is owner-only whatever existed before: the home and keys/ 0700;
the keys and the SQLite database with its -wal/-shm 0600. Checked on a home that was
left 0755/0644. Packet bytes live in the database (schema 3): the home holds no spool."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from central.cli import main
from central.receiver import Receiver
from central.settings import Settings
from central.stations import add_station
from tests.central.support import FakeClock, FakeStation
from tests.central.trust_support import upload
from wire.keys import public_pem

DIRS = ("", "keys")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _loosen(home: Path) -> None:
    """What an older centre, a copy or a careless admin leaves: everything world-readable."""
    for name in DIRS:
        (home / name).mkdir(parents=True, exist_ok=True)
        os.chmod(home / name, 0o755)
    (home / "keys" / "old").mkdir(exist_ok=True)
    os.chmod(home / "keys" / "old", 0o755)
    for key in (home / "keys").iterdir():
        os.chmod(key, 0o644)
    db = home / "central.db"
    sqlite3.connect(db).close()
    os.chmod(db, 0o644)


def _assert_private(home: Path) -> None:
    for name in DIRS:
        assert _mode(home / name) == 0o700, name or "home"
    assert _mode(home / "keys" / "old") == 0o700
    keys = sorted(k for k in (home / "keys").iterdir() if k.is_file())
    assert [k.name for k in keys] == ["central_receipt_ed25519.key", "central_x25519.key", "nik_hmac.key"]
    assert all(_mode(k) == 0o600 for k in keys)
    for suffix in ("", "-wal", "-shm"):
        db = home / f"central.db{suffix}"
        if db.exists():
            assert _mode(db) == 0o600, db.name


def test_a_loose_home_and_database_are_tightened_when_the_receiver_starts(tmp_path: Path) -> None:
    home = tmp_path / "centre"
    Receiver(Settings(home=home)).close()
    _loosen(home)
    assert _mode(home / "central.db") == 0o644 and _mode(home / "keys") == 0o755
    receiver = Receiver(Settings(home=home, downstream_delay_s=0), clock=FakeClock())
    try:
        _assert_private(home)
        assert (home / "central.db-wal").exists()  # WAL files are created with the database's mode
        station = FakeStation("329104-01", receiver.keys.packet_key.public_key())
        add_station(receiver.engine, station.code, public_pem(station.key), name="", now=receiver.clock())
        p = station.packet(1)
        upload(receiver, station.code, p)
        assert receiver.packet_bytes(station.code, p.record_uuid) == p.blob
        assert sorted(path.name for path in home.iterdir()) == [
            "central.db",
            "central.db-shm",
            "central.db-wal",
            "keys",
        ]
        _assert_private(home)
    finally:
        receiver.close()


@pytest.mark.parametrize("command", ["init", "report"])
def test_init_and_every_command_tighten_a_loose_home(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "centre"
    assert main(["init", "--home", str(home)]) == 0
    _loosen(home)
    assert main([command, "--home", str(home)]) == 0
    capsys.readouterr()
    _assert_private(home)


def test_a_new_database_is_never_world_readable(tmp_path: Path) -> None:
    """Created 0600 before SQLite opens it, also outside the home (--db)."""
    old = os.umask(0o022)
    try:
        receiver = Receiver(Settings(home=tmp_path / "centre", db_url=f"sqlite:///{tmp_path / 'elsewhere.db'}"))
        receiver.close()
    finally:
        os.umask(old)
    assert _mode(tmp_path / "elsewhere.db") == 0o600
    assert _mode(tmp_path / "centre") == 0o700
