"""The SBI face camera behind today's photo step: automatic capture from the device's
registration image, chained; a timeout naming the failing check; a manual capture."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from devices.base import DeviceKind
from devices.camera.errors import CaptureTimeoutError
from devices.kinds import FaceAnalysis
from devices.registry import DeviceSettings, load_registry
from devices.sbi import SBI_FACE, SBI_FACE_SIM
from devices.sbi.chain import CaptureChain
from devices.sbi.face import SbiFaceCamera

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def camera() -> Iterator[SbiFaceCamera]:
    options = {"capture_delay_s": 0.0, "birth_year": 1990, "required_passes": 2}
    settings = DeviceSettings(DeviceKind.CAMERA, "sbi-face-sim", options=options)
    cam = SBI_FACE_SIM.create(settings)
    assert isinstance(cam, SbiFaceCamera)
    cam.open()
    yield cam
    cam.close()


def test_both_face_drivers_are_registered_as_cameras() -> None:
    registry = load_registry()
    assert registry.get("sbi-face") is SBI_FACE and registry.get("sbi-face-sim") is SBI_FACE_SIM
    assert SBI_FACE.kind == SBI_FACE_SIM.kind == DeviceKind.CAMERA and SBI_FACE_SIM.simulated


def test_an_automatic_photo_comes_from_the_signed_registration_image(camera: SbiFaceCamera) -> None:
    assert camera.info().simulated and "SIMULATED" in camera.info().describe()
    camera.chain = CaptureChain()
    analysed: list[tuple[tuple[int, ...], bool]] = []

    def on_analysis(frame: np.ndarray, analysis: FaceAnalysis) -> None:
        analysed.append((frame.shape, analysis.passed))

    photo = camera.capture_photo(birth_year=1990, timeout_s=20, on_analysis=on_analysis)
    assert photo.automatic and photo.analysis.passed and (photo.width, photo.height) == (480, 640)
    assert photo.jpeg[:3] == b"\xff\xd8\xff" and len(analysed) >= camera.required_passes
    assert all(passed for _shape, passed in analysed[-camera.required_passes :])
    assert camera.last_capture is not None and camera.chain.links == camera.last_capture.hashes


def test_a_wrong_backdrop_times_out_naming_it_and_a_manual_capture_still_works(camera: SbiFaceCamera) -> None:
    with pytest.raises(CaptureTimeoutError) as late:
        camera.capture_photo(birth_year=1991, timeout_s=2.5)  # an odd year wants red; the studio is blue
    assert late.value.failing == ("backdrop",)
    pressed = threading.Event()
    pressed.set()
    photo = camera.capture_photo(birth_year=1991, timeout_s=10, manual=pressed)
    assert not photo.automatic and not photo.analysis.passed and photo.jpeg
