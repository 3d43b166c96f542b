"""Signed verdicts: the centre's word that a record is received or rejected, verifiable.

A station deletes a packet file and stops resending a record only on the centre's
word, so that word must be the centre's: anything that answers at the central URL (a
spoofed name, a rogue gateway, a captive portal) could otherwise make a station drop
records. Every answer that claims a record is received or rejected therefore carries
a *verdict*, signed by the centre's Ed25519 receipt key over everything that
identifies the record and the outcome:

    statement = {"v": 1, "state": "received" | "rejected" | "withdrawn", "station", "record_uuid",
                 "station_seq", "sha256", "receipt_id", "server_seq", "received_at",
                 "reason", "downstream"}          (every key present; null where none)
    signature = Ed25519(receipt key, b"ektp-verdict v1\\n" + canonical(statement))
    verdict   = statement + {"signature": base64(signature)}

Traps:
- `sha256` is the packet hash the verdict is about. For a receipt it is the hash the
  centre holds; for a refusal of a hash the centre does not hold (record.hash_conflict)
  it is the hash the station claimed, so the station can match it to its own packet.
- A verdict is a statement of fact, not an instruction: replaying an old one for the
  same record says nothing new, and it cannot be moved to another record, station,
  sequence number or packet, because the station checks each of those against its own.
- `withdrawn` (the station's withdrawal of a record its supervisor rejected, accepted
  by the centre): like a refusal it has `reason` (the supervisor's reason code) and no
  receipt; `sha256` is the hash of the packet the station holds and never sent.
- The reconcile answer's watermark and gaps are signed the same way (`sign_ledger`),
  with the time they were computed, so a forged "all received" view is refused too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wire.canonical import canonical, canonical_uuid
from wire.states import DOWNSTREAM_VALUES, LedgerState

VERSION = 1
RECEIVED, REJECTED = LedgerState.RECEIVED, LedgerState.REJECTED  # the states a verdict may state
WITHDRAWN = LedgerState.WITHDRAWN
DOWNSTREAM = DOWNSTREAM_VALUES
VERDICT_DOMAIN = b"ektp-verdict v1\n"
LEDGER_DOMAIN = b"ektp-ledger v1\n"
STATEMENT_KEYS = (
    "v",
    "state",
    "station",
    "record_uuid",
    "station_seq",
    "sha256",
    "receipt_id",
    "server_seq",
    "received_at",
    "reason",
    "downstream",
)
MAX_TEXT = 200
MAX_GAPS = 10_000


class UntrustedAnswer(Exception):
    """An answer that claims something about a record but does not prove it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Verdict:
    state: str
    station: str
    record_uuid: str
    station_seq: int
    sha256: str
    receipt_id: str | None
    server_seq: int | None
    received_at: str | None
    reason: str | None
    downstream: str | None
    signature: str

    def as_dict(self) -> dict[str, Any]:
        """The verdict as it travels and as the station stores it (receipt_proof)."""
        return {**_statement(self), "signature": self.signature}


def _statement(v: Verdict | dict[str, Any]) -> dict[str, Any]:
    get = v.get if isinstance(v, dict) else (lambda k: getattr(v, k))
    out = {k: get(k) for k in STATEMENT_KEYS if k != "v"}
    out["v"] = VERSION
    return out


def sign_verdict(
    key: Ed25519PrivateKey,
    *,
    state: str,
    station: str,
    record_uuid: str,
    station_seq: int,
    sha256: str,
    receipt_id: str | None = None,
    server_seq: int | None = None,
    received_at: str | None = None,
    reason: str | None = None,
    downstream: str | None = None,
) -> dict[str, Any]:
    """The centre's signed verdict, as a JSON-ready dict."""
    statement = {
        "v": VERSION,
        "state": state,
        "station": station,
        "record_uuid": canonical_uuid(record_uuid),
        "station_seq": station_seq,
        "sha256": sha256,
        "receipt_id": receipt_id,
        "server_seq": server_seq,
        "received_at": received_at,
        "reason": reason,
        "downstream": downstream,
    }
    signature = key.sign(VERDICT_DOMAIN + canonical(statement))
    return {**statement, "signature": base64.b64encode(signature).decode()}


