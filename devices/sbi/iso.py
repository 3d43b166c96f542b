"""ISO/IEC 19794-4:2011 (finger) and 19794-6:2011 (iris) image records: write and read.

An SBI device returns each finger or eye as one of these records in `bioValue`;
the image inside is JPEG 2000 lossless for registration devices. The layouts follow
the 2011 editions as MOSIP's biometrics-util writes them:

finger ("FIR\\0", "020\\0"): general header 16 bytes (format, version, record length,
representation count, certification flag, finger count); a representation header
(length, capture time 9 bytes, device technology, vendor, type, quality blocks,
finger position, representation number, scale units, 4 sampling rates, bit depth,
compression, impression type, width, height) then the image length and image.

iris ("IIR\\0", "020\\0"): general header 16 bytes; a representation header (length,
capture time, technology, vendor, type, quality blocks, representation number) and
27 bytes of image information (eye label, image type K2/K3, image format, properties,
width, height, bit depth, range, roll, uncertainty, iris centre and diameter ranges)
then the image length and image.

Face records (19794-5) are only recognised by their magic here; the face image is
found by its JPEG / JPEG 2000 signature inside (see `face_image`).

Every read is bounded by the record's own length fields and by the bytes present:
a record that claims more than it holds is refused, never padded.
"""

from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

log = logging.getLogger(__name__)

FIR, IIR, FAC = b"FIR\x00", b"IIR\x00", b"FAC\x00"
VERSION_020 = b"020\x00"
FINGER_JP2_LOSSLESS = 5  # 19794-4:2011 compression: 0 raw, 2 WSQ, 3 JPEG, 4 JP2 lossy, 5 JP2 lossless, 6 PNG
IRIS_MONO_JP2 = 0x0A  # 19794-6:2011 image format: monochrome JPEG 2000
IRIS_K2_VGA, IRIS_K3_CROPPED = 2, 3
IRIS_HISTORY_LOSSLESS, IRIS_HISTORY_LOSSY = 1, 2  # image properties: compression history
EYE_LABELS = {"Right": 1, "Left": 2}
MAX_IMAGE_BYTES = 4 * 1024 * 1024
MAX_SIDE = 4096
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_J2K_CODESTREAM = b"\xff\x4f\xff\x51"
_JPEG = b"\xff\xd8\xff"


class IsoError(ValueError):
    """A record that is not the ISO structure it claims to be."""


@dataclass(frozen=True)
class IsoImage:
    modality: str  # "finger", "iris" or "face"
    position: int  # finger position code 1-10, eye label (1 right, 2 left), 0 for face
    width: int
    height: int
    compression: int
    image_bytes: bytes  # the encoded image inside the record
    image_type: int = 0  # iris: K2 (2) or K3 (3)
    quality: int = 255  # the record's first quality block score, 255 when absent
    image_format: int = 0  # iris: the 19794-6 image format code (0x0A monochrome JPEG 2000)
    properties: int = 0  # iris: the image properties byte (compression history in bits 7-8)

    def decode(self) -> np.ndarray:
        """The grey image as uint8 (rows, cols); refuses sizes that disagree with the header."""
        return decode_grey(self.image_bytes, expect=(self.height, self.width) if self.width else None)


