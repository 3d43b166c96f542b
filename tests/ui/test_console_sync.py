"""The supervisor's sync console (pytest-qt) against a real central receiver on loopback."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from common.progress import CancelToken
from station.auth import Role, User
from station.enroll_synthetic import enroll_synthetic
from station.sync import training_link
from station.sync.link_history import Sample, record_sample
from station.sync.worker import SyncWorker
from store.models import AuditEvent
from store.outbox import REJECTED, Outbox
from store.types import utcnow
from testing.harness import CentralServer, join
from ui.console_sync import SyncConsole

WAIT_MS = 60_000
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console-sync.png"


@pytest.fixture(autouse=True)
def _no_relays_left() -> Iterator[None]:
    yield
    training_link.stop_all()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CentralServer]:
    s = CentralServer(tmp_path / "central").start()
    yield s
    s.stop()


@pytest.fixture
def joined_ctx(supervisor_ctx, server):  # type: ignore[no-untyped-def]
    join(supervisor_ctx.core, server)
    return supervisor_ctx


def seal(ctx: Any, n: int, seed: int = 4) -> list[str]:
    spv = User("spv", "Supervisor Uji", Role.SUPERVISOR)
    enroll_synthetic(ctx.core, n, seed=seed, operator=spv, approver=spv, batch=n)
    return [r.reg_no for r in Outbox(ctx.core.db).in_states(("SEALED",))]


def open_console(qtbot: Any, ctx: Any) -> SyncConsole:
    console = SyncConsole(ctx)
    qtbot.addWidget(console)
    console.resize(1366, 700)
    console.show()
    if ctx.user is not None and ctx.user.role == Role.SUPERVISOR:
        qtbot.waitUntil(lambda: console.snapshot is not None, timeout=WAIT_MS)
    return console


def refreshed(qtbot: Any, console: SyncConsole, predicate: Any) -> None:
    """Refresh until `predicate(snapshot)` holds (bounded)."""

    def check() -> bool:
        if console.snapshot is not None and predicate(console.snapshot):
            return True
        console.refresh()
        return False

    qtbot.waitUntil(check, timeout=WAIT_MS)


def audit(ctx: Any) -> list[tuple[str, str | None, str | None]]:
    with ctx.core.db.read() as s:
        return [tuple(r) for r in s.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.target)).all()]


def test_a_supervisor_gets_the_console(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    console = open_console(qtbot, supervisor_ctx)
    assert SyncConsole.roles == (Role.SUPERVISOR,)
    assert console.refusal.isHidden()
    assert console.force_button.isVisible() and console.export_button.isVisible()
    assert console.snapshot is not None and console.snapshot.link_state == "no_central"


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.TECHNICIAN])
def test_the_console_is_refused_to_an_operator_and_a_technician(qtbot, ctx, role) -> None:  # type: ignore[no-untyped-def]
    ctx.set_user(User("someone", "Someone", role))
    console = open_console(qtbot, ctx)
    assert console.refusal.isVisible() and "supervisors only" in console.refusal.text()
    assert console.findChildren(QPushButton) == [] and console.body is None


@pytest.mark.timeout(180)
def test_force_sync_moves_a_pending_record_to_received_and_shows_the_outcome(qtbot, joined_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = joined_ctx
    (reg,) = seal(ctx, 1)
    console = open_console(qtbot, ctx)
    assert console.queue.rowCount() == 1 and console.queue.item(0, 1).text() == reg
    console.force_button.click()
    assert not console.force_button.isEnabled()
    qtbot.waitUntil(lambda: console.force_button.isEnabled(), timeout=WAIT_MS)
    assert "1 terkirim" in console.force_result.text()
    assert Outbox(ctx.core.db).head() is None
    assert ctx.core.enrollments.find_by_reg(reg)[0].state in ("RECEIVED", "PRINT_READY")
    assert ("force_sync", "spv", None) in audit(ctx)
    refreshed(qtbot, console, lambda s: s.queue == [] and s.last_success_at is not None)
    assert console.queue.rowCount() == 0


@pytest.mark.timeout(180)
def test_force_sync_asks_the_running_worker_and_starts_no_second_one(qtbot, joined_ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from station.sync.background import run_background_sync

    ctx = joined_ctx
    (reg,) = seal(ctx, 1)
    head = Outbox(ctx.core.db).head()
    assert head is not None
    Outbox(ctx.core.db).transition(
        head.uuid, "WAITING_RETRY", "test", attempts=1, next_attempt_at=utcnow() + timedelta(hours=1)
    )
    runs: list[int] = []
    real_run = SyncWorker.run

    def counting_run(self, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return real_run(self, **kwargs)

    monkeypatch.setattr(SyncWorker, "run", counting_run)
    cancel = CancelToken()
    background = threading.Thread(target=run_background_sync, args=(ctx.core,), kwargs={"cancel": cancel})
    background.start()
    try:
        qtbot.waitUntil(lambda: bool(runs), timeout=WAIT_MS)
        console = open_console(qtbot, ctx)
        console.force_button.click()
        qtbot.waitUntil(lambda: console.force_button.isEnabled(), timeout=WAIT_MS)
        assert "1 terkirim" in console.force_result.text()
        assert len(runs) == 1  # the background worker did it; no second worker
    finally:
        cancel.cancel()
        background.join(30)
    assert ctx.core.enrollments.find_by_reg(reg)[0].state in ("RECEIVED", "PRINT_READY")


@pytest.mark.timeout(180)
def test_requeue_of_a_rejected_record(qtbot, joined_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = joined_ctx
    (reg,) = seal(ctx, 1)
    head = Outbox(ctx.core.db).head()
    assert head is not None
    Outbox(ctx.core.db).transition(
        head.uuid, REJECTED, "commit.rejected: packet.signature", reject_reason="packet.signature"
    )
    console = open_console(qtbot, ctx)
    assert console.rejected.rowCount() == 1 and console.rejected.item(0, 1).text() == "packet.signature"
    assert "(1)" in console.tabs.tabText(1)
    button = console.rejected.cellWidget(0, 3)
    assert isinstance(button, QPushButton)
    button.click()
    qtbot.waitUntil(lambda: reg in console.force_result.text(), timeout=WAIT_MS)
    assert Outbox(ctx.core.db).get(head.uuid).state == "SEALED"  # type: ignore[union-attr]
    assert ("requeue", "spv", reg) in audit(ctx)
    refreshed(qtbot, console, lambda s: s.rejected == [] and len(s.queue) == 1)
    assert console.rejected.rowCount() == 0 and console.queue.rowCount() == 1


@pytest.mark.timeout(180)
def test_export_lists_what_was_exported(qtbot, joined_ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ctx = joined_ctx
    regs = seal(ctx, 2)
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr("ui.console_sync.QFileDialog.getExistingDirectory", lambda *a, **k: str(usb))
    console = open_console(qtbot, ctx)
    console.export_button.click()
    qtbot.waitUntil(
        lambda: "2" in console.export_result.text() and regs[0] in console.export_result.text(), timeout=WAIT_MS
    )
    assert (usb / "manifest.json").exists() and len(list(usb.glob("*.pkt"))) == 2
    refreshed(qtbot, console, lambda s: len(s.exported) == 2)
    assert [console.exported.item(i, 0).text() for i in range(2)] == regs
    assert console.tabs.currentWidget() is console.exported
    assert ("export", "spv", str(usb)) in audit(ctx)


def test_the_link_plot_receives_samples(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    import time

    now = time.time()
    for i in range(30):
        state = "offline" if 10 <= i < 13 else "online"
        rtt = None if state == "offline" else 0.1 + 0.01 * i
        record_sample(supervisor_ctx.core.db, Sample(now - 1800 + i * 60, rtt, 20_000.0 + i * 100, state))
    console = open_console(qtbot, supervisor_ctx)
    assert len(console.plot.samples) == 30
    assert sum(1 for s in console.plot.samples if s.state == "offline") == 3
    console.plot.grab()  # paints without error


def test_the_link_figures_show_cuts_and_chunk_and_a_dead_link_points_to_the_usb(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    seal(supervisor_ctx, 1)
    now = utcnow()
    Outbox(supervisor_ctx.core.db).set_info(
        rtt_s=0.6,
        throughput_bps=30_000.0,
        cut_rate=29.5,
        chunk_bytes=6 * 1024,
        last_progress_at=now - timedelta(minutes=45),
        last_attempt_at=now,
    )
    console = open_console(qtbot, supervisor_ctx)
    figures = console.link_figures.text()
    assert "600 ms" in figures and "29.5" in figures and "6 KiB" in figures, figures
    note = console.link_note.text()
    assert console.link_note.isVisible() and "45" in note and "USB" in note, note


def test_the_hard_limit_is_named_with_what_to_do(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    supervisor_ctx.core.config.sync.warn_pending = 1
    supervisor_ctx.core.config.sync.block_pending = 1
    seal(supervisor_ctx, 1)
    console = open_console(qtbot, supervisor_ctx)
    assert console.limits.isVisible()
    text = console.limits.text()
    assert "New enrollments are stopped" in text and "(batas 1)" in text and "ekspor ke USB" in text


@pytest.mark.timeout(240)
def test_training_link_down_fails_sync_by_name_and_up_heals_it(qtbot, joined_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = joined_ctx
    assert ctx.core.config.demo
    seal(ctx, 1)
    console = open_console(qtbot, ctx)
    assert console.training.isVisible() and console.training_buttons["up"].isChecked()
    console.training_buttons["down"].click()
    qtbot.waitUntil(lambda: "Down" in console.training_result.text(), timeout=WAIT_MS)
    console.force_button.click()
    qtbot.waitUntil(lambda: console.force_button.isEnabled(), timeout=WAIT_MS)
    assert "tidak dapat dihubungi" in console.force_result.text()  # sync.offline, by name
    assert Outbox(ctx.core.db).head() is not None
    console.training_buttons["up"].click()
    qtbot.waitUntil(lambda: "Up" in console.training_result.text(), timeout=WAIT_MS)
    console.force_button.click()
    qtbot.waitUntil(lambda: console.force_button.isEnabled(), timeout=WAIT_MS)
    assert "1 terkirim" in console.force_result.text()
    assert Outbox(ctx.core.db).head() is None
    assert ("training_link", "spv", "down") in audit(ctx)


def test_screenshot(qtbot, supervisor_ctx, indonesian, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A few pending, one rejected, an hour of link samples; docs/screenshots/console-sync.png
    when STATION_SCREENSHOTS is set, else a throwaway file."""
    import math
    import time

    from station.sync.packets import CENTRAL_KEY

    core = supervisor_ctx.core
    (core.home / CENTRAL_KEY).write_bytes(CentralServer(tmp_path / "central").pubkey())
    core.config.central_url = "http://127.0.0.1:8700"
    seal(supervisor_ctx, 5)
    outbox = Outbox(core.db)
    first = outbox.head()
    assert first is not None
    outbox.transition(first.uuid, REJECTED, "commit.rejected: packet.signature", reject_reason="packet.signature")
    second = outbox.head()
    assert second is not None
    outbox.transition(
        second.uuid,
        "WAITING_RETRY",
        "attempt 2",
        attempts=2,
        last_error="sync.timeout",
        next_attempt_at=utcnow() + timedelta(seconds=40),
        upload_offset=40_000,
    )
    now = time.time()
    for i in range(360):
        at = now - 3600 + i * 10
        if 200 <= i < 230:
            record_sample(core.db, Sample(at, None, None, "offline"))
            continue
        rtt = 0.6 + 0.15 * math.sin(i / 9) + (0.4 if 150 <= i < 200 else 0.0)
        tp = 30_000 + 2_500 * math.cos(i / 7) if i % 40 < 28 else None
        record_sample(core.db, Sample(at, rtt, tp, "degraded" if rtt > 1.5 else "online"))
    outbox.set_info(
        last_success_at=utcnow() - timedelta(minutes=12),
        last_attempt_at=utcnow(),
        last_error="sync.timeout",
        watermark=40,
        gaps=[37, 38],
        link_state="online",
        rtt_s=0.62,
        throughput_bps=31_200.0,
    )
    console = SyncConsole(supervisor_ctx)
    qtbot.addWidget(console)
    console.resize(1366, 700)
    console.show()
    qtbot.waitUntil(lambda: console.snapshot is not None, timeout=WAIT_MS)
    qtbot.wait(200)
    out = SCREENSHOT if os.environ.get("STATION_SCREENSHOTS") else tmp_path / "console-sync.png"
    assert console.grab().save(str(out))
    assert console.queue.rowCount() == 4 and console.rejected.rowCount() == 1