def _text(value: Any, name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise UntrustedAnswer(f"verdict field {name} is missing or malformed")
    return value


def _int(value: Any, name: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UntrustedAnswer(f"verdict field {name} is missing or malformed")
    return value


def _check_signature(public: Ed25519PublicKey, domain: bytes, statement: dict[str, Any], signature: Any) -> None:
    if not isinstance(signature, str) or len(signature) > 100:
        raise UntrustedAnswer("the answer carries no signature")
    try:
        raw = base64.b64decode(signature, validate=True)
        public.verify(raw, domain + canonical(statement))
    except (binascii.Error, ValueError, InvalidSignature):
        raise UntrustedAnswer("the centre's signature does not verify (not our centre, or altered)") from None


def verify_verdict(
    public: Ed25519PublicKey,
    answer: Any,
    *,
    station: str,
    record_uuid: str,
    station_seq: int,
    sha256: str,
    state: str | None = None,
) -> Verdict:
    """Check a verdict from the centre against the record the station holds.

    Raises UntrustedAnswer unless the signature verifies under the centre's receipt key
    and the verdict is about exactly this station, record, sequence number and packet
    hash (and, when `state` is given, says that state)."""
    if not isinstance(answer, dict):
        raise UntrustedAnswer("the answer carries no verdict")
    unknown = set(answer) - set(STATEMENT_KEYS) - {"signature"}
    if unknown or any(k not in answer for k in STATEMENT_KEYS):
        raise UntrustedAnswer("the verdict does not have the contract's fields")
    if answer["v"] != VERSION:
        raise UntrustedAnswer("unknown verdict version")
    got_state = answer["state"]
    if got_state not in (RECEIVED, REJECTED, WITHDRAWN):
        raise UntrustedAnswer("the verdict's state is not received, rejected or withdrawn")
    statement = {k: answer[k] for k in STATEMENT_KEYS}
    _check_signature(public, VERDICT_DOMAIN, statement, answer.get("signature"))
    # The signature is good: now the verdict must be about *our* record.
    expected = (station, canonical_uuid(record_uuid), station_seq, sha256)
    got = (answer["station"], answer["record_uuid"], answer["station_seq"], answer["sha256"])
    if got != expected:
        raise UntrustedAnswer("the verdict is about another station, record, sequence number or packet")
    if state is not None and got_state != state:
        raise UntrustedAnswer(f"the verdict says {got_state}, the answer claims {state}")
    if got_state == RECEIVED:
        receipt_id = _text(answer["receipt_id"], "receipt_id")
        server_seq = _int(answer["server_seq"], "server_seq")
        received_at = _text(answer["received_at"], "received_at")
        reason = None
    else:
        receipt_id, server_seq, received_at = None, None, None
        reason = _text(answer["reason"], "reason")
    downstream = answer["downstream"]
    if downstream not in DOWNSTREAM or (downstream is not None and got_state != RECEIVED):
        raise UntrustedAnswer("the verdict's downstream status is not one of the contract's")
    return Verdict(
        got_state,
        station,
        canonical_uuid(record_uuid),
        station_seq,
        sha256,
        receipt_id,
        server_seq,
        received_at,
        reason,
        downstream,
        str(answer["signature"]),
    )


def sign_ledger(key: Ed25519PrivateKey, *, station: str, watermark: int, gaps: list[int], at: str) -> str:
    """The signature (base64) over a station's watermark and gaps at a time."""
    statement = {"v": VERSION, "station": station, "watermark": watermark, "gaps": gaps, "at": at}
    return base64.b64encode(key.sign(LEDGER_DOMAIN + canonical(statement))).decode()


def verify_ledger(public: Ed25519PublicKey, answer: Any, *, station: str) -> tuple[int, list[int]]:
    """(watermark, gaps) from a reconcile answer whose `ledger_signature` verifies."""
    if not isinstance(answer, dict):
        raise UntrustedAnswer("the reconcile answer is not an object")
    watermark, gaps, at = answer.get("watermark"), answer.get("gaps"), answer.get("at")
    if not isinstance(watermark, int) or isinstance(watermark, bool) or watermark < 0:
        raise UntrustedAnswer("the reconcile answer's watermark is malformed")
    if (
        not isinstance(gaps, list)
        or len(gaps) > MAX_GAPS
        or not all(isinstance(g, int) and not isinstance(g, bool) and g > 0 for g in gaps)
    ):
        raise UntrustedAnswer("the reconcile answer's gaps are malformed")
    _text(at, "at")
    statement = {"v": VERSION, "station": station, "watermark": watermark, "gaps": gaps, "at": at}
    _check_signature(public, LEDGER_DOMAIN, statement, answer.get("ledger_signature"))
    return watermark, gaps
