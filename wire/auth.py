"""Request authentication: every request is signed by the station's Ed25519 key, once.

The signed message (protocol v2, docs/sync-protocol.md "Requests") covers the method,
the path, the station, the date, a fresh nonce, the body's SHA-256 and every header
that changes what a request does (`SIGNED_HEADERS`; an absent one is signed as empty,
so a man in the middle can neither change nor add one). Traps:
- The signature covers the *declared* body hash (`X-Content-SHA256`), so the centre
  verifies the whole signature from the headers alone, before it reads one byte of
  the body (`verify_headers`), and then checks the body against it (`check_body`).
  An unauthenticated client can therefore never make the centre buffer a body.
- The nonce makes every request unique; the centre remembers each one for the skew
  window and refuses a repeat (`auth.replay`). That bookkeeping is the centre's: it
  needs storage that all its nodes share, which this module does not own.
- Every header is checked for form before anything is looked up or parsed, so hostile
  input is an AuthFailure with a code, never a ValueError deep in base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PROTOCOL = "ektp-sync/2"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
HEADERS = ("X-Station", "X-Date", "X-Nonce", "X-Content-SHA256", "X-Signature")
# Headers that change what a request does; signed by name, in this order, absent = "".
SIGNED_HEADERS = (
    "content-type",
    "tus-resumable",
    "upload-offset",
    "upload-length",
    "upload-checksum",
    "upload-commit",
    "upload-commit-after",
)
MAX_HEADER_VALUE = 200  # every signed header is short; a longer one is refused unread
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
SHA256_HEX_RE = re.compile(r"^[0-9a-f]{64}$")
STATION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class AuthFailure(Exception):
    """Why a request is not authentic; `code` is one of the auth.* codes of the contract."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class SignedRequest:
    """What a verified signature vouches for: who, when, which nonce, which body."""

    station: str
    date: datetime
    nonce: str
    body_sha256: str


def canonical_request(
    method: str, path: str, *, station: str, date: str, nonce: str, body_sha256: str, headers: Mapping[str, str]
) -> bytes:
    """The exact bytes that are signed: one field a line, signed headers by name."""
    lower = {k.lower(): v for k, v in headers.items()}
    lines = [PROTOCOL, method.upper(), path, station, date, nonce, body_sha256]
    lines += [f"{name}:{str(lower.get(name, '')).strip()}" for name in SIGNED_HEADERS]
    return "\n".join(lines).encode()


def new_nonce() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits, 24 characters


def sign_headers(
    method: str,
    path: str,
    body: bytes,
    *,
    station: str,
    key: Ed25519PrivateKey,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The authentication headers for a request that also carries `headers` (which are
    signed as they are, so pass exactly the ones that will be sent)."""
    date = (now or datetime.now(UTC)).strftime(DATE_FORMAT)
    digest = hashlib.sha256(body).hexdigest()
    nonce = nonce or new_nonce()
    message = canonical_request(
        method, path, station=station, date=date, nonce=nonce, body_sha256=digest, headers=headers or {}
    )
    return {
        "X-Station": station,
        "X-Date": date,
        "X-Nonce": nonce,
        "X-Content-SHA256": digest,
        "X-Signature": base64.b64encode(key.sign(message)).decode(),
    }


def verify_headers(
    method: str,
    path: str,
    headers: Mapping[str, str],
    *,
    public_key_for: Callable[[str], Ed25519PublicKey | None],
    now: datetime | None = None,
    skew_s: float = 300.0,
) -> SignedRequest:
    """Verify a request's signature from its headers alone (the body is not needed yet).

    Checks, cheapest first: every header present and of its form, the clock, the
    station known, the signature. The caller must still check the nonce is fresh and,
    once read, the body (`check_body`)."""
    lower = {k.lower(): v for k, v in headers.items()}
    values = [lower.get(h.lower()) for h in HEADERS]
    if any(v is None for v in values):
        raise AuthFailure(
            "auth.missing_headers", "X-Station, X-Date, X-Nonce, X-Content-SHA256 and X-Signature are required"
        )
    station, date, nonce, digest, signature = (str(v).strip() for v in values)
    if not STATION_RE.match(station):
        raise AuthFailure("auth.missing_headers", "X-Station is not a station code")
    if not DATE_RE.match(date):
        raise AuthFailure("auth.missing_headers", "X-Date is not YYYY-MM-DDTHH:MM:SSZ")
    if not NONCE_RE.match(nonce):
        raise AuthFailure("auth.missing_headers", "X-Nonce must be 22 to 64 characters of A-Z a-z 0-9 _ -")
    if not SHA256_HEX_RE.match(digest):
        raise AuthFailure("auth.missing_headers", "X-Content-SHA256 is not 64 lowercase hex digits")
    for name in SIGNED_HEADERS:
        if len(str(lower.get(name, ""))) > MAX_HEADER_VALUE:
            raise AuthFailure("auth.missing_headers", f"{name} is longer than {MAX_HEADER_VALUE} characters")
    try:
        raw_signature = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise AuthFailure("auth.bad_signature", "X-Signature is not base64") from None
    if len(raw_signature) != 64:
        raise AuthFailure("auth.bad_signature", "X-Signature is not an Ed25519 signature")
    try:
        sent = datetime.strptime(date, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise AuthFailure("auth.missing_headers", "X-Date is not a real date") from None
    skew = abs(((now or datetime.now(UTC)) - sent).total_seconds())
    if skew > skew_s:
        raise AuthFailure("auth.clock_skew", f"the station clock is {skew:.0f} s off (limit {skew_s:.0f} s)")
    key = public_key_for(station)
    if key is None:
        raise AuthFailure("auth.unknown_station", f"station {station} is not registered at this centre")
    message = canonical_request(
        method, path, station=station, date=date, nonce=nonce, body_sha256=digest, headers=lower
    )
    try:
        key.verify(raw_signature, message)
    except InvalidSignature:
        raise AuthFailure("auth.bad_signature", "the request signature does not verify") from None
    return SignedRequest(station, sent, nonce, digest)


def check_body(signed: SignedRequest, body: bytes) -> None:
    """The body read after `verify_headers` must be the one the signature names."""
    if hashlib.sha256(body).hexdigest() != signed.body_sha256:
        raise AuthFailure("auth.body_hash", "the body does not match X-Content-SHA256")


def verify(
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    public_key_for: Callable[[str], Ed25519PublicKey | None],
    now: datetime | None = None,
    skew_s: float = 300.0,
) -> SignedRequest:
    """`verify_headers` and `check_body` in one call, for a body already in hand. The
    nonce's freshness is still the caller's to check."""
    signed = verify_headers(method, path, headers, public_key_for=public_key_for, now=now, skew_s=skew_s)
    check_body(signed, body)
    return signed
