"""What the station believes from the centre, and the keys it believes it with.

The station marks a record RECEIVED or REJECTED, stops resending it and, later,
deletes its packet file only on the centre's *signed verdict* (wire.receipts), checked
here against the centre's Ed25519 receipt key and against the record the station
itself holds: its station code, UUID, station_seq and the SHA-256 of its own packet.
Anything that answers at the central URL (a spoofed name, a rogue gateway, a captive
portal) can send JSON; only the centre can sign it. So every answer that claims a
record's fate goes through `ReceiptVerifier.check`, and anything it refuses is
`sync.untrusted_answer`: the record stays pending and is asked about again.

Keys: `station central set --public-key FILE` installs the centre's bundle
(`station-central pubkey`: the X25519 packet key, then the Ed25519 receipt key) as two
files under keys/. A file with the packet key alone (protocol v1) installs that key
and leaves the station without a receipt key, so it cannot sync until the bundle is
installed (`sync.no_receipt_key`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from station.sync.errors import SyncError
from station.sync.packets import CENTRAL_KEY, write_atomically
from store.outbox import OutboxRecord
from wire.canonical import canonical
from wire.keys import load_central_bundle, load_ed25519_public, public_pem
from wire.receipts import UntrustedAnswer, Verdict, verify_ledger, verify_verdict

log = logging.getLogger(__name__)

RECEIPT_KEY = Path("keys") / "central_receipt_ed25519.pub"
UNTRUSTED = "sync.untrusted_answer"


@dataclass(frozen=True)
class InstalledKeys:
    packet_key: bool
    receipt_key: bool


def install_central_keys(home: Path, data: bytes) -> InstalledKeys:
    """Install the centre's key bundle (or a v1 packet-key file). Raises ValueError naming
    what is wrong with the file. A v1 file for a *different* packet key also removes the
    receipt key installed before: keys of two centres must never be mixed."""
    packet, receipt = load_central_bundle(data)
    packet_file, receipt_file = home / CENTRAL_KEY, home / RECEIPT_KEY
    previous = packet_file.read_bytes() if packet_file.exists() else None
    write_atomically(packet_file, public_pem(packet))
    if receipt is not None:
        write_atomically(receipt_file, public_pem(receipt))
    elif previous is not None and previous.strip() != public_pem(packet).strip():
        receipt_file.unlink(missing_ok=True)
    return InstalledKeys(True, receipt_file.exists())


def receipt_public_key(home: Path) -> Ed25519PublicKey | None:
    path = home / RECEIPT_KEY
    if not path.exists():
        return None
    try:
        return load_ed25519_public(path.read_bytes())
    except ValueError:
        log.warning("the receipt key file %s is not an Ed25519 public key", path)
        return None


def proof_json(verdict: Verdict) -> str:
    """The verdict as stored in enrollments.receipt_proof (canonical JSON)."""
    return canonical(verdict.as_dict()).decode()


class ReceiptVerifier:
    """Checks the centre's verdicts against the records this station holds."""

    def __init__(self, public: Ed25519PublicKey, station: str) -> None:
        self.public = public
        self.station = station

    @classmethod
    def load(cls, home: Path, station: str) -> ReceiptVerifier:
        key = receipt_public_key(home)
        if key is None:
            raise SyncError("sync.no_receipt_key")
        return cls(key, station)

    def check(self, answer: Any, rec: OutboxRecord, state: str | None = None) -> Verdict:
        """The verified verdict about `rec`, or SyncError(sync.untrusted_answer)."""
        if rec.packet_sha256 is None:
            raise SyncError(UNTRUSTED, "a verdict about a record without a packet")
        try:
            return verify_verdict(
                self.public,
                answer,
                station=self.station,
                record_uuid=rec.uuid,
                station_seq=rec.station_seq,
                sha256=rec.packet_sha256,
                state=state,
            )
        except UntrustedAnswer as exc:
            raise SyncError(UNTRUSTED, exc.detail) from None
        except (ValueError, TypeError):  # hostile values the contract's checks did not expect
            raise SyncError(UNTRUSTED, "the verdict is malformed") from None

    def check_proof(self, proof: str | None, rec: OutboxRecord) -> Verdict | None:
        """A stored receipt_proof, verified again now (None when absent or no longer valid)."""
        if not proof:
            return None
        try:
            stored = json.loads(proof)
            return self.check(stored, rec)
        except (ValueError, SyncError):
            return None

    def ledger(self, answer: Any) -> tuple[int, list[int]]:
        """The reconcile answer's watermark and gaps, only if the centre signed them."""
        try:
            return verify_ledger(self.public, answer, station=self.station)
        except UntrustedAnswer as exc:
            raise SyncError(UNTRUSTED, exc.detail) from None
        except (ValueError, TypeError):
            raise SyncError(UNTRUSTED, "the reconcile ledger is malformed") from None
