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

from common.biometrics import FACE, SIGNATURE, ItemFormat
from store.records import ItemData

log = logging.getLogger(__name__)

THUMB = (128, 144)


def _wsq_png(payload: bytes) -> bytes:
    import wsq  # noqa: F401  (registers the WSQ codec with Pillow)

    with Image.open(io.BytesIO(payload)) as img:
        img.thumbnail(THUMB)
        out = io.BytesIO()
        img.save(out, format="PNG")
        return out.getvalue()


def _signature_png(payload: bytes) -> bytes:
    from devices.signature.render import render_png
    from devices.signature.vectors import decode_strokes

    decoded = decode_strokes(payload)
    return render_png(decoded.strokes, pad_max=decoded.pad_max, size=(450, 150))


def item_images(items: Iterable[ItemData]) -> dict[str, bytes]:
    """kind -> image bytes, for every captured item (exceptions have none)."""
    out: dict[str, bytes] = {}
    for item in items:
        if item.payload is None:
            continue
        try:
            if item.kind == FACE or item.format == ItemFormat.JPEG.value:
                out[item.kind] = item.payload
            elif item.format == ItemFormat.WSQ.value:
                out[item.kind] = _wsq_png(item.payload)
            elif item.kind == SIGNATURE and item.format == ItemFormat.SIGNATURE_VECTORS.value:
                out[item.kind] = _signature_png(item.payload)
        except Exception:  # a picture that cannot be drawn must not hide the rest of the review
            log.exception("could not render item %s for review", item.kind)
    return out
