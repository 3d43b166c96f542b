"""Biometric item kinds shared by the store, the devices and the domain."""

from __future__ import annotations

from enum import IntEnum, StrEnum

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


class FingerException(StrEnum):
    """Why a finger has no image."""

    AMPUTATED = "amputated"
    BANDAGED = "bandaged"
    SCARRED = "scarred"
    OTHER = "other"


FINGER_EXCEPTION_LABELS: dict[FingerException, Text] = {
    FingerException.AMPUTATED: Text("Diamputasi", "Amputated"),
    FingerException.BANDAGED: Text("Diperban", "Bandaged"),
    FingerException.SCARRED: Text("Luka/bekas luka", "Scarred"),
    FingerException.OTHER: Text("Lainnya", "Other"),
}

FACE = "face"
SIGNATURE = "signature"
ALL_ITEM_KINDS: tuple[str, ...] = (FACE, *(p.item_kind for p in FingerPosition), SIGNATURE)


class ItemFormat(StrEnum):
    JPEG = "jpeg"
    WSQ = "wsq"
    SIGNATURE_VECTORS = "sigvec"  # JSON strokes, see devices.signature
    PNG = "png"
    PLACEHOLDER = "placeholder"
