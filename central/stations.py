"""The registry of stations: code, name, and the Ed25519 key that signs their requests and packets."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from central.db import read, stations, write
from wire.keys import load_ed25519_public

log = logging.getLogger(__name__)

STATION_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
KEY_CACHE_S = 60.0  # a station removed by hand stops being believed within this
MAX_KEYS = 100_000  # stations held in a process's key cache (the country has ~6,500 recording units)


class StationError(Exception):
    """A station that cannot be added (bad code, bad key, already registered)."""


@dataclass(frozen=True)
class StationInfo:
    code: str
    name: str
    added_at: datetime
    public_key_pem: str


def valid_code(code: str) -> bool:
    return bool(STATION_CODE_RE.match(code))


def add_station(engine: Engine, code: str, pem: bytes, *, name: str, now: datetime) -> StationInfo:
    if not valid_code(code):
        raise StationError(f"station code {code!r} is not valid (letters, digits, '.', '_', '-'; at most 64)")
    try:
        text = pem.decode("ascii")
        load_ed25519_public(pem)
    except (ValueError, UnicodeDecodeError):
        raise StationError("the public key file is not an Ed25519 public key in PEM (SubjectPublicKeyInfo)") from None
    try:
        with write(engine) as conn:
            conn.execute(insert(stations).values(code=code, name=name, public_key_pem=text, added_at=now))
    except IntegrityError:
        raise StationError(f"station {code} is already registered") from None
    return StationInfo(code, name, now, text)


def list_stations(engine: Engine) -> list[StationInfo]:
    with read(engine) as conn:
        rows = conn.execute(select(stations).order_by(stations.c.code)).all()
    return [StationInfo(r.code, r.name, r.added_at, r.public_key_pem) for r in rows]


class StationKeys:
    """Stations' public keys, cached per process, for every request's signature check
    and every packet's (the app and the Receiver share one).

    The whole registry is read in one query at most every KEY_CACHE_S, and a key is
    parsed again only when its PEM changed. Keys were cached one station at a time
    before, for 60 s in the app and 5 s in the Receiver, behind an LRU of 1,024 parsed
    keys: at three times the capacity (1,500 stations, each back every ~9 s) nearly
    every turn asked the database for its station's key and parsed the PEM again.
    Traps:
    - A station removed by hand stops being believed within KEY_CACHE_S: an entry is
      used only while its snapshot is that young, and a reload drops what it no
      longer finds.
    - A code not in the snapshot (a station added since, or an unknown one) is asked
      for alone, every time until found; an unknown code is never remembered.
    - Bounded: at most MAX_KEYS stations are read into the snapshot; past that a
      station is asked for alone, and remembered while there is room.
    - Thread-safe. `cached` never blocks; `lookup` may read the database (one thread
      reloads, the others wait for it)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._clock = clock
        self._keys: dict[str, tuple[float, str, Ed25519PublicKey]] = {}  # code -> (read at, pem, key)
        self._loaded_at = float("-inf")
        self._reload = threading.Lock()

    def cached(self, code: str) -> Ed25519PublicKey | None:
        found = self._keys.get(code)
        return found[2] if found is not None and self._clock() - found[0] < KEY_CACHE_S else None

    def lookup(self, code: str) -> Ed25519PublicKey | None:
        """The key of `code`, from the cache or the database (blocking)."""
        key = self.cached(code)
        if key is not None or not valid_code(code):
            return key
        if self._clock() - self._loaded_at >= KEY_CACHE_S:
            with self._reload:
                if self._clock() - self._loaded_at >= KEY_CACHE_S:
                    self._load_all()
            key = self.cached(code)
            if key is not None:
                return key
        with read(self._engine) as conn:
            pem = conn.execute(select(stations.c.public_key_pem).where(stations.c.code == code)).scalar_one_or_none()
        if pem is None:
            return None
        key = self._parsed(code, pem)
        if key is not None and len(self._keys) < MAX_KEYS + 1024:
            self._keys[code] = (self._clock(), pem, key)
        return key

    def _load_all(self) -> None:
        now = self._clock()
        query = select(stations.c.code, stations.c.public_key_pem).order_by(stations.c.code).limit(MAX_KEYS)
        with read(self._engine) as conn:
            rows = conn.execute(query).all()
        keys = {}
        for code, pem in rows:
            key = self._parsed(code, pem)
            if key is not None:
                keys[code] = (now, pem, key)
        self._keys, self._loaded_at = keys, now

    def _parsed(self, code: str, pem: str) -> Ed25519PublicKey | None:
        """`pem`'s key, parsed only if it is not the PEM already held for `code`; None
        (the station is then unknown) for a row that is not a key: it was checked when
        added, so the database was changed by other means."""
        held = self._keys.get(code)
        if held is not None and held[1] == pem:
            return held[2]
        try:
            return load_ed25519_public(pem.encode())
        except (ValueError, UnicodeEncodeError):
            log.warning("station %s: the stored public key is not an Ed25519 key in PEM; it is ignored", code)
            return None
