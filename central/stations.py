"""The registry of stations: code, name, and the Ed25519 key that signs their requests and packets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from central.db import read, stations, write
from wire.keys import load_ed25519_public

STATION_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


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


@lru_cache(maxsize=1024)
def _parse_key(pem: str) -> Ed25519PublicKey:
    return load_ed25519_public(pem.encode())


def add_station(engine: Engine, code: str, pem: bytes, *, name: str, now: datetime) -> StationInfo:
    if not valid_code(code):
        raise StationError(f"station code {code!r} is not valid (letters, digits, '.', '_', '-'; at most 64)")
    try:
        text = pem.decode("ascii")
        _parse_key(text)
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


def public_key_for(engine: Engine, code: str) -> Ed25519PublicKey | None:
    """The registered key of a station, or None: what wire.auth.verify asks for."""
    if not valid_code(code):
        return None
    with read(engine) as conn:
        pem = conn.execute(select(stations.c.public_key_pem).where(stations.c.code == code)).scalar_one_or_none()
    return None if pem is None else _parse_key(pem)
