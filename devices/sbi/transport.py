"""HTTP with SBI's custom verbs to 127.0.0.1, every wait and every size bounded.

`http.client` sends any method name, so MOSIPDISC, MOSIPDINFO, RCAPTURE and STREAM
need no special client. What it does not give is an overall deadline: its timeout
applies to each socket operation, so a service that drips one byte per second would
hold a reader for ever. `exchange` therefore reads the body in chunks and checks a
deadline between them, and refuses a body larger than its limit before reading it
(by Content-Length) or as soon as it grows past it (no Content-Length, read to close).

Only loopback is reached: the host is fixed to 127.0.0.1 and a `callbackId` that
names another host is ignored by the client (see client.base_url_from_callback).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from devices.sbi.spec import APP_NAME, HOST

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


class TransportError(Exception):
    """`kind` is "refused" (nothing listens), "timeout", "lost" (closed mid-answer)
    or "too_large". A status other than 200 is an `Answer`: its body may hold the error."""

    def __init__(self, kind: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def open_request(
    port: int, verb: str, path: str, body: Any, *, connect_s: float, read_s: float
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """Send one request and wait for the status line and headers (the caller reads)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=connect_s)
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    try:
        conn.connect()
        if conn.sock is not None:
            conn.sock.settimeout(read_s)
        conn.request(verb, path, body=payload, headers={"Content-Type": "application/json", "EXT": APP_NAME})
        return conn, conn.getresponse()
    except ConnectionRefusedError:
        conn.close()
        raise TransportError("refused", f"nothing listens on {HOST}:{port}") from None
    except TimeoutError:
        conn.close()
        raise TransportError("timeout", f"no answer from {HOST}:{port} within {read_s:.1f} s") from None
    except (http.client.HTTPException, OSError) as exc:
        conn.close()
        raise TransportError("lost", f"{type(exc).__name__} from {HOST}:{port}") from None


def read_bounded(resp: http.client.HTTPResponse, *, max_bytes: int, deadline: float) -> bytes:
    declared = resp.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise TransportError("too_large", f"answer of {declared} bytes; at most {max_bytes}")
    parts: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TransportError("timeout", "the answer did not finish in time")
        try:
            chunk = resp.read1(CHUNK)  # type: ignore[attr-defined]
        except TimeoutError:
            raise TransportError("timeout", "the answer stalled") from None
        except (http.client.HTTPException, OSError) as exc:
            raise TransportError("lost", f"{type(exc).__name__} while reading the answer") from None
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise TransportError("too_large", f"answer grew past {max_bytes} bytes")
        parts.append(chunk)
    body = b"".join(parts)
    if declared is not None and declared.strip().isdigit() and len(body) != int(declared):
        raise TransportError("lost", f"answer cut short: {len(body)} of {declared} bytes")
    return body


def exchange(
    port: int, verb: str, path: str, body: Any, *, timeout_s: float, max_bytes: int, connect_s: float = 1.0
) -> Answer:
    """One request and its whole answer (any status) within `timeout_s`, connect bounded by `connect_s`."""
    deadline = time.monotonic() + timeout_s
    conn, resp = open_request(port, verb, path, body, connect_s=min(connect_s, timeout_s), read_s=timeout_s)
    try:
        data = read_bounded(resp, max_bytes=max_bytes, deadline=deadline)
        return Answer(resp.status, resp.getheader("Content-Type") or "", data)
    finally:
        conn.close()
