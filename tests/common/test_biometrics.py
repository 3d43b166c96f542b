"""common.biometrics: the finger codes, item kinds and the one item type's serialisations."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from common.biometrics import (
    ALL_ITEM_KINDS,
    FACE,
    FINGER_LABELS,
    ITEM_EXCEPTION_LABELS,
    SIGNATURE,
    CapturedItem,
    FingerPosition,
    ItemException,
    ItemFormat,
)

AT = datetime(2025, 5, 12, 7, 3, 4, tzinfo=UTC)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def test_finger_positions_are_the_ansi_nist_codes_in_capture_order() -> None:
    assert [int(p) for p in FingerPosition] == list(range(1, 11))
    assert FingerPosition(1) is FingerPosition.RIGHT_THUMB
    assert FingerPosition(10) is FingerPosition.LEFT_LITTLE
    assert FingerPosition.LEFT_INDEX.item_kind == "finger_7"


def test_every_finger_and_every_exception_reason_has_a_label_in_both_languages() -> None:
    assert set(FINGER_LABELS) == set(FingerPosition)
    assert set(ITEM_EXCEPTION_LABELS) == set(ItemException)
    for label in [*FINGER_LABELS.values(), *ITEM_EXCEPTION_LABELS.values()]:
        assert label.id and label.en and label.id != label.en
    assert FingerPosition.RIGHT_THUMB.label.en == "Right thumb"


def test_the_item_kinds_are_the_face_ten_fingers_the_signature_and_two_irises_once_each() -> None:
    assert ALL_ITEM_KINDS[0] == FACE and ALL_ITEM_KINDS[11] == SIGNATURE
    assert ALL_ITEM_KINDS[1:11] == tuple(f"finger_{n}" for n in range(1, 11))
    assert ALL_ITEM_KINDS[12:] == ("iris_right", "iris_left")
    assert len(set(ALL_ITEM_KINDS)) == 14


@dataclass
class Row:
    """The stored columns an item is read back from (as the ORM row carries them)."""

    kind: str
    format: str | None
    quality: float | None
    exception_reason: str | None
    exception_note: str | None
    approved_by: str | None
    device_driver: str | None
    device_model: str | None
    device_serial: str | None
    simulated: bool
    captured_at: datetime | None


def stored(item: CapturedItem) -> Row:
    columns = item.to_row()
    return Row(
        **{k: v for k, v in columns.items() if k not in ("payload_sha256", "size")},
        captured_at=item.captured_at,
    )


def test_a_capture_goes_to_its_row_and_back_unchanged() -> None:
    item = CapturedItem(
        kind="finger_2",
        format=ItemFormat.WSQ,
        payload=b"\xff\xa0wsq",
        quality=61.5,
        device_driver="ef01-sim",
        device_model="EF01",
        device_serial="SN-7",
        simulated=True,
        captured_at=AT,
    )
    row = item.to_row()
    assert row["payload_sha256"] == hashlib.sha256(b"\xff\xa0wsq").hexdigest() == item.sha256
    assert row["size"] == item.size == 5
    assert row["format"] == "wsq"
    assert "payload" not in row  # the store encrypts the payload itself
    assert CapturedItem.from_row(stored(item), item.payload) == item


def test_an_exception_has_no_payload_a_trimmed_note_and_its_approver() -> None:
    item = CapturedItem.exception("finger_4", ItemException.AMPUTATED, note="  sejak lahir  ", approved_by="spv", at=AT)
    assert (item.format, item.payload, item.sha256, item.size) == (None, None, None, 0)
    assert (item.exception_reason, item.exception_note, item.approved_by) == (
        ItemException.AMPUTATED,
        "sejak lahir",
        "spv",
    )
    assert CapturedItem.exception("finger_4", ItemException.OTHER, note="   ", approved_by="spv").exception_note is None
    assert CapturedItem.from_row(stored(item), None) == item


def test_an_exception_in_the_manifest_is_an_empty_payload() -> None:
    item = CapturedItem.exception(SIGNATURE, ItemException.OTHER, note="tidak bisa menulis", approved_by="spv", at=AT)
    entry = item.to_manifest()
    assert (entry["size"], entry["sha256"], entry["format"]) == (0, EMPTY_SHA256, None)
    assert entry["exception_reason"] == "other"
    assert entry["captured_at"] == AT.isoformat()


def test_an_item_cannot_be_rewritten_downstream() -> None:
    item = CapturedItem(kind=FACE, format=ItemFormat.JPEG, payload=b"jpeg")
    with pytest.raises(AttributeError):
        item.payload = b"other"  # type: ignore[misc]
