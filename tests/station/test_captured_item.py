"""One item object, built once from a device's capture, is the one the packet describes.

The item is followed from the driver's result (devices.kinds) through station.captures,
the workflow, the draft save and the seal (store.enrollments) to the sealed packet's
manifest (station.sync.packets), and back out of the database: nothing on the way
rebuilds or rewrites it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from common.biometrics import (
    FACE,
    IRIS_LEFT,
    IRIS_RIGHT,
    SIGNATURE,
    CapturedItem,
    FingerPosition,
    ItemException,
    ItemFormat,
)
from devices.base import DeviceInfo, DeviceKind
from devices.camera import synthetic_face_jpeg
from devices.fingerprint import encode_wsq, synthetic_fingerprint
from devices.kinds import FaceAnalysis, FaceCapture, FingerCapture, IrisCapture, SignatureCapture
from devices.sbi.iris import station_record
from devices.sbi.irisgen import synthetic_eye
from devices.signature import synthetic_strokes
from devices.signature.render import render_png
from devices.signature.strokes import DEFAULT_PAD_MAX
from station.auth import Role, User
from station.captures import face_capture, finger_capture, iris_capture, signature_capture
from station.sync.packets import CENTRAL_KEY, ensure_signing_key, manifest_for, packet_path
from station.workflow import EnrollmentWorkflow
from store.enrollments import SealedRecord
from tests.factories import TODAY, resident
from wire.keys import public_pem
from wire.packet import open_packet

SPV = User("spv", "Supervisor Uji", Role.SUPERVISOR)
AT = datetime(2025, 5, 12, 7, 3, 4, 123456, tzinfo=UTC)
# docs/sync-protocol.md, in this order
MANIFEST_ITEM_FIELDS = [
    "kind", "format", "size", "sha256", "quality", "exception_reason", "exception_note",
    "approved_by", "device_driver", "device_model", "device_serial", "simulated", "captured_at",
]  # fmt: skip


def device(kind: DeviceKind, serial: str) -> DeviceInfo:
    return DeviceInfo(kind, f"{kind.value}-drv", f"{kind.value} model", serial, "1.0", "/dev/ttyX", False)


def finger(position: FingerPosition, seed: int) -> FingerCapture:
    image = ((synthetic_fingerprint(seed, int(position), 0.9) >> 4) * 17).astype(np.uint8)
    return FingerCapture(
        position, image, encode_wsq(image), 55.0 + seed / 7, {}, 1, device(DeviceKind.FINGERPRINT, "SN-7")
    )


def iris(eye: str, seed: int) -> IrisCapture:
    image = synthetic_eye(seed, eye.capitalize()).image
    record, quality = station_record(image, eye=eye, device_score=81.4)
    return IrisCapture(eye, image, record, 81.4, quality, 1, device(DeviceKind.IRIS, "IRIS-3"))


def test_one_item_object_goes_from_the_device_capture_to_the_packet_manifest_unchanged(core) -> None:  # type: ignore[no-untyped-def]
    central = X25519PrivateKey.generate()
    (core.home / CENTRAL_KEY).write_bytes(public_pem(central))
    sealed_records: list[SealedRecord] = []
    core.enrollments.seal_hooks.append(lambda conn, sealed: sealed_records.append(sealed))

    face = face_capture(
        FaceCapture(
            synthetic_face_jpeg(4, 1990), FaceAnalysis([], None), 480, 640, device(DeviceKind.CAMERA, "unknown"), True
        ),
        at=AT,
    )
    strokes = synthetic_strokes(2)
    signature = signature_capture(
        SignatureCapture(strokes, render_png(strokes), DEFAULT_PAD_MAX, device(DeviceKind.SIGNATURE, "PAD-1"))
    )
    wf = EnrollmentWorkflow(core.enrollments, SPV, today=lambda: TODAY)
    wf.submit_demographics(resident())
    wf.set_face(face)
    wf.set_signature(signature)
    built: dict[str, CapturedItem] = {FACE: face, SIGNATURE: signature}
    for i, position in enumerate(FingerPosition):
        if position == FingerPosition.LEFT_LITTLE:
            wf.set_finger_exception(position, ItemException.BANDAGED, note=" diperban ", approver=SPV)
            built[position.item_kind] = wf.enrollment.items[position.item_kind]
        else:
            item = finger_capture(finger(position, i))
            wf.set_finger(position, item)
            built[position.item_kind] = item
    right_iris = iris_capture(iris("right", 5))
    wf.set_iris("right", right_iris)
    wf.set_iris_exception("left", ItemException.EYE_CONDITION, note="katarak", approver=SPV)
    built[IRIS_RIGHT], built[IRIS_LEFT] = right_iris, wf.enrollment.items[IRIS_LEFT]
    result = wf.seal()

    # The very objects built from the captures are the ones the seal and the packet saw.
    (sealed,) = sealed_records
    assert {i.kind: id(i) for i in sealed.data.items} == {k: id(v) for k, v in built.items()}

    blob = packet_path(core.home, result.uuid).read_bytes()
    opened = open_packet(blob, central_private=central, station_public=ensure_signing_key(core.home).public_key())
    entries = {e["kind"]: e for e in opened.manifest["items"]}
    assert sorted(entries) == sorted(built) and len(opened.items) == 14
    for kind, item in built.items():
        entry = entries[kind]
        assert sorted(entry) == sorted(MANIFEST_ITEM_FIELDS)  # the packet sorts keys (canonical JSON)
        assert entry == item.to_manifest()
        assert entry["sha256"] == hashlib.sha256(item.payload or b"").hexdigest()
        assert entry["size"] == len(item.payload or b"")
        assert entry["format"] == (None if item.format is None else item.format.value)
        assert (entry["quality"], entry["device_driver"], entry["device_model"], entry["device_serial"]) == (
            item.quality,
            item.device_driver,
            item.device_model,
            item.device_serial,
        )
        assert (entry["exception_reason"], entry["exception_note"], entry["approved_by"]) == (
            item.exception_reason,
            item.exception_note,
            item.approved_by,
        )
        assert opened.items[opened.manifest["items"].index(entry)] == (item.payload or b"")

    # The ones that matter, spelled out: the face's unreadable serial, a finger's
    # rounded quality and the approved exception with its trimmed note.
    assert entries[FACE]["format"] == "jpeg" and entries[FACE]["device_serial"] is None
    assert entries[FACE]["captured_at"] == "2025-05-12T07:03:04.123456+00:00"
    thumb = entries[FingerPosition.RIGHT_THUMB.item_kind]
    assert thumb["format"] == "wsq" and thumb["quality"] == 55.0 and thumb["device_serial"] == "SN-7"
    assert entries[SIGNATURE]["format"] == "sigvec" and entries[SIGNATURE]["device_model"] == "signature model"
    little = entries[FingerPosition.LEFT_LITTLE.item_kind]
    assert (little["format"], little["size"], little["exception_reason"], little["exception_note"]) == (
        None,
        0,
        "bandaged",
        "diperban",
    )
    assert little["sha256"] == hashlib.sha256(b"").hexdigest() and little["approved_by"] == "spv"
    assert entries[IRIS_RIGHT]["format"] == "iso19794-6" and entries[IRIS_RIGHT]["quality"] == 81.4
    assert entries[IRIS_RIGHT]["device_serial"] == "IRIS-3" and entries[IRIS_RIGHT]["size"] > 1000
    assert (entries[IRIS_LEFT]["exception_reason"], entries[IRIS_LEFT]["size"]) == ("eye_condition", 0)

    # Read back from the database (how a packet built later starts), the items are equal.
    loaded = core.enrollments.load(result.uuid)
    assert loaded is not None
    assert {i.kind: i for i in loaded.items} == built
    later, blobs = manifest_for(
        SealedRecord(sealed.row_id, loaded, sealed.station_code, sealed.reg_no, sealed.station_seq, sealed.sealed_at)
    )
    assert later == opened.manifest and blobs == opened.items


def test_the_manifest_entry_is_the_documented_serialisation() -> None:
    """The packet format is fixed: the same entry, key for key, as before the item type."""
    item = CapturedItem(
        kind="finger_3",
        format=ItemFormat.WSQ,
        payload=b"\xff\xa0wsq",
        quality=61.3,
        device_driver="ef01",
        device_model="EF01",
        device_serial=None,
        simulated=True,
        captured_at=AT,
    )
    expected: dict[str, Any] = {
        "kind": "finger_3",
        "format": "wsq",
        "size": 5,
        "sha256": hashlib.sha256(b"\xff\xa0wsq").hexdigest(),
        "quality": 61.3,
        "exception_reason": None,
        "exception_note": None,
        "approved_by": None,
        "device_driver": "ef01",
        "device_model": "EF01",
        "device_serial": None,
        "simulated": True,
        "captured_at": "2025-05-12T07:03:04.123456+00:00",
    }
    assert item.to_manifest() == expected and list(item.to_manifest()) == MANIFEST_ITEM_FIELDS
    for value in item.to_manifest().values():  # plain JSON values, no enum members
        assert type(value) in (str, int, float, bool, type(None))

    exc = CapturedItem.exception(SIGNATURE, ItemException.OTHER, note="  kedua tangan  ", approved_by="spv", at=AT)
    assert exc.to_manifest() == {
        **expected,
        "kind": "signature",
        "format": None,
        "size": 0,
        "sha256": hashlib.sha256(b"").hexdigest(),
        "quality": None,
        "exception_reason": "other",
        "exception_note": "kedua tangan",
        "approved_by": "spv",
        "device_driver": None,
        "device_model": None,
        "simulated": False,
    }
    assert type(exc.to_manifest()["exception_reason"]) is str


def test_an_exception_with_a_blank_note_stores_none() -> None:
    item = CapturedItem.exception("finger_1", ItemException.AMPUTATED, note="   ", approved_by="spv")
    assert item.exception_note is None and item.payload is None and item.format is None
    assert item.captured_at is not None and item.captured_at.tzinfo is not None
    assert item.to_row()["exception_reason"] == "amputated" and item.to_row()["size"] == 0


def test_stored_exception_values_are_unchanged_by_the_rename() -> None:
    # Rows written before FingerException became ItemException hold these strings;
    # no migration rewrites them.
    assert [r.value for r in ItemException][:4] == ["amputated", "bandaged", "scarred", "other"]
    assert [r.value for r in ItemException][4:] == ["eye_missing", "eye_condition"]  # added with the iris step
