"""Wiring the sync parts from a station's configuration and keys."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common.errors import UserFacingError
from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from station.auth import Role, User
from station.config import insecure_http
from station.core import StationCore
from station.events import Change
from station.sync.client import CentralClient
from station.sync.errors import SyncError
from station.sync.packets import central_public_key, ensure_signing_key, packet_path, write_atomically
from station.sync.trust import ReceiptVerifier, receipt_public_key
from station.sync.worker import RunSummary, SyncWorker
from store.outbox import EXPORTED, PENDING, Outbox
from store.states import QUEUE
from store.types import utcnow
from wire.canonical import canonical
from wire.states import LedgerState

log = logging.getLogger(__name__)


def make_client(core: StationCore) -> CentralClient:
    """The client for the configured centre; refuses (SyncError, "station" outcome) when
    the centre's keys are not both installed or the URL is http:// to another computer."""
    url = core.config.effective_central_url()
    if not url:
        raise SyncError("sync.no_central")
    if central_public_key(core.home) is None:
        raise SyncError("sync.no_central_key")
    if receipt_public_key(core.home) is None:
        raise SyncError("sync.no_receipt_key")
    allow_http = core.config.sync.allow_insecure_http
    if insecure_http(url) and not allow_http:  # checked on the configured URL, before any relay
        raise SyncError("sync.insecure_http", url)
    from station.sync.training_link import route

    return CentralClient(
        route(core, url),  # a demo station goes through the training link (station.sync.training_link)
        station=core.station().code,
        signing_key=ensure_signing_key(core.home),
        read_timeout_s=core.config.sync.request_timeout_s,
        allow_insecure_http=allow_http,
    )


def ensure_packets(core: StationCore) -> int:
    """Build the packets of records sealed before the centre's key was installed."""
    from sqlalchemy import select

    from station.sync.packets import PacketWriter
    from store.enrollments import SealedRecord
    from store.models import Enrollment

    if central_public_key(core.home) is None:
        return 0
    with core.db.read() as session:
        rows = session.execute(
            select(Enrollment.id, Enrollment.uuid, Enrollment.reg_no, Enrollment.station_seq, Enrollment.sealed_at)
            .where(Enrollment.state.in_(QUEUE), Enrollment.packet_sha256.is_(None))
            .order_by(Enrollment.station_seq)
        ).all()
    writer = PacketWriter(core.home)
    code = core.station().code
    for row_id, record_uuid, reg_no, seq, sealed_at in rows:
        data = core.enrollments.load(record_uuid)
        assert data is not None and reg_no is not None and seq is not None and sealed_at is not None
        with core.db.write() as session:
            writer(session.connection(), SealedRecord(row_id, data, code, reg_no, seq, sealed_at))
    return len(rows)


def make_worker(
    core: StationCore, client: CentralClient | None = None, *, wake: threading.Event | None = None
) -> SyncWorker:
    """The configured worker. It announces what it commits on the station's notifier
    (core.events); `wake` is set by whoever tells it of new records (run_background_sync
    sets it on every Change.SEALED), so it does not wait out a nap to find them."""
    from station.sync.link_history import LinkRecorder
    from station.sync.policy import Backoff, CircuitBreaker, LinkMonitor

    s = core.config.sync
    client = client or make_client(core)
    return SyncWorker(
        home=core.home,
        outbox=Outbox(core.db),
        client=client,
        verifier=ReceiptVerifier.load(core.home, client.station),
        monitor=LinkMonitor(listener=LinkRecorder(core.db)),
        backoff=Backoff(base_s=s.backoff_base_s, cap_s=s.backoff_cap_s),
        breaker=CircuitBreaker(threshold=s.breaker_failures, cool_down_s=s.breaker_cool_down_s),
        notify=core.events.notify,
        wake=wake,
    )


def run_locked(
    core: StationCore,
    *,
    force: bool = False,
    until_idle: bool = True,
    wait_for_retry: bool = False,
    timeout_s: float | None = None,
    cancel: CancelToken | None = None,
    progress: Progress = no_progress,
) -> tuple[RunSummary, int]:
    """One worker with the station's lock (WorkerBusy if another worker holds it): build
    missing packets, run, apply retention. Returns the run and the packet files removed.
    `station sync` and the console's force sync share it."""
    from station.sync.worker_lock import WorkerLock

    lock = WorkerLock(core.home)
    lock.acquire()
    try:
        ensure_packets(core)
        worker = make_worker(core)
        if force:
            worker.force()
        try:
            summary = worker.run(
                until_idle=until_idle,
                wait_for_retry=wait_for_retry,
                timeout_s=timeout_s,
                cancel=cancel or CancelToken(),
                progress=progress,
                reconcile_every_s=core.config.sync.reconcile_every_s,
            )
        finally:
            worker.client.close()
        return summary, apply_retention(core)
    finally:
        lock.release()


