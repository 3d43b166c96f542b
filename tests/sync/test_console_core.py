"""The sync console's core (station.sync.console, link_history, training_link) against
a real central receiver on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from common.errors import AuthError, StateError
from common.progress import CancelToken
from station.config import save_config
from station.enroll_synthetic import enroll_synthetic
from station.sync import training_link
from station.sync.console import console_snapshot, export_for_handcarry, force_sync, requeue_record
from station.sync.link_history import LinkRecorder, Sample, recent_samples, record_sample
from station.sync.policy import LinkMonitor
from station.sync.worker import SyncWorker, WorkerLock
from store.models import AuditEvent, LinkSample
from store.outbox import REJECTED, Outbox
from store.types import utcnow
from tests.conftest import SUPERVISOR_PASSWORD


@pytest.fixture(autouse=True)
def _no_relays_left() -> Iterator[None]:
    yield
    training_link.stop_all()


def spv(core):  # type: ignore[no-untyped-def]
    """The supervisor's authenticated session (force sync and requeue take no bare name)."""
    return core.auth.login("spv", SUPERVISOR_PASSWORD)


def audit_actions(core) -> list[tuple[str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    with core.db.read() as s:
        return [tuple(r) for r in s.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.target)).all()]


def seal(core, supervisor, n: int, seed: int = 3) -> list[str]:  # type: ignore[no-untyped-def]
    report = enroll_synthetic(core, n, seed=seed, operator=supervisor, approver=supervisor, batch=n)
    return [r.reg_no for r in Outbox(core.db).in_states(("SEALED",))][-n:] if report else []


def test_snapshot_lists_the_queue_in_order_with_positions_and_etas_and_the_rejected_reason(core, supervisor):
    regs = seal(core, supervisor, 3)
    outbox = Outbox(core.db)
    outbox.set_info(throughput_bps=10_000.0, watermark=4, gaps=[2, 3])
    first = outbox.head()
    assert first is not None
    outbox.transition(first.uuid, REJECTED, "commit.rejected: packet.signature", reject_reason="packet.signature")
    snap = console_snapshot(core)
    assert [q.reg_no for q in snap.queue] == regs[1:]
    assert [q.position for q in snap.queue] == [1, 2]
    size = snap.queue[0].size
    assert snap.queue[0].eta_s == pytest.approx(size / 10_000)
    assert snap.queue[1].eta_s == pytest.approx(2 * size / 10_000)
    assert [(r.reg_no, r.reason) for r in snap.rejected] == [(regs[0], "packet.signature")]
    assert snap.pending == 2 and snap.watermark == 4 and snap.gaps == [2, 3]
    assert snap.link_state == "no_central" and snap.training_mode is None


@pytest.mark.timeout(120)
def test_force_sync_with_no_worker_running_runs_one_until_idle_and_is_audited(joined, supervisor):
    core = joined
    seal(core, supervisor, 2)
    outcome = force_sync(core, spv(core), timeout_s=60)
    assert outcome.via == "ran" and outcome.sent == 2 and outcome.pending == 0 and outcome.error is None
    assert "2 sent" in outcome.message.en
    assert all(s in ("RECEIVED", "PRINT_READY") for s in core.enrollments.state_counts())
    assert ("force_sync", "spv", None) in audit_actions(core)
    # The worker measured the link as it went: the console's plot has samples.
    samples = recent_samples(core.db)
    assert samples and samples[-1].state in ("online", "degraded") and samples[-1].rtt_s is not None
    assert console_snapshot(core).last_success_at is not None


@pytest.mark.timeout(120)
def test_force_sync_asks_the_running_background_worker_and_never_starts_a_second(joined, supervisor, monkeypatch):
    from station.sync.background import run_background_sync

    core = joined
    seal(core, supervisor, 1)
    head = Outbox(core.db).head()
    assert head is not None
    # The head backs off for an hour: only a force makes the background worker try now.
    Outbox(core.db).transition(
        head.uuid, "WAITING_RETRY", "test", attempts=1, next_attempt_at=utcnow() + timedelta(hours=1)
    )
    runs: list[int] = []
    active = [0]
    real_run = SyncWorker.run

    def counting_run(self, **kwargs):  # type: ignore[no-untyped-def]
        active[0] += 1
        runs.append(active[0])
        try:
            return real_run(self, **kwargs)
        finally:
            active[0] -= 1

    monkeypatch.setattr(SyncWorker, "run", counting_run)
    cancel = CancelToken()
    result: list[str] = []
    background = threading.Thread(target=lambda: result.append(run_background_sync(core, cancel=cancel)))
    background.start()
    try:
        for _ in range(100):  # bounded: the background worker takes the lock
            if runs:
                break
            cancel.wait(0.05)
        assert runs == [1]
        outcome = force_sync(core, spv(core), timeout_s=30)
        assert outcome.via == "asked", outcome
        assert outcome.sent == 1 and outcome.pending == 0
        assert runs == [1]  # still the one worker: force sync did not start another
    finally:
        cancel.cancel()
        background.join(30)
    assert result == ["cancelled"]
    assert Outbox(core.db).get(head.uuid).state in ("RECEIVED", "PRINT_READY")  # type: ignore[union-attr]


