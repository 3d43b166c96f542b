"""A busy centre on the health strip and in the sync console (issue 13): "Pusat sibuk,
coba lagi dalam N dtk" in amber, never the offline text, after a real worker met a
real HTTP centre answering 503 with Retry-After on loopback (testing.busy_centre).
Both screens hear of it through the core's notification, with their timers stopped."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station.auth import Role, User
from station.config import save_config
from station.enroll_synthetic import enroll_synthetic
from station.sync.service import make_worker
from testing.busy_centre import BusyCentre
from testing.harness import CentralServer, join
from ui.console_sync import SyncConsole
from ui.health import AMBER, HealthStrip

WAIT_MS = 30_000
BUSY_ID = re.compile(r"^Pusat sibuk, coba lagi dalam (\d+) dtk$")


@pytest.fixture
def busy_ctx(supervisor_ctx: Any, tmp_path: Path) -> Iterator[tuple[Any, BusyCentre]]:
    """A station joined to a real centre (its keys), then pointed at a busy one."""
    server = CentralServer(tmp_path / "central").start()
    centre = BusyCentre("320412-01", retry_after="40")
    try:
        join(supervisor_ctx.core, server)
        centre.start()
        supervisor_ctx.core.config.central_url = centre.url
        save_config(supervisor_ctx.core.config, supervisor_ctx.core.home)
        yield supervisor_ctx, centre
    finally:
        centre.stop()
        server.stop()


def test_busy_shows_as_busy_with_its_wait_not_as_offline(
    qtbot: Any, busy_ctx: tuple[Any, BusyCentre], indonesian: None
) -> None:
    ctx, centre = busy_ctx
    spv = User("spv", "Supervisor Uji", Role.SUPERVISOR)
    enroll_synthetic(ctx.core, 1, seed=13, operator=spv, approver=spv)
    strip = HealthStrip(ctx)
    qtbot.addWidget(strip)
    console = SyncConsole(ctx)
    qtbot.addWidget(console)
    qtbot.waitUntil(lambda: strip.status is not None and console.snapshot is not None, timeout=WAIT_MS)
    strip.timer.stop()  # only the worker's notification can bring the change
    console.timer.stop()
    assert not BUSY_ID.match(strip.link.text())

    errors: list[BaseException] = []

    def sync_once() -> None:
        worker = make_worker(ctx.core)
        try:
            worker.run(until_idle=True, timeout_s=20)
        except BaseException as exc:  # shown by the assertion below
            errors.append(exc)
        finally:
            worker.client.close()

    thread = threading.Thread(target=sync_once)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and not errors, errors
    assert centre.answered >= 1

    qtbot.waitUntil(lambda: BUSY_ID.match(strip.link.text()) is not None, timeout=WAIT_MS)
    shown = BUSY_ID.match(strip.link.text())
    assert shown is not None and 1 <= int(shown.group(1)) <= 60  # 40 s asked, spread to 60 at most
    assert AMBER in strip.link.styleSheet()
    assert strip.link.text() != strip.tr("Link: offline")
    assert strip.status is not None and strip.status["sync"]["link_state"] != "offline"
    assert "sync.busy" in strip.link.toolTip()

    qtbot.waitUntil(lambda: BUSY_ID.match(console.link_state.text()) is not None, timeout=WAIT_MS)
    assert AMBER in console.link_state.styleSheet()
    assert console.snapshot is not None and console.snapshot.link_state != "offline"
