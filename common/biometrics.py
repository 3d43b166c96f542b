"""Biometric items shared by the devices, the workflow, the store and the packet.

`CapturedItem` is the one shape of a biometric item from the capture to the packet:
built once from a device's result (station.captures) or as a supervised exception
(`CapturedItem.exception`), kept by the workflow, saved and sealed by the store, and
described in the packet's manifest. Its only conversions are serialisations: `to_row`
and `from_row` for the database, `to_manifest` for the packet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any, Protocol

from common.text import Text


class FingerPosition(IntEnum):
    """ANSI/NIST-ITL finger position codes 1-10 (Table 6), in capture order."""

    RIGHT_THUMB = 1
    RIGHT_INDEX = 2
    RIGHT_MIDDLE = 3
    RIGHT_RING = 4
    RIGHT_LITTLE = 5
    LEFT_THUMB = 6
    LEFT_INDEX = 7
    LEFT_MIDDLE = 8
    LEFT_RING = 9
    LEFT_LITTLE = 10

    @property
    def label(self) -> Text:
        return FINGER_LABELS[self]

    @property
    def item_kind(self) -> str:
        return f"finger_{int(self)}"


FINGER_LABELS: dict[FingerPosition, Text] = {
    FingerPosition.RIGHT_THUMB: Text("Ibu jari kanan", "Right thumb"),
    FingerPosition.RIGHT_INDEX: Text("Telunjuk kanan", "Right index"),
    FingerPosition.RIGHT_MIDDLE: Text("Jari tengah kanan", "Right middle"),
    FingerPosition.RIGHT_RING: Text("Jari manis kanan", "Right ring"),
    FingerPosition.RIGHT_LITTLE: Text("Kelingking kanan", "Right little"),
    FingerPosition.LEFT_THUMB: Text("Ibu jari kiri", "Left thumb"),
    FingerPosition.LEFT_INDEX: Text("Telunjuk kiri", "Left index"),
    FingerPosition.LEFT_MIDDLE: Text("Jari tengah kiri", "Left middle"),
    FingerPosition.LEFT_RING: Text("Jari manis kiri", "Left ring"),
    FingerPosition.LEFT_LITTLE: Text("Kelingking kiri", "Left little"),
}


class ItemException(StrEnum):
    """Why an item (a finger, an eye, or the signature) has no capture; stored by its value.

    Which reasons fit which item: `exception_reasons(kind)` (an eye is not amputated).
    """

    AMPUTATED = "amputated"
    BANDAGED = "bandaged"
    SCARRED = "scarred"
    OTHER = "other"
    EYE_MISSING = "eye_missing"
    EYE_CONDITION = "eye_condition"


ITEM_EXCEPTION_LABELS: dict[ItemException, Text] = {
    ItemException.AMPUTATED: Text("Diamputasi", "Amputated"),
    ItemException.BANDAGED: Text("Diperban", "Bandaged"),
    ItemException.SCARRED: Text("Luka/bekas luka", "Scarred"),
    ItemException.OTHER: Text("Lainnya", "Other"),
    ItemException.EYE_MISSING: Text("Mata tidak ada", "Missing eye"),
    ItemException.EYE_CONDITION: Text("Kelainan/penyakit mata", "Eye condition"),
}

FACE = "face"
SIGNATURE = "signature"
IRIS_RIGHT = "iris_right"
IRIS_LEFT = "iris_left"
IRIS_ITEM_KINDS: dict[str, str] = {"right": IRIS_RIGHT, "left": IRIS_LEFT}  # the resident's eye -> item kind
ALL_ITEM_KINDS: tuple[str, ...] = (FACE, *(p.item_kind for p in FingerPosition), SIGNATURE, IRIS_RIGHT, IRIS_LEFT)
_KIND_LABELS: dict[str, Text] = {
    FACE: Text("Wajah", "Face"),
    SIGNATURE: Text("Tanda tangan", "Signature"),
    **{p.item_kind: p.label for p in FingerPosition},
    IRIS_RIGHT: Text("Iris mata kanan", "Right iris"),
    IRIS_LEFT: Text("Iris mata kiri", "Left iris"),
}

_EYE_REASONS = (ItemException.EYE_MISSING, ItemException.EYE_CONDITION, ItemException.OTHER)
_BODY_REASONS = (ItemException.AMPUTATED, ItemException.BANDAGED, ItemException.SCARRED, ItemException.OTHER)


def iris_kind(eye: str) -> str:
    """The item kind of the resident's `eye` ("left" or "right"); ValueError for anything else."""
    try:
        return IRIS_ITEM_KINDS[eye]
    except KeyError:
        raise ValueError(f"eye must be 'left' or 'right', not {eye!r}") from None


def exception_reasons(kind: str) -> tuple[ItemException, ...]:
    """The exception reasons that fit an item kind, in the order a form lists them: an
    eye is missing or has a condition; a finger (or the hand that signs) is amputated,
    bandaged or scarred; anything else is 'Other' with a note."""
    return _EYE_REASONS if kind in IRIS_ITEM_KINDS.values() else _BODY_REASONS


