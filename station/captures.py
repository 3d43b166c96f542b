"""Device captures turned into the items the enrollment workflow keeps.

A driver returns rich objects (`FaceCapture`, `FingerCapture`, `SignatureCapture`,
`IrisCapture`, with images, analyses and pen points); the workflow keeps only the
payload that is sealed and sent (JPEG, WSQ, signature vectors, ISO/IEC 19794-6 iris
records) and which device produced it. These four functions are that conversion, in one place, so the wizard, scripts and tests
build the same `CapturedItem` from the same capture; that object then travels
unchanged through the draft, the seal and the packet manifest.

Traps: a serial the driver cannot read is reported as ``"unknown"`` (UVC cameras, the
ISDV4 protocol); it is stored as no serial rather than as the word. The signature
travels as vectors, never as the rendered PNG (that is for review and the receipt).
"""

from __future__ import annotations

from datetime import UTC, datetime

from common.biometrics import FACE, SIGNATURE, CapturedItem, ItemFormat, iris_kind
from devices.base import DeviceInfo
from devices.kinds import FaceCapture, FingerCapture, IrisCapture, SignatureCapture
from devices.signature.vectors import encode_strokes

_NO_SERIAL = frozenset({"", "unknown"})


def _from_device(
    kind: str, fmt: ItemFormat, payload: bytes, quality: float | None, device: DeviceInfo, at: datetime | None
) -> CapturedItem:
    serial = device.serial.strip()
    return CapturedItem(
        kind=kind,
        format=fmt,
        payload=payload,
        quality=quality,
        device_driver=device.driver,
        device_model=device.model,
        device_serial=None if serial.lower() in _NO_SERIAL else serial,
        simulated=device.simulated,
        captured_at=at or datetime.now(UTC),
    )


def face_capture(c: FaceCapture, *, at: datetime | None = None) -> CapturedItem:
    """The cropped 3:4 JPEG; no single quality number (the eight checks all passed, or
    the operator took it by hand)."""
    return _from_device(FACE, ItemFormat.JPEG, c.jpeg, None, c.device, at)


def finger_capture(c: FingerCapture, *, at: datetime | None = None) -> CapturedItem:
    """The WSQ image of the best attempt with its quality score (the station's proxy, 0-100),
    as the item of the finger the scanner was asked for."""
    return _from_device(c.position.item_kind, ItemFormat.WSQ, c.wsq, round(c.quality, 1), c.device, at)


def signature_capture(c: SignatureCapture, *, at: datetime | None = None) -> CapturedItem:
    """The strokes in the ``sigvec`` vector format, in the pad's own units."""
    return _from_device(SIGNATURE, ItemFormat.SIGNATURE_VECTORS, encode_strokes(c), None, c.device, at)


def iris_capture(c: IrisCapture, *, at: datetime | None = None) -> CapturedItem:
    """The eye's ISO/IEC 19794-6 K3 record with the device's score (0-100, MOSIP threshold
    60) as its quality; the station's own measures were shown, not stored."""
    return _from_device(iris_kind(c.eye), ItemFormat.ISO_19794_6, c.record, round(c.device_score, 1), c.device, at)
