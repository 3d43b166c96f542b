"""Device captures become workflow Captures: payload format, quality, device provenance."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from common.biometrics import FACE, SIGNATURE, FingerPosition, ItemFormat
from devices.base import DeviceInfo, DeviceKind
from devices.camera import synthetic_face_jpeg
from devices.fingerprint import EF01_SIM, encode_wsq, synthetic_fingerprint
from devices.kinds import FaceAnalysis, FaceCapture, FingerCapture, PenPoint, SignatureCapture
from devices.registry import DeviceSettings
from devices.signature import decode_strokes, synthetic_strokes
from devices.signature.render import render_png
from devices.signature.strokes import DEFAULT_PAD_MAX
from station.auth import Role, User
from station.captures import face_capture, finger_capture, signature_capture
from station.workflow import EnrollmentWorkflow, Step
from tests.factories import TODAY, resident


def info(kind: DeviceKind, *, serial: str = "SN-0042", simulated: bool = False) -> DeviceInfo:
    return DeviceInfo(kind, f"{kind.value}-drv", f"{kind.value} model", serial, "1.0", "/dev/ttyX", simulated)


def finger(serial: str = "SN-0042") -> FingerCapture:
    image = ((synthetic_fingerprint(5, 2, 0.9) >> 4) * 17).astype(np.uint8)
    return FingerCapture(
        FingerPosition.RIGHT_INDEX, image, encode_wsq(image), 61.27, {}, 2, info(DeviceKind.FINGERPRINT, serial=serial)
    )


def signature() -> SignatureCapture:
    strokes = synthetic_strokes(3)
    return SignatureCapture(
        strokes, render_png(strokes), DEFAULT_PAD_MAX, info(DeviceKind.SIGNATURE, serial="unknown", simulated=True)
    )


def test_finger_is_wsq_with_rounded_quality_and_the_device_it_came_from() -> None:
    c = finger_capture(finger())
    assert c.format == ItemFormat.WSQ
    assert Image.open(io.BytesIO(c.payload)).format == "WSQ"
    assert c.quality == 61.3
    assert (c.device_driver, c.device_model, c.device_serial) == ("fingerprint-drv", "fingerprint model", "SN-0042")
    assert c.simulated is False


def test_an_unreadable_serial_is_stored_as_none_not_the_word() -> None:
    assert finger_capture(finger(serial="unknown")).device_serial is None
    assert finger_capture(finger(serial="  ")).device_serial is None


def test_face_keeps_the_cropped_jpeg_bytes() -> None:
    jpeg = synthetic_face_jpeg(1, 1990)
    c = face_capture(FaceCapture(jpeg, FaceAnalysis([], None), 480, 640, info(DeviceKind.CAMERA), automatic=True))
    assert c.format == ItemFormat.JPEG and c.payload == jpeg and c.quality is None
    assert Image.open(io.BytesIO(c.payload)).size == (480, 640)


def test_signature_travels_as_vectors_that_decode_to_the_same_strokes() -> None:
    cap = signature()
    c = signature_capture(cap)
    assert c.format == ItemFormat.SIGNATURE_VECTORS and c.simulated and c.device_serial is None
    decoded = decode_strokes(c.payload)
    assert decoded.pad_max == DEFAULT_PAD_MAX
    assert [len(s) for s in decoded.strokes] == [len(s) for s in cap.strokes]
    first: PenPoint = decoded.strokes[0][0]
    assert abs(first.x - cap.strokes[0][0].x) <= 1 / DEFAULT_PAD_MAX[0]


def test_a_real_simulator_capture_lands_in_the_workflow_with_its_provenance(core) -> None:  # type: ignore[no-untyped-def]
    scanner = EF01_SIM.create(DeviceSettings(DeviceKind.FINGERPRINT, options={"seed": 3, "timeout_s": 0.5}))
    scanner.poll_interval_s = 0.002  # type: ignore[attr-defined]
    try:
        scanner.open()
        captured = scanner.capture_finger(FingerPosition.LEFT_RING, timeout_s=3)  # type: ignore[attr-defined]
    finally:
        scanner.close()
    wf = EnrollmentWorkflow(core.enrollments, User("spv", "Supervisor Uji", Role.SUPERVISOR), today=lambda: TODAY)
    wf.submit_demographics(resident())
    wf.set_face(
        face_capture(
            FaceCapture(
                synthetic_face_jpeg(2, 1990), FaceAnalysis([], None), 480, 640, info(DeviceKind.CAMERA), automatic=False
            )
        )
    )
    wf.set_finger(FingerPosition.LEFT_RING, finger_capture(captured))
    wf.set_signature(signature_capture(signature()))
    item = wf.enrollment.items[FingerPosition.LEFT_RING.item_kind]
    assert item.format == "wsq" and item.device_driver == "ef01-sim" and item.simulated
    assert item.quality == round(captured.quality, 1)
    assert wf.enrollment.items[FACE].format == "jpeg" and wf.enrollment.items[SIGNATURE].format == "sigvec"
    assert wf.step == Step.FINGERPRINTS  # nine fingers still missing
