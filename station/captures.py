"""Device captures turned into what the enrollment workflow stores.

A driver returns rich objects (`FaceCapture`, `FingerCapture`, `SignatureCapture`,
with images, analyses and pen points); the workflow keeps only the payload that is
sealed and sent (JPEG, WSQ, signature vectors) and which device produced it. These
three functions are that conversion, in one place, so the wizard, scripts and tests
build the same `Capture` from the same capture.

Traps: a serial the driver cannot read is reported as ``"unknown"`` (UVC cameras, the
ISDV4 protocol); it is stored as no serial rather than as the word. The signature
travels as vectors, never as the rendered PNG (that is for review and the receipt).
"""

from __future__ import annotations

from common.biometrics import ItemFormat
from devices.base import DeviceInfo
from devices.kinds import FaceCapture, FingerCapture, SignatureCapture
from devices.signature.vectors import encode_strokes
from station.workflow import Capture

_NO_SERIAL = frozenset({"", "unknown"})


def _from_device(fmt: ItemFormat, payload: bytes, quality: float | None, device: DeviceInfo) -> Capture:
    serial = device.serial.strip()
    return Capture(
        format=fmt,
        payload=payload,
        quality=quality,
        device_driver=device.driver,
        device_model=device.model,
        device_serial=None if serial.lower() in _NO_SERIAL else serial,
        simulated=device.simulated,
    )


def face_capture(c: FaceCapture) -> Capture:
    """The cropped 3:4 JPEG; no single quality number (the eight checks all passed, or
    the operator took it by hand)."""
    return _from_device(ItemFormat.JPEG, c.jpeg, None, c.device)


def finger_capture(c: FingerCapture) -> Capture:
    """The WSQ image of the best attempt with its quality score (the station's proxy, 0-100)."""
    return _from_device(ItemFormat.WSQ, c.wsq, round(c.quality, 1), c.device)


def signature_capture(c: SignatureCapture) -> Capture:
    """The strokes in the ``sigvec`` vector format, in the pad's own units."""
    return _from_device(ItemFormat.SIGNATURE_VECTORS, encode_strokes(c), None, c.device)
