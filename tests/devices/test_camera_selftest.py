"""The camera self-test names each injected simulator fault in the step a technician would look at."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DeviceKind, SelfTestStep
from devices.camera import OPENCV_SIM
from devices.camera.driver import OpenCvCamera
from devices.camera.grabber import CameraSource
from devices.registry import DeviceSettings

STEP_ORDER = ["open", "resolution", "frame_rate", "exposure", "face", "motion", "sharpness"]


def make_camera(**options: Any) -> OpenCvCamera:
    opts: dict[str, Any] = {"birth_year": 1991, "seconds": 1.0, **options}
    camera = OPENCV_SIM.create(DeviceSettings(DeviceKind.CAMERA, driver="opencv-sim", options=opts))
    assert isinstance(camera, OpenCvCamera)
    return camera


@pytest.fixture
def run_self_test() -> Iterator[Any]:
    made: list[OpenCvCamera] = []

    def run(**options: Any) -> tuple[dict[str, SelfTestStep], list[SelfTestStep], float]:
        camera = make_camera(**options)
        made.append(camera)
        reported: list[SelfTestStep] = []
        started = time.monotonic()
        steps = list(camera.self_test(on_step=reported.append))
        elapsed = time.monotonic() - started
        assert reported == steps  # every step reported as it finished
        assert not camera.is_open  # it opened the camera itself, so it stopped it again
        return {s.name.removeprefix("camera."): s for s in steps}, steps, elapsed

    yield run
    for camera in made:
        camera.close()


def failed(steps: dict[str, SelfTestStep]) -> dict[str, str | None]:
    return {name: s.error_code for name, s in steps.items() if not s.passed}


def test_healthy_camera_passes_every_step_in_a_few_seconds(run_self_test: Any) -> None:
    steps, ordered, elapsed = run_self_test()
    assert [s.name for s in ordered] == [f"camera.{n}" for n in STEP_ORDER]
    assert failed(steps) == {}
    assert elapsed < 6.0
    assert steps["frame_rate"].measured.endswith("fps") and float(steps["frame_rate"].measured.split()[0]) >= 24
    assert steps["resolution"].measured.startswith("640x480")
    for step in ordered:
        assert step.device == "camera" and step.expected and step.remedy is None
        assert step.title.id != step.title.en


@pytest.mark.parametrize(
    "fault,step,code",
    [
        ("black_frames", "exposure", "camera.black_frames"),
        ("shaking", "motion", "camera.shaking"),
        ("blur", "sharpness", "camera.blurred"),
        ("no_face", "face", "camera.no_face"),
    ],
)
def test_fault_fails_its_step_with_its_code(run_self_test: Any, fault: str, step: str, code: str) -> None:
    steps, _, elapsed = run_self_test(fault=fault)
    assert not steps[step].passed and steps[step].error_code == code
    remedy = steps[step].remedy
    assert remedy is not None and remedy.id and remedy.en and remedy.id != remedy.en
    before = STEP_ORDER[: STEP_ORDER.index(step)]
    assert all(steps[name].passed for name in before), failed(steps)
    if fault in ("shaking", "blur"):
        assert set(failed(steps)) == {step}  # the rest of the kit is fine
    if fault == "black_frames":
        assert list(steps) == STEP_ORDER[: STEP_ORDER.index("exposure") + 1]  # nothing more to measure
    assert elapsed < 6.0


def test_two_faces_fail_the_face_step(run_self_test: Any) -> None:
    steps, _, _ = run_self_test(fault="two_faces")
    assert not steps["face"].passed and steps["face"].measured.startswith("2 face")
    assert steps["motion"].passed


def test_no_camera_fails_open_and_stops(run_self_test: Any) -> None:
    steps, ordered, elapsed = run_self_test(fault="no_camera")
    assert [s.name for s in ordered] == ["camera.open"]
    assert steps["open"].error_code == "camera.no_camera" and steps["open"].remedy is not None
    assert elapsed < 2.0


def test_frame_drops_fail_with_no_frames_within_the_timeout(run_self_test: Any) -> None:
    steps, ordered, elapsed = run_self_test(fault="frame_drops", drop_after_s=0.5, frame_timeout_s=0.5)
    assert ordered[-1].error_code == "camera.no_frames" and not ordered[-1].passed
    assert all(s.passed for s in ordered[:-1])
    assert elapsed < 4.0


def test_resolution_mismatch_is_reported() -> None:
    sim = make_camera()
    camera = OpenCvCamera(
        CameraSource(sim.port, sim.source.api_preference, live=False, fps=30.0), requested_size=(1280, 720)
    )
    try:
        steps = {s.name: s for s in camera.self_test()}
        assert not steps["camera.resolution"].passed
        assert steps["camera.resolution"].error_code == "camera.resolution"
        assert steps["camera.resolution"].expected == "1280x720"
    finally:
        camera.close()
        sim.close()


def test_cancel_interrupts_the_self_test() -> None:
    camera = make_camera()
    token = CancelToken()
    timer = threading.Timer(0.8, token.cancel)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            camera.self_test(cancel=token)
        assert time.monotonic() - started < 2.5
    finally:
        timer.cancel()
        camera.close()