def apply_retention(core: StationCore) -> int:
    """Delete packet files the centre received more than `retention_days` ago; metadata stays.

    A file goes only when its record's receipt_proof verifies *now*, under the installed
    receipt key, as a received verdict about exactly this record and packet: a record
    believed on an unsigned word (marked by an older version, or forged into the
    database) keeps its file until reconcile brings the centre's signed verdict."""
    outbox = Outbox(core.db)
    key = receipt_public_key(core.home)
    candidates = outbox.packets_past_retention(core.config.sync.retention_days)
    if key is None:
        if candidates:
            log.info("retention: no receipt key installed; %d packet files kept", len(candidates))
        return 0
    verifier = ReceiptVerifier(key, core.station().code)
    removed = unproven = 0
    for rec in candidates:
        verdict = verifier.check_proof(rec.receipt_proof, rec)
        if verdict is None or verdict.state != LedgerState.RECEIVED:
            unproven += 1
            if rec.receipt_proof:
                log.warning("retention: %s has a receipt proof that does not verify; its packet is kept", rec.uuid)
            continue
        packet_path(core.home, rec.uuid).unlink(missing_ok=True)
        outbox.set_fields(rec.uuid, packet_deleted_at=utcnow())
        removed += 1
    if unproven:
        log.info(
            "retention: %d packet files kept: their records have no signed receipt yet "
            "(marked received by an older version); reconcile will fetch one",
            unproven,
        )
    if removed:
        log.info("retention: removed %d packet files", removed)
    return removed


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    records: list[str]  # registration numbers
    bytes: int


def export_pending(core: StationCore, folder: Path, *, supervisor: User | None) -> ExportResult:
    """Hand-carry ("jemput bola"): copy every unsent packet and a signed manifest to `folder`.

    Records become EXPORTED; the centre's import is idempotent, and the station learns
    their receipts at its next reconcile. Packets leave the station on a stick here, so
    it takes an authenticated, unlocked supervisor's session, checked before anything
    is written, and the export is audited with that supervisor's name.
    """
    from store import audit

    checked = core.auth.require(supervisor, Role.SUPERVISOR)
    outbox = Outbox(core.db)
    queue = outbox.in_states(QUEUE, limit=100_000)
    # Strict order: nothing after a record that awaits the supervisor or its withdrawal
    # (which needs the network) is carried ahead of it (station.approval).
    held = next((r.station_seq for r in queue if r.state not in PENDING), None)
    records = [r for r in queue if r.packet_sha256 and r.state in PENDING and (held is None or r.station_seq < held)]
    if not records:
        raise UserFacingError(
            Text("Tidak ada rekaman yang menunggu dikirim.", "No records are waiting to be sent."),
            code="export.nothing",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as exc:
        raise UserFacingError(
            Text(f"Folder {folder} tidak dapat ditulis: {exc.strerror}", f"Cannot write to {folder}: {exc.strerror}"),
            code="export.folder",
        ) from None
    entries = []
    total = 0
    for r in records:
        blob = packet_path(core.home, r.uuid).read_bytes()
        name = f"{r.station_seq:07d}-{r.uuid}.pkt"
        try:
            write_atomically(folder / name, blob)
        except OSError as exc:
            raise UserFacingError(
                Text(
                    f"Gagal menulis ke {folder}: {exc.strerror}; tidak ada yang ditandai terekspor.",
                    f"Writing to {folder} failed: {exc.strerror}; nothing was marked exported.",
                ),
                code="export.write",
            ) from None
        entries.append(
            {"uuid": r.uuid, "station_seq": r.station_seq, "sha256": r.packet_sha256, "size": len(blob), "file": name}
        )
        total += len(blob)
    manifest = canonical(
        {"station": core.station().code, "exported_at": datetime.now(UTC).isoformat(), "packets": entries}
    )
    write_atomically(folder / "manifest.json", manifest)
    write_atomically(folder / "manifest.sig", ensure_signing_key(core.home).sign(manifest))
    for r in records:
        outbox.transition(r.uuid, EXPORTED, f"exported to {folder.name}", exported_at=utcnow())
    with core.db.write() as session:
        audit.append(
            session,
            "export",
            actor=checked.username,
            target=str(folder),
            detail={"records": len(records), "bytes": total},
        )
    core.events.notify(Change.SYNC, Change.AUDIT)  # the records left the queue (EXPORTED)
    os.sync()
    return ExportResult(folder, [r.reg_no for r in records], total)


def export_listing(folder: Path) -> list[dict[str, object]]:
    return list(json.loads((folder / "manifest.json").read_bytes())["packets"])
