"""A waiting station's place in line, carried by the station from one process to another.

Each `serve` process (and each node) keeps its own waiting list (central.gate). A
station refused by one process and answered next time by another, because its idle
connection was closed while it waited and the new one was accepted elsewhere, used to
join the back of that other process's line: with several processes, the stations that
happened to change process waited the longest, and some delivered nothing in a whole
overload window (bench_central, 900 stations on two processes).

So every busy answer, and every receipt that ends a turn (X-Turn-Over), carries
`X-Queue-Ticket`: when the station was first refused, in wall-clock milliseconds, and an
HMAC of that time and the station code. The station sends it back with its requests; any
process of the centre checks it and puts the station in its own line at that place.

Traps:
- The key is derived from the centre's receipt signing key, which every node already
  holds (the same keys/ folder): nothing new to copy, and it changes with the keys.
- Wall clock, not monotonic: nodes share no monotonic clock. The age is converted to the
  reading process's monotonic clock on arrival; a ticket from the future (clock skew
  between nodes) counts as issued now, and one older than TICKET_TTL_S is ignored, so a
  station that keeps an old ticket (or a copy) cannot stay first in line for long.
- The ticket names the station: another station's ticket is refused, and the request's
  signature (checked before the gate) says who the station is. The header is not signed:
  removing it only costs the station its own place.
- A ticket only ever moves a station to the place it earned: the gate keeps the earlier of
  its own record and the ticket's.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from wire.codes import QUEUE_TICKET

HEADER = QUEUE_TICKET
TICKET_TTL_S = 300.0  # a place older than this is not kept (several rotations at the overload measured)
MAX_TICKET_CHARS = 64


class QueueTickets:
    """Issue and read place-in-line tickets with one centre-wide key."""

    def __init__(
        self,
        key: bytes,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = key
        self._wall = wall
        self._monotonic = monotonic

    @classmethod
    def for_centre(cls, receipt_key: Ed25519PrivateKey) -> QueueTickets:
        raw = receipt_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(hashlib.sha256(b"ektp-central queue ticket v1\0" + raw).digest())

    def _mac(self, station: str, millis: int) -> str:
        return hmac.new(self._key, f"{station}|{millis}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, station: str, first: float) -> str:
        """The ticket for `station`, first refused at monotonic time `first`."""
        millis = int((self._wall() - (self._monotonic() - first)) * 1000)
        return f"{millis}.{self._mac(station, millis)}"

    def read(self, station: str, value: str | None) -> float | None:
        """The monotonic time the ticket's holder was first refused, or None when there is
        no ticket or it is malformed, another station's, forged or too old."""
        if not value or len(value) > MAX_TICKET_CHARS:
            return None
        millis_text, _, mac = value.strip().partition(".")
        if not millis_text.isdigit() or len(millis_text) > 15:
            return None
        millis = int(millis_text)
        if not hmac.compare_digest(mac, self._mac(station, millis)):
            return None
        age = max(0.0, self._wall() - millis / 1000)
        if age > TICKET_TTL_S:
            return None
        return self._monotonic() - age
