"""Pictures of an enrollment's items for the review page and the record view.

Decoding ten WSQ fingerprints and rendering a signature takes a noticeable moment,
so the app calls this off the GUI thread and receives plain image bytes (PNG or
JPEG) that Qt can load directly.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

from PIL import Image

from common.biometrics import FACE, SIGNATURE, CapturedItem, ItemFormat

log = logging.getLogger(__name__)

# Thumbnails at the size the review page shows them, made here (off the GUI thread)
# so that the page only has to load small images.
FACE_THUMB = (180, 240)
FINGER_THUMB = (80, 90)
SIGNATURE_SIZE = (300, 100)


def _png(img: Image.Image, size: tuple[int, int]) -> bytes:
    img.thumbnail(size)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _wsq_png(payload: bytes) -> bytes:
    import wsq  # noqa: F401  (registers the WSQ codec with Pillow)

    with Image.open(io.BytesIO(payload)) as img:
        return _png(img, FINGER_THUMB)


def _jpeg_png(payload: bytes) -> bytes:
    with Image.open(io.BytesIO(payload)) as img:
        return _png(img.convert("RGB"), FACE_THUMB)


def _signature_png(payload: bytes) -> bytes:
    from devices.signature.render import render_png
    from devices.signature.vectors import decode_strokes

    decoded = decode_strokes(payload)
    return render_png(decoded.strokes, pad_max=decoded.pad_max, size=SIGNATURE_SIZE)


IRIS_THUMB = (160, 120)  # a 640x480 K3 eye at the size the review shows it


def _iris_png(payload: bytes) -> bytes:
    """The eye of an ISO/IEC 19794-6 K3 record (devices.iris.iso19794_6 refuses a hostile one)."""
    import cv2

    from devices.iris.iso19794_6 import decode_iris_record

    image = decode_iris_record(payload).image
    ok, png = cv2.imencode(".png", cv2.resize(image, IRIS_THUMB, interpolation=cv2.INTER_AREA))
    if not ok:
        raise ValueError("the iris thumbnail could not be encoded")
    return bytes(png.tobytes())


def item_images(items: Iterable[CapturedItem]) -> dict[str, bytes]:
    """kind -> PNG thumbnail bytes, for every captured item (exceptions have none).
    Slow (image codecs, JPEG 2000 for the irises): call it off the GUI thread."""
    out: dict[str, bytes] = {}
    for item in items:
        if item.payload is None:
            continue
        try:
            if item.kind == FACE or item.format == ItemFormat.JPEG.value:
                out[item.kind] = _jpeg_png(item.payload)
            elif item.format == ItemFormat.WSQ.value:
                out[item.kind] = _wsq_png(item.payload)
            elif item.kind == SIGNATURE and item.format == ItemFormat.SIGNATURE_VECTORS.value:
                out[item.kind] = _signature_png(item.payload)
            elif item.format == ItemFormat.ISO_19794_6.value:
                out[item.kind] = _iris_png(item.payload)
        except Exception:  # a picture that cannot be drawn must not hide the rest of the review
            log.exception("could not render item %s for review", item.kind)
    return out
