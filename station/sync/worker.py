"""The sync worker: one per station, strict FIFO by station_seq, one record committing
at a time, the next one's bytes already on the wire.

For the record at the head of the queue: register (idempotent), ask the offset,
send the remaining bytes in checksummed chunks, commit, and keep the receipt. An
ambiguous outcome is never taken as failure: the next attempt registers again and
asks the offset, and a repeated commit returns the same receipt. A permanent refusal
quarantines the record (REJECTED) so the queue moves on; a refusal of the station
itself (unknown, bad signature, clock) stops the run with its own message.

Why the overlap: on a 2G link a record takes about 3 s to send and its answer a 600 ms
round trip more; waiting for every answer before sending on would leave the line idle
a sixth of the time. So while the answer to record N's last PATCH (the one carrying
the commit) is awaited, record N+1's first PATCH is already being written on the same
connection (HTTP/1.1 pipelining, depth 2 at most), with `Upload-Commit-After: N`: the
centre commits N+1 only once N is received, and otherwise keeps the bytes and defers
the commit. If anything goes wrong with N (an error, an ambiguous end, a refusal),
N+1's answer is still read but only remembered: its offset if the centre gave one,
else the error, so that its own turn, after N, resolves it the normal way (register,
HEAD, commit). A record is marked RECEIVED only in its own turn and only with a receipt.

Believe nothing unverified: a record becomes RECEIVED or REJECTED only on the centre's
signed verdict, checked against the receipt key and the record's own station code,
UUID, station_seq and packet SHA-256 (station.sync.trust); the verdict is kept as the
record's receipt_proof. That holds for commit answers, register answers, error answers
that refuse a record for good and reconcile entries alike; the watermark and gaps are
taken only when signed. Anything else is `sync.untrusted_answer`: the record stays
pending, is retried with backoff, and its next attempt asks the centre again.

Only one worker runs per station (station.sync.worker_lock: the OS file lock, and the
force request another process leaves as a file). Force sync clears the backoff,
half-opens the breaker and reconciles.

What wakes the worker: in the app it runs on a thread of the process that seals, and
the service hands it a `wake` event set on every `Change.SEALED`, so a sealed record
starts at once. It still naps between checks, for what nobody can tell it: records
sealed by another process (a CLI run), a force request from another process (the file,
looked for every FORCE_POLL_S), the centre's downstream results (reconcile every
IDLE_POLL_S while records await them) and the idle link probe (IDLE_FALLBACK_S).
A worker without a wake event (`station sync`) naps IDLE_POLL_S when idle, as before.
Every committed state change is announced through `notify` (the station's
`Notifier.notify`, passed in by the service): Change.SYNC for a move within the
queue, Change.RECEIVED for a verdict (received, rejected, downstream), Change.LINK when
the link facts in the outbox change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from common.errors import Cancelled
from common.progress import CancelToken, Progress, no_progress
from station.events import Change
from station.sync.busy import BUSY, BUSY_CODES
from station.sync.client import CentralClient, PatchHandle
from station.sync.errors import AMBIGUOUS, PERMANENT, STATION, SyncError
from station.sync.packets import packet_path
from station.sync.policy import Backoff, CircuitBreaker, LinkMonitor
from station.sync.trust import UNTRUSTED, ReceiptVerifier, proof_json
from station.sync.withdrawal import send_withdrawal
from station.sync.worker_lock import (  # the lock and force request live apart; importable from here too
    FORCE_FILE,
    LOCK_FILE,
    WorkerBusy,
    WorkerLock,
    force_requested,
    request_force,
    take_force_request,
)
from store.outbox import Outbox, OutboxRecord
from store.states import AT_CENTRE, QUEUE, IllegalTransition, RecordState
from store.types import utcnow
from wire.receipts import Verdict
from wire.states import DOWNSTREAM_FINAL, LedgerState

__all__ = [
    "FORCE_FILE",
    "LOCK_FILE",
    "Ahead",
    "RunSummary",
    "SyncWorker",
    "WorkerBusy",
    "WorkerLock",
    "request_force",
]

SEALED, REGISTERED, UPLOADING = RecordState.SEALED, RecordState.REGISTERED, RecordState.UPLOADING
UPLOADED, WAITING_RETRY, EXPORTED = RecordState.UPLOADED, RecordState.WAITING_RETRY, RecordState.EXPORTED
RECEIVED, REJECTED = RecordState.RECEIVED, RecordState.REJECTED
PENDING_APPROVAL, WITHDRAWING = RecordState.PENDING_APPROVAL, RecordState.WITHDRAWING  # station.approval
SAYS_RECEIVED, SAYS_REJECTED = LedgerState.RECEIVED, LedgerState.REJECTED  # what a verdict states
PARTIAL = LedgerState.PARTIAL

log = logging.getLogger(__name__)

MAX_CHUNK_RETRIES = 3
MAX_WINDOW = 6  # our PATCHes of one record on the wire at once (the client allows 8 with the next record's)
MAX_BEHIND = 2  # records whose first PATCH is written behind the one committing
MERGE_TAIL = 2048  # a tail shorter than this goes with the chunk before it
CUTS = ("sync.interrupted", "sync.timeout")  # a PATCH lost with its connection
IDLE_POLL_S = 5.0  # idle nap while records await the centre (or no one can wake the worker)
IDLE_FALLBACK_S = 60.0  # idle nap when woken on seals: other processes' seals, the link probe
FORCE_POLL_S = 0.5  # how often a nap looks for another process's force request (a file)


class Notify(Protocol):
    """`Notifier.notify`'s shape (station.events): the worker does not need StationCore."""

    def __call__(self, *kinds: Change, record_uuid: str | None = None) -> None: ...


