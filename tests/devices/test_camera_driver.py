"""OpenCvCamera against the simulated source (and a stalling fake capture): preview, capture, faults."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DeviceError, DeviceKind
from devices.camera import OPENCV, OPENCV_SIM
from devices.camera.analysis import STEADY_MAX_PX, CaptureSession
from devices.camera.driver import OpenCvCamera
from devices.camera.errors import CaptureTimeoutError
from devices.camera.face_checks import analyze_frame
from devices.camera.grabber import CameraSource, Frame
from devices.camera.scene import Scene, render_scene
from devices.kinds import FaceAnalysis
from devices.registry import DeviceSettings, load_registry

ODD, EVEN = 1991, 1990  # the simulator's backdrop is red for ODD; EVEN therefore always fails "backdrop"


def decode_jpeg(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a JPEG"
    return image


def make_camera(**options: Any) -> OpenCvCamera:
    opts: dict[str, Any] = {"birth_year": ODD, "seconds": 1.0, **options}
    camera = OPENCV_SIM.create(DeviceSettings(DeviceKind.CAMERA, driver="opencv-sim", options=opts))
    assert isinstance(camera, OpenCvCamera)
    return camera


def camera_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("camera-io:", "camera-analysis:"))]


@pytest.fixture(scope="module")
def camera() -> Iterator[OpenCvCamera]:
    cam = make_camera()
    cam.open()
    yield cam
    cam.close()


@pytest.fixture(autouse=True)
def no_preview_left(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "camera" in request.fixturenames:
        request.getfixturevalue("camera").stop_preview()


def test_registry_finds_both_drivers_through_entry_points() -> None:
    registry = load_registry()
    real, sim = registry.get("opencv"), registry.get("opencv-sim")
    assert real is not None and sim is not None
    assert not real.simulated and sim.simulated
    assert real.unavailable_reason() is None and sim.unavailable_reason() is None
    assert OPENCV.kind is DeviceKind.CAMERA


def test_probe_is_bounded_and_never_raises(camera: OpenCvCamera, tmp_path: Path) -> None:
    assert OPENCV.probe is not None
    started = time.monotonic()
    assert OPENCV.probe(str(tmp_path / "missing.avi"), None, 1.0) is False
    assert OPENCV.probe("97", None, 1.0) is False
    assert OPENCV.probe(camera.port, None, 2.0) is True
    assert time.monotonic() - started < 6.0


def test_info_labels_the_simulator(camera: OpenCvCamera) -> None:
    info = camera.info()
    assert info.simulated and info.driver == "opencv-sim"
    assert info.model == "FFMPEG" and info.serial == "unknown"
    assert info.port == camera.port and info.port.endswith(".avi")
    assert info.extra["width"] == 640 and info.extra["height"] == 480
    assert "SIMULATED" in info.describe()


def test_preview_keeps_the_source_rate_while_analysis_runs(camera: OpenCvCamera) -> None:
    stamps: list[float] = []
    threads: set[str] = set()
    analysed: list[FaceAnalysis] = []

    def on_frame(frame: np.ndarray) -> None:
        stamps.append(time.monotonic())
        threads.add(threading.current_thread().name)
        assert not frame.flags.writeable

    camera.start_preview(on_frame)
    manual = threading.Event()
    timer = threading.Timer(2.0, manual.set)
    timer.start()
    try:
        result = camera.capture_photo(
            birth_year=EVEN, timeout_s=10.0, manual=manual, on_analysis=lambda f, a: analysed.append(a)
        )
    finally:
        timer.cancel()
        camera.stop_preview()
    assert len(stamps) > 45  # more than the 30-frame clip: the file source loops
    window = [t for t in stamps if stamps[0] + 0.3 <= t <= stamps[0] + 1.8]
    rate = (len(window) - 1) / (window[-1] - window[0])
    assert rate >= 0.85 * 30, rate
    assert len(analysed) >= 10  # analysis ran alongside, on its own thread
    assert threads == {f"camera-io:{camera.port}"}
    assert not result.automatic and "backdrop" in {c.name for c in result.analysis.checks if not c.passed}
    count = len(stamps)
    time.sleep(0.2)
    assert len(stamps) == count  # stop_preview stops delivery


def test_auto_capture_returns_a_3_by_4_jpeg_in_memory(camera: OpenCvCamera) -> None:
    seen: list[tuple[np.ndarray, FaceAnalysis]] = []
    started = time.monotonic()
    result = camera.capture_photo(birth_year=ODD, timeout_s=10.0, on_analysis=lambda f, a: seen.append((f, a)))
    assert time.monotonic() - started < 5.0
    assert result.automatic and result.analysis.passed
    assert len(seen) >= camera.required_passes
    assert all(a.passed for _, a in seen[-camera.required_passes :])
    image = decode_jpeg(result.jpeg)
    assert image.shape == (640, 480, 3) and (result.width, result.height) == (480, 640)
    assert 25_000 <= len(result.jpeg) <= 50_000
    assert result.device.simulated
    assert sorted(p.name for p in Path(camera.port).parent.iterdir()) == ["camera.avi"]  # nothing written


def test_manual_capture_keeps_the_checks_as_they_stood(camera: OpenCvCamera) -> None:
    manual = threading.Event()
    manual.set()
    result = camera.capture_photo(birth_year=EVEN, timeout_s=5.0, manual=manual)
    assert not result.automatic
    assert {c.name for c in result.analysis.checks if not c.passed} == {"backdrop"}
    assert decode_jpeg(result.jpeg).shape == (640, 480, 3)


def test_cancel_stops_a_capture_promptly(camera: OpenCvCamera) -> None:
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        camera.capture_photo(birth_year=EVEN, timeout_s=10.0, cancel=token)
    assert time.monotonic() - started < 1.5
    timer.cancel()


def test_timeout_names_the_failing_checks(camera: OpenCvCamera) -> None:
    started = time.monotonic()
    with pytest.raises(CaptureTimeoutError) as caught:
        camera.capture_photo(birth_year=EVEN, timeout_s=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0
    err = caught.value
    assert err.code == "camera.capture_timeout" and err.failing == ("backdrop",)
    assert "warna latar" in err.message.id and "backdrop colour" in err.message.en
    assert err.remedy is not None and err.remedy.id != err.remedy.en


def test_second_capture_at_once_is_refused(camera: OpenCvCamera) -> None:
    token = CancelToken()
    outcome: list[BaseException] = []

    def first() -> None:
        try:
            camera.capture_photo(birth_year=EVEN, timeout_s=5.0, cancel=token)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
            outcome.append(exc)

    worker = threading.Thread(target=first)
    worker.start()
    time.sleep(0.3)
    try:
        with pytest.raises(DeviceError) as caught:
            camera.capture_photo(birth_year=ODD, timeout_s=1.0)
        assert caught.value.code == "camera.busy"
    finally:
        token.cancel()
        worker.join(5.0)
    assert isinstance(outcome[0], Cancelled)


def test_image_sequence_source_and_close_removes_the_clip() -> None:
    cam = make_camera(format="sequence")
    directory = Path(cam.port).parent
    assert len(list(directory.glob("frame_*.jpg"))) == 30
    try:
        result = cam.capture_photo(birth_year=ODD, timeout_s=10.0)
        assert result.automatic and cam.info().model == "CV_IMAGES"
    finally:
        cam.close()
    cam.close()  # twice is safe
    assert not directory.exists()
    deadline = time.monotonic() + 3.0
    while [t for t in camera_threads() if directory.name in t.name] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [t for t in camera_threads() if directory.name in t.name] == []


@pytest.mark.parametrize(
    "fault,failing",
    [
        ("wrong_backdrop", ("backdrop",)),
        ("two_faces", ("one_face",)),
        ("no_face", ("one_face",)),
        ("blur", ("sharpness",)),
    ],
)
def test_fault_makes_capture_time_out_naming_its_check(fault: str, failing: tuple[str, ...]) -> None:
    cam = make_camera(fault=fault)
    try:
        with pytest.raises(CaptureTimeoutError) as caught:
            cam.capture_photo(birth_year=ODD, timeout_s=1.0)
        assert caught.value.failing == failing
    finally:
        cam.close()


def test_no_camera_fault_fails_open_with_its_code() -> None:
    cam = make_camera(fault="no_camera")
    started = time.monotonic()
    try:
        with pytest.raises(DeviceError) as caught:
            cam.open()
        assert caught.value.code == "camera.no_camera" and caught.value.kind is DeviceKind.CAMERA
        assert caught.value.remedy is not None
    finally:
        cam.close()
    assert time.monotonic() - started < 2.0


def test_black_frames_fault_is_named_during_capture() -> None:
    cam = make_camera(fault="black_frames")
    started = time.monotonic()
    try:
        with pytest.raises(DeviceError) as caught:
            cam.capture_photo(birth_year=ODD, timeout_s=10.0)
        assert caught.value.code == "camera.black_frames"
    finally:
        cam.close()
    assert time.monotonic() - started < 5.0


def test_frame_drops_fault_raises_no_frames_instead_of_hanging() -> None:
    cam = make_camera(fault="frame_drops", drop_after_s=0.4, frame_timeout_s=0.5)
    try:
        cam.open()
        started = time.monotonic()
        with pytest.raises(DeviceError) as caught:
            cam.capture_photo(birth_year=EVEN, timeout_s=10.0)
        assert caught.value.code == "camera.no_frames"
        assert time.monotonic() - started < 2.5
    finally:
        cam.close()


def test_unknown_fault_is_a_config_error() -> None:
    with pytest.raises(DeviceError) as caught:
        make_camera(fault="smoke")
    assert caught.value.code == "camera.config"


class StallingCapture:
    """A VideoCapture whose read() blocks after a few frames, like a wedged USB camera."""

    def __init__(self, frames: int, gate: threading.Event, block_open: bool = False) -> None:
        self.left = frames
        self.gate = gate
        self.image = render_scene(Scene("red"))
        if block_open:
            gate.wait(30.0)

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def read(self) -> tuple[bool, Any]:
        if self.left > 0:
            self.left -= 1
            time.sleep(1 / 30)
            return True, self.image.copy()
        self.gate.wait(30.0)  # bounded even if the test forgets to open the gate
        return False, None

    def set(self, prop: int, value: float) -> bool:
        return False

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FRAME_WIDTH: 640.0, cv2.CAP_PROP_FRAME_HEIGHT: 480.0, cv2.CAP_PROP_FPS: 30.0}.get(
            prop, 0.0
        )

    def release(self) -> None:
        pass

    def getBackendName(self) -> str:  # noqa: N802 - OpenCV's name
        return "FAKE"


def test_a_read_that_blocks_gives_no_frames_and_close_does_not_hang() -> None:
    gate = threading.Event()
    cam = OpenCvCamera(CameraSource(0), frame_timeout_s=0.5, factory=lambda src: StallingCapture(3, gate))
    try:
        cam.open()
        started = time.monotonic()
        with pytest.raises(DeviceError) as caught:
            cam.capture_photo(birth_year=EVEN, timeout_s=10.0)
        assert caught.value.code == "camera.no_frames"
        assert time.monotonic() - started < 1.5
        started = time.monotonic()
        cam.close()
        assert time.monotonic() - started < 2.5
    finally:
        gate.set()


def test_an_open_that_blocks_gives_no_camera_within_the_open_timeout() -> None:
    gate = threading.Event()
    cam = OpenCvCamera(
        CameraSource(0), open_timeout_s=0.5, factory=lambda src: StallingCapture(3, gate, block_open=True)
    )
    started = time.monotonic()
    try:
        with pytest.raises(DeviceError) as caught:
            cam.open()
        assert caught.value.code == "camera.no_camera"
        assert time.monotonic() - started < 2.0
    finally:
        gate.set()
        cam.close()


def test_capture_session_needs_steady_consecutive_passes() -> None:
    image = render_scene(Scene("red"))
    good = analyze_frame(image, ODD)
    bad = analyze_frame(image, EVEN)
    assert good.passed and not bad.passed
    session = CaptureSession(ODD, required_passes=3)
    frames = [Frame(image, seq, float(seq)) for seq in range(1, 9)]
    session.deliver(frames[0], good, None)
    session.deliver(frames[1], good, 0.3)
    session.deliver(frames[2], bad, 0.3)  # a failing frame breaks the streak
    session.deliver(frames[3], good, 0.3)
    session.deliver(frames[4], good, STEADY_MAX_PX * 3)  # a jump restarts it
    session.deliver(frames[5], good, 0.2)
    assert session.accepted is None and session.unsteady == 1
    session.deliver(frames[6], good, 0.2)
    assert session.accepted is not None and session.accepted.frame.seq == 7
    session.deliver(frames[7], good, 0.2)
    assert session.accepted.frame.seq == 7  # the first completed streak is kept


def test_missing_opencv_is_a_reason_not_an_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cv2", None)  # makes `import cv2` raise ImportError
    reason = OPENCV.unavailable_reason()
    assert reason is not None and "cannot be imported" in reason
    assert OPENCV_SIM.unavailable_reason() == reason
    assert OPENCV.probe is not None and OPENCV.probe("0", None, 0.5) is False