def item_kind_label(kind: str) -> Text:
    """What a person calls an item kind ("finger_8" is the left middle finger); a kind this
    version does not know is shown as it is stored."""
    return _KIND_LABELS.get(kind, Text(kind, kind))


class ItemFormat(StrEnum):
    JPEG = "jpeg"
    WSQ = "wsq"
    SIGNATURE_VECTORS = "sigvec"  # JSON strokes, see devices.signature
    PNG = "png"
    PLACEHOLDER = "placeholder"
    ISO_19794_6 = "iso19794-6"  # an ISO/IEC 19794-6:2011 iris record, cropped (K3) image, see devices.iris


class ItemRow(Protocol):
    """The stored columns of an item that `CapturedItem.from_row` reads (the ORM row fits)."""

    @property
    def kind(self) -> str: ...
    @property
    def format(self) -> str | None: ...
    @property
    def quality(self) -> float | None: ...
    @property
    def exception_reason(self) -> str | None: ...
    @property
    def exception_note(self) -> str | None: ...
    @property
    def approved_by(self) -> str | None: ...
    @property
    def device_driver(self) -> str | None: ...
    @property
    def device_model(self) -> str | None: ...
    @property
    def device_serial(self) -> str | None: ...
    @property
    def simulated(self) -> bool: ...
    @property
    def captured_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class CapturedItem:
    """One biometric item: a payload from a device, or an approved exception instead.

    Frozen, so the object the workflow holds is the object that is sealed and
    described in the packet; nothing downstream rewrites it.
    """

    kind: str  # FACE, finger_1..finger_10, SIGNATURE, IRIS_RIGHT, IRIS_LEFT
    format: ItemFormat | None  # None for an exception
    payload: bytes | None  # plaintext; None for an exception
    quality: float | None = None
    exception_reason: ItemException | None = None
    exception_note: str | None = None
    approved_by: str | None = None
    device_driver: str | None = None
    device_model: str | None = None
    device_serial: str | None = None
    simulated: bool = False
    captured_at: datetime | None = None  # None: the store stamps the time it is saved

    @classmethod
    def exception(
        cls, kind: str, reason: ItemException, *, note: str, approved_by: str, at: datetime | None = None
    ) -> CapturedItem:
        """The item for a finger, an eye or a signature that cannot be captured (the one place it is built)."""
        return cls(
            kind=kind,
            format=None,
            payload=None,
            exception_reason=reason,
            exception_note=note.strip() or None,
            approved_by=approved_by,
            captured_at=at or datetime.now(UTC),
        )

    @property
    def sha256(self) -> str | None:
        """SHA-256 (hex) of the plaintext payload; None for an exception."""
        return None if self.payload is None else hashlib.sha256(self.payload).hexdigest()

    @property
    def size(self) -> int:
        return 0 if self.payload is None else len(self.payload)

    def to_row(self) -> dict[str, Any]:
        """The item's stored columns, except the payload (the store encrypts it) and the time."""
        return {
            "kind": self.kind,
            "format": None if self.format is None else self.format.value,
            "quality": self.quality,
            "exception_reason": None if self.exception_reason is None else self.exception_reason.value,
            "exception_note": self.exception_note,
            "approved_by": self.approved_by,
            "device_driver": self.device_driver,
            "device_model": self.device_model,
            "device_serial": self.device_serial,
            "simulated": self.simulated,
            "payload_sha256": self.sha256,
            "size": self.size,
        }

    @classmethod
    def from_row(cls, row: ItemRow, payload: bytes | None) -> CapturedItem:
        """The item back from its stored row and its decrypted payload."""
        return cls(
            kind=row.kind,
            format=None if row.format is None else ItemFormat(row.format),
            payload=payload,
            quality=row.quality,
            exception_reason=None if row.exception_reason is None else ItemException(row.exception_reason),
            exception_note=row.exception_note,
            approved_by=row.approved_by,
            device_driver=row.device_driver,
            device_model=row.device_model,
            device_serial=row.device_serial,
            simulated=row.simulated,
            captured_at=row.captured_at,
        )

    def to_manifest(self) -> dict[str, Any]:
        """The item's entry in a packet manifest (docs/sync-protocol.md); an exception has
        an empty payload there, so its size is 0 and its hash that of no bytes."""
        payload = self.payload or b""
        return {
            "kind": self.kind,
            "format": None if self.format is None else self.format.value,
            "size": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "quality": self.quality,
            "exception_reason": None if self.exception_reason is None else self.exception_reason.value,
            "exception_note": self.exception_note,
            "approved_by": self.approved_by,
            "device_driver": self.device_driver,
            "device_model": self.device_model,
            "device_serial": self.device_serial,
            "simulated": self.simulated,
            "captured_at": self.captured_at.isoformat() if self.captured_at else None,
        }
