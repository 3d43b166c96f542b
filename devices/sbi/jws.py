"""Compact JWS (RFC 7515) as SBI devices sign them, checked against a trust store.

An SBI device signs `deviceInfo`, `digitalId` and every capture's `data` as
``base64url(header).base64url(payload).base64url(signature)``. The header carries the
signing certificate in `x5c` (standard base64 DER, leaf first); MOSIP's client
accepts the signature only when that certificate chains to a device-CA certificate it
trusts. We do the same with a `TrustStore`: a set of PEM certificates that are either
the signing certificates themselves or the CAs that issued them.

Accepted algorithms: RS256 (RSA >= 2048, what MOSIP's devices and mock use) and
EdDSA (Ed25519, the spec's other choice). "none" and everything else is refused.

Traps:
- the signed bytes are the two base64url parts exactly as received, never a
  re-encoding of the parsed JSON;
- base64url in JWS has no padding; `x5c` is standard base64 with padding;
- a chain check needs the time: an expired device certificate is refused by name;
- every size is bounded before decoding (a JWT carries whole ISO images).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from wire.canonical import JsonRefused, parse_json

log = logging.getLogger(__name__)

MAX_JWS_BYTES = 8 * 1024 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_CHAIN = 4
MAX_TRUST_FILES = 64
MAX_TRUST_FILE_BYTES = 64 * 1024
MIN_RSA_BITS = 2048


class JwsError(Exception):
    """A token that is malformed (`reason` "malformed"), badly signed ("signature") or
    signed by a certificate the trust store does not accept ("untrusted", "expired")."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def b64url_decode(text: str, *, max_bytes: int = MAX_JWS_BYTES) -> bytes:
    if not isinstance(text, str) or len(text) > max_bytes * 4 // 3 + 4:
        raise JwsError("malformed", "base64url part missing or too long")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwsError("malformed", "not base64url") from None


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_part(text: str, what: str, max_bytes: int) -> dict[str, Any]:
    try:
        value = parse_json(b64url_decode(text, max_bytes=max_bytes), max_bytes=max_bytes, max_depth=8)
    except JsonRefused as exc:
        raise JwsError("malformed", f"{what}: {exc.detail}") from None
    if not isinstance(value, dict):
        raise JwsError("malformed", f"{what} is not a JSON object")
    return value


@dataclass(frozen=True)
class VerifiedToken:
    header: dict[str, Any]
    payload: dict[str, Any]
    signer: x509.Certificate

    @property
    def signer_subject(self) -> str:
        return self.signer.subject.rfc4514_string()


