"""The iris record the station stores and sends: ISO/IEC 19794-6:2011, image type
CROPPED (K3), 640x480, monochrome JPEG 2000 lossy, at most `IRIS_RECORD_MAX_BYTES`.

Why lossy JPEG 2000, and how much: MOSIP asks registration devices for lossless
JPEG 2000, but a lossless 640x480 near-infrared eye is ~140 KB (PNG ~144 KB), and
an enrollment packet must stay <= 150 KB with both eyes (it is ~95 KB without), so each
eye gets ~25 KB. Both JPEG 2000 writers here use OpenJPEG and work: measured on the
synthetic eyes (devices.sbi.irisgen, 640x480, sensor noise sigma 2), decoded back:

    cv2.imencode(".jp2", IMWRITE_JPEG2000_COMPRESSION_X1000=80)  24.5 KB  PSNR 41.9 dB
    Pillow JPEG2000, irreversible, quality_mode="rates" 15:1      20.4 KB  PSNR 42.4 dB
    Pillow, rates 20:1                                            15.4 KB  PSNR 41.9 dB
    baseline JPEG quality 80 (for comparison)                     23.3 KB  PSNR 39.5 dB

Pillow's "rates" mode is chosen: it aims at a byte size directly (cv2's knob is a
quality per mille whose size depends on the content), it is the writer devices.sbi.iso
already uses, and at the same size it is ~3 dB better than JPEG. 15:1 is also the
ratio MOSIP allows for lossy iris (authentication devices). An image that still comes
out over budget is re-encoded at a higher ratio (a few steps), never truncated.

The container is shared with the SBI simulator (`devices.sbi.iso.iris_record` /
`read_iris`); this module adds the K3 crop, the budget and a strict reader: a record
must be one eye, K3, JPEG 2000, 640x480, 8 bits, and its lengths must agree with the
bytes present; anything else raises `IrisRecordError` (a ValueError) with the reason.

The K3 crop (`crop_k3`): 640x480 centred on the iris centre, at the camera's own
resolution when the iris with ISO's margins (0.6 R left and right, 0.2 R above and
below) fits, else scaled down until it does; area outside the camera's frame is the
frame's median grey (flat: nothing a matcher could take for texture).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime

import cv2
import numpy as np

from devices.iris.quality import IrisSegmentation
from devices.sbi import iso

log = logging.getLogger(__name__)

K3_SIZE = (640, 480)  # width, height
IRIS_RECORD_MAX_BYTES = 24_000
TARGET_RATIO = 15.0  # first try; raised by RATIO_STEP until the record fits
RATIO_STEP = 1.3
MAX_TRIES = 6
DECODE_MAX_BYTES = 256 * 1024  # a lossless K3 is ~140 KB: more is not a K3 iris record
EYES = {"left": "Left", "right": "Right"}
_LABEL_EYE = {iso.EYE_LABELS[v]: k for k, v in EYES.items()}


class IrisRecordError(iso.IsoError):
    """A byte string that is not a well-formed K3 iris record of this station's kind."""


@dataclass(frozen=True)
class IrisRecord:
    eye: str  # "left" | "right"
    quality: int  # 0-100, 255 when the record holds no quality block
    image: np.ndarray  # uint8 (480, 640)
    image_type: int  # iso.IRIS_K3_CROPPED
    lossy: bool
    encoded_bytes: int  # size of the JPEG 2000 inside

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


