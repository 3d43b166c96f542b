"""The STREAM preview: an MJPEG (multipart/x-mixed-replace) reader, bounded.

A device streams its live preview (>= 3 fps, quality drawn on it by the device) on a
connection of its own while RCAPTURE runs on another, so the preview has its own
thread (`PreviewReader`), separate from the service's command thread.

Bounds: each part's headers (16 lines of 256 bytes), each frame (`max_frame_bytes`),
the number of frames and the wall time (`duration_s`, the request's own timeout);
`stop()` ends the read within one socket timeout. A frame that does not decode is
skipped and counted, never passed on.

Trap: some services send no Content-Length per part; the frame then ends at the next
boundary line, which is searched for in a bounded buffer.
"""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from devices.sbi.spec import PATH_STREAM, VERB_STREAM
from devices.sbi.transport import TransportError, open_request

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 2 * 1024 * 1024
MAX_HEADER_LINES = 16
MAX_LINE = 256


def boundary_of(content_type: str) -> bytes:
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip().strip('"').removeprefix("--").encode("latin-1")[:70]
    raise TransportError("lost", f"not a multipart stream: {content_type[:80]!r}")


def iter_parts(
    resp: http.client.HTTPResponse, boundary: bytes, *, max_frame_bytes: int = MAX_FRAME_BYTES
) -> Iterator[bytes]:
    """Yield each part's body until the closing boundary or the end of the stream."""
    marker = b"--" + boundary
    at_part = False  # True when the boundary line of the next part was already read
    while True:
        if not at_part:
            line = resp.readline(MAX_LINE)
            if not line:
                return
            text = line.strip()
            if text == marker + b"--":
                return
            if text != marker:
                continue
        at_part = False
        length: int | None = None
        for _ in range(MAX_HEADER_LINES):
            header = resp.readline(MAX_LINE).strip()
            if not header:
                break
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = int(value.strip())
        else:
            raise TransportError("lost", "a stream part has too many header lines")
        if length is not None:
            if length > max_frame_bytes:
                raise TransportError("too_large", f"stream frame of {length} bytes")
            frame = resp.read(length)
            if len(frame) != length:
                return
            yield frame
            continue
        buf = bytearray()
        while True:
            chunk = resp.readline(64 * 1024)
            if not chunk:
                return
            if chunk.strip() in (marker, marker + b"--"):
                yield bytes(buf).rstrip(b"\r\n")
                if chunk.strip() != marker:
                    return
                at_part = True
                break
            buf += chunk
            if len(buf) > max_frame_bytes:
                raise TransportError("too_large", "stream frame without length grew too large")


def _refusal(resp: http.client.HTTPResponse, content_type: str) -> str:
    """What a device said instead of streaming (the spec's {"error": {"errorCode": "202"}})."""
    import json

    try:
        value = json.loads(resp.read(4096)) if content_type.startswith("application/json") else None
        err = value.get("error") if isinstance(value, dict) else None
        if isinstance(err, dict):
            info = "".join(c for c in str(err.get("errorInfo", "")) if c.isprintable())[:80]
            return f"device error {str(err.get('errorCode'))[:8]}: {info}"
    except (ValueError, OSError, http.client.HTTPException):
        pass
    return f"HTTP {resp.status}, {content_type[:40]!r}"


MAX_FRAME_PIXELS = 4096 * 4096


def decode_frame(jpeg: bytes) -> np.ndarray | None:
    """BGR pixels of a frame, or None. The size is read from the header first, so a small
    file that declares a huge picture is skipped instead of allocated."""
    import cv2

    if not fits(jpeg):
        return None
    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    return frame if frame is not None and frame.size else None


def fits(encoded: bytes, max_pixels: int = MAX_FRAME_PIXELS) -> bool:
    """Whether an encoded image declares at most `max_pixels` (header only, no decoding)."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(encoded)) as img:
            w, h = img.size
    except Exception:  # not an image Pillow recognises: refuse rather than guess
        return False
    return 0 < w * h <= max_pixels


class PreviewReader:
    """Reads one device's STREAM on its own thread and hands decoded BGR frames to
    `on_frame` (called on that thread). `error` holds why it stopped early, if it did."""

    def __init__(
        self, port: int, device_id: str, sub_id: int, *, duration_s: float = 60.0, read_timeout_s: float = 2.0,
        max_frames: int = 10_000,
    ) -> None:  # fmt: skip
        self.port = port
        self.request = {"deviceId": device_id, "deviceSubId": int(sub_id), "timeout": int(duration_s * 1000)}
        self.duration_s = duration_s
        self.read_timeout_s = read_timeout_s
        self.max_frames = max_frames
        self.frames = 0
        self.bad_frames = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: http.client.HTTPConnection | None = None
        self.first_frame = threading.Event()

    def start(self, on_frame: Callable[[np.ndarray], None]) -> None:
        self._thread = threading.Thread(target=self._run, args=(on_frame,), name=f"sbi-stream:{self.port}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout_s)

    def join(self, timeout_s: float) -> bool:
        """Wait for the stream to end by itself; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return not self.running

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, on_frame: Callable[[np.ndarray], None]) -> None:
        deadline = time.monotonic() + self.duration_s
        try:
            conn, resp = open_request(
                self.port, VERB_STREAM, PATH_STREAM, self.request, connect_s=1.0, read_s=self.read_timeout_s
            )
            self._conn = conn
            try:
                content_type = resp.getheader("Content-Type") or ""
                if resp.status != 200 or content_type.startswith("application/json"):
                    self.error = _refusal(resp, content_type)
                    return
                boundary = boundary_of(content_type)
                for jpeg in iter_parts(resp, boundary):
                    if self._stop.is_set() or time.monotonic() > deadline or self.frames >= self.max_frames:
                        break
                    frame = decode_frame(jpeg)
                    if frame is None:
                        self.bad_frames += 1
                        continue
                    self.frames += 1
                    self.first_frame.set()
                    on_frame(frame)
            finally:
                conn.close()
        except TransportError as exc:
            if not self._stop.is_set():
                self.error = exc.detail
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if not self._stop.is_set():
                self.error = f"{type(exc).__name__}"
        finally:
            log.info(
                "SBI stream on port %d ended: %d frames, %d bad, %s",
                self.port,
                self.frames,
                self.bad_frames,
                self.error or "ok",
            )
