"""Read Xvfb's framebuffer file (XWD, written with -fbdir) and tell whether a window is drawn.

Why: the smoke test must show that the app really drew its login window on the X server,
not only that Qt said so. Xvfb keeps its screen as an XWD file, so no screenshot tool is
needed; Pillow (a dependency of the station) writes the PNG.

Usage: xwd_snapshot.py SCREEN.xwd [OUT.png]. Prints the size and the number of distinct
colours; exits 1 when the screen is (nearly) one colour, i.e. nothing is drawn.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PIL import Image

XWD_HEADER_FIELDS = 25
MIN_COLOURS = 16  # an empty Xvfb root is 1 colour; a login card with text has hundreds


def read_xwd(path: Path) -> Image.Image:
    """The screen as an RGB image (24/32-bit ZPixmap, the only format Xvfb writes here)."""
    data = path.read_bytes()
    fields = struct.unpack(">25I", data[: 4 * XWD_HEADER_FIELDS])
    header_size, version, pixmap_format, depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line, ncolors = fields[7], fields[11], fields[12], fields[19]
    if version != 7 or pixmap_format != 2 or bits_per_pixel != 32 or depth != 24:
        raise ValueError(f"unsupported XWD: version {version}, format {pixmap_format}, {bits_per_pixel} bpp")
    start = header_size + 12 * ncolors
    raw_mode = "BGRX" if byte_order == 0 else "XRGB"
    pixels = data[start : start + bytes_per_line * height]
    return Image.frombuffer("RGB", (width, height), pixels, "raw", raw_mode, bytes_per_line, 1)


def main(argv: list[str]) -> int:
    image = read_xwd(Path(argv[1]))
    if len(argv) > 2:
        image.save(argv[2])
    colours = image.getcolors(maxcolors=1 << 24) or []
    sys.stdout.write(f"screen {image.width}x{image.height}: {len(colours)} colours\n")
    return 0 if len(colours) >= MIN_COLOURS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