def test_force_sync_with_the_lock_held_and_nobody_answering_gives_up_in_bounded_time(joined, supervisor):
    core = joined
    seal(core, supervisor, 1)
    lock = WorkerLock(core.home)
    lock.acquire()  # a worker that never looks at the force request
    try:
        outcome = force_sync(core, spv(core), timeout_s=1.0)
    finally:
        lock.release()
    assert outcome.via == "timeout" and outcome.pending == 1 and "did not finish within 1 s" in outcome.message.en


@pytest.mark.timeout(120)
def test_requeue_of_a_rejected_record_is_audited_and_the_next_sync_sends_it(joined, supervisor):
    core = joined
    (reg,) = seal(core, supervisor, 1)
    rec = Outbox(core.db).head()
    assert rec is not None
    with pytest.raises(StateError):
        requeue_record(core, reg, supervisor=spv(core))  # not rejected
    Outbox(core.db).transition(rec.uuid, REJECTED, "upload.too_large", reject_reason="upload.too_large")
    assert force_sync(core, spv(core), timeout_s=30).sent == 0
    requeue_record(core, reg, supervisor=spv(core))
    assert ("requeue", "spv", reg) in audit_actions(core)
    assert Outbox(core.db).get(rec.uuid).state == "SEALED"  # type: ignore[union-attr]
    assert force_sync(core, spv(core), timeout_s=60).sent == 1
    assert console_snapshot(core).rejected == []


def test_force_sync_requeue_export_and_the_training_link_refuse_a_non_supervisor_a_locked_session_and_a_bare_name(
    core, supervisor, tmp_path: Path
):  # type: ignore[no-untyped-def]
    """The core checks the session itself, whatever screen or command asks."""
    from station.auth import Role
    from station.sync.packets import CENTRAL_KEY
    from station.sync.service import export_pending
    from testing.harness import CentralServer

    (core.home / CENTRAL_KEY).write_bytes(CentralServer(tmp_path / "central").pubkey())
    reg, waiting = seal(core, supervisor, 2)  # one rejected (to requeue), one to export
    rec = Outbox(core.db).head()
    assert rec is not None and rec.reg_no == reg
    Outbox(core.db).transition(rec.uuid, REJECTED, "upload.too_large", reject_reason="upload.too_large")
    core.config.demo = True  # ani need not choose her own password first
    core.auth.add_operator("ani", "Ani", Role.OPERATOR, "kata-sandi-1", by=spv(core))
    locked = spv(core)
    locked.lock()
    for who, code in (
        (core.auth.login("ani", "kata-sandi-1"), "auth.role"),
        (locked, "auth.session_locked"),
        (supervisor, "auth.no_session"),  # a plain User, no password given
        (None, "auth.no_session"),
    ):
        with pytest.raises(AuthError) as info:
            force_sync(core, who, timeout_s=1.0)
        assert info.value.code == code
        with pytest.raises(AuthError) as info:
            requeue_record(core, reg, supervisor=who)
        assert info.value.code == code
        for export in (export_for_handcarry, export_pending):
            with pytest.raises(AuthError) as info:
                export(core, tmp_path / "usb", supervisor=who)
            assert info.value.code == code
        with pytest.raises(AuthError) as info:
            training_link.set_link(core, "down", supervisor=who)
        assert info.value.code == code
    assert Outbox(core.db).get(rec.uuid).state == REJECTED  # type: ignore[union-attr]
    assert not (tmp_path / "usb").exists()  # refused before anything was written
    assert [r.reg_no for r in Outbox(core.db).in_states(("SEALED",))] == [waiting]
    assert not [a for a in audit_actions(core) if a[0] in ("force_sync", "requeue", "export", "training_link")]


def test_export_lists_what_it_wrote_and_marks_it_exported(core, supervisor, tmp_path: Path):
    from station.sync.packets import CENTRAL_KEY
    from testing.harness import CentralServer

    central = CentralServer(tmp_path / "central")  # only its key: nothing is sent
    (core.home / CENTRAL_KEY).write_bytes(central.pubkey())
    regs = seal(core, supervisor, 2)
    folder = tmp_path / "usb"
    exported = export_for_handcarry(core, folder, supervisor=spv(core))
    assert [p.reg_no for p in exported] == regs
    assert all((folder / p.file).stat().st_size == p.size for p in exported)
    assert (folder / "manifest.sig").exists()
    assert ("export", "spv", str(folder)) in audit_actions(core)
    assert [r.reg_no for r in console_snapshot(core).exported] == regs


