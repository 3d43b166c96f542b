"""The supervisor's sync console, Qt-free: what it shows and what it does.

`console_snapshot` is everything the console shows, read in one go off the GUI thread
(link, whether the centre is busy and when the next try is, last sync, the central
watermark and gaps, the queue in order with its ETAs, rejected and exported records,
the last hour's link samples, the offline limits).
The actions are `force_sync`, `requeue_record` and `export_for_handcarry`; each is
audited with the supervisor's name. Each takes the supervisor's authenticated session
and checks it here (role, idle lock, account still active), not only in the screens.

The trap `force_sync` exists for: only one sync worker may run per station (an OS
lock), and the app's background worker usually holds it. So force sync never starts
a second worker: when the lock is taken it asks the holder (`request_force`) and
watches the outbox, bounded in time, until that worker has had its go (the queue is
empty, or the head is backing off after a fresh attempt, or the station itself was
refused); only when nobody holds the lock does it run a worker itself until idle.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from common.errors import ValidationError
from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from station.auth import Authenticated, Role, User
from station.core import StationCore
from station.status import link_state
from station.sync.busy import CentreBusy, centre_busy
from station.sync.errors import STATION, SyncError
from station.sync.limits import LimitState, station_limits
from station.sync.link_history import Sample, recent_samples
from station.sync.link_note import LinkNote, link_note
from station.sync.policy import delivery_rate_of
from station.sync.worker import FORCE_FILE, RunSummary, WorkerBusy, request_force
from store import audit
from store.models import Enrollment
from store.outbox import AT_CENTRE, EXPORTED, PENDING, REJECTED, Outbox
from store.states import QUEUE
from store.types import utcnow

log = logging.getLogger(__name__)

QUEUE_ROWS = 500  # rows shown; the totals count every record
LIST_ROWS = 200
FORCE_TIMEOUT_S = 120.0
POLL_S = 0.25


@dataclass(frozen=True)
class QueueRow:
    position: int  # 1-based: 1 is the record committing now
    reg_no: str
    uuid: str
    station_seq: int
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    size: int
    sent: int  # bytes the centre already holds
    eta_s: float | None  # until this record is through, at the measured throughput


@dataclass(frozen=True)
class ConsoleRecord:
    """A record in the sync console's rejected or exported list (a search result is
    station.records_view.FoundRecord)."""

    reg_no: str
    uuid: str
    station_seq: int
    at: datetime | None  # rejected: when; exported: when exported
    reason: str | None = None  # rejected: the centre's reason
    size: int | None = None


@dataclass(frozen=True)
class ConsoleSnapshot:
    link_state: str  # online | degraded | offline | unknown | no_central | no_central_key
    rtt_s: float | None
    throughput_bps: float | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    watermark: int
    gaps: list[int]
    pending: int
    pending_bytes: int
    backlog_eta_s: float | None
    queue: list[QueueRow]
    rejected: list[ConsoleRecord]
    exported: list[ConsoleRecord]
    samples: list[Sample]
    limits: list[LimitState]
    training_mode: str | None  # the training link's mode on a demo station, else None
    centre_busy: CentreBusy | None = None  # the centre answered busy; the next try (station.sync.busy)
    approval_wait: Text | None = None  # the queue's head awaits the supervisor (station.approval)
    cut_rate: float | None = None  # the link monitor's cuts per minute (station.sync.policy)
    chunk_bytes: int | None = None  # the PATCH chunk size in use
    last_progress_at: datetime | None = None  # when the centre last confirmed bytes of an upload
    link_note: LinkNote | None = None  # how long since bytes stuck; the hand-carry advice (station.sync.link_note)


@dataclass(frozen=True)
class ForceOutcome:
    via: str  # "ran": this call ran the worker; "asked": the running worker did; "timeout"
    sent: int
    rejected: int
    pending: int
    error: str | None  # an error code, when the queue did not empty
    message: Text
    errors: list[str] = field(default_factory=list)
    # Only when this call ran the worker ("ran"): its run and the packets retention removed,
    # or the station's own refusal (no centre, refused by it), for the CLI to report as before.
    summary: RunSummary | None = None
    removed: int = 0
    refusal: SyncError | None = None


def _eta(nbytes: int, throughput: float | None) -> float | None:
    if nbytes <= 0:
        return 0.0
    return nbytes / throughput if throughput else None


def pending_queue(outbox: Outbox, throughput: float | None, limit: int = QUEUE_ROWS) -> list[QueueRow]:
    rows: list[QueueRow] = []
    ahead = 0
    for i, r in enumerate(outbox.in_states(QUEUE, limit=limit), start=1):  # with approval's states, in order
        size = r.packet_size or 0
        ahead += max(0, size - r.upload_offset)
        rows.append(
            QueueRow(
                i, r.reg_no, r.uuid, r.station_seq, r.state, r.attempts, r.last_error, r.next_attempt_at,
                size, r.upload_offset, _eta(ahead, throughput),
            )
        )  # fmt: skip
    return rows


def _records(core: StationCore, state: str, limit: int = LIST_ROWS) -> list[ConsoleRecord]:
    e = Enrollment
    when = e.updated_at if state == REJECTED else e.exported_at
    with core.db.read() as session:
        rows = session.execute(
            select(e.reg_no, e.uuid, e.station_seq, when, e.reject_reason, e.packet_size)
            .where(e.state == state)
            .order_by(e.station_seq)
            .limit(limit)
        ).all()
    return [ConsoleRecord(str(reg), str(u), int(seq or 0), at, reason, size) for reg, u, seq, at, reason, size in rows]


def rejected_records(core: StationCore) -> list[ConsoleRecord]:
    return _records(core, REJECTED)


def exported_records(core: StationCore) -> list[ConsoleRecord]:
    return _records(core, EXPORTED)


def console_snapshot(core: StationCore) -> ConsoleSnapshot:
    from station.approval import approval_state
    from station.sync.background import sync_configured
    from station.sync.training_link import link_mode

    outbox = Outbox(core.db)
    info = outbox.info()
    pending, pending_bytes = outbox.pending_totals()
    link = link_state(core, info)
    limits = station_limits(core)
    throughput = info["throughput_bps"]
    delivering = delivery_rate_of(info)  # the ETAs count the link's cuts (station.sync.policy)
    return ConsoleSnapshot(
        link_state=link,
        rtt_s=info["rtt_s"],
        throughput_bps=throughput,
        last_success_at=info["last_success_at"],
        last_attempt_at=info["last_attempt_at"],
        last_error=info["last_error"],
        watermark=int(info["watermark"] or 0),
        gaps=list(info["gaps"]),
        pending=pending,
        pending_bytes=pending_bytes,
        backlog_eta_s=_eta(pending_bytes, delivering) if pending else 0.0,
        queue=pending_queue(outbox, delivering),
        rejected=rejected_records(core),
        exported=exported_records(core),
        samples=recent_samples(core.db),
        limits=limits,
        training_mode=link_mode(core) if sync_configured(core) else None,
        centre_busy=centre_busy(info, outbox.head()),
        approval_wait=approval_state(core).text(),
        cut_rate=info["cut_rate"],
        chunk_bytes=info["chunk_bytes"],
        last_progress_at=info["last_progress_at"],
        link_note=link_note(
            pending=pending,
            last_progress_at=info["last_progress_at"],
            last_success_at=info["last_success_at"],
            last_attempt_at=info["last_attempt_at"],
            now=utcnow(),
        ),
    )


# --- force sync -------------------------------------------------------------------


def _outcome_text(sent: int, rejected: int, pending: int, error: str | None) -> Text:
    counts = Text(
        f"{sent} terkirim, {rejected} ditolak, {pending} masih menunggu.",
        f"{sent} sent, {rejected} rejected, {pending} still waiting.",
    )
    if error is None or pending == 0:
        return Text(f"Sinkronisasi selesai: {counts.id}", f"Sync finished: {counts.en}")
    named = SyncError(error).message
    return Text(f"Sinkronisasi belum tuntas: {named.id} {counts.id}", f"Sync did not finish: {named.en} {counts.en}")


def _last_code(errors: list[str]) -> str | None:
    return errors[-1].rsplit(": ", 1)[-1] if errors else None


def authorise_force(core: StationCore, supervisor: User | None, *, source: str) -> Authenticated:
    """A force sync needs an authenticated, unlocked supervisor's session (checked here,
    in the core, whatever screen or command asks); audited with its name."""
    checked = core.auth.require(supervisor, Role.SUPERVISOR)
    with core.db.write() as session:
        audit.append(session, "force_sync", actor=checked.username, detail={"from": source})
    return checked


def force_sync(
    core: StationCore,
    supervisor: User | None,
    *,
    source: str = "console",
    wait_for_running: bool = True,
    until_idle: bool = True,
    wait_for_retry: bool = False,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    timeout_s: float | None = FORCE_TIMEOUT_S,
) -> ForceOutcome:
    """Sync now, as a supervisor asked, from the console or `station sync --force`:
    authorised and audited here; never a second worker (module docstring). When a
    worker holds the lock it is asked to sync now and, with `wait_for_running`, watched
    until it has had its go (bounded by `timeout_s`); otherwise this call runs one
    (`until_idle`, `wait_for_retry` and `timeout_s` as in `run_locked`)."""
    from station.sync.service import run_locked

    authorise_force(core, supervisor, source=source)
    progress(None, "sync")
    try:
        summary, removed = run_locked(
            core,
            force=True,
            until_idle=until_idle,
            wait_for_retry=wait_for_retry,
            timeout_s=timeout_s,
            cancel=cancel,
            progress=progress,
        )
    except WorkerBusy:
        if not wait_for_running:
            request_force(core.home)
            pending, _ = Outbox(core.db).pending_totals()
            asked = Text(
                "Pengirim yang sedang berjalan diminta sinkron sekarang.", "Asked the running worker to sync now."
            )
            return ForceOutcome("asked", 0, 0, pending, None, asked)
        log.info("force sync: a worker holds the lock; asking it")
        return _ask_running_worker(core, progress=progress, cancel=cancel, timeout_s=timeout_s or FORCE_TIMEOUT_S)
    except SyncError as exc:  # the station itself refused, or no centre: named, not a crash
        pending, _ = Outbox(core.db).pending_totals()
        return ForceOutcome(
            "ran", 0, 0, pending, exc.code, _outcome_text(0, 0, max(pending, 1), exc.code), [exc.code], refusal=exc
        )
    pending, _ = Outbox(core.db).pending_totals()
    error = summary.stopped_by or _last_code(summary.errors)
    return ForceOutcome(
        "ran", summary.sent, summary.rejected, pending, error if pending else None,
        _outcome_text(summary.sent, summary.rejected, pending, error), list(summary.errors),
        summary=summary, removed=removed,
    )  # fmt: skip


def _ask_running_worker(
    core: StationCore, *, progress: Progress, cancel: CancelToken | None, timeout_s: float
) -> ForceOutcome:
    outbox = Outbox(core.db)
    waiting = [r.uuid for r in outbox.in_states(PENDING, limit=100_000)]
    head = outbox.head()
    before = (head.uuid, head.attempts) if head is not None else None
    attempt_before = outbox.info()["last_attempt_at"]
    request_force(core.home)
    flag = core.home / FORCE_FILE
    deadline = time.monotonic() + timeout_s
    settled = False
    while time.monotonic() < deadline:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not flag.exists() and _settled(outbox, before, attempt_before):
            settled = True
            break
        pending, _ = outbox.pending_totals()
        progress(None, f"{pending}")
        time.sleep(POLL_S)
    sent = rejected = 0
    for uuid in waiting:
        rec = outbox.get(uuid)
        if rec is not None and rec.state in AT_CENTRE:
            sent += 1
        elif rec is not None and rec.state == REJECTED:
            rejected += 1
    pending, _ = outbox.pending_totals()
    error = outbox.info()["last_error"] if pending else None
    if not settled:
        message = Text(
            f"Pengirim yang berjalan belum selesai dalam {timeout_s:.0f} detik; ia melanjutkan di latar belakang. "
            f"{sent} terkirim, {pending} masih menunggu.",
            f"The running sync worker did not finish within {timeout_s:.0f} s; it goes on in the background. "
            f"{sent} sent, {pending} still waiting.",
        )
        return ForceOutcome("timeout", sent, rejected, pending, error or "sync.timeout", message)
    return ForceOutcome("asked", sent, rejected, pending, error, _outcome_text(sent, rejected, pending, error))


def _settled(outbox: Outbox, before: tuple[str, int] | None, attempt_before: datetime | None) -> bool:
    """The running worker has had its go: nothing waits, the head backs off after a fresh
    attempt, or the station itself was refused since we asked."""
    head = outbox.head()
    if head is None:
        return True
    if head.next_attempt_at is not None and head.next_attempt_at > utcnow() and (head.uuid, head.attempts) != before:
        return True
    info = outbox.info()
    refused = info["last_error"] is not None and SyncError(info["last_error"]).outcome == STATION
    return refused and info["last_attempt_at"] != attempt_before


# --- requeue and export -----------------------------------------------------------


def requeue_record(core: StationCore, reg_no: str, *, supervisor: User | None) -> str:
    """Send a record the centre rejected again, for an authenticated, unlocked
    supervisor's session (audited by the outbox); returns its uuid."""
    checked = core.auth.require(supervisor, Role.SUPERVISOR)
    found = core.enrollments.find_by_reg(reg_no.strip())
    if not found:
        raise ValidationError(Text(f"{reg_no} tidak ditemukan.", f"{reg_no} not found."))
    Outbox(core.db).requeue(found[0].uuid, actor=checked.username)
    return found[0].uuid


@dataclass(frozen=True)
class ExportedPacket:
    reg_no: str
    station_seq: int
    size: int
    file: str


def export_for_handcarry(
    core: StationCore, folder: Path, *, supervisor: User | None, progress: Progress = no_progress
) -> list[ExportedPacket]:
    """Every unsent packet and the signed manifest to `folder`, for an authenticated,
    unlocked supervisor's session (checked before anything is built or written, and
    again by station.sync.service's export_pending, which audits it with that name);
    what the manifest in the folder lists."""
    from station.sync.service import ensure_packets, export_listing, export_pending

    core.auth.require(supervisor, Role.SUPERVISOR)
    progress(None, str(folder))
    ensure_packets(core)
    result = export_pending(core, folder, supervisor=supervisor)
    listing = export_listing(result.folder)
    with core.db.read() as session:
        reg_nos = dict(
            session.execute(
                select(Enrollment.uuid, Enrollment.reg_no).where(Enrollment.uuid.in_([str(p["uuid"]) for p in listing]))
            ).all()
        )
    return [
        ExportedPacket(
            str(reg_nos.get(str(p["uuid"]), "?")), int(str(p["station_seq"])), int(str(p["size"])), str(p["file"])
        )
        for p in listing
    ]
