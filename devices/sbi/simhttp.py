"""The simulator's HTTP face: SBI's custom verbs on one handler class.

`http.server` dispatches a request with method X to ``do_X``, so MOSIPDISC, MOSIPDINFO,
RCAPTURE and STREAM are plain methods here. What each answers comes from the
`SbiSimulator` the server carries; this module only frames it as the spec does
(``CACHE-CONTROL: no-store``, ``LOCATION``, JSON with a Content-Length and
``Connection: close``; STREAM as multipart/x-mixed-replace JPEG parts), and plays the
transport faults: ``timeout`` (no answer until the request's timeout plus 30 s, or the
simulator stops) and ``dies_mid_capture`` (half the answer, then the service stops).

Every request body is bounded (64 KB, JSON depth 8) and a client that stops sending
mid-request times out after 10 s.
"""

from __future__ import annotations

import json
import logging
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from devices.sbi.simulator import MAX_REQUEST, MAX_STREAM_S, STREAM_FPS, TIMEOUT_FAULT_EXTRA_S, failed
from wire.canonical import JsonRefused, parse_json

if TYPE_CHECKING:
    from devices.sbi.simulator import SbiSimulator

log = logging.getLogger(__name__)


class SbiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SBI-Simulator/0.9.5 (SIMULATED)"
    timeout = 10.0  # a client that stops sending mid-request cannot hold a handler for ever

    @property
    def sim(self) -> SbiSimulator:
        return self.server.simulator  # type: ignore[attr-defined, no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sbi-sim %s", format % args)

    def _body(self) -> Any:
        length = self.headers.get("Content-Length", "0")
        n = int(length) if length.isdigit() else 0
        if n > MAX_REQUEST:
            raise JsonRefused("request too large", too_large=True)
        raw = self.rfile.read(n) if n else b""
        return parse_json(raw, max_bytes=MAX_REQUEST, max_depth=8) if raw.strip() else {}

    def _count(self) -> None:
        self.sim.requests[self.command] = self.sim.requests.get(self.command, 0) + 1

    def _send_json(self, value: Any, status: int = 200) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("CACHE-CONTROL", "no-store")
        self.send_header("LOCATION", self.sim.url)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _request(self) -> Any:
        self._count()
        try:
            return self._body()
        except JsonRefused as exc:
            self._send_json({"error": {"errorCode": "101", "errorInfo": exc.detail}}, 413 if exc.too_large else 400)
            return None

    def do_MOSIPDISC(self) -> None:  # noqa: N802 - the verb is the spec's
        body = self._request()
        if body is not None:
            self._send_json(self.sim.discover(body.get("type") if isinstance(body, dict) else None))

    def do_MOSIPDINFO(self) -> None:  # noqa: N802
        if self._request() is not None:
            self._send_json(self.sim.info())

    def do_RCAPTURE(self) -> None:  # noqa: N802
        body = self._request()
        if body is None:
            return
        if not isinstance(body, dict):
            self._send_json(failed({"errorCode": "101", "errorInfo": "Invalid JSON"}))
            return
        if self.sim.fault == "timeout":
            try:
                wait = float(body.get("timeout", 10_000)) / 1000.0 + TIMEOUT_FAULT_EXTRA_S
            except (TypeError, ValueError):
                wait = TIMEOUT_FAULT_EXTRA_S
            self.sim.stopping.wait(min(wait, MAX_STREAM_S))
            self.close_connection = True
            return
        answer = self.sim.capture(body)
        if self.sim.fault == "dies_mid_capture":
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.sim.die()
            return
        self._send_json(answer)

    def do_STREAM(self) -> None:  # noqa: N802
        body = self._request()
        if body is None:
            return
        maker, seconds = self.sim.stream_frames(body if isinstance(body, dict) else {})
        if maker is None:
            self._send_json({"error": {"errorCode": "202", "errorInfo": "No Device Connected."}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=--SbiSimFrame")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        deadline = time.monotonic() + seconds
        frame_no = 0
        try:
            while time.monotonic() < deadline and not self.sim.stopping.is_set():
                jpeg = maker(frame_no)
                self.wfile.write(
                    b"--SbiSimFrame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                    + str(len(jpeg)).encode()
                    + b"\r\n\r\n"
                    + jpeg
                    + b"\r\n"
                )
                self.wfile.flush()
                frame_no += 1
                self.sim.stopping.wait(1.0 / STREAM_FPS)
            self.wfile.write(b"--SbiSimFrame--\r\n")
        except (BrokenPipeError, ConnectionResetError):
            log.debug("sbi-sim stream client went away after %d frames", frame_no)

    def do_OPTIONS(self) -> None:  # noqa: N802 - CORS consent step of browser clients
        self.send_response(200)
        self.send_header("Allow", "MOSIPDISC, MOSIPDINFO, RCAPTURE, STREAM, OPTIONS")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "MOSIPDISC, MOSIPDINFO, RCAPTURE, STREAM")
        self.send_header("Content-Length", "0")
        self.end_headers()
