"""Settings of one receiver: where its data lives and the limits it enforces.

Traps:
- The data directory holds the centre's private X25519 key. A typo in CENTRAL_HOME
  must not quietly make a new key (stations would encrypt to the wrong centre), so
  only `init` and `serve` create one; every other command refuses an uninitialised home.
- The admission limits (docs/sync-protocol.md "Admission") only hold together: a
  station's in-flight cap below the largest request it may send would refuse that
  request for ever, so `Settings` refuses such a combination when it is made.
- The work limits are per `serve` process (central.gate): `work_slots` requests do
  database work at once, `max_sessions` stations are being served at once. The
  default slot count follows the cores and stays under the database pool (5 + 10
  connections per engine), so no admitted request waits for a connection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 8700
DEFAULT_SKEW_S = 300.0
DEFAULT_DOWNSTREAM_DELAY_S = 5.0
DEFAULT_MAX_PACKET_SIZE = 5 * 1024 * 1024
DEFAULT_MAX_JSON_SIZE = 4 * 1024 * 1024
DEFAULT_BODY_TIMEOUT_S = 30.0
DEFAULT_BODY_IDLE_TIMEOUT_S = 10.0
DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_MAX_CONNECTIONS = 1000
DB_POOL_CONNECTIONS = 15  # SQLAlchemy's default pool: 5 kept + 10 overflow, per engine
DEFAULT_MAX_INFLIGHT_BYTES = 128 * 1024 * 1024
DEFAULT_MAX_INFLIGHT_BYTES_PER_STATION = 16 * 1024 * 1024
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
DB_FILE = "central.db"


def default_work_slots() -> int:
    """Two per core, at least 4, and fewer than the database pool's connections."""
    return max(4, min(DB_POOL_CONNECTIONS - 3, 2 * (os.cpu_count() or 1)))


def default_home() -> Path:
    env = os.environ.get("CENTRAL_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "ektp-central"


def normalise_db_url(url: str) -> str:
    """Point a bare postgresql:// URL at psycopg 3 (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    """Everything a receiver needs; `db_url=None` means the SQLite file in the home."""

    home: Path = field(default_factory=default_home)
    db_url: str | None = None
    skew_s: float = DEFAULT_SKEW_S
    downstream_delay_s: float = DEFAULT_DOWNSTREAM_DELAY_S
    max_packet_size: int = DEFAULT_MAX_PACKET_SIZE
    lock_timeout_s: float = 15.0
    # Admission: what one request, one station and everyone together may hold.
    max_json_size: int = DEFAULT_MAX_JSON_SIZE
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S  # the whole body, from the first byte asked for
    body_idle_timeout_s: float = DEFAULT_BODY_IDLE_TIMEOUT_S  # any one wait for more body bytes
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S  # a connection's request head, once it starts
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_inflight_bytes: int = DEFAULT_MAX_INFLIGHT_BYTES
    max_inflight_bytes_per_station: int = DEFAULT_MAX_INFLIGHT_BYTES_PER_STATION
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    # Work in flight (central.gate): requests doing database work, stations being served.
    work_slots: int = field(default_factory=default_work_slots)
    slot_wait_s: float = 5.0  # longest an admitted request waits for a work slot (under a client read timeout)
    max_sessions: int = 128  # stations served at once; more wait in order (503 + Retry-After)
    session_records: int = 2  # records a station commits per turn while others wait
    session_min_s: float = 2.0  # shortest turn (Retry-After counts whole seconds)
    session_max_s: float = 60.0  # longest turn while others wait
    session_idle_s: float = 3.0  # a station silent this long has ended its turn
    max_waiters: int = 5000  # stations remembered in the waiting list
    max_retry_after_s: int = 60
    # Processes whose waiting lines are one line (queue tickets carry places between them):
    # `serve --workers N` sets N. Each one's list then holds nearly every waiting station
    # while it serves 1/N of the turns, so a place counts for 1/N in its Retry-After.
    line_shared_by: int = 1

    def __post_init__(self) -> None:
        largest = max(self.max_packet_size, self.max_json_size)
        if self.max_inflight_bytes_per_station < largest:
            raise ValueError(
                f"the in-flight cap per station ({self.max_inflight_bytes_per_station} bytes) is below "
                f"the largest request body ({largest} bytes)"
            )
        if self.max_inflight_bytes < self.max_inflight_bytes_per_station:
            raise ValueError("the total in-flight cap is below the cap per station")
        for name in ("body_timeout_s", "body_idle_timeout_s", "header_timeout_s", "skew_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if self.max_connections < 1 or self.max_header_bytes < 1024:
            raise ValueError("max_connections must be at least 1 and max_header_bytes at least 1024")
        for name in (
            "work_slots",
            "max_sessions",
            "session_records",
            "max_waiters",
            "max_retry_after_s",
            "line_shared_by",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("slot_wait_s", "session_max_s", "session_idle_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if not 0 <= self.session_min_s <= self.session_max_s:
            raise ValueError("session_min_s must be from 0 to session_max_s")

    @classmethod
    def from_env(cls, *, home: Path | None = None, db_url: str | None = None) -> Settings:
        """Settings from arguments first, then CENTRAL_HOME / CENTRAL_DB_URL, then defaults."""
        url = db_url or os.environ.get("CENTRAL_DB_URL") or None
        return cls(home=(home or default_home()).expanduser(), db_url=url)

    @property
    def database_url(self) -> str:
        if self.db_url:
            return normalise_db_url(self.db_url)
        return f"sqlite:///{self.home.resolve() / DB_FILE}"
