"""The health strip listens instead of polling: a seal made on a worker thread shows
in the backlog figure through the core's notification, with the strip's timer stopped."""

from __future__ import annotations

import threading

from station.enroll_synthetic import enroll_synthetic
from ui.health import HealthStrip

WAIT_MS = 10_000


def test_a_seal_shows_in_the_backlog_without_the_timer(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = supervisor_ctx
    strip = HealthStrip(ctx)
    qtbot.addWidget(strip)
    qtbot.waitUntil(lambda: strip.status is not None, timeout=WAIT_MS)
    strip.timer.stop()  # no polling: only the notification can bring the change
    assert strip.status is not None and strip.status["sync"]["pending_records"] == 0
    user = ctx.user
    worker = threading.Thread(target=lambda: enroll_synthetic(ctx.core, 1, seed=7, operator=user, approver=user))
    worker.start()
    worker.join(60)
    assert not worker.is_alive()
    qtbot.waitUntil(lambda: strip.status["sync"]["pending_records"] == 1, timeout=WAIT_MS)
    assert "1" in strip.backlog.text()
