"""The technician's self-test against the simulator: a healthy pad and each injected fault.

The five self-tests run side by side (each pad has its own simulator and port thread) to
keep the suite quick; nothing in the analysis depends on timing, only on what came over
the pty.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DeviceKind, SelfTestStep
from devices.registry import DeviceSettings
from devices.signature import ISDV4_SIM
from devices.signature.errors import ERRORS

pytestmark = pytest.mark.timeout(90)

FAST = {"query_timeout_s": 0.3, "settle_s": 0.1, "tempo": 2.0, "packet_rate": "line", "seed": 5}
FAULTS = (None, "stuck_tip", "dead_zone", "noise", "no_reply")
ALL_STEPS = ["query", "capabilities", "stream", "stuck_tip", "coverage", "noise"]


class Run:
    def __init__(self) -> None:
        self.steps: list[SelfTestStep] = []
        self.reported: list[SelfTestStep] = []
        self.progress: list[tuple[float | None, str]] = []
        self.seconds = 0.0


def _run(fault: str | None) -> Run:
    run = Run()
    pad = ISDV4_SIM.create(DeviceSettings(DeviceKind.SIGNATURE, options={**FAST, "fault": fault}))
    started = time.monotonic()
    try:
        run.steps = list(pad.self_test(on_step=run.reported.append, progress=lambda f, m: run.progress.append((f, m))))
    finally:
        run.seconds = time.monotonic() - started
        pad.close()
    return run


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str | None, Run]]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(FAULTS)) as pool:
        futures = {fault: pool.submit(_run, fault) for fault in FAULTS}
        yield {fault: f.result(timeout=60) for fault, f in futures.items()}


def _by_name(run: Run) -> dict[str, SelfTestStep]:
    return {s.name.removeprefix("signature."): s for s in run.steps}


def test_healthy_pad_passes_every_step(runs: dict[str | None, Run]) -> None:
    run = runs[None]
    steps = _by_name(run)
    assert list(steps) == ALL_STEPS
    assert all(s.passed for s in run.steps), [s.as_dict("en") for s in run.steps if not s.passed]
    assert run.reported == run.steps  # every step reported as it finished
    assert "19200 baud" in steps["query"].measured and "x_max 24576" in steps["capabilities"].measured
    assert "cells 16/16" in steps["coverage"].measured and "0 skips" in steps["coverage"].measured
    assert all(s.device == "signature" and s.error_code is None and s.remedy is None for s in run.steps)
    assert run.seconds < 15


def test_technician_is_told_what_to_do_in_both_languages(runs: dict[str | None, Run]) -> None:
    messages = [m for _, m in runs[None].progress]
    assert any("sudut" in m and "corners" in m for m in messages)
    assert any("Hold the pen" in m for m in messages)
    fractions = [f for f, _ in runs[None].progress if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


@pytest.mark.parametrize(
    ("fault", "step", "code"),
    [
        ("stuck_tip", "stuck_tip", "signature.stuck_tip"),
        ("dead_zone", "coverage", "signature.dead_zone"),
        ("noise", "noise", "signature.noise"),
        ("no_reply", "query", "signature.no_reply"),
    ],
)
def test_each_fault_fails_its_own_step_with_code_and_remedy(
    runs: dict[str | None, Run], fault: str, step: str, code: str
) -> None:
    run = runs[fault]
    steps = _by_name(run)
    failed = [name for name, s in steps.items() if not s.passed]
    assert failed == [step]  # named precisely: no other step blames the wrong part
    bad = steps[step]
    assert bad.error_code == code
    assert bad.remedy == ERRORS[code].remedy and bad.remedy.id and bad.remedy.en
    assert bad.measured and bad.expected
    if fault == "no_reply":
        assert list(steps) == ["query"]  # nothing else can run without a reply
        assert "19200" in bad.measured and "38400" in bad.measured
    else:
        assert list(steps) == ALL_STEPS


def test_fault_evidence_is_in_the_measurement(runs: dict[str | None, Run]) -> None:
    assert "never hovering" in _by_name(runs["stuck_tip"])["stuck_tip"].measured
    assert "skips, e.g." in _by_name(runs["dead_zone"])["coverage"].measured
    noise = _by_name(runs["noise"])["noise"].measured
    assert "bytes outside packets" in noise and not noise.startswith("0 ")


def test_self_test_honours_cancel() -> None:
    pad = ISDV4_SIM.create(DeviceSettings(DeviceKind.SIGNATURE, options={**FAST, "tempo": 1.0, "packet_rate": None}))
    cancel = CancelToken()
    seen: list[Any] = []

    def on_step(step: SelfTestStep) -> None:
        seen.append(step)
        if step.name == "signature.capabilities":
            threading.Timer(0.2, cancel.cancel).start()

    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            pad.self_test(on_step=on_step, cancel=cancel)
    finally:
        pad.close()
    assert [s.name for s in seen] == ["signature.query", "signature.capabilities"]
    assert time.monotonic() - started < 3
