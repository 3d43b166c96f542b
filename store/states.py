"""A station record's states and the moves between them, checked in one place.

Why here: the state is a column of the enrollments table, written by store (the seal,
the outbox) and read by station (the sync worker, the status, the screens). store is
the lowest layer that knows records, so station imports the type from here; store
cannot import station. The strings both sides of the wire speak come from `wire`
(which imports nothing of ours): PRINT_READY and DUPLICATE are the centre's downstream
statuses (wire.states.Downstream) taken over as the record's own state.

`RecordState` is a StrEnum: a member is its string, so what the database holds and
what `station status --json` prints are unchanged (no data migration).

The allowed moves (`TRANSITIONS`) are what the code does, not a wish list:
- DRAFT -> SEALED: the seal (store.enrollments); a discarded draft is deleted.
- the pending states (SEALED, REGISTERED, UPLOADING, UPLOADED, WAITING_RETRY) move among
  themselves as the worker registers, uploads, commits and backs off, and leave for
  RECEIVED or REJECTED (the centre's signed verdict, or the station's own finding that
  a packet file is gone) or EXPORTED (hand-carry);
- EXPORTED -> RECEIVED | REJECTED: reconcile learns what the centre made of it;
- RECEIVED -> PRINT_READY | DUPLICATE: reconcile learns the downstream result;
- a record at the centre may still go to REJECTED, and between PRINT_READY and
  DUPLICATE: an older version marked records on an unsigned word, and the centre's
  signed verdict, fetched by reconcile, wins (station.sync.worker._apply_verdict);
- REJECTED -> SEALED: a supervisor requeues it (Outbox.requeue).
- end-of-day approval (station.approval, when `supervisor_approval` is on): the seal
  makes a record PENDING_APPROVAL (it keeps the station_seq it took, gap-free); the
  supervisor's approval makes it SEALED (the normal queue), a rejection WITHDRAWING:
  still in the queue, so strict order holds, and sent as a signed withdrawal instead
  of an upload; the centre's verified `withdrawn` verdict makes it WITHDRAWN (its
  packet never leaves the station and is deleted then). Trap: QUEUE, not PENDING, is
  what the worker's head is taken from; a record after a PENDING_APPROVAL one waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from common.errors import StateError
from common.text import Text
from wire.states import Downstream


class RecordState(StrEnum):
    DRAFT = "DRAFT"
    SEALED = "SEALED"
    REGISTERED = "REGISTERED"
    UPLOADING = "UPLOADING"
    UPLOADED = "UPLOADED"
    WAITING_RETRY = "WAITING_RETRY"
    EXPORTED = "EXPORTED"
    RECEIVED = "RECEIVED"
    PRINT_READY = Downstream.PRINT_READY.value
    DUPLICATE = Downstream.DUPLICATE.value
    REJECTED = "REJECTED"
    PENDING_APPROVAL = "PENDING_APPROVAL"  # sealed, waiting for the supervisor's end-of-day decision
    WITHDRAWING = "WITHDRAWING"  # rejected by the supervisor; its withdrawal goes to the centre in turn
    WITHDRAWN = "WITHDRAWN"  # the centre's signed verdict: the seq is explained, no packet was sent


S = RecordState
# Sealed and not yet at the centre: the sync queue (strict FIFO by station_seq).
PENDING: tuple[RecordState, ...] = (S.SEALED, S.REGISTERED, S.UPLOADING, S.UPLOADED, S.WAITING_RETRY)
# The strict-FIFO queue the worker takes its head from: a PENDING_APPROVAL head holds
# everything after it, a WITHDRAWING head is sent as a withdrawal.
QUEUE: tuple[RecordState, ...] = (*PENDING, S.PENDING_APPROVAL, S.WITHDRAWING)
# The centre holds the record (its verified verdict says so).
AT_CENTRE: tuple[RecordState, ...] = (S.RECEIVED, S.PRINT_READY, S.DUPLICATE)
# Records the centre has not yet confirmed end to end: what reconcile asks about.
UNCONFIRMED: tuple[RecordState, ...] = (*PENDING, S.RECEIVED, S.EXPORTED)
# Sealed but not known to be at the centre: the station's oldest-unsynced figure.
UNSYNCED: tuple[RecordState, ...] = (*PENDING, S.EXPORTED)

TRANSITIONS: Mapping[RecordState, frozenset[RecordState]] = {
    S.DRAFT: frozenset({S.SEALED, S.PENDING_APPROVAL}),
    S.PENDING_APPROVAL: frozenset({S.SEALED, S.WITHDRAWING}),
    S.WITHDRAWING: frozenset({S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
    **{state: frozenset({*PENDING, S.RECEIVED, S.REJECTED, S.EXPORTED}) - {S.SEALED} for state in PENDING},
    S.EXPORTED: frozenset({S.RECEIVED, S.REJECTED}),
    S.RECEIVED: frozenset({S.PRINT_READY, S.DUPLICATE, S.REJECTED}),
    S.PRINT_READY: frozenset({S.DUPLICATE, S.REJECTED}),
    S.DUPLICATE: frozenset({S.PRINT_READY, S.REJECTED}),
    S.REJECTED: frozenset({S.SEALED}),
}


class IllegalTransition(StateError):
    """A record asked to move where no flow of the station moves it (a bug, or a
    database edited by hand): refused before anything is written."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(
            Text(
                f"Perubahan status rekaman dari {old} ke {new} tidak diizinkan.",
                f"A record cannot move from {old} to {new}.",
            ),
            code="state.illegal_transition",
        )
        self.old = old
        self.new = new


def check_transition(old: str, new: str) -> RecordState:
    """The new state, if a record in `old` may move to it; else IllegalTransition.
    Unknown strings (not a RecordState) are refused too."""
    try:
        frm, to = RecordState(old), RecordState(new)
    except ValueError:
        raise IllegalTransition(old, new) from None
    if to not in TRANSITIONS.get(frm, frozenset()):
        raise IllegalTransition(old, new)
    return to
