"""The station's core objects, opened once per process: data directory, config,
store, data key, repositories and login.

Layout of the data directory (STATION_HOME):
    station.toml        configuration (no secrets)
    station.db          SQLite store (WAL: also station.db-wal, station.db-shm)
    keys/data.key       AES-256 data key, owner-only: back it up
    keys/station_ed25519.key   the station's signing key (its public half is registered at the centre)
    keys/central_x25519.pub    the centre's packet key (public), when a centre is configured
    packets/            one signed, encrypted packet per sealed record, until retention removes it
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from common.errors import StorageError, ValidationError
from common.text import Text
from station.auth import Auth
from station.config import StationConfig, data_dir, load_config, save_config
from station.events import Change, Notifier
from store import audit
from store.crypto import DataKey, create_key_file, load_key_file
from store.db import Database
from store.enrollments import EnrollmentRepository, SealHook
from store.models import Station as StationRow
from store.records import EnrollmentData, SealResult
from store.states import RecordState
from store.ticket_seal import serve_ticket_on_seal
from store.types import utcnow

log = logging.getLogger(__name__)

DB_FILE = "station.db"
KEY_FILE = Path("keys") / "data.key"
STATION_CODE_RE = re.compile(r"^\d{6}-\d{2}$")
# Rough size of one sealed enrollment on disk (items, packet, indexes, WAL headroom),
# used to turn free disk into "enough for about N more enrollments".
BYTES_PER_ENROLLMENT = 200_000


@dataclass(frozen=True)
class StationInfo:
    code: str
    name: str


def check_station_code(code: str) -> None:
    if not STATION_CODE_RE.match(code):
        raise ValidationError(
            Text(
                "Kode stasiun: kode kecamatan 6 angka, tanda hubung, nomor loket 2 angka (contoh 320412-01).",
                "Station code: the 6-digit kecamatan code, a hyphen, the 2-digit counter number (e.g. 320412-01).",
            ),
            field="station_code",
        )


class _AnnouncedSeals(EnrollmentRepository):
    """The store's enrollments, announcing every seal (`Change.SEALED`) after its
    transaction committed: the one place every seal passes (the wizard's workflow, the
    CLI, the synthetic loads), so no caller can forget to tell the screens."""

    def __init__(
        self,
        db: Database,
        key: DataKey,
        *,
        seal_hooks: list[SealHook],
        events: Notifier,
        sealed_state: Callable[[], RecordState],
    ) -> None:
        super().__init__(db, key, seal_hooks=seal_hooks, sealed_state=sealed_state)
        self.events = events

    def seal_many(
        self, batch: Iterable[EnrollmentData], *, actor: str, hooks: Sequence[SealHook] = ()
    ) -> list[SealResult]:
        results = super().seal_many(batch, actor=actor, hooks=hooks)
        if len(results) == 1:
            self.events.notify(Change.SEALED, Change.AUDIT, record_uuid=results[0].uuid)
        elif results:  # a bulk load: one notification, not thousands
            self.events.notify(Change.SEALED, Change.AUDIT)
        return results


class StationCore:
    def __init__(self, home: Path, config: StationConfig, db: Database, key: DataKey) -> None:
        self.home = home
        self.config = config
        self.db = db
        self.key = key
        # What the core changed, for screens that listen instead of polling (station.events).
        self.events = Notifier()
        from station.sync.packets import PacketWriter

        # Every seal writes the record's packet inside the same transaction, and is
        # announced once it has committed.
        self.enrollments: EnrollmentRepository = _AnnouncedSeals(
            db,
            key,
            seal_hooks=[PacketWriter(home), serve_ticket_on_seal],
            events=self.events,
            sealed_state=self._sealed_state,
        )
        self.auth = Auth(db, config.security, is_demo=lambda: self.config.demo)

    def _sealed_state(self) -> RecordState:
        """PENDING_APPROVAL while end-of-day approval is on (station.approval), else SEALED."""
        return RecordState.PENDING_APPROVAL if self.config.supervisor_approval else RecordState.SEALED

    @staticmethod
    def is_initialised(home: Path | None = None) -> bool:
        home = home or data_dir()
        return (home / DB_FILE).exists() and (home / KEY_FILE).exists()

    @classmethod
    def open(cls, home: Path | None = None) -> StationCore:
        home = home or data_dir()
        if not cls.is_initialised(home):
            raise StorageError(
                Text(
                    f"Stasiun belum diinisialisasi di {home}. Jalankan: station init",
                    f"No station is set up in {home}. Run: station init",
                ),
                code="storage.not_initialised",
            )
        config = load_config(home)
        key = load_key_file(home / KEY_FILE)
        db = Database(home / DB_FILE)
        db.open()
        return cls(home, config, db, key)

    @classmethod
    def init(
        cls,
        *,
        station_code: str,
        station_name: str,
        supervisor: str,
        supervisor_name: str,
        password: str,
        home: Path | None = None,
        config: StationConfig | None = None,
    ) -> StationCore:
        """Create the data directory, keys, database and the first supervisor; never twice."""
        home = home or data_dir()
        check_station_code(station_code)
        if not station_name.strip():
            raise ValidationError(
                Text("Nama stasiun wajib diisi.", "The station name is required."), field="station_name"
            )
        if (home / DB_FILE).exists() or (home / KEY_FILE).exists():
            raise StorageError(
                Text(
                    f"Stasiun sudah diinisialisasi di {home}; init tidak dijalankan dua kali.",
                    f"A station is already set up in {home}; init does not run twice.",
                ),
                code="storage.already_initialised",
            )
        from station.auth import check_password, check_username

        check_username(supervisor)
        check_password(password)
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(home, 0o700)
        created_key = False
        try:
            key = create_key_file(home / KEY_FILE)
            created_key = True
            config = config or StationConfig()
            save_config(config, home)
            db = Database(home / DB_FILE)
            db.open()
            with db.write() as session:
                session.add(
                    StationRow(id=1, code=station_code, name=station_name.strip(), created_at=utcnow(), next_seq=1)
                )
                audit.append(session, "station_init", actor=supervisor, target=station_code)
            core = cls(home, config, db, key)
            core.auth.create_first_supervisor(supervisor, supervisor_name, password)
            return core
        except BaseException:
            # A half-made station would make init refuse forever: remove what we made.
            if created_key:
                (home / KEY_FILE).unlink(missing_ok=True)
            for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
                (home / name).unlink(missing_ok=True)
            raise

    def station(self) -> StationInfo:
        with self.db.read() as session:
            row = session.get(StationRow, 1)
            assert row is not None
            return StationInfo(row.code, row.name)

    def disk_free_bytes(self) -> int:
        return shutil.disk_usage(self.home).free

    def enrollments_room(self) -> int:
        """About how many more enrollments the free disk holds."""
        return self.disk_free_bytes() // BYTES_PER_ENROLLMENT

    def close(self) -> None:
        self.db.close()
