"""Settings of one receiver: where its data lives and the limits it enforces.

Trap: the data directory holds the centre's private X25519 key. A typo in
CENTRAL_HOME must not quietly make a new key (stations would encrypt to the wrong
centre), so only `init` and `serve` create one; every other command refuses an
uninitialised home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 8700
DEFAULT_SKEW_S = 300.0
DEFAULT_DOWNSTREAM_DELAY_S = 5.0
DEFAULT_MAX_PACKET_SIZE = 5 * 1024 * 1024
DB_FILE = "central.db"


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
