"""Sending a withdrawal: the record the supervisor rejected, in its turn in the queue.

A WITHDRAWING record at the head of the strict-FIFO queue is not uploaded: the worker
asks the centre to record its (uuid, station_seq) as withdrawn, with the supervisor's
reason code, in a request signed with the station key like every request
(`POST /v1/stations/{code}/records/{uuid}/withdraw`, docs/sync-protocol.md). The
centre answers a verdict signed with its receipt key, state `withdrawn`, about exactly
this station, uuid, station_seq and packet hash; only once that verifies does the
record become WITHDRAWN and its packet file go (it never left the station).

Traps:
- A withdrawal is idempotent at the centre, so a lost answer is resolved by sending it
  again; nothing is concluded from an answer that does not verify.
- WITHDRAWING never moves to WAITING_RETRY (that is an upload state): a failure keeps
  the record WITHDRAWING with its attempts, next try and error, as a busy centre or a
  broken link would for an upload, and the queue waits behind it (strict order). A
  refusal (the centre holds that uuid already, or another record has that seq) cannot
  happen in a station's normal life; it is named on the record and in the sync status
  and retried slowly, for a supervisor to look at.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from station.events import Change
from station.sync.busy import BUSY_CODES
from station.sync.errors import PERMANENT, STATION, SyncError
from station.sync.packets import packet_path
from station.sync.trust import proof_json
from store.approvals import withdrawal_reason
from store.outbox import OutboxRecord
from store.states import RecordState
from store.types import utcnow
from wire.states import LedgerState

if TYPE_CHECKING:
    from station.sync.worker import RunSummary, SyncWorker

log = logging.getLogger(__name__)

SAYS_WITHDRAWN = LedgerState.WITHDRAWN


def send_withdrawal(worker: SyncWorker, rec: OutboxRecord, summary: RunSummary) -> None:
    """Withdraw the head record `rec` (WITHDRAWING); WITHDRAWN on the verified verdict.
    Raises only a SyncError of the station itself (the run stops, as for uploads)."""
    reason = withdrawal_reason(worker.outbox.db, rec.uuid) or "other"
    try:
        if rec.packet_sha256 is None:
            raise SyncError("sync.no_central_key", rec.reg_no)  # its packet is built once the key is there
        answer = worker.client.withdraw(rec.uuid, rec.station_seq, rec.packet_sha256, reason)
        worker.monitor.observe_rtt(worker.client.last_rtt_s or 0.0)
        verdict = worker.verifier.check(answer.get("verdict"), rec, SAYS_WITHDRAWN)
    except SyncError as exc:
        if exc.outcome == STATION:
            raise
        _failed(worker, rec, exc, summary)
        return
    packet_path(worker.home, rec.uuid).unlink(missing_ok=True)  # verified: it will never be sent
    worker.outbox.transition(
        rec.uuid,
        RecordState.WITHDRAWN,
        f"withdrawn at the centre: {verdict.reason} (signed)",
        receipt_proof=proof_json(verdict),
        packet_deleted_at=utcnow(),
        next_attempt_at=None,
        last_error=None,
    )
    worker.notify(Change.RECEIVED, record_uuid=rec.uuid)
    worker.breaker.success()
    worker.outbox.set_info(last_success_at=utcnow(), last_error=None)
    worker.notify(Change.LINK)
    log.info("%s withdrawn at the centre (seq %d, %s)", rec.reg_no, rec.station_seq, verdict.reason)


def _failed(worker: SyncWorker, rec: OutboxRecord, exc: SyncError, summary: RunSummary) -> None:
    attempt = rec.attempts + 1
    delay = worker.backoff.delay(attempt, exc.retry_after)
    worker.outbox.set_fields(
        rec.uuid,
        attempts=attempt,
        next_attempt_at=utcnow() + timedelta(seconds=delay),
        last_error=exc.code[:200],
    )
    worker.outbox.set_info(last_attempt_at=utcnow(), last_error=exc.code)
    worker.notify(Change.SYNC, Change.LINK, record_uuid=rec.uuid)
    summary.errors.append(f"{rec.reg_no}: {exc.code}")
    summary.retries += 1
    if exc.code not in BUSY_CODES and exc.outcome != PERMANENT and exc.http_status is None:
        worker.breaker.failure()  # the link failed, not the centre's answer
        worker.monitor.observe_failure()
    log.warning("%s: the withdrawal was not confirmed (%s); next try in %.0f s", rec.reg_no, exc.code, delay)