def unverified_payload(token: str, *, max_bytes: int = MAX_JWS_BYTES) -> dict[str, Any]:
    """The payload of an unsigned SBI token (a lone base64url part, as an unregistered
    device sends) or of a signed one whose signature is NOT checked: for display only."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) == 1:
        return _json_part(parts[0], "payload", max_bytes)
    if len(parts) == 3:
        return _json_part(parts[1], "payload", max_bytes)
    raise JwsError("malformed", "neither a JWS nor a bare payload")


@dataclass
class TrustStore:
    """Certificates whose holders may sign SBI answers, or whose holders issued them.

    `label` says where the anchors came from (a directory, or the simulator's own
    certificate on a demo station) so a refusal can name the store it used."""

    anchors: list[x509.Certificate] = field(default_factory=list)
    label: str = "empty"

    @classmethod
    def from_pems(cls, pems: Iterable[bytes], label: str) -> TrustStore:
        certs: list[x509.Certificate] = []
        for pem in pems:
            certs.extend(x509.load_pem_x509_certificates(pem))
        return cls(certs, label)

    @classmethod
    def from_dir(cls, directory: Path) -> TrustStore:
        """Every *.pem / *.crt file in `directory` (bounded in count and size)."""
        pems: list[bytes] = []
        files = sorted(p for p in directory.iterdir() if p.suffix.lower() in (".pem", ".crt"))
        for path in files[:MAX_TRUST_FILES]:
            if path.stat().st_size <= MAX_TRUST_FILE_BYTES:
                pems.append(path.read_bytes())
            else:
                log.warning("trust store file %s is larger than %d bytes; skipped", path, MAX_TRUST_FILE_BYTES)
        return cls.from_pems(pems, str(directory))

    def _fingerprints(self) -> set[bytes]:
        return {c.fingerprint(hashes.SHA256()) for c in self.anchors}

    def check_chain(self, chain: Sequence[x509.Certificate], now: datetime | None = None) -> None:
        """Accept when some certificate of `chain` (leaf first, each issued by the next)
        is an anchor or is issued by one. Every certificate on the way must be valid now,
        and every issuer (anchor or intermediate) must be a CA."""
        now = now or datetime.now(UTC)
        trusted = self._fingerprints()
        for i, cert in enumerate(chain):
            if not _valid_at(cert, now):
                raise JwsError("expired", f"certificate {cert.subject.rfc4514_string()} is not valid now")
            if cert.fingerprint(hashes.SHA256()) in trusted:
                return
            if any(_issued_by(cert, anchor) and _valid_at(anchor, now) for anchor in self.anchors):
                return
            if i + 1 >= len(chain) or not _issued_by(cert, chain[i + 1]):
                break
        raise JwsError("untrusted", f"signer {chain[0].subject.rfc4514_string()} is not in trust store {self.label}")


def _valid_at(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """`issuer` is a CA whose key signed `cert` (names and signature checked)."""
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not constraints.ca:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chain_from_header(header: dict[str, Any]) -> list[x509.Certificate]:
    x5c = header.get("x5c")
    if isinstance(x5c, str):
        x5c = [x5c]
    if not isinstance(x5c, list) or not x5c or len(x5c) > MAX_CHAIN:
        raise JwsError("malformed", "header has no x5c certificate chain")
    chain: list[x509.Certificate] = []
    for item in x5c:
        if not isinstance(item, str) or len(item) > MAX_HEADER_BYTES:
            raise JwsError("malformed", "x5c entry is not a base64 certificate")
        try:
            chain.append(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)))
        except (binascii.Error, ValueError):
            raise JwsError("malformed", "x5c entry is not a DER certificate") from None
    return chain


def _verify_signature(alg: str, cert: x509.Certificate, signature: bytes, signed: bytes) -> None:
    key = cert.public_key()
    try:
        if alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
            if key.key_size < MIN_RSA_BITS:
                raise JwsError("untrusted", f"RSA key of {key.key_size} bits is too short")
            key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
            return
        if alg == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, signed)
            return
    except InvalidSignature:
        raise JwsError("signature", "the signature does not match the signed content") from None
    raise JwsError("malformed", f"algorithm {alg!r} with a {type(key).__name__} is not accepted")


def verify(token: str, trust: TrustStore, *, now: datetime | None = None) -> VerifiedToken:
    """Check a compact JWS: shape, algorithm, signature by the x5c leaf, leaf trusted."""
    if not isinstance(token, str) or len(token) > MAX_JWS_BYTES * 4 // 3 + 4:
        raise JwsError("malformed", "token missing or too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwsError("malformed", "unsigned" if len(parts) == 1 else "not three dot-separated parts")
    header = _json_part(parts[0], "header", MAX_HEADER_BYTES)
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise JwsError("malformed", "header has no alg")
    chain = _chain_from_header(header)
    signature = b64url_decode(parts[2], max_bytes=1024)
    _verify_signature(alg, chain[0], signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    trust.check_chain(chain, now)
    payload = _json_part(parts[1], "payload", MAX_JWS_BYTES)
    return VerifiedToken(header, payload, chain[0])


def sign(payload: dict[str, Any], key: rsa.RSAPrivateKey, cert: x509.Certificate) -> str:
    """RS256 compact JWS with the certificate in x5c (the simulator's side)."""
    header = {
        "alg": "RS256",
        "typ": "JWT",
        "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    head = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    body = b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
    signature = key.sign(f"{head}.{body}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url_encode(signature)}"
