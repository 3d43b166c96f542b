"""Request authentication: every request is signed by the station's Ed25519 key.

The signature covers the method, the path, the date and the body's SHA-256, so a
request cannot be replayed against another path or with another body, and the date
bounds replays in time (the centre refuses a clock skew beyond its window, with
its own code, so the station can say "fix the clock" rather than "no connection").
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
HEADERS = ("X-Station", "X-Date", "X-Content-SHA256", "X-Signature")


class AuthFailure(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _message(method: str, path: str, date: str, body_sha256: str) -> bytes:
    return f"{method.upper()}\n{path}\n{date}\n{body_sha256}".encode()


def sign_headers(
    method: str, path: str, body: bytes, *, station: str, key: Ed25519PrivateKey, now: datetime | None = None
) -> dict[str, str]:
    date = (now or datetime.now(UTC)).strftime(DATE_FORMAT)
    digest = hashlib.sha256(body).hexdigest()
    return {
        "X-Station": station,
        "X-Date": date,
        "X-Content-SHA256": digest,
        "X-Signature": base64.b64encode(key.sign(_message(method, path, date, digest))).decode(),
    }


def verify(
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    public_key_for: Callable[[str], Ed25519PublicKey | None],
    now: datetime | None = None,
    skew_s: float = 300.0,
) -> str:
    """Return the authenticated station code, or raise AuthFailure naming why not."""
    lower = {k.lower(): v for k, v in headers.items()}
    values = [lower.get(h.lower()) for h in HEADERS]
    if any(v is None for v in values):
        raise AuthFailure("auth.missing_headers", "X-Station, X-Date, X-Content-SHA256 and X-Signature are required")
    station, date, digest, signature = (str(v) for v in values)
    key = public_key_for(station)
    if key is None:
        raise AuthFailure("auth.unknown_station", f"station {station} is not registered at this centre")
    if hashlib.sha256(body).hexdigest() != digest:
        raise AuthFailure("auth.body_hash", "the body does not match X-Content-SHA256")
    try:
        key.verify(base64.b64decode(signature, validate=True), _message(method, path, date, digest))
    except (InvalidSignature, ValueError):
        raise AuthFailure("auth.bad_signature", "the request signature does not verify") from None
    try:
        sent = datetime.strptime(date, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise AuthFailure("auth.missing_headers", "X-Date is not YYYY-MM-DDTHH:MM:SSZ") from None
    skew = abs(((now or datetime.now(UTC)) - sent).total_seconds())
    if skew > skew_s:
        raise AuthFailure("auth.clock_skew", f"the station clock is {skew:.0f} s off (limit {skew_s:.0f} s)")
    return station
