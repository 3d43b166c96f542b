"""Render strokes to a PNG for review and the receipt preview.

The ink is fitted into the image (keeping the pad's physical aspect, so a 4:3 pad is not
squashed) and drawn with a width that follows the pen pressure. Pillow's lines are not
antialiased, so we draw at twice the size and downsample; round joins come from a disc at
every point, which also makes a single-point stroke visible.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from devices.kinds import PenPoint
from devices.signature.strokes import DEFAULT_PAD_MAX

DEFAULT_SIZE = (600, 200)
_SUPERSAMPLE = 2
_MARGIN = 0.06  # of the image's shorter side
_MIN_WIDTH_PX = 1.2
_MAX_WIDTH_PX = 4.5


def render_png(
    strokes: Sequence[Sequence[PenPoint]],
    *,
    pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> bytes:
    """Black pressure-weighted ink on white, as 8-bit grey PNG bytes (a blank image if no ink)."""
    w, h = size[0] * _SUPERSAMPLE, size[1] * _SUPERSAMPLE
    img = Image.new("L", (w, h), 255)
    ink = [[p for p in stroke if p.tip] for stroke in strokes]
    ink = [s for s in ink if s]
    if ink:
        _draw(ImageDraw.Draw(img), ink, pad_max, w, h)
    out = io.BytesIO()
    img.resize(size, Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw(draw: ImageDraw.ImageDraw, ink: list[list[PenPoint]], pad_max: tuple[int, int, int], w: int, h: int) -> None:
    sx, sy = float(pad_max[0]), float(pad_max[1])
    xs = [p.x * sx for s in ink for p in s]
    ys = [p.y * sy for s in ink for p in s]
    x0, y0 = min(xs), min(ys)
    span_x, span_y = max(max(xs) - x0, 1e-9), max(max(ys) - y0, 1e-9)
    margin = _MARGIN * min(w, h)
    scale = min((w - 2 * margin) / span_x, (h - 2 * margin) / span_y)
    off_x = (w - span_x * scale) / 2
    off_y = (h - span_y * scale) / 2

    def to_px(p: PenPoint) -> tuple[float, float]:
        return off_x + (p.x * sx - x0) * scale, off_y + (p.y * sy - y0) * scale

    def width(p: PenPoint) -> float:
        pressure = min(max(p.pressure, 0.0), 1.0)
        return (_MIN_WIDTH_PX + (_MAX_WIDTH_PX - _MIN_WIDTH_PX) * pressure) * _SUPERSAMPLE

    for stroke in ink:
        prev: tuple[float, float] | None = None
        for p in stroke:
            cur = to_px(p)
            wd = width(p)
            if prev is not None:
                draw.line([prev, cur], fill=0, width=max(1, round(wd)))
            r = wd / 2
            draw.ellipse([cur[0] - r, cur[1] - r, cur[0] + r, cur[1] + r], fill=0)
            prev = cur