def _capture_time(now: datetime | None) -> bytes:
    t = now or datetime.now(UTC)
    return struct.pack(">HBBBBBH", t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond // 1000)


def encode_jp2_lossless(image: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(out, format="JPEG2000", irreversible=False)
    return out.getvalue()


def decode_grey(data: bytes, expect: tuple[int, int] | None = None) -> np.ndarray:
    """Decode a JPEG 2000, JPEG or PNG image to grey uint8, with the pixel count bounded
    before decoding (Pillow reads the size from the header first)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size
            if not (0 < w <= MAX_SIDE and 0 < h <= MAX_SIDE):
                raise IsoError(f"image of {w}x{h} pixels is out of bounds")
            if expect is not None and (h, w) != expect:
                raise IsoError(f"image is {w}x{h}, the record says {expect[1]}x{expect[0]}")
            return np.asarray(img.convert("L"), dtype=np.uint8).copy()
    except IsoError:
        raise
    except Exception as exc:  # Pillow raises many types for a broken image
        raise IsoError(f"image does not decode: {type(exc).__name__}") from None


def finger_record(
    image: np.ndarray, position: int, *, quality: int = 255, now: datetime | None = None, encoded: bytes | None = None
) -> bytes:
    """One-finger 19794-4:2011 record, JPEG 2000 lossless at 500 ppi (`encoded`: the
    image already encoded, by a caller that caches it)."""
    data = encoded if encoded is not None else encode_jp2_lossless(image)
    h, w = image.shape[:2]
    qblocks = b"" if quality == 255 else struct.pack(">BHH", quality, 0x0103, 0x0001)
    header = (
        _capture_time(now)
        + struct.pack(">BHHB", 0, 0, 0, 1 if qblocks else 0)
        + qblocks
        + struct.pack(">BBBHHHHBBBHH", position, 1, 1, 500, 500, 500, 500, 8, FINGER_JP2_LOSSLESS, 0, w, h)
        + struct.pack(">I", len(data))
    )
    rep = struct.pack(">I", 4 + len(header) + len(data)) + header + data
    return FIR + VERSION_020 + struct.pack(">IHBB", 16 + len(rep), 1, 0, 1) + rep


def iris_record(
    image: np.ndarray, eye: str, *, image_type: int = IRIS_K2_VGA, quality: int = 255, now: datetime | None = None,
    encoded: bytes | None = None, lossy: bool = False,
) -> bytes:  # fmt: skip
    """One-eye 19794-6:2011 record, monochrome JPEG 2000: lossless unless `lossy` (then
    `encoded` is the caller's lossy JPEG 2000 and the compression history says so; the
    station's K3 records, devices.iris.iso19794_6)."""
    if lossy and encoded is None:
        raise ValueError("a lossy iris record needs its encoded image")
    data = encoded if encoded is not None else encode_jp2_lossless(image)
    h, w = image.shape[:2]
    qblocks = b"" if quality == 255 else struct.pack(">BHH", quality, 0x0103, 0x0001)
    # compression history (lossless 1, lossy 2); orientation undefined
    properties = (IRIS_HISTORY_LOSSY if lossy else IRIS_HISTORY_LOSSLESS) << 6
    info = struct.pack(
        ">BBBBHHBHHHHHHHHH",
        EYE_LABELS[eye],
        image_type,
        IRIS_MONO_JP2,
        properties,
        w,
        h,
        8,
        0,
        0xFFFF,
        0xFFFF,
        0,
        0,
        0,
        0,
        0,
        0,
    )
    header = (
        _capture_time(now)
        + struct.pack(">BHHB", 0, 0, 0, 1 if qblocks else 0)
        + qblocks
        + struct.pack(">H", 1)
        + info
        + struct.pack(">I", len(data))
    )
    rep = struct.pack(">I", 4 + len(header) + len(data)) + header + data
    return IIR + VERSION_020 + struct.pack(">IHBB", 16 + len(rep), 1, 0, 1) + rep


class _Reader:
    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data, self.pos, self.end = data, start, end

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise IsoError("record is shorter than its fields say")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple[int, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))


def _general(data: bytes, magic: bytes) -> tuple[_Reader, int]:
    if len(data) < 16 or data[:4] != magic:
        raise IsoError(f"not a {magic[:3].decode()} record")
    if data[4:8] != VERSION_020:
        raise IsoError(f"version {data[4:7]!r} is not 020")
    length, count, cert_flag, _present = struct.unpack(">IHBB", data[8:16])
    if length != len(data):
        raise IsoError(f"record length field {length} but {len(data)} bytes")
    if count != 1:
        raise IsoError(f"{count} representations; one per bioValue expected")
    return _Reader(data, 16, len(data)), cert_flag


def _quality(r: _Reader) -> int:
    (n,) = r.unpack(">B")
    blocks = [r.unpack(">BHH") for _ in range(n)]
    return blocks[0][0] if blocks else 255


def _image(r: _Reader) -> bytes:
    (n,) = r.unpack(">I")
    if n > MAX_IMAGE_BYTES:
        raise IsoError(f"image of {n} bytes is too large")
    return r.take(n)


def read_finger(data: bytes) -> IsoImage:
    r, cert_flag = _general(data, FIR)
    (rep_len,) = r.unpack(">I")
    if 16 + rep_len != len(data):
        raise IsoError("representation length disagrees with the record")
    r.take(9 + 5)  # capture time, technology, vendor, type
    quality = _quality(r)
    if cert_flag:
        (n,) = r.unpack(">B")
        r.take(3 * n)
    position, _rep, _units, *_rates, depth, compression, _imp, w, h = r.unpack(">BBBHHHHBBBHH")
    if depth != 8 or not (1 <= position <= 10):
        raise IsoError(f"finger position {position} / bit depth {depth} not supported")
    return IsoImage("finger", position, w, h, compression, _image(r), quality=quality)


def read_iris(data: bytes) -> IsoImage:
    r, _cert = _general(data, IIR)
    (rep_len,) = r.unpack(">I")
    if 16 + rep_len != len(data):
        raise IsoError("representation length disagrees with the record")
    r.take(9 + 5)
    quality = _quality(r)
    r.unpack(">H")
    eye, image_type, fmt, props, w, h, depth, *_rest = r.unpack(">BBBBHHBHHHHHHHHH")
    if depth != 8:
        raise IsoError(f"bit depth {depth} not supported")
    image = _image(r)
    return IsoImage(
        "iris", eye, w, h, 0, image, image_type=image_type, quality=quality, image_format=fmt, properties=props
    )


def face_image(data: bytes) -> IsoImage:
    """The face image inside a 19794-5 record, found by its signature (the record's
    facial information blocks are not interpreted)."""
    if data[:4] != FAC:
        raise IsoError("not a FAC record")
    for signature in (_JP2_SIGNATURE, _J2K_CODESTREAM, _JPEG):
        at = data.find(signature, 4)
        if at >= 0:
            return IsoImage("face", 0, 0, 0, 0, data[at:])
    raise IsoError("no JPEG or JPEG 2000 image inside the FAC record")


def face_record(jpeg: bytes) -> bytes:
    """A minimal FAC container around a JPEG (the simulator's face answer)."""
    body = struct.pack(">I", len(jpeg)) + jpeg
    return FAC + b"030\x00" + struct.pack(">IHBH", 15 + len(body), 1, 0, 0) + body