def crop_k3(image: np.ndarray, segmentation: IrisSegmentation) -> np.ndarray:
    """The 640x480 K3 crop of `image` centred on the iris (see the module docstring)."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 2:
        raise ValueError("an iris image is a 2-D uint8 array")
    w_out, h_out = K3_SIZE
    cx, cy, r = segmentation.iris
    if not (r > 0 and np.isfinite([cx, cy, r]).all()):
        raise ValueError("the segmentation has no usable iris circle")
    fill = int(np.median(image)) if image.size else 0
    scale = min(1.0, w_out / (2.0 * r * 1.6), h_out / (2.0 * r * 1.2))
    if scale < 1.0:  # shrink with INTER_AREA first (warpAffine has no area filter)
        size = (max(int(round(image.shape[1] * scale)), 1), max(int(round(image.shape[0] * scale)), 1))
        cx, cy = cx * size[0] / image.shape[1], cy * size[1] / image.shape[0]
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    cx, cy = round(cx), round(cy)  # whole pixels: a plain copy, no resampling
    matrix = np.array([[1.0, 0.0, w_out // 2 - cx], [0.0, 1.0, h_out // 2 - cy]], np.float64)
    return cv2.warpAffine(
        image, matrix, (w_out, h_out), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
    )


def _encode_jp2(image: np.ndarray, ratio: float) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(
        out, format="JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[ratio]
    )
    return out.getvalue()


def encode_iris_record(image: np.ndarray, *, eye: str, quality: int, now: datetime | None = None) -> bytes:
    """One eye's K3 record (`image` is the 640x480 K3 crop, `quality` 0-100)."""
    if eye not in EYES:
        raise ValueError(f"eye is 'left' or 'right', not {eye!r}")
    if not 0 <= int(quality) <= 100:
        raise ValueError(f"quality {quality} is not 0-100")
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.shape != (K3_SIZE[1], K3_SIZE[0]):
        raise ValueError(f"a K3 image is uint8 {K3_SIZE[0]}x{K3_SIZE[1]}")
    ratio = TARGET_RATIO
    for _ in range(MAX_TRIES):
        encoded = _encode_jp2(image, ratio)
        record = iso.iris_record(
            image,
            EYES[eye],
            image_type=iso.IRIS_K3_CROPPED,
            quality=int(quality),
            now=now,
            encoded=encoded,
            lossy=True,
        )
        if len(record) <= IRIS_RECORD_MAX_BYTES:
            return record
        ratio *= RATIO_STEP
    raise ValueError(f"the iris image does not fit {IRIS_RECORD_MAX_BYTES} bytes even at {ratio:.0f}:1")


def decode_iris_record(data: bytes) -> IrisRecord:
    """Read a K3 record back; raises IrisRecordError on anything malformed or hostile."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise IrisRecordError(f"an iris record is bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > DECODE_MAX_BYTES:
        raise IrisRecordError(f"iris record of {len(data)} bytes is larger than {DECODE_MAX_BYTES}")
    try:
        parsed = iso.read_iris(data)
    except IrisRecordError:
        raise
    except iso.IsoError as exc:
        raise IrisRecordError(f"iris record: {exc}") from None
    except Exception as exc:  # struct errors on a record that is cut short in odd places
        raise IrisRecordError(f"iris record is malformed: {type(exc).__name__}") from None
    if not data.endswith(parsed.image_bytes):
        raise IrisRecordError("iris record: bytes follow the image")
    if parsed.position not in _LABEL_EYE:
        raise IrisRecordError(f"iris record: eye label {parsed.position} is neither right (1) nor left (2)")
    if parsed.image_type != iso.IRIS_K3_CROPPED:
        raise IrisRecordError(f"iris record: image type {parsed.image_type} is not K3 (cropped)")
    if parsed.image_format != iso.IRIS_MONO_JP2:
        raise IrisRecordError(f"iris record: image format 0x{parsed.image_format:02x} is not JPEG 2000")
    if (parsed.width, parsed.height) != K3_SIZE:
        raise IrisRecordError(f"iris record: {parsed.width}x{parsed.height} is not the K3 size 640x480")
    if not (0 <= parsed.quality <= 100 or parsed.quality == 255):
        raise IrisRecordError(f"iris record: quality {parsed.quality} is out of range")
    try:
        image = parsed.decode()
    except iso.IsoError as exc:
        raise IrisRecordError(f"iris record: {exc}") from None
    history = (parsed.properties >> 6) & 0x03
    return IrisRecord(
        eye=_LABEL_EYE[parsed.position],
        quality=parsed.quality,
        image=image,
        image_type=parsed.image_type,
        lossy=history == iso.IRIS_HISTORY_LOSSY,
        encoded_bytes=len(parsed.image_bytes),
    )
