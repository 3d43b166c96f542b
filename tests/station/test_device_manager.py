"""The device manager without Qt (station.device_manager): it opens real simulated
devices, shares one open between callers, re-opens after a reset made during an open,
shows a failed open as a fault, and announces every change through the core's notifier."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from common.errors import ValidationError
from common.text import Text
from devices.base import Device, DeviceKind
from station.config import StationConfig
from station.device_manager import CLOSED, FAULT, READY, DeviceManager, select_and_open
from station.devices import Selection
from station.events import Change, Changes, Notifier

WAIT_S = 30.0


@pytest.fixture
def sim_config(core: Any) -> StationConfig:
    core.config.demo = True
    core.config.camera.driver = "opencv-sim"
    core.config.fingerprint.driver = "ef01-sim"
    core.config.signature.driver = "isdv4-sim"
    return core.config  # type: ignore[no-any-return]


@pytest.fixture
def notifier() -> Notifier:
    return Notifier()


@pytest.fixture
def manager(sim_config: StationConfig, notifier: Notifier) -> Iterator[DeviceManager]:
    m = DeviceManager(lambda: sim_config, notifier)
    yield m
    m.close_all()


def test_the_manager_imports_no_qt() -> None:
    code = "import sys, station.device_manager; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60, check=False).returncode == 0


def test_ensure_opens_once_and_announces_each_change(manager: DeviceManager, notifier: Notifier) -> None:
    seen: list[Changes] = []
    notifier.subscribe(seen.append)
    device = manager.ensure(DeviceKind.SIGNATURE)
    state = manager.state(DeviceKind.SIGNATURE)
    assert state.state == READY and state.simulated and state.driver == "isdv4-sim"
    assert manager.ensure(DeviceKind.SIGNATURE) is device  # open already: the same one
    assert manager.device(DeviceKind.SIGNATURE) is device
    assert [Change.DEVICE in c for c in seen] == [True, True]  # OPENING, then READY


def test_callers_during_an_open_share_that_one_device(sim_config: StationConfig, notifier: Notifier) -> None:
    gate = threading.Event()
    opened: list[Device] = []

    def slow_open(kind: DeviceKind, config: StationConfig) -> tuple[Selection, Device]:
        assert gate.wait(WAIT_S)
        selection, device = select_and_open(kind, config)
        opened.append(device)
        return selection, device

    manager = DeviceManager(lambda: sim_config, notifier, opener=slow_open)
    got: list[Device] = []
    callers = [threading.Thread(target=lambda: got.append(manager.ensure(DeviceKind.SIGNATURE))) for _ in range(3)]
    try:
        for t in callers:
            t.start()
        gate.set()
        for t in callers:
            t.join(WAIT_S)
        assert not any(t.is_alive() for t in callers)
        assert len(opened) == 1 and len(got) == 3 and all(d is opened[0] for d in got)
    finally:
        manager.close_all()


def test_a_reset_during_an_open_opens_again_with_the_new_choice(sim_config: StationConfig, notifier: Notifier) -> None:
    started, gate = threading.Event(), threading.Event()
    opened: list[Device] = []

    def gated_open(kind: DeviceKind, config: StationConfig) -> tuple[Selection, Device]:
        if not opened:
            started.set()
            assert gate.wait(WAIT_S)
        selection, device = select_and_open(kind, config)
        opened.append(device)
        close = device.close

        def recorded_close() -> None:
            closed.append(device)
            close()

        device.close = recorded_close  # type: ignore[method-assign]
        return selection, device

    closed: list[Device] = []
    manager = DeviceManager(lambda: sim_config, notifier, opener=gated_open)
    result: list[Device] = []
    worker = threading.Thread(target=lambda: result.append(manager.ensure(DeviceKind.SIGNATURE)))
    try:
        worker.start()
        assert started.wait(WAIT_S)
        assert manager.reset(DeviceKind.SIGNATURE) is None  # nothing open yet
        assert manager.state(DeviceKind.SIGNATURE).state == CLOSED
        gate.set()
        worker.join(WAIT_S)
        assert not worker.is_alive()
        assert len(opened) == 2 and result == [opened[1]]  # the first (stale) open was closed
        assert closed == [opened[0]] and manager.device(DeviceKind.SIGNATURE) is opened[1]
        assert manager.state(DeviceKind.SIGNATURE).state == READY
    finally:
        manager.close_all()


def test_a_failed_open_is_a_fault_until_the_next_open(sim_config: StationConfig, notifier: Notifier) -> None:
    refusal = ValidationError(Text("port salah", "wrong port"), code="fingerprint.no_port")
    fail = [True]

    def opener(kind: DeviceKind, config: StationConfig) -> tuple[Selection, Device]:
        if fail[0]:
            raise refusal
        return select_and_open(kind, config)

    manager = DeviceManager(lambda: sim_config, notifier, opener=opener)
    try:
        with pytest.raises(ValidationError):
            manager.ensure(DeviceKind.FINGERPRINT)
        state = manager.state(DeviceKind.FINGERPRINT)
        assert state.state == FAULT and state.error_code == "fingerprint.no_port" and state.error == refusal.message
        assert manager.device(DeviceKind.FINGERPRINT) is None
        fail[0] = False
        device = manager.ensure(DeviceKind.FINGERPRINT)
        assert manager.state(DeviceKind.FINGERPRINT).state == READY
        taken = manager.report_fault(DeviceKind.FINGERPRINT, RuntimeError("a capture broke"))
        assert taken is device  # handed back for the caller to close off its own thread
        state = manager.state(DeviceKind.FINGERPRINT)
        assert state.state == FAULT and state.error_code == "device.error" and state.driver == "ef01-sim"
        device.close()
    finally:
        manager.close_all()
    assert all(s.state == CLOSED for s in manager.states().values())
