"""The iris camera as a station device: registry, selection with fallback, capture.

Against the SBI simulator over real loopback HTTP (simulated devices only).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from devices.base import DeviceError, DeviceKind
from devices.iris.iso19794_6 import decode_iris_record
from devices.kinds import IrisAttempt, IrisCamera
from devices.registry import load_registry
from devices.sbi.chain import CaptureChain
from devices.sbi.iris import SbiIrisCamera, simulated_iris_camera
from station.config import DeviceConfig, StationConfig
from station.devices import DEFAULT_SIMULATOR, open_device, select_device


@pytest.fixture
def camera() -> Iterator[SbiIrisCamera]:
    cam = simulated_iris_camera(capture_delay_s=0.0, seed=4)
    cam.open()
    yield cam
    cam.close()


def test_the_registry_offers_the_sbi_iris_camera_and_its_simulator() -> None:
    registry = load_registry()
    assert not registry.load_errors
    specs = {s.name: s for s in registry.for_kind(DeviceKind.IRIS)}
    assert set(specs) == {"sbi-iris", "sbi-iris-sim"}
    assert specs["sbi-iris-sim"].simulated and not specs["sbi-iris"].simulated
    assert specs["sbi-iris"].probe is not None
    assert DEFAULT_SIMULATOR[DeviceKind.IRIS] == "sbi-iris-sim"


def test_auto_falls_back_to_the_simulator_and_says_why_when_no_sbi_service_answers() -> None:
    # Nothing listens on 4501-4600 in the test environment (the simulators use ephemeral ports).
    selection = select_device(DeviceKind.IRIS, StationConfig())
    assert selection.spec.name == "sbi-iris-sim" and selection.simulated
    assert selection.fallback is not None and "SBI" in selection.fallback.en
    assert "SIMULATED" in selection.describe("en")
    device = open_device(selection)
    try:
        assert isinstance(device, IrisCamera)
        info = device.info()
        assert info.kind == DeviceKind.IRIS and info.simulated and "SIMULATED" in info.describe()
    finally:
        device.close()


def test_auto_selects_a_real_sbi_service_found_in_the_port_range() -> None:
    from devices.sbi.simulator import start_in_range

    sim = start_in_range(4590, types="iris", capture_delay_s=0.0)
    try:
        config = StationConfig(iris=DeviceConfig(options={"trust_simulator": True, "ports": "4590-4600"}))
        selection = select_device(DeviceKind.IRIS, config)
        assert selection.spec.name == "sbi-iris" and selection.fallback is None
        assert selection.settings.port == sim.url
        narrowed = StationConfig(iris=DeviceConfig(options={"trust_simulator": True, "ports": "4520-4530"}))
        assert select_device(DeviceKind.IRIS, narrowed).spec.name == "sbi-iris-sim"  # outside the ports scanned
        device = open_device(selection)
        try:
            assert device.info().port == sim.url
        finally:
            device.close()
    finally:
        sim.stop()


def test_both_eyes_come_back_with_k3_records_the_device_score_and_the_station_measures(
    camera: SbiIrisCamera,
) -> None:
    chain = CaptureChain()
    camera.chain = chain
    attempts: list[tuple[int, dict[str, IrisAttempt]]] = []
    eyes = camera.capture_eyes("both", on_attempt=lambda n, a: attempts.append((n, a)))
    assert list(eyes) == ["left", "right"]
    for eye, c in eyes.items():
        assert c.eye == eye and c.device.kind == DeviceKind.IRIS and c.device.simulated
        assert c.device_score >= IrisCamera.device_threshold and c.quality.passed and c.passed
        record = decode_iris_record(c.record)
        assert record.eye == eye and record.quality == round(c.device_score)
        assert c.image.dtype == np.uint8 and c.image.ndim == 2
    assert attempts and set(attempts[0][1]) == {"left", "right"}
    assert camera.last_capture is not None and chain.links == camera.last_capture.hashes  # the kept one is chained


def test_an_excepted_eye_is_not_asked_for(camera: SbiIrisCamera) -> None:
    eyes = camera.capture_eyes("both", exceptions=["right"])
    assert list(eyes) == ["left"]
    with pytest.raises(ValueError):
        camera.capture_eyes("right", exceptions=["right"])
    with pytest.raises(ValueError):
        camera.capture_eyes("middle")


def test_a_closed_eye_is_a_device_error_of_the_iris_camera() -> None:
    cam = simulated_iris_camera(capture_delay_s=0.0, fault="eye_closed")
    cam.open()
    try:
        with pytest.raises(DeviceError) as info:
            cam.capture_eyes("both", attempts=1)
        assert info.value.kind == DeviceKind.IRIS and info.value.remedy is not None
    finally:
        cam.close()


def test_the_preview_of_both_eyes_comes_from_a_string_argument(camera: SbiIrisCamera) -> None:
    got = threading.Event()
    shapes: list[tuple[int, ...]] = []

    def on_frame(frame: np.ndarray) -> None:
        shapes.append(frame.shape)
        got.set()

    camera.start_preview("both", on_frame, duration_s=5.0)
    try:
        assert got.wait(5.0)
    finally:
        camera.stop_preview()
    height, width, channels = shapes[0]
    assert channels == 3 and width * 3 == height * 8  # two 4:3 eyes side by side, fitted to the preview size


def test_a_low_quality_eye_is_tried_three_times_and_only_the_kept_attempt_is_chained() -> None:
    cam = simulated_iris_camera(capture_delay_s=0.0, fault="low_quality")
    cam.open()
    try:
        cam.chain = CaptureChain()
        seen: list[int] = []
        eyes = cam.capture_eyes("left", on_attempt=lambda n, a: seen.append(n))
        (left,) = eyes.values()
        assert seen == [1, 2, 3] and left.attempts == 3
        assert left.device_score < IrisCamera.device_threshold and not left.passed
        assert cam.last_capture is not None and cam.chain.links == cam.last_capture.hashes
    finally:
        cam.close()