def test_link_recorder_writes_at_most_one_sample_per_interval_and_prunes_the_old(core):
    clock = [1_000_000.0]
    recorder = LinkRecorder(core.db, interval_s=10.0, clock=lambda: clock[0])
    monitor = LinkMonitor(listener=recorder)
    for _ in range(50):  # fifty measurements within one second: one sample
        monitor.observe_rtt(0.2)
        clock[0] += 0.02
    assert len(recent_samples(core.db, now=clock[0])) == 1
    monitor.observe_failure()
    monitor.observe_failure()  # the state changed (offline): written at once, without an RTT
    samples = recent_samples(core.db, now=clock[0])
    assert [s.state for s in samples] == ["online", "offline"] and samples[-1].rtt_s is None
    clock[0] += 15
    monitor.observe_transfer(64_000, 2.0)
    assert recent_samples(core.db, now=clock[0])[-1].throughput_bps == pytest.approx(32_000)
    record_sample(core.db, Sample(clock[0] + 7200, 0.1, None, "online"))  # two hours later
    with core.db.read() as s:
        assert len(s.execute(select(LinkSample.id)).all()) == 1  # the old hour pruned


@pytest.mark.timeout(120)
def test_training_link_down_fails_sync_with_a_named_error_and_up_heals_it(joined, supervisor):
    core = joined
    core.config.demo = True
    save_config(core.config, core.home)
    seal(core, supervisor, 1)
    assert training_link.link_mode(core) == "up"
    training_link.set_link(core, "down", supervisor=spv(core))
    down = force_sync(core, spv(core), timeout_s=30)
    assert down.sent == 0 and down.pending == 1 and down.error == "sync.offline"
    assert "cannot be reached" in down.message.en
    assert training_link.link_mode(core) == "down"
    assert recent_samples(core.db)[-1].state == "offline"
    training_link.set_link(core, "up", supervisor=spv(core))
    up = force_sync(core, spv(core), timeout_s=60)
    assert up.sent == 1 and up.pending == 0, up
    assert ("training_link", "spv", "down") in audit_actions(core)


def test_training_link_is_refused_on_a_real_station(joined):
    with pytest.raises(training_link.TrainingLinkError):
        training_link.set_link(joined, "down", supervisor=spv(joined))
    assert training_link.link_mode(joined) is None


@pytest.mark.timeout(60)
def test_slow_training_link_shapes_to_about_2g():
    import socket
    import time

    upstream = socket.socket()
    upstream.bind(("127.0.0.1", 0))
    upstream.listen(1)
    relay = training_link.TrainingRelay("127.0.0.1", upstream.getsockname()[1]).start()
    try:
        relay.set_mode("slow")
        client = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
        server, _ = upstream.accept()
        server.settimeout(10)
        payload = b"x" * 64_000
        started = time.monotonic()
        client.sendall(payload)
        got = 0
        while got < len(payload):
            got += len(server.recv(65536))
        elapsed = time.monotonic() - started
        assert 1.6 < elapsed < 4.0  # 64 000 B at 32 000 B/s, plus 300 ms one way
        client.close()
        server.close()
    finally:
        relay.stop()
        upstream.close()
    with pytest.raises(ValueError):
        training_link.TrainingRelay("10.0.0.1", 80)  # loopback only


@pytest.mark.timeout(60)
def test_flaky_training_link_cuts_connections_periodically_and_down_refuses():
    import socket

    upstream = socket.socket()
    upstream.bind(("127.0.0.1", 0))
    upstream.listen(4)
    relay = training_link.TrainingRelay("127.0.0.1", upstream.getsockname()[1], cut_every_s=0.3).start()
    try:
        relay.set_mode("flaky")
        client = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
        server, _ = upstream.accept()
        client.sendall(b"ping")
        assert server.recv(16) == b"ping"  # it relays between cuts
        try:
            assert client.recv(16) == b""  # then the cut: closed under us
        except ConnectionResetError:
            pass
        client.close()
        server.close()
        relay.set_mode("down")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", relay.port), timeout=5)
        relay.set_mode("up")
        socket.create_connection(("127.0.0.1", relay.port), timeout=5).close()  # the same port again
    finally:
        relay.stop()
        upstream.close()


def test_training_link_warns_once_while_the_centre_is_unreachable(caplog):
    """A demo station retries every few seconds; the log says 'cannot reach' once per
    outage, and says when the centre is reached again."""
    import logging
    import socket

    upstream = socket.socket()
    upstream.bind(("127.0.0.1", 0))  # bound, not listening: every connect is refused
    relay = training_link.TrainingRelay("127.0.0.1", upstream.getsockname()[1]).start()
    caplog.set_level(logging.DEBUG, logger=training_link.__name__)

    def one_connection() -> bytes:
        with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as client:
            try:
                return client.recv(16)  # b"" once the relay gave up on this connection
            except ConnectionResetError:
                return b""

    try:
        for _ in range(3):
            assert one_connection() == b""
        upstream.listen(1)
        with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as client:
            server, _ = upstream.accept()
            server.settimeout(10)
            client.sendall(b"ping")
            assert server.recv(16) == b"ping"  # relayed: the relay has counted the centre reached
            server.close()
    finally:
        relay.stop()
        upstream.close()
    lines = [r for r in caplog.records if "reach" in r.getMessage()]
    warnings = [r for r in lines if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot reach the centre" in warnings[0].getMessage()
    assert sum(r.levelno == logging.DEBUG for r in lines) == 2
    assert any(r.levelno == logging.INFO and "after 3 failed" in r.getMessage() for r in lines)
