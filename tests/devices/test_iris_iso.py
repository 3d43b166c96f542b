"""The ISO/IEC 19794-6 K3 record: crop, encode within the wire budget, decode strictly."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from devices.iris.iso19794_6 import (
    IRIS_RECORD_MAX_BYTES,
    K3_SIZE,
    IrisRecordError,
    crop_k3,
    decode_iris_record,
    encode_iris_record,
)
from devices.iris.quality import IrisSegmentation, assess_iris
from devices.sbi import irisgen, iso

PSNR_MIN_DB = 38.0  # decoded image against the K3 crop it was made from
CENTRE_TOL_PX = 2.0
# byte offsets in a one-eye record without certification blocks and with one quality block
LENGTH_AT, REP_LENGTH_AT, EYE_AT, TYPE_AT, FORMAT_AT, WIDTH_AT, IMAGE_LENGTH_AT, IMAGE_AT = (
    8,
    16,
    42,
    43,
    44,
    46,
    69,
    73,
)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def _crop(seed: int = 1, **kw: object) -> tuple[np.ndarray, irisgen.EyeImage]:
    eye = irisgen.synthetic_eye(seed, **kw)  # type: ignore[arg-type]
    q = assess_iris(eye.image)
    assert q.segmentation is not None
    return crop_k3(eye.image, q.segmentation), eye


@pytest.fixture(scope="module")
def record() -> bytes:
    crop, _ = _crop(1, iris_offset=(40.0, -15.0))
    return encode_iris_record(crop, eye="left", quality=87)


def test_round_trip_keeps_eye_quality_size_and_image(record: bytes) -> None:
    crop, _ = _crop(1, iris_offset=(40.0, -15.0))
    back = decode_iris_record(record)
    assert (back.eye, back.quality, back.width, back.height) == ("left", 87, 640, 480)
    assert back.image_type == iso.IRIS_K3_CROPPED and back.lossy
    assert _psnr(back.image, crop) >= PSNR_MIN_DB
    assert len(record) <= IRIS_RECORD_MAX_BYTES
    right = decode_iris_record(encode_iris_record(crop, eye="right", quality=0))
    assert (right.eye, right.quality) == ("right", 0)
    # the simulator-side reader understands the station's record too
    parsed = iso.read_iris(record)
    assert (parsed.position, parsed.image_type, parsed.image_format) == (2, iso.IRIS_K3_CROPPED, iso.IRIS_MONO_JP2)


def test_the_k3_crop_centres_the_iris_at_the_cameras_resolution() -> None:
    crop, eye = _crop(2, iris_offset=(60.0, -20.0))
    assert crop.shape == (K3_SIZE[1], K3_SIZE[0]) and crop.dtype == np.uint8
    q = assess_iris(crop)
    assert q.segmentation is not None
    ix, iy, ir = q.segmentation.iris
    assert abs(ix - 320) <= CENTRE_TOL_PX and abs(iy - 240) <= CENTRE_TOL_PX
    assert abs(ir - eye.truth.iris_radius) <= 2.0  # not rescaled: the iris fits with its margins
    assert q.passed


def test_a_large_iris_is_scaled_down_until_iso_margins_fit() -> None:
    eye = irisgen.synthetic_eye(3)
    big = cv2.resize(eye.image, (1280, 960), interpolation=cv2.INTER_CUBIC)  # iris radius ~236 px
    q = assess_iris(big)
    assert q.segmentation is not None
    crop = crop_k3(big, q.segmentation)
    again = assess_iris(crop)
    margin = again.measure("margin_adequacy").value
    assert again.segmentation is not None and margin is not None and margin >= 95.0
    assert again.segmentation.iris[2] < 2 * eye.truth.iris_radius


def test_an_iris_near_the_frame_edge_is_padded_with_flat_grey() -> None:
    eye = irisgen.synthetic_eye(4)
    seg = IrisSegmentation((20.0, 20.0, 40.0), (20.0, 20.0, 100.0))
    crop = crop_k3(eye.image, seg)
    assert crop.shape == (480, 640)
    assert len(np.unique(crop[:100, :100])) == 1  # outside the camera's frame: one grey


def test_a_worst_case_image_still_fits_the_budget() -> None:
    noise = np.random.default_rng(5).integers(0, 256, (480, 640), dtype=np.uint8)
    record = encode_iris_record(noise, eye="right", quality=50)
    assert len(record) <= IRIS_RECORD_MAX_BYTES
    assert decode_iris_record(record).image.shape == (480, 640)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"eye": "middle", "quality": 50}, "eye"),
        ({"eye": "left", "quality": 101}, "quality"),
        ({"eye": "left", "quality": -1}, "quality"),
    ],
)
def test_encode_refuses_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    crop, _ = _crop(1)
    with pytest.raises(ValueError, match=match):
        encode_iris_record(crop, **kwargs)  # type: ignore[arg-type]


def test_encode_refuses_an_image_that_is_not_k3() -> None:
    with pytest.raises(ValueError, match="640x480"):
        encode_iris_record(np.zeros((480, 480), np.uint8), eye="left", quality=50)
    with pytest.raises(ValueError, match="640x480"):
        encode_iris_record(np.zeros((480, 640), np.float32), eye="left", quality=50)  # type: ignore[arg-type]


def _patched(record: bytes, at: int, fmt: str, value: int) -> bytes:
    out = bytearray(record)
    before = bytes(out[at : at + struct.calcsize(fmt)])
    struct.pack_into(fmt, out, at, value)
    assert bytes(out[at : at + struct.calcsize(fmt)]) != before, "the patch must change the record"
    return bytes(out)


def _with_trailing_bytes(record: bytes) -> bytes:
    out = bytearray(record + b"\x00" * 8)  # both lengths agree, the image length does not
    struct.pack_into(">I", out, LENGTH_AT, len(out))
    struct.pack_into(">I", out, REP_LENGTH_AT, len(out) - 16)
    return bytes(out)


def _hostile(record: bytes) -> dict[str, tuple[bytes, str]]:
    image = record[IMAGE_AT:]
    small = cv2.resize(decode_iris_record(record).image, (320, 240))
    other_size = iso.iris_record(
        small, "Left", image_type=iso.IRIS_K3_CROPPED, quality=50, encoded=iso.encode_jp2_lossless(small), lossy=True
    )
    other_size = other_size[:WIDTH_AT] + struct.pack(">HH", 640, 480) + other_size[WIDTH_AT + 4 :]
    return {
        "empty": (b"", "not a IIR record"),
        "truncated header": (record[:12], "not a IIR record"),
        "truncated body": (record[: len(record) // 2], "length"),
        "cut one byte": (record[:-1], "length"),
        "wrong magic": (b"FIR\x00" + record[4:], "not a IIR record"),
        "wrong version": (record[:4] + b"030\x00" + record[8:], "version"),
        "record length lies": (_patched(record, LENGTH_AT, ">I", len(record) + 100), "length"),
        "representation length lies": (_patched(record, REP_LENGTH_AT, ">I", 99), "representation length"),
        "image length larger than present": (
            _patched(record, IMAGE_LENGTH_AT, ">I", len(image) + 50),
            "shorter than its fields",
        ),
        "image length huge": (_patched(record, IMAGE_LENGTH_AT, ">I", 0xFFFFFFF0), "too large"),
        "image length smaller": (_patched(record, IMAGE_LENGTH_AT, ">I", len(image) - 100), "follow the image"),
        "huge declared size": (
            _patched(_patched(record, WIDTH_AT, ">H", 60000), WIDTH_AT + 2, ">H", 60000),
            "not the K3 size",
        ),
        "image inside of another size": (other_size, "image is 320x240"),
        "image type K2": (_patched(record, TYPE_AT, ">B", iso.IRIS_K2_VGA), "not K3"),
        "raw format": (_patched(record, FORMAT_AT, ">B", 0x02), "not JPEG 2000"),
        "no such eye": (_patched(record, EYE_AT, ">B", 7), "eye label"),
        "image is not an image": (record[:IMAGE_AT] + bytes(len(image)), "does not decode"),
        "trailing bytes": (_with_trailing_bytes(record), "follow the image"),
        "too big to be a record": (record + b"\x00" * (300 * 1024), "larger than"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "empty",
        "truncated header",
        "truncated body",
        "cut one byte",
        "wrong magic",
        "wrong version",
        "record length lies",
        "representation length lies",
        "image length larger than present",
        "image length huge",
        "image length smaller",
        "huge declared size",
        "image inside of another size",
        "image type K2",
        "raw format",
        "no such eye",
        "image is not an image",
        "trailing bytes",
        "too big to be a record",
    ],
)
def test_hostile_records_raise_iris_record_error(record: bytes, name: str) -> None:
    data, match = _hostile(record)[name]
    with pytest.raises(IrisRecordError, match=match):
        decode_iris_record(data)


def test_a_simulator_k2_record_is_not_taken_for_a_k3() -> None:
    k2 = iso.iris_record(irisgen.synthetic_eye(6).image, "Right")
    with pytest.raises(IrisRecordError, match="not K3"):
        decode_iris_record(k2)
    with pytest.raises(IrisRecordError, match="bytes"):
        decode_iris_record("IIR")  # type: ignore[arg-type]
