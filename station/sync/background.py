"""The app's sync worker: runs until cancelled, quietly, as long as a centre is set up.

The desktop app calls `run_background_sync` on a worker thread when an operator
logs in. It takes the same OS lock as `station sync` (so a worker in another
process is never doubled: then it just returns), and keeps the worker running
through outages; failures are on each record's timeline and in the status, never
shouted at the operator (they did not ask).

It is told of new records rather than finding them on a timer: every `Change.SEALED`
on the station's notifier wakes the worker's nap at once. Records sealed by another
process (a CLI run) cannot notify this one; the worker's fallback nap finds them
(station.sync.worker: IDLE_FALLBACK_S).
"""

from __future__ import annotations

import logging
import threading

from common.progress import CancelToken, Progress, no_progress
from station.core import StationCore
from station.events import Change, Changes
from station.sync.errors import STATION, SyncError
from station.sync.packets import central_public_key
from station.sync.trust import receipt_public_key

log = logging.getLogger(__name__)

RESTART_AFTER_S = 30.0


def sync_configured(core: StationCore) -> bool:
    return (
        bool(core.config.effective_central_url())
        and central_public_key(core.home) is not None
        and receipt_public_key(core.home) is not None
    )


def run_background_sync(core: StationCore, *, cancel: CancelToken, progress: Progress = no_progress) -> str:
    """Returns why it stopped: "cancelled", "not_configured", "busy" (another worker)."""
    from station.sync.service import apply_retention, ensure_packets, make_worker
    from station.sync.worker_lock import WorkerBusy, WorkerLock
    from store.outbox import Outbox

    if not sync_configured(core):
        return "not_configured"
    lock = WorkerLock(core.home)
    try:
        lock.acquire()
    except WorkerBusy:
        log.info("another sync worker holds the lock; the app does not start one")
        return "busy"
    # A seal in this process wakes the worker at once (its nap waits on this event);
    # seals by another process are found by its fallback nap (station.sync.worker).
    wake = threading.Event()

    def on_change(changes: Changes) -> None:
        if Change.SEALED in changes:
            wake.set()

    unsubscribe = core.events.subscribe(on_change)
    try:
        ensure_packets(core)
        while not cancel.cancelled:
            try:
                worker = make_worker(core, wake=wake)
            except SyncError as exc:  # e.g. http:// to another computer: shown in the status
                log.warning("sync not started: %s", exc.code)
                Outbox(core.db).set_info(last_error=exc.code)
                cancel.wait(RESTART_AFTER_S)
                continue
            try:
                worker.run(
                    until_idle=False,
                    cancel=cancel,
                    progress=progress,
                    reconcile_every_s=core.config.sync.reconcile_every_s,
                )
            except SyncError as exc:
                # A refusal of the station itself (unknown, bad signature, clock): it is
                # in the status; try again later in case a supervisor fixes it.
                log.warning("sync stopped: %s", exc.code)
                if exc.outcome != STATION:
                    raise
            finally:
                worker.client.close()
            apply_retention(core)
            cancel.wait(RESTART_AFTER_S)
        return "cancelled"
    finally:
        unsubscribe()
        lock.release()
