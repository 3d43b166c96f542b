"""The record states both sides of the wire speak, named once.

Two vocabularies cross the wire, and each is a `StrEnum` so that a member *is* its
string: it compares equal to the text read back from a database or a JSON answer,
json.dumps and SQL bind it as that text, and nothing stored or sent changes (no
data migration, no protocol change).

- `LedgerState`: where a record stands in the centre's ledger, as the centre answers
  it (register, reconcile) and signs it (a verdict is `received` or `rejected`).
  `partial` is never stored: it is `registered` with bytes already on disk.
  `unknown` is never stored either: reconcile's answer for a record it has not seen.
  `withdrawn`: the station's signed withdrawal of a record its supervisor rejected.
- `Downstream`: what the centre's downstream processing made of a received record;
  the station takes PRINT_READY and DUPLICATE over as its own record states
  (store.states.RecordState), so those two strings are shared by construction.

The station's own record states (DRAFT, SEALED, ... EXPORTED) are not a wire fact and
live with the records they describe (store.states), importing these.
"""

from __future__ import annotations

from enum import StrEnum


class LedgerState(StrEnum):
    """A record's state in the centre's ledger (lower-case on the wire)."""

    REGISTERED = "registered"
    PARTIAL = "partial"  # answered only: registered with some bytes on disk
    RECEIVED = "received"
    REJECTED = "rejected"
    UNKNOWN = "unknown"  # answered only: the centre has never seen the record
    # The station withdrew the record (its supervisor rejected it at end-of-day approval):
    # no packet, the station_seq is explained, not a gap. A signed verdict states it too.
    WITHDRAWN = "withdrawn"


# The states a signed verdict may state (wire.receipts).
VERDICT_STATES: tuple[LedgerState, ...] = (LedgerState.RECEIVED, LedgerState.REJECTED, LedgerState.WITHDRAWN)


class Downstream(StrEnum):
    """The centre's downstream processing of a received record (upper-case on the wire)."""

    PENDING = "PENDING"
    PRINT_READY = "PRINT_READY"
    DUPLICATE = "DUPLICATE"


# What a verdict's `downstream` may hold: None in receipts, a status in reconcile answers.
DOWNSTREAM_VALUES: tuple[Downstream | None, ...] = (None, *Downstream)
# The downstream outcomes that are final (a record's processing is done).
DOWNSTREAM_FINAL: tuple[Downstream, ...] = (Downstream.PRINT_READY, Downstream.DUPLICATE)
