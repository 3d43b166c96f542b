"""Every injected fault is named by its own code and remedy, by the driver and by the self-test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from common.biometrics import FingerPosition
from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DeviceError, SelfTestStep
from devices.fingerprint import EF01_SIM, Ef01Scanner, start_simulator
from devices.registry import DeviceKind, DeviceSettings

pytestmark = pytest.mark.timeout(60)

STEP_NAMES = [
    "fingerprint.open",
    "fingerprint.password",
    "fingerprint.parameters",
    "fingerprint.template_count",
    "fingerprint.sensor",
    "fingerprint.led",
    "fingerprint.empty_platen",
    "fingerprint.image_upload",
    "fingerprint.platen_uniformity",
]


Make = Callable[..., Ef01Scanner]


@pytest.fixture
def make() -> Iterator[Make]:
    made: list[Ef01Scanner] = []

    def factory(fault: str | None, **sim_options: Any) -> Ef01Scanner:
        sim = start_simulator(fault=fault, seed=17, **sim_options)
        scanner = Ef01Scanner(sim.path, timeout_s=0.3, poll_interval_s=0.002, simulator=sim)
        made.append(scanner)
        return scanner

    yield factory
    for scanner in made:
        scanner.close()


def assert_named(exc: DeviceError, code: str) -> None:
    assert exc.code == code
    assert exc.remedy is not None and exc.remedy.id and exc.remedy.en and exc.remedy.id != exc.remedy.en
    assert exc.message.id != exc.message.en


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("no_reply", "fingerprint.no_reply"),
        ("bad_checksum", "fingerprint.bad_checksum"),
        ("wrong_baud", "fingerprint.wrong_baud"),
    ],
)
def test_link_faults_stop_open_with_their_code(make: Make, fault: str, code: str) -> None:
    scanner = make(fault)
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        scanner.open()
    assert_named(caught.value, code)
    assert time.monotonic() - started < 8.0
    assert not scanner.is_open


def test_wrong_baud_names_the_baud_the_module_answers_at(make: Make) -> None:
    scanner = make("wrong_baud")
    with pytest.raises(DeviceError) as caught:
        scanner.open()
    remedy = caught.value.remedy
    assert remedy is not None and "115200" in remedy.en and "115200" in remedy.id
    scanner.baud = 115200  # the technician follows the remedy
    scanner.open()
    assert scanner.template_count() == 0


def test_a_module_silent_at_the_wrong_baud_is_found_too(make: Make) -> None:
    scanner = make("wrong_baud", garble_replies=False)
    with pytest.raises(DeviceError) as caught:
        scanner.open()
    assert_named(caught.value, "fingerprint.wrong_baud")
    assert caught.value.remedy is not None and "115200" in caught.value.remedy.en


def test_sensor_fault_on_capture_and_on_check(make: Make) -> None:
    scanner = make("sensor_fault")
    scanner.open()  # the link is fine; the sensor is not
    with pytest.raises(DeviceError) as caught:
        scanner.capture_finger(FingerPosition.RIGHT_INDEX, timeout_s=1)
    assert_named(caught.value, "fingerprint.sensor_fault")
    with pytest.raises(DeviceError) as caught:
        scanner.check_sensor()
    assert_named(caught.value, "fingerprint.sensor_fault")


def test_ghost_finger_fault_on_capture(make: Make) -> None:
    scanner = make("ghost_finger")
    scanner.open()
    with pytest.raises(DeviceError) as caught:
        scanner.capture_finger(FingerPosition.LEFT_THUMB, timeout_s=1)
    assert_named(caught.value, "fingerprint.ghost_finger")


def test_slow_line_is_reported_early_not_after_a_minute(make: Make) -> None:
    scanner = make("slow_line")
    scanner.open()
    scanner.gen_img()
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        scanner.upload_image()
    assert_named(caught.value, "fingerprint.slow_line")
    assert time.monotonic() - started < 3.0


def test_faults_can_be_switched_while_running(make: Make) -> None:
    scanner = make(None)
    sim = scanner.simulator
    assert sim is not None
    scanner.open()
    sim.set_fault("no_reply")
    with pytest.raises(DeviceError) as caught:
        scanner.template_count()
    assert caught.value.code == "fingerprint.no_reply"
    sim.set_fault(None)
    assert scanner.template_count() == 0


# --- self-test -------------------------------------------------------------------------------------


def run(scanner: Ef01Scanner) -> dict[str, SelfTestStep]:
    reported: list[SelfTestStep] = []
    steps = scanner.self_test(on_step=reported.append)
    assert list(steps) == reported
    assert [s.name for s in steps] == STEP_NAMES
    for step in steps:
        assert step.device == "fingerprint" and step.title.id and step.title.en and step.expected
        if not step.passed:
            assert step.remedy is not None and step.remedy.id != step.remedy.en, step.name
    return {s.name: s for s in steps}


def test_healthy_module_passes_every_step(make: Make) -> None:
    scanner = make(None)
    progress: list[float | None] = []
    steps = scanner.self_test(progress=lambda f, m: progress.append(f))
    assert all(s.passed for s in steps), [s.as_dict("en") for s in steps if not s.passed]
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert not scanner.is_open  # it was closed before, so it is closed after
    assert scanner.platen_baseline is not None and scanner.platen_baseline.shape == (288, 256)
    by_name = {s.name: s for s in steps}
    assert "capacity 1000" in by_name["fingerprint.parameters"].measured
    assert by_name["fingerprint.empty_platen"].measured == "GenImg 0x02"


def test_self_test_on_an_open_scanner_leaves_it_open(make: Make) -> None:
    scanner = make(None, led=False)
    scanner.open()
    steps = run(scanner)
    assert all(s.passed for s in steps.values())
    assert "not supported" in steps["fingerprint.sensor"].measured
    assert "no LED" in steps["fingerprint.led"].measured
    assert scanner.is_open and scanner.template_count() == 0


@pytest.mark.parametrize(
    ("fault", "failing"),
    [
        ("no_reply", {"fingerprint.password": "fingerprint.no_reply"}),
        ("bad_checksum", {"fingerprint.password": "fingerprint.bad_checksum"}),
        ("wrong_baud", {"fingerprint.password": "fingerprint.wrong_baud"}),
        (
            "sensor_fault",
            {
                "fingerprint.sensor": "fingerprint.sensor_fault",
                "fingerprint.empty_platen": "fingerprint.sensor_fault",
                "fingerprint.platen_uniformity": None,  # a dead sensor gives a dark image
            },
        ),
        (
            "ghost_finger",
            {"fingerprint.empty_platen": "fingerprint.ghost_finger", "fingerprint.platen_uniformity": None},
        ),
        ("slow_line", {"fingerprint.image_upload": "fingerprint.slow_line", "fingerprint.platen_uniformity": None}),
    ],
)
def test_self_test_names_each_injected_fault(make: Make, fault: str, failing: dict[str, str | None]) -> None:
    steps = run(make(fault))
    assert steps["fingerprint.open"].passed
    for name, code in failing.items():
        assert not steps[name].passed, name
        assert steps[name].error_code == code, name
    if fault in ("sensor_fault", "ghost_finger"):  # the uniformity remedy points at the right part
        remedy = steps["fingerprint.platen_uniformity"].remedy
        assert remedy is not None and ("sensor" if fault == "sensor_fault" else "glass") in remedy.en
    if "fingerprint.password" in failing:  # nothing after a dead link is claimed to pass
        later = STEP_NAMES[STEP_NAMES.index("fingerprint.password") + 1 :]
        assert all(steps[n].measured == "not run" and not steps[n].passed for n in later)
    else:
        others = [n for n in STEP_NAMES if n not in failing]
        assert all(steps[n].passed for n in others), [steps[n].as_dict("en") for n in others if not steps[n].passed]


def test_self_test_honours_cancel(make: Make) -> None:
    scanner = make(None)
    cancel = CancelToken()
    seen: list[str] = []

    def on_step(step: SelfTestStep) -> None:
        seen.append(step.name)
        if step.name == "fingerprint.parameters":
            cancel.cancel()

    with pytest.raises(Cancelled):
        scanner.self_test(on_step=on_step, cancel=cancel)
    assert seen == STEP_NAMES[:3]
    assert not scanner.is_open


@pytest.mark.parametrize("fault", ["sensor_fault", "ghost_finger"])
def test_simulated_spec_passes_the_fault_option(fault: str) -> None:
    scanner = EF01_SIM.create(DeviceSettings(DeviceKind.FINGERPRINT, options={"fault": fault, "timeout_s": 0.3}))
    assert isinstance(scanner, Ef01Scanner)
    try:
        steps = {s.name: s for s in scanner.self_test()}
        assert steps["fingerprint.empty_platen"].error_code == f"fingerprint.{fault}"
    finally:
        scanner.close()