def _no_notify(*kinds: Change, record_uuid: str | None = None) -> None:
    return None


@dataclass
class RunSummary:
    sent: int = 0
    rejected: int = 0
    retries: int = 0
    resumed: int = 0  # uploads taken up again at once after a cut, because bytes had stuck
    bytes_sent: int = 0
    reconciled: int = 0
    stopped_by: str | None = None  # an error code that stopped the run, if any
    errors: list[str] = field(default_factory=list)


@dataclass
class Ahead:
    """A record's first PATCH, written behind the previous record's last one, and the
    PATCHes of the records written behind it in turn (`after`, oldest first)."""

    rec: OutboxRecord
    blob: bytes
    handle: PatchHandle
    after: list[Ahead] = field(default_factory=list)


class SyncWorker:
    def __init__(
        self,
        *,
        home: Path,
        outbox: Outbox,
        client: CentralClient,
        monitor: LinkMonitor | None = None,
        breaker: CircuitBreaker | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pipeline: bool = True,
        verifier: ReceiptVerifier | None = None,
        notify: Notify = _no_notify,
        wake: threading.Event | None = None,
    ) -> None:
        self.home = home
        self.notify = notify  # announces committed changes (the station's Notifier.notify)
        self.wake = wake  # set by whoever seals in this process: a new record is queued
        self.nap_ends: list[str] = []  # why recent naps ended ("wake", "force", "cancel", "time")
        # Without the centre's receipt key nothing it says can be believed: refuse to start.
        self.verifier = verifier or ReceiptVerifier.load(home, client.station)
        self.pipeline = pipeline  # write the next record behind the one committing
        self._hold_pipeline = False  # a reconcile is due: let the line empty first
        self._line_free_at = 0.0
        self._quiet_until = 0.0  # monotonic: a busy centre asked not to be reconciled before
        self._turn_over: float | None = None  # X-Turn-Over of the receipt just read
        self._deadline: float | None = None  # monotonic end of the current run, if it has one
        self.outbox = outbox
        self.client = client
        self.monitor = monitor or LinkMonitor()
        self.breaker = breaker or CircuitBreaker()
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        info = outbox.info()
        if self.monitor.rtt_s is None and info["rtt_s"] is not None:
            self.monitor.rtt_s = info["rtt_s"]
            self.monitor.throughput_bps = info["throughput_bps"]

    # --- one record -----------------------------------------------------------

    def register_ahead(self, limit: int = 100, *, head: OutboxRecord | None = None) -> Ahead | None:
        """Register the next queued records in one request, so that each record then
        costs a single round trip (its last chunk carries the commit). Refusals of one
        record (a hash conflict) quarantine that record only.

        With `head` (the sealed record at the head of the queue), its first PATCH is
        written right behind the registration instead of a round trip later, and
        returned: the centre reads a connection's requests in order, so the record is
        registered before its bytes arrive (if not, the PATCH is refused and the record
        is asked about in its turn). The caller passes it to `send` if the registration
        left the record REGISTERED, else settles it."""
        fresh = [r for r in self.outbox.in_states((SEALED,), limit=limit) if r.packet_sha256 and r.packet_size]
        if not fresh:
            return None
        started = self.client.start_register_many(
            [
                {"uuid": r.uuid, "station_seq": r.station_seq, "sha256": r.packet_sha256, "size": r.packet_size}
                for r in fresh
            ]
        )
        first = None
        if head is not None and self.pipeline and not self._hold_pipeline and head.uuid in {r.uuid for r in fresh}:
            first = self._first_patch(head)
        try:
            answers = self.client.finish_register_many(started)
        except BaseException:
            if first is not None:
                self.settle(first)
            raise
        if self.client.in_flight == 0:
            self.monitor.observe_rtt(self.client.last_rtt_s or 0.0)
        by_uuid = {r.uuid: r for r in fresh}
        for answer in answers:
            rec = by_uuid.get(str(answer.get("uuid"))) if isinstance(answer, dict) else None
            if rec is None:
                continue
            try:
                self._registered_ahead(rec, answer)
            except SyncError as exc:
                if exc.code != UNTRUSTED:
                    if first is not None:
                        self.settle(first)
                    raise
                self._distrust(rec, exc)
        return first

    def _first_patch(self, rec: OutboxRecord) -> Ahead | None:
        """Write a sealed record's first PATCH (offset 0) behind its registration."""
        try:
            blob = packet_path(self.home, rec.uuid).read_bytes()
        except FileNotFoundError:
            return None  # its turn names the missing file
        if len(blob) != rec.packet_size:
            return None
        chunk = self._chunk(blob, 0)
        try:
            handle = self.client.send_patch(rec.uuid, 0, chunk, commit=len(chunk) >= len(blob))
        except SyncError:
            return None  # nothing sent; the registration's answer will say why
        return Ahead(rec, blob, handle)

    def _registered_ahead(self, rec: OutboxRecord, answer: dict[str, Any]) -> None:
        """Apply one record's answer from a batch registration (verdicts verified)."""
        if answer.get("error"):
            err = SyncError(str(answer["error"])[:64], str(answer.get("detail") or "")[:200])
            if err.outcome == PERMANENT:
                self._rejected(rec, self.verifier.check(answer.get("verdict"), rec, SAYS_REJECTED), err.code)
            return
        state = answer.get("state")
        if state == SAYS_RECEIVED:
            self.verifier.check(answer.get("verdict"), rec, SAYS_RECEIVED)
            return  # the worker marks it when the record reaches the head (register answers again)
        if state == SAYS_REJECTED:
            self._rejected(rec, self.verifier.check(answer.get("verdict"), rec, SAYS_REJECTED), "register")
            return
        self._move(rec.uuid, REGISTERED, "central knows the record", upload_offset=self._offset(answer, rec))

    @staticmethod
    def _offset(answer: dict[str, Any], rec: OutboxRecord) -> int:
        """The centre's offset for a record; a lie here costs a 409 and a HEAD, never a record."""
        offset = answer.get("offset") or 0
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= (rec.packet_size or 0):
            raise SyncError(UNTRUSTED, "the offset in the answer is not one of this record's")
        return offset

    def send(
        self,
        rec: OutboxRecord,
        summary: RunSummary,
        progress: Progress,
        cancel: CancelToken | None,
        ahead: Ahead | None = None,
    ) -> Ahead | None:
        """Send the head record until it has its receipt. `ahead` is its first PATCH if
        that was already written behind the previous record (with the records behind it).
        Returns the next record's first PATCH, with the ones behind it, if they were
        written behind this one's last (the caller passes it on)."""
        behind: list[Ahead] = ahead.after if ahead is not None else []  # the next records' PATCHes, in order
        if ahead is not None:
            ahead.after = []
        try:
            self._turn_over = None
            receipt = self._upload(rec, summary, progress, cancel, ahead, behind)
            if receipt is not None:
                verdict = self.verifier.check(receipt, rec, SAYS_RECEIVED)
                self._move(rec.uuid, UPLOADED, f"{rec.packet_size} bytes", upload_offset=rec.packet_size)
                self._received(rec, verdict, summary)
                if self._turn_over is not None:
                    self._turn_handed_back(rec, self._turn_over)
        except BaseException as exc:
            self._settle_all(behind, cancelled=isinstance(exc, Cancelled))
            raise
        if not behind:
            return None
        behind[0].after = behind[1:]
        return behind[0]

    def _upload(
        self,
        rec: OutboxRecord,
        summary: RunSummary,
        progress: Progress,
        cancel: CancelToken | None,
        ahead: Ahead | None,
        behind: list[Ahead],
    ) -> dict[str, Any] | None:
        """The commit's answer (the verdict, still to verify), or None if the centre had
        already decided the record (then it is marked here, on its verified verdict)."""
        window: deque[PatchHandle] = deque()  # our PATCHes on the wire, oldest first
        if ahead is not None:
            blob, offset = ahead.blob, ahead.handle.offset
            window.append(ahead.handle)
        else:
            if rec.packet_sha256 is None or rec.packet_size is None:
                raise SyncError("sync.no_central_key", rec.reg_no)
            path = packet_path(self.home, rec.uuid)
            try:
                blob = path.read_bytes()
            except FileNotFoundError:
                raise SyncError("commit.rejected", f"packet file missing: {path.name}") from None
            if rec.state in (REGISTERED, UPLOADING, UPLOADED) and rec.last_error in (None, BUSY):
                offset = rec.upload_offset  # registered ahead; a stale offset is answered with 409 and a HEAD
            else:
                # First contact, or after an ambiguous failure: ask the centre where it stands.
                asked = self._ask(rec, summary)
                if asked is None:
                    return None
                offset = asked
                if rec.state not in (REGISTERED, UPLOADING, UPLOADED):
                    self._move(rec.uuid, REGISTERED, "central knows the record", attempts=rec.attempts)
            if rec.state == UPLOADING:  # its upload began behind the record before; it goes on
                self.outbox.set_fields(rec.uuid, upload_offset=offset)
            else:
                self._move(rec.uuid, UPLOADING, f"{offset} of {len(blob)} bytes", upload_offset=offset)
        try:
            return self._stream(rec, blob, offset, window, summary, progress, cancel, behind)
        except BaseException:
            if window:  # answers we cannot wait for: their outcome is unknown, the next turn asks
                self.client.drop_connection()
                self.outbox.set_fields(rec.uuid, last_error="sync.interrupted")
            raise

    def _ask(self, rec: OutboxRecord, summary: RunSummary, following: list[OutboxRecord] | None = None) -> int | None:
        """Register again and return the centre's offset, or None if the centre had already
        decided the record (then it is marked here, on its verified verdict).

        `following` are records whose PATCHes were lost behind `rec`'s: they are asked
        about in the same round trip (a batch registration written just before), and one
        the centre holds partly gets its offset back, so that its own turn need not ask
        again (on a link cut every few seconds that round trip is a third of a window)."""
        assert rec.packet_sha256 is not None and rec.packet_size is not None
        batch = None
        if following:
            bodies = [
                {"uuid": r.uuid, "station_seq": r.station_seq, "sha256": r.packet_sha256, "size": r.packet_size}
                for r in following
            ]
            batch = self.client.start_register_many(bodies)
        answer = self.client.register(rec.uuid, rec.station_seq, rec.packet_sha256, rec.packet_size)
        if batch is not None and following:
            self._offsets_back(following, batch)
        self.monitor.observe_rtt(self.client.last_rtt_s or 0.0)
        state = answer.get("state")
        if state == SAYS_RECEIVED:
            self._received(rec, self.verifier.check(answer.get("verdict"), rec, SAYS_RECEIVED), summary)
            return None
        if state == SAYS_REJECTED:
            self._rejected(rec, self.verifier.check(answer.get("verdict"), rec, SAYS_REJECTED), "register")
            summary.rejected += 1
            return None
        return self._offset(answer, rec)

    def _offsets_back(self, records: list[OutboxRecord], batch: tuple[Any, int, int]) -> None:
        """Take the centre's offset of each record it holds (partly) from a batch
        registration's answer; anything else is left for the record's own turn."""
        try:
            answers = self.client.finish_register_many(batch)
        except SyncError as exc:
            log.info("asking about the records behind the cut one failed: %s", exc.code)
            return
        by_uuid = {r.uuid: r for r in records}
        for answer in answers:
            rec = by_uuid.get(str(answer.get("uuid"))) if isinstance(answer, dict) else None
            if rec is None or answer.get("error") or answer.get("state") not in (LedgerState.REGISTERED, PARTIAL):
                continue
            try:
                offset = self._offset(answer, rec)
            except SyncError:
                continue
            self.outbox.set_fields(rec.uuid, upload_offset=offset, last_error=None)

    def _stream(
        self,
        rec: OutboxRecord,
        blob: bytes,
        offset: int,
        window: deque[PatchHandle],
        summary: RunSummary,
        progress: Progress,
        cancel: CancelToken | None,
        behind: list[Ahead],
    ) -> dict[str, Any] | None:
        """Send `blob` from `offset` as pipelined PATCHes (a sliding window sized to the
        link's bandwidth-delay product) until the centre commits it; returns the verdict
        to verify, or None if the centre turned out to have decided the record already.

        After a cut the centre is asked where it stands, and the upload goes on at once,
        without backoff, as long as the connection before made bytes stick or the chunks
        just got smaller: a link that lives a few seconds then still moves the record on.
        A cut after which nothing stuck, with chunks already at their smallest, is the
        caller's failure (backoff), so a dead link is not hammered. The traps: once a PATCH's connection is
        lost, every later PATCH on it is lost too, so nothing more is written until the
        window is read out (a new connection would take PATCHes at offsets the centre
        never reached); and the cut chunk is the one the centre's verified bytes end in,
        not the oldest one without an answer (with small chunks that one has usually
        arrived whole, and only its answer was lost)."""
        size = len(blob)
        sent_to = offset + sum(h.size for h in window)  # the next byte to write
        asked_at = offset  # the centre's offset when we last asked it
        retries = 0
        while True:
            while sent_to < size and not behind and self._window_open(window):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                chunk = self._chunk(blob, sent_to)
                last = sent_to + len(chunk) >= size
                window.append(self.client.send_patch(rec.uuid, sent_to, chunk, commit=last))
                sent_to += len(chunk)
            if not window:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                # all bytes are there, not committed yet (deferred, or an answer lost)
                return self.client.commit(rec.uuid)
            if window[-1].commit:
                # Our last PATCH is on the wire: write the next records' behind it.
                self._fill_behind(rec, window, behind, cancel)
            handle = window.popleft()
            try:
                result = self.client.finish(handle)
            except SyncError as exc:
                lost = [handle, *window]
                self._drain(window)  # the rest of ours on this connection: read, and forgotten
                settled = [a.rec.uuid for a in behind]
                self._settle_all(behind)  # the next records' answers come after ours; each resolves in its turn
                if exc.code in ("upload.offset_mismatch", "upload.checksum_mismatch") and retries < MAX_CHUNK_RETRIES:
                    retries += 1
                    offset = sent_to = self.client.head(rec.uuid)
                    continue
                if exc.code == "record.not_registered":
                    raise SyncError("sync.interrupted", "the centre lost the partial upload") from None
                if exc.code not in CUTS or handle.exchange.sent_bytes == 0:
                    raise
                unsure = [  # not one the centre asked to wait (busy): it is not asked about before its time
                    r
                    for r in map(self.outbox.get, settled)
                    if r is not None and r.last_error is not None and r.next_attempt_at is None
                ]
                asked = self._ask(rec, summary, unsure)  # a failure here goes to the caller: the link is down
                if asked is None:
                    return None
                # The cut chunk is the one the centre's bytes end in (the ones before it arrived
                # whole and only their answers were lost); none, if the cut fell between chunks.
                cut = next((h for h in lost if h.offset <= asked < h.offset + h.size and h.exchange.sent_bytes), None)
                shrunk = cut is not None and self.monitor.observe_cut(cut.size)
                if asked <= asked_at and not shrunk:
                    raise  # nothing stuck since we last asked, and chunks cannot get smaller: back off
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    raise  # the run's time is up; the next run goes on from the centre's offset
                log.info("%s: the link was cut; %d of %d bytes are at the centre, going on", rec.reg_no, asked, size)
                summary.resumed += 1
                if asked > asked_at:
                    self.breaker.success()  # bytes stuck: the link works, however briefly
                asked_at = offset = sent_to = asked
                retries = 0
                self.outbox.set_fields(rec.uuid, upload_offset=offset)
                continue
            self._observe(handle)
            self.monitor.observe_chunk(handle.size)
            offset = result.offset
            summary.bytes_sent += handle.size
            progress(None, f"{rec.reg_no}: {offset}/{size}")
            if result.receipt is not None:
                self._drain(window)
                self._turn_over = result.turn_over
                return result.receipt
            self.outbox.set_fields(rec.uuid, upload_offset=offset)
            if result.deferred:
                log.info("%s: commit deferred by the centre (%s); committing now", rec.reg_no, result.deferred)

    def _fill_behind(
        self, rec: OutboxRecord, window: deque[PatchHandle], behind: list[Ahead], cancel: CancelToken | None
    ) -> None:
        """Write the next records' first PATCHes behind our last, each committing only after
        the one before it, while the line's bandwidth-delay product is not covered (a VSAT
        link's round trip is about a record's time on the line) and MAX_BEHIND allows.
        A record that needs more than one PATCH ends the chain: its other chunks wait for
        its turn."""
        budget = self.monitor.window_bytes() - sum(h.size for h in window)
        while len(behind) < MAX_BEHIND and (not behind or behind[-1].handle.commit):
            if behind and sum(a.handle.size for a in behind) >= budget:
                return
            nxt = self._start_next(behind[-1].rec if behind else rec, cancel)
            if nxt is None:
                return
            behind.append(nxt)

    def _settle_all(self, behind: list[Ahead], *, cancelled: bool = False) -> None:
        """Settle every PATCH written behind ours, oldest first (see `settle`)."""
        while behind:
            self.settle(behind.pop(0), cancelled=cancelled)

    def _window_open(self, window: deque[PatchHandle]) -> bool:
        """Room for one more PATCH: fewer than MAX_WINDOW on the wire, fewer bytes than the
        link's bandwidth-delay product plus a chunk, and none of them known to be lost."""
        if len(window) >= MAX_WINDOW or any(h.exchange.error is not None for h in window):
            return False
        return sum(h.size for h in window) < self.monitor.window_bytes()

    def _drain(self, window: deque[PatchHandle]) -> None:
        """Read the answers still due on this connection and forget them (the offset is
        asked afresh): a request left unread would hold up the next one."""
        while window:
            try:
                self.client.finish(window.popleft())
            except SyncError:
                pass

    def _chunk(self, blob: bytes, offset: int) -> bytes:
        step = self.monitor.chunk_size()
        if len(blob) - offset - step < min(step // 4, MERGE_TAIL):
            step = len(blob) - offset  # a tail this short would cost more in headers than it carries
        return blob[offset : offset + step]

    def _observe(self, handle: PatchHandle) -> None:
        """Throughput from a PATCH: while a pipelined PATCH waited behind the one before it,
        the line was busy with that one, so its time counts from that one's answer."""
        answered = handle.answered_at or time.monotonic()
        began = max(handle.started, self._line_free_at)
        self._line_free_at = answered
        self.monitor.observe_transfer(handle.size, answered - began)

    def _start_next(self, rec: OutboxRecord, cancel: CancelToken | None) -> Ahead | None:
        """Write the next record's first PATCH behind `rec`'s last, committing only after `rec`.

        Only a record registered ahead and untouched since (its offset is the centre's) is
        sent this way; anything else waits for its own turn."""
        if not self.pipeline or self._hold_pipeline or (cancel is not None and cancel.cancelled):
            return None
        queued = self.outbox.in_states(QUEUE, limit=MAX_BEHIND + 2)
        nxt = next((r for r in queued if r.station_seq > rec.station_seq), None)
        if (
            nxt is None
            or nxt.state != REGISTERED
            or nxt.last_error is not None
            or nxt.next_attempt_at is not None
            or nxt.packet_sha256 is None
            or nxt.packet_size is None
        ):
            return None
        try:
            blob = packet_path(self.home, nxt.uuid).read_bytes()
        except FileNotFoundError:
            return None
        offset = nxt.upload_offset
        if len(blob) != nxt.packet_size or offset >= len(blob):
            return None
        chunk = self._chunk(blob, offset)
        last = offset + len(chunk) >= len(blob)
        self._move(nxt.uuid, UPLOADING, f"{offset} of {len(blob)} bytes (behind {rec.reg_no})", upload_offset=offset)
        try:
            handle = self.client.send_patch(nxt.uuid, offset, chunk, commit=last, commit_after=rec.uuid)
        except SyncError:
            return None  # nothing left: it goes in its own turn
        return Ahead(nxt, blob, handle)

    def settle(self, ahead: Ahead, *, cancelled: bool = False) -> None:
        """Read the answer to a PATCH written ahead whose record will not go on now (the one
        before it failed, or the run ends) and remember only what the centre said: its
        offset, or its error, so that its own turn resolves it (register, HEAD, commit).
        Even a receipt is not taken here: the commit in its turn returns the same one.
        The PATCHes written behind it (`after`) are settled next, in order."""
        chain, ahead.after = [ahead, *ahead.after], []
        for i, one in enumerate(chain):
            try:
                self._settle_one(one, cancelled=cancelled)
            except BaseException:
                for rest in chain[i + 1 :]:
                    self.outbox.set_fields(rest.rec.uuid, last_error="sync.interrupted")
                raise

    def _settle_one(self, ahead: Ahead, *, cancelled: bool) -> None:
        uuid = ahead.rec.uuid
        if cancelled:  # do not wait: drop the connection, the answer is unknown
            self.client.drop_connection()
            self.outbox.set_fields(uuid, last_error="sync.interrupted")
            return
        try:
            result = self.client.finish(ahead.handle)
        except SyncError as exc:
            log.info("%s: the PATCH sent ahead ended with %s; resolved in its turn", ahead.rec.reg_no, exc.code)
            fresh = self.outbox.get(uuid) if exc.code in BUSY_CODES else None
            if fresh is not None:  # the centre shed it: the record waits as asked, as the head would
                self._busy(fresh, exc, RunSummary())
                return
            self.outbox.set_fields(uuid, last_error=exc.code)
            return
        except BaseException:
            self.outbox.set_fields(uuid, last_error="sync.interrupted")
            raise
        self._observe(ahead.handle)
        self.outbox.set_fields(uuid, upload_offset=result.offset)

    def _received(self, rec: OutboxRecord, verdict: Verdict, summary: RunSummary) -> None:
        """The record is at the centre: its verified verdict says so (kept as its proof)."""
        self._apply_verdict(rec, verdict, f"receipt {verdict.receipt_id} (server #{verdict.server_seq})")
        self.breaker.success()
        self._set_info(last_success_at=utcnow(), last_error=None)
        summary.sent += 1
        log.info("%s received by the centre: receipt %s (signed)", rec.reg_no, verdict.receipt_id)

    def _rejected(self, rec: OutboxRecord, verdict: Verdict, code: str) -> None:
        """The centre refused the record for good, in a verdict it signed: quarantine it."""
        reason = f"{code}: {verdict.reason}" if code != verdict.reason else code
        self._apply_verdict(rec, verdict, reason)
        log.warning("%s rejected by the centre: %s (signed)", rec.reg_no, verdict.reason)

    def _apply_verdict(self, rec: OutboxRecord, verdict: Verdict, detail: str) -> int:
        """Move `rec` where its verified verdict says; returns the state changes made."""
        if verdict.state == SAYS_REJECTED:
            if rec.state == REJECTED:
                return 0
            self._mark_rejected(rec, detail, verdict.reason or detail, proof=proof_json(verdict))
            return 1
        return self._mark_received(rec, verdict, detail)

    def _mark_received(self, rec: OutboxRecord, verdict: Verdict, detail: str) -> int:
        """The one place a record becomes RECEIVED (and PRINT_READY or DUPLICATE): on a
        verified verdict, kept as its proof. Returns the state changes made."""
        proof = proof_json(verdict)
        changed = 0
        if rec.state not in AT_CENTRE:
            self._move(
                rec.uuid,
                RECEIVED,
                detail,
                change=Change.RECEIVED,
                receipt_id=verdict.receipt_id,
                server_seq=verdict.server_seq,
                received_at=utcnow(),
                receipt_proof=proof,
                attempts=0,
                next_attempt_at=None,
                last_error=None,
            )
            changed += 1
        elif rec.receipt_proof != proof or rec.last_error is not None:
            self.outbox.set_fields(rec.uuid, receipt_proof=proof, last_error=None)
        if verdict.downstream in DOWNSTREAM_FINAL and rec.state != verdict.downstream:
            downstream = RecordState(verdict.downstream)
            self._move(rec.uuid, downstream, "central processing result", change=Change.RECEIVED, downstream=downstream)
            changed += 1
        return changed

    def _mark_rejected(self, rec: OutboxRecord, detail: str, reason: str, *, proof: str | None) -> None:
        """The one place a record becomes REJECTED (quarantined, the queue moves on).
        `proof` is the centre's verified verdict; without one it is the station's own
        finding (its packet file is gone), and the record is left as it stood otherwise."""
        fields: dict[str, Any] = {"reject_reason": reason[:200]}
        if proof is not None:
            fields.update(receipt_proof=proof, next_attempt_at=None, last_error=None)
        self._move(rec.uuid, REJECTED, detail, change=Change.RECEIVED, **fields)

    def _move(
        self, record_uuid: str, state: RecordState, detail: str, *, change: Change = Change.SYNC, **fields: Any
    ) -> None:
        """A checked state change (Outbox.transition), announced once committed."""
        self.outbox.transition(record_uuid, state, detail, **fields)
        self.notify(change, record_uuid=record_uuid)

    def _set_info(self, **fields: Any) -> None:
        """The station-wide sync facts (last success, error, link), announced once committed."""
        self.outbox.set_info(**fields)
        self.notify(Change.LINK)

    def _distrust(self, rec: OutboxRecord, exc: SyncError) -> None:
        """An answer about `rec` that proves nothing: the record keeps its state, and the
        error is named on it and in the station's sync status."""
        log.warning("%s: an answer from the central address was not believed: %s", rec.reg_no, exc.detail)
        self.outbox.set_fields(rec.uuid, last_error=UNTRUSTED)
        self._set_info(last_attempt_at=utcnow(), last_error=UNTRUSTED)

    def _failed(self, rec: OutboxRecord, exc: SyncError, summary: RunSummary) -> None:
        if exc.outcome == PERMANENT and exc.http_status is not None:
            # The centre's refusal counts only with its signed verdict about this record.
            try:
                verdict = self.verifier.check(exc.verdict, rec, SAYS_REJECTED)
            except SyncError as untrusted:
                log.warning("%s: a refusal (%s) without a valid verdict: %s", rec.reg_no, exc.code, untrusted.detail)
                exc = untrusted
            else:
                summary.errors.append(f"{rec.reg_no}: {exc.code}")
                self._set_info(last_attempt_at=utcnow(), last_error=exc.code)
                self._rejected(rec, verdict, exc.code)
                summary.rejected += 1
                return
        if exc.code in BUSY_CODES:
            self._busy(rec, exc, summary)
            return
        summary.errors.append(f"{rec.reg_no}: {exc.code}")
        self._set_info(last_attempt_at=utcnow(), last_error=exc.code)
        if exc.outcome == PERMANENT:  # the station's own finding (its packet file is gone)
            self._mark_rejected(rec, f"{exc.code}: {exc.detail}", f"{exc.code}: {exc.detail}", proof=None)
            summary.rejected += 1
            log.warning("%s rejected: %s", rec.reg_no, exc.code)
            return
        attempt = rec.attempts + 1
        delay = self.backoff.delay(attempt, exc.retry_after)
        next_at = utcnow() + timedelta(seconds=delay)
        kind = "outcome unknown, will check" if exc.outcome == AMBIGUOUS else "will retry"
        self._move(
            rec.uuid,
            WAITING_RETRY,
            f"attempt {attempt}, {kind} at {next_at:%H:%M:%S} UTC: {exc.code}",
            attempts=attempt,
            next_attempt_at=next_at,
            last_error=exc.code,
        )
        self.breaker.failure()
        self.monitor.observe_failure()
        summary.retries += 1

    def _busy(self, rec: OutboxRecord, exc: SyncError, summary: RunSummary) -> None:
        """The centre answered 503/429: it works and sheds load. Not a link failure, so
        neither the breaker nor the link monitor hears of it (station.sync.busy); the
        record waits what the centre asked, spread (Backoff.busy_delay), and the wait is
        recorded as the head's next_attempt_at with `sync.busy` in the sync info."""
        attempt = rec.attempts + 1
        delay = self.backoff.delay(attempt, exc.retry_after)
        now = utcnow()
        next_at = now + timedelta(seconds=delay)
        asked = "none" if exc.retry_after is None else f"{exc.retry_after:.0f} s"
        detail = f"HTTP {exc.http_status}, Retry-After {asked}"
        summary.errors.append(f"{rec.reg_no}: {BUSY}")
        self._set_info(last_attempt_at=now, last_error=BUSY)
        # A busy answer means the centre did nothing (wire.codes: transient): a record it
        # already holds keeps its state and offset, so its next try sends on without first
        # asking where it stands (one admitted request less per refusal, at a busy centre).
        held = rec.state in (REGISTERED, UPLOADING, UPLOADED)
        self._move(
            rec.uuid,
            RecordState(rec.state) if held else WAITING_RETRY,
            f"attempt {attempt}, centre busy ({detail}), next try at {next_at:%H:%M:%S} UTC",
            attempts=attempt,
            next_attempt_at=next_at,
            last_error=BUSY,
        )
        self._quiet_until = time.monotonic() + delay
        summary.retries += 1
        log.info("%s: centre busy (Retry-After %s); next try in %.1f s", rec.reg_no, asked, delay)

    def _turn_handed_back(self, rec: OutboxRecord, seconds: float) -> None:
        """`rec`'s receipt used up this station's turn at a busy centre (X-Turn-Over): the
        next record waits that long, spread like a busy answer, instead of being sent to be
        refused. Shown as busy (the head's next_attempt_at with `sync.busy`); the record
        just received stays received, and a PATCH already written behind it is settled
        when the wait begins (the run loop), its answer kept for its turn."""
        head = self.outbox.head()
        if head is None or head.uuid == rec.uuid:
            return
        delay = self.backoff.delay(1, seconds)
        now = utcnow()
        next_at = now + timedelta(seconds=delay)
        self.outbox.set_fields(head.uuid, next_attempt_at=next_at)
        self._set_info(last_attempt_at=now, last_error=BUSY)
        self._quiet_until = time.monotonic() + delay
        log.info("%s: the centre ended this station's turn; next record in %.1f s", rec.reg_no, delay)

    # --- the loop -------------------------------------------------------------

    def force(self) -> None:
        """Force sync: no waiting on backoff or a busy centre's quiet, breaker half-open."""
        self._quiet_until = 0.0
        head = self.outbox.head()
        if head is not None and head.next_attempt_at is not None:
            self.outbox.set_fields(head.uuid, next_attempt_at=None)
        self.breaker.force_half_open()

    def _forced(self) -> bool:
        if take_force_request(self.home):
            self.force()
            return True
        return False

    def run(
        self,
        *,
        until_idle: bool = True,
        wait_for_retry: bool = False,
        timeout_s: float | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
        reconcile_every_s: float = 60.0,
    ) -> RunSummary:
        summary = RunSummary()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        self._deadline = deadline  # an upload going on after cuts stops there too
        last_reconcile = 0.0
        reconcile_due = False
        ahead: Ahead | None = None  # the head's first PATCH, already written behind the record before
        try:
            while True:
                if cancel is not None and cancel.cancelled:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    break
                forced = self._forced()
                rec = self.outbox.head()
                if rec is not None and rec.state == PENDING_APPROVAL:
                    rec = None  # the supervisor decides first: nothing after it is sent (strict order)
                if ahead is not None and (rec is None or rec.uuid != ahead.rec.uuid):
                    self.settle(ahead)  # not the head after all (cannot happen in one worker)
                    ahead = None
                    continue
                now = utcnow()
                if rec is None:
                    self._reconcile_quietly(summary)
                    if until_idle:
                        break
                    self._nap(self._idle_nap_s(), deadline, cancel)
                    continue
                reconcile_due = reconcile_due or forced or time.monotonic() - last_reconcile > reconcile_every_s
                self._hold_pipeline = reconcile_due  # a reconcile waits for a quiet line; hold the next one
                if reconcile_due and ahead is None:
                    busy = self._reconcile_quietly(summary, head=rec)
                    last_reconcile = time.monotonic()
                    reconcile_due = self._hold_pipeline = False
                    if busy:  # the head waits what the centre asked: no second request now
                        continue
                wait = 0.0
                if rec.next_attempt_at is not None and rec.next_attempt_at > now:
                    wait = (rec.next_attempt_at - now).total_seconds()
                wait = max(wait, self.breaker.wait_s())
                if wait > 0:
                    if ahead is not None:
                        self.settle(ahead)
                        ahead = None
                    if until_idle and not wait_for_retry:
                        break  # nothing more can happen now; the caller decides
                    self._nap(wait, deadline, cancel)
                    continue
                try:
                    if rec.state == WITHDRAWING:  # rejected at approval: a signed withdrawal, not an upload
                        send_withdrawal(self, rec, summary)
                        continue
                    if rec.state == SEALED:
                        first = self.register_ahead(head=rec if ahead is None else None)
                        rec = self.outbox.get(rec.uuid) or rec
                        if first is not None and rec.state == REGISTERED and rec.last_error is None:
                            self._move(rec.uuid, UPLOADING, f"0 of {len(first.blob)} bytes", upload_offset=0)
                            rec, ahead = self.outbox.get(rec.uuid) or rec, first
                        elif first is not None:
                            self.settle(first)
                        if rec.state == REJECTED:
                            continue
                    given, ahead = ahead, None
                    ahead = self.send(rec, summary, progress, cancel, given)
                except SyncError as exc:
                    if exc.outcome == STATION:
                        summary.stopped_by = exc.code
                        summary.errors.append(exc.code)
                        self._set_info(last_attempt_at=utcnow(), last_error=exc.code)
                        raise
                    self._failed(rec, exc, summary)
                except IllegalTransition as exc:
                    # Another process moved the record under us (an export beside the app):
                    # nothing was written; the next head is read afresh.
                    log.warning("%s: %s", rec.reg_no, exc.message.en)
                    summary.errors.append(f"{rec.reg_no}: {exc.code}")
        finally:
            if ahead is not None:
                self.settle(ahead, cancelled=cancel is not None and cancel.cancelled)
            self._hold_pipeline = False
        summary.bytes_sent = self.client.bytes_sent
        self.save_link()
        return summary

    def save_link(self) -> None:
        """Keep the link estimates so that status and ETAs survive the worker."""
        facts = self.monitor.cut_facts()
        if facts["last_progress_at"] is None:  # nothing stuck in this run: keep the last time something did
            del facts["last_progress_at"]
        self._set_info(
            rtt_s=self.monitor.rtt_s, throughput_bps=self.monitor.throughput_bps, link_state=self.monitor.state, **facts
        )

    def _nap(self, seconds: float, deadline: float | None, cancel: CancelToken | None) -> str:
        """Wait up to `seconds`; returns why it ended: "wake" (a record was sealed in this
        process), "force" (another process asks for a sync now), "cancel" or "time".
        The force request is a file, so it is looked for every FORCE_POLL_S."""
        if deadline is not None:
            seconds = min(seconds, max(0.0, deadline - time.monotonic()))
        end = time.monotonic() + seconds
        why = "time"
        while time.monotonic() < end:
            if cancel is not None and cancel.cancelled:
                why = "cancel"
                break
            if force_requested(self.home):
                why = "force"
                break
            step = min(FORCE_POLL_S, max(0.0, end - time.monotonic()))
            if self.wake is None:
                self.sleep(step)
            elif self.wake.wait(step):
                self.wake.clear()
                why = "wake"
                break
        self.nap_ends[:] = [*self.nap_ends[-9:], why]
        return why

    def _idle_nap_s(self) -> float:
        """How long an idle worker naps. Told of seals, it waits for the centre only while
        records await the centre's answer (downstream results, exports), else naps long."""
        if self.wake is None or self.outbox.unconfirmed(limit=1):
            return IDLE_POLL_S
        return IDLE_FALLBACK_S

    # --- reconcile ------------------------------------------------------------

    def _reconcile_quietly(self, summary: RunSummary, head: OutboxRecord | None = None) -> bool:
        """Reconcile, unless a busy centre asked for quiet (an idle station would
        otherwise ask every IDLE_POLL_S through the centre's Retry-After). True when the
        centre answered busy and `head` was set to wait as asked (as `_busy` does)."""
        if time.monotonic() < self._quiet_until:
            return False
        try:
            summary.reconciled += self.reconcile()
        except SyncError as exc:
            if exc.outcome == STATION:
                raise
            if exc.code == UNTRUSTED:  # named in the status, like a record's untrusted answer
                summary.errors.append(exc.code)
                self._set_info(last_attempt_at=utcnow(), last_error=exc.code)
            if exc.code in BUSY_CODES:  # the link works; ask again only when the centre said
                log.info("reconcile: centre busy (Retry-After %s)", exc.retry_after)
                if head is not None:
                    self._busy(head, exc, summary)
                    return True
                self._quiet_until = time.monotonic() + self.backoff.delay(1, exc.retry_after)
                return False
            self.monitor.observe_failure()  # an idle station learns that the link is down
            log.info("reconcile failed: %s", exc.code)
        return False

    def reconcile(self) -> int:
        """Ask the centre about every unconfirmed record; apply what it proves.

        Each entry that says received or rejected counts only with its verified verdict
        (a downstream PRINT_READY or DUPLICATE only from inside that verdict); the
        watermark and gaps only when signed. Entries that prove nothing leave their
        record as it is and name `sync.untrusted_answer` on it; the verified ones are
        applied, and then the run hears of the others (SyncError)."""
        records = self.outbox.unconfirmed()
        answer = self.client.reconcile(
            [{"uuid": r.uuid, "station_seq": r.station_seq, "sha256": r.packet_sha256} for r in records]
        )
        if self.client.in_flight == 0:  # a quiet line: its time is a round trip (the idle link's probe)
            self.monitor.observe_rtt(self.client.last_rtt_s or 0.0)
        by_uuid = {r.uuid: r for r in records}
        changed = 0
        untrusted = 0
        for item in answer["records"]:
            rec = by_uuid.get(str(item.get("uuid"))) if isinstance(item, dict) else None
            if rec is None:
                untrusted += not isinstance(item, dict)
                continue
            state = item.get("state")
            if state not in (SAYS_RECEIVED, SAYS_REJECTED):
                continue  # unknown, registered, partial: nothing to conclude
            try:
                verdict = self.verifier.check(item.get("verdict"), rec, state)
            except SyncError as exc:
                self._distrust(rec, exc)
                untrusted += 1
                continue
            if verdict.state == SAYS_REJECTED:
                changed += self._apply_verdict(rec, verdict, verdict.reason or "rejected")
            else:
                exported = ", exported" if rec.state == EXPORTED else ""
                changed += self._apply_verdict(rec, verdict, f"receipt {verdict.receipt_id} (reconciled{exported})")
        try:
            watermark, gaps = self.verifier.ledger(answer)
        except SyncError as exc:
            log.warning("the reconcile answer's watermark and gaps were not believed: %s", exc.detail)
            untrusted += 1
        else:
            self._set_info(watermark=watermark, gaps=gaps)
        if untrusted:
            self._set_info(last_attempt_at=utcnow(), last_error=UNTRUSTED)
            raise SyncError(UNTRUSTED, f"{untrusted} part(s) of the reconcile answer proved nothing")
        return changed
