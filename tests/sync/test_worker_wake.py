"""The app's sync worker is told of seals instead of finding them on a timer, and tells
the screens what it changed (station.events)."""

from __future__ import annotations

import threading
import time

from common.progress import CancelToken
from station.enroll_synthetic import enroll_synthetic
from station.events import Change, Changes
from station.sync import worker as worker_module
from station.sync.background import run_background_sync
from station.sync.worker import SyncWorker
from store.outbox import Outbox

OLD_POLL_S = 5.0  # the timer the worker used to find new records with


def test_a_sealed_record_wakes_the_background_worker_at_once(joined, supervisor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    core = joined
    # Naps an hour long: only the seal's notification can start the record in time.
    monkeypatch.setattr(worker_module, "IDLE_POLL_S", 3600.0)
    monkeypatch.setattr(worker_module, "IDLE_FALLBACK_S", 3600.0)
    napping = threading.Event()
    nap_ends: list[str] = []
    real_nap = SyncWorker._nap

    def watched_nap(self: SyncWorker, seconds: float, deadline: float | None, cancel: CancelToken | None) -> str:
        napping.set()
        why = real_nap(self, seconds, deadline, cancel)
        nap_ends.append(why)
        return why

    monkeypatch.setattr(SyncWorker, "_nap", watched_nap)
    seen: list[Changes] = []
    received = threading.Event()

    def listen(changes: Changes) -> None:
        seen.append(changes)
        if Change.RECEIVED in changes:
            received.set()

    core.events.subscribe(listen)
    cancel = CancelToken()
    result: list[str] = []
    background = threading.Thread(target=lambda: result.append(run_background_sync(core, cancel=cancel)))
    background.start()
    try:
        assert napping.wait(30), "the worker never went idle"
        assert nap_ends == []  # it is in its first (hour-long) nap
        report = enroll_synthetic(core, 1, seed=21, operator=supervisor, approver=supervisor, batch=1)
        sealed_at = time.monotonic()
        assert received.wait(OLD_POLL_S / 2), "the sealed record was not received in time"
        took = time.monotonic() - sealed_at
        assert nap_ends and nap_ends[0] == "wake", nap_ends  # the seal ended the nap, not its timer
        assert took < OLD_POLL_S / 2
    finally:
        cancel.cancel()
        background.join(30)
    assert result == ["cancelled"]
    record = core.enrollments.find_by_reg(report.first_reg)[0]
    got = Outbox(core.db).get(record.uuid)
    assert got is not None and got.state in ("RECEIVED", "PRINT_READY")
    # The worker announced each committed step, naming the record (never a NIK).
    kinds = [k for c in seen for k in c.kinds]
    assert Change.SYNC in kinds and Change.RECEIVED in kinds and Change.LINK in kinds
    assert {c.record_uuid for c in seen if Change.RECEIVED in c} == {record.uuid}
    assert kinds.index(Change.SEALED) < kinds.index(Change.SYNC) < kinds.index(Change.RECEIVED)


def test_a_worker_nobody_wakes_keeps_its_short_idle_nap(joined) -> None:  # type: ignore[no-untyped-def]
    """`station sync` (no wake event) still naps IDLE_POLL_S when idle; a worker told of
    seals naps long unless records await the centre's answer."""
    from station.sync.service import make_worker

    told = make_worker(joined, wake=threading.Event())
    alone = make_worker(joined)
    try:
        assert alone._idle_nap_s() == worker_module.IDLE_POLL_S
        assert told._idle_nap_s() == worker_module.IDLE_FALLBACK_S  # nothing awaits the centre
    finally:
        told.client.close()
        alone.client.close()
