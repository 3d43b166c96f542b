"""The SBI dual-iris camera against the simulator: both eyes, exceptions, attempts, the
chain continuing from the slaps, the preview and the self-test; and a capture whose
signed digital id names another device."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from devices.base import DeviceError
from devices.sbi import client, iso, jws, spec
from devices.sbi.chain import EMPTY_HASH, CaptureChain
from devices.sbi.iris import SbiIrisCamera, simulated_iris_camera
from devices.sbi.simkey import simulator_identity
from devices.sbi.simulator import SbiSimulator
from devices.sbi.spec import BioType, Eyes
from devices.sbi.transport import exchange

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def camera() -> Iterator[SbiIrisCamera]:
    cam = simulated_iris_camera(capture_delay_s=0.0, seed=9)
    cam.open()
    yield cam
    cam.close()


def test_both_eyes_come_back_with_images_scores_and_a_continued_chain(camera: SbiIrisCamera) -> None:
    info = camera.info()
    assert info.simulated and info.model == "SIMULATOR SIM-IRIS-DUAL" and info.extra["device_sub_type"] == "Double"
    chain = CaptureChain(previous="AB" * 32)  # as if the slaps came first
    eyes = camera.capture_sbi(Eyes.BOTH, chain=chain)
    assert set(eyes.eyes) == {"Left", "Right"} and eyes.passed and eyes.attempts == 1
    left = eyes.eyes["Left"]
    assert left.image.shape == (480, 640) and left.image_type == iso.IRIS_K2_VGA and left.device_score >= 60
    assert eyes.sbi.previous_hash == "AB" * 32 and chain.links == eyes.sbi.hashes


def test_an_eye_exception_is_not_asked_for(camera: SbiIrisCamera) -> None:
    eyes = camera.capture_sbi(Eyes.BOTH, exceptions=["Right"])
    assert set(eyes.eyes) == {"Left"} and eyes.exceptions == ("Right",)
    with pytest.raises(ValueError):
        camera.capture_sbi(Eyes.RIGHT, exceptions=["Right"])


def test_low_quality_eyes_take_three_attempts() -> None:
    cam = simulated_iris_camera(capture_delay_s=0.0, fault="low_quality")
    cam.open()
    try:
        eyes = cam.capture_sbi(Eyes.LEFT)
    finally:
        cam.close()
    assert eyes.attempts == 3 and not eyes.passed and eyes.below_threshold == ["Left"]


def test_the_preview_streams_both_eyes_side_by_side(camera: SbiIrisCamera) -> None:
    frames: list[np.ndarray] = []
    got = threading.Event()

    def on_frame(frame: np.ndarray) -> None:
        frames.append(frame)
        got.set()

    camera.start_preview(Eyes.BOTH, on_frame, duration_s=5.0)
    try:
        assert got.wait(5.0)
    finally:
        camera.stop_preview()
    assert frames[0].ndim == 3 and frames[0].shape[2] == 3


def test_the_iris_self_test_passes_on_the_simulator(camera: SbiIrisCamera) -> None:
    steps = camera.self_test()
    assert [s.device for s in steps] == ["iris"] * 6 and all(s.passed for s in steps), [
        (s.name, s.measured) for s in steps
    ]
    assert "Left" in steps[3].measured and "Right" in steps[3].measured


def test_a_capture_whose_digital_id_names_another_device_is_refused() -> None:
    ident = simulator_identity()
    trust = jws.TrustStore.from_pems([ident.cert_pem], "sim")
    with SbiSimulator(types="iris", capture_delay_s=0.0) as sim:
        req = spec.rcapture_request(
            bio_type=BioType.IRIS, sub_id=Eyes.LEFT, device_id="2", previous_hash=EMPTY_HASH, requested_score=60,
            timeout_ms=5000, env="Developer",
        )  # fmt: skip
        answer = exchange(sim.port, "RCAPTURE", "/capture", req, timeout_s=10, max_bytes=client.MAX_CAPTURE_ANSWER)
    body = json.loads(answer.body)
    claims = json.loads(jws.b64url_decode(body["biometrics"][0]["data"].split(".")[1]))
    other = json.loads(jws.b64url_decode(claims["digitalId"].split(".")[1]))
    other["serialNo"] = "SOMEONE-ELSE-01"
    claims["digitalId"] = jws.sign(other, ident.key, ident.cert)
    body["biometrics"][0]["data"] = jws.sign(claims, ident.key, ident.cert)  # validly signed, hash unchanged
    with pytest.raises(DeviceError) as refused:
        client.verify_capture(json.dumps(body).encode(), req, trust, "http://127.0.0.1:1")
    assert refused.value.code == "sbi.protocol" and "another device" in refused.value.message.en
