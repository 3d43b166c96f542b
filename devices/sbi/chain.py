"""The capture hash chain of SBI 0.9.5, computed the way the spec and MOSIP's mock do.

``hash = UPPER(HEX(SHA-256(P || SHA-256(iso_bytes))))`` where `iso_bytes` is the
base64url-decoded `bioValue` and `P` is the previous capture's hash decoded from hex,
or the 32 bytes of SHA-256("") for the first capture of an enrollment. Captures chain
in the order the device returns them, across requests and modalities: one
`CaptureChain` per enrollment ties the slaps, the irises and the face together.

Trap: the station keeps its own `previous` and checks the device against it; it never
takes the device's word for where the chain stands.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

EMPTY_HASH = hashlib.sha256(b"").hexdigest().upper()


def link(previous_hex: str, iso_bytes: bytes) -> str:
    """The hash of the capture holding `iso_bytes` after the capture whose hash is `previous_hex`."""
    previous = bytes.fromhex(previous_hex)
    return hashlib.sha256(previous + hashlib.sha256(iso_bytes).digest()).hexdigest().upper()


def is_hash(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


@dataclass
class CaptureChain:
    """Where an enrollment's chain stands. `advance` is called only with verified hashes."""

    previous: str = EMPTY_HASH
    links: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def advance(self, hashes: list[str], *, after: str | None = None) -> None:
        """Append verified hashes; `after` (the hash their capture chained from) must be the
        current head, so a capture taken from an older head is never spliced in."""
        with self._lock:
            if after is not None and after != self.previous:
                raise ValueError("the capture does not continue this chain")
            self.links.extend(hashes)
            if hashes:
                self.previous = hashes[-1]
