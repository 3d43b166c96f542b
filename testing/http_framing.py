"""Just enough HTTP/1.1 framing for the fault proxy to pair requests with responses.

Fed raw bytes in any slicing, it reports message heads, body bytes and message ends,
so "drop the response to POST .../commit" can be applied on a keep-alive connection.
It understands Content-Length, chunked bodies, close-delimited responses, HEAD, 204,
304 and 1xx; anything else makes it give up on that connection (`lost`) and the
proxy passes the bytes through untouched.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

_MAX_HEAD = 64 * 1024  # a longer request or status head is not HTTP we understand


@dataclass
class HttpHead:
    """One request or response head; ``request`` is the request a response answers, if known."""

    first_line: str
    headers: dict[str, str]
    request: HttpHead | None = None

    @property
    def method(self) -> str:
        return self.first_line.split(" ", 1)[0].upper()

    @property
    def status(self) -> int:
        parts = self.first_line.split(" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    @property
    def interim(self) -> bool:
        """A 1xx response other than 101: it precedes the real response to the same request."""
        return 100 <= self.status < 200 and self.status != 101


class MessageEnd:
    """Marks the end of one message in :meth:`HttpFramer.feed` output."""


MESSAGE_END = MessageEnd()
HttpEvent = HttpHead | bytes | MessageEnd

_REQUEST_LINE = re.compile(r"^[A-Z]+ \S+ HTTP/\d\.\d$")
_STATUS_LINE = re.compile(r"^HTTP/\d\.\d \d{3}( .*)?$")
_METHOD_PREFIX = re.compile(rb"^[A-Z]{0,20}( |$)")


class HttpFramer:
    """Finds message boundaries in one direction of an HTTP/1.1 keep-alive connection.

    ``feed`` returns events: an :class:`HttpHead` when a head is complete (its raw bytes follow
    as the next ``bytes`` event, so head bytes are held back until the head is whole), body
    bytes, and ``MESSAGE_END``. Request heads are appended to ``pending``; the response framer
    pops them to pair each response with its request.

    Body length (RFC 9112 §6.3): responses to HEAD, 1xx, 204 and 304 have none; then
    ``Transfer-Encoding: chunked``; then ``Content-Length``; otherwise a request has no body
    and a response runs until the server closes. A 1xx other than 101 is interim and does not
    consume the request.

    Trap: anything it does not understand (a malformed line, a bad length, a head over 64 KiB,
    CONNECT, Upgrade, 101) makes it *lost*: from then on every byte passes through untouched
    and no more heads are reported, so a fault keyed on requests simply stops matching on
    that connection instead of corrupting it.
    """

    def __init__(self, *, is_request: bool, pending: deque[HttpHead]) -> None:
        self._is_request = is_request
        self._pending = pending
        self._state = "head"
        self._line = bytearray()
        self._head = bytearray()
        self._left = 0
        self.lost = False

    def feed(self, data: bytes) -> list[HttpEvent]:
        out: list[HttpEvent] = []
        pos = 0
        while pos < len(data):
            if self.lost or self._state == "close":
                out.append(data[pos:])
                break
            if self._state in ("length", "chunk_data"):
                n = min(self._left, len(data) - pos)
                out.append(data[pos : pos + n])
                pos += n
                self._left -= n
                if self._left == 0 and self._state == "length":
                    self._end(out)
                elif self._left == 0:
                    self._state = "chunk_crlf"
                continue
            start = pos
            line, pos = self._take_line(data, pos)
            if self._state == "head":
                self._head += data[start:pos]
                if line is None:
                    self._check_partial_head(out)
                else:
                    self._head_line(line, out)
                continue
            out.append(data[start:pos])
            if line is not None:
                self._chunk_line(line, out)
        return out

    def feed_eof(self) -> list[HttpEvent]:
        """The sender closed: a close-delimited response ends here; held-back bytes go out."""
        out: list[HttpEvent] = []
        if self._state == "close" and not self.lost:
            self._end(out)
        elif self._head:
            self._lose(out)
        return out

    def _take_line(self, data: bytes, pos: int) -> tuple[str | None, int]:
        nl = data.find(b"\n", pos)
        if nl < 0:
            self._line += data[pos:]
            if len(self._line) > _MAX_HEAD and self._state != "head":
                self.lost = True  # bytes already went out; just stop parsing
            return None, len(data)
        line = bytes(self._line + data[pos:nl]).rstrip(b"\r").decode("latin-1")
        self._line.clear()
        return line, nl + 1

    def _check_partial_head(self, out: list[HttpEvent]) -> None:
        """Gives up early on bytes that cannot start a head, so binary data is never held back."""
        if len(self._head) > _MAX_HEAD:
            self._lose(out)
        elif self._head == self._line:  # still inside the first line
            ok = _METHOD_PREFIX.match(self._line) if self._is_request else b"HTTP/"[: len(self._line)] == self._line[:5]
            if not ok:
                self._lose(out)

    def _head_line(self, line: str, out: list[HttpEvent]) -> None:
        if line == "" and self._head.strip() == b"":  # stray CRLF between messages
            out.append(bytes(self._head))
            self._head.clear()
            return
        if len(self._head) > _MAX_HEAD:
            self._lose(out)
        elif line == "":
            self._complete_head(out)
        elif self._head.count(b"\n") == 1:
            pattern = _REQUEST_LINE if self._is_request else _STATUS_LINE
            if not pattern.match(line):
                self._lose(out)

    def _complete_head(self, out: list[HttpEvent]) -> None:
        raw = bytes(self._head)
        self._head.clear()
        lines = raw.decode("latin-1").split("\n")
        headers: dict[str, str] = {}
        for text in (t.rstrip("\r") for t in lines[1:]):
            if not text:
                continue
            name, sep, value = text.partition(":")
            if not sep:
                self._lose(out, raw)
                return
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        head = HttpHead(lines[0].rstrip("\r"), headers)
        framing = self._framing(head)
        out.append(head)
        out.append(raw)
        if framing == "lost":
            self.lost = True
        elif framing == "none":
            self._end(out)
        elif framing == "length":
            self._left = int(headers["content-length"].split(",")[0])
            self._state = "length"
            if self._left == 0:
                self._end(out)
        else:
            self._state = framing

    def _framing(self, head: HttpHead) -> str:
        h = head.headers
        codings = [c.strip().lower() for c in h.get("transfer-encoding", "").split(",") if c.strip()]
        lengths = {v.strip() for v in h.get("content-length", "").split(",") if v.strip()}
        if len(lengths) > 1 or any(not v.isdigit() for v in lengths):
            return "lost"
        if self._is_request:
            self._pending.append(head)
            if head.method == "CONNECT" or "upgrade" in h:
                return "lost"
            if codings:
                return "chunk_size" if codings[-1] == "chunked" else "lost"
            return "length" if lengths else "none"
        if head.interim:
            return "none"
        head.request = self._pending.popleft() if self._pending else None
        method = head.request.method if head.request else ""
        if head.status == 101 or (method == "CONNECT" and 200 <= head.status < 300):
            return "lost"
        if method == "HEAD" or head.status in (204, 304):
            return "none"
        if codings:
            return "chunk_size" if codings[-1] == "chunked" else "close"
        return "length" if lengths else "close"

    def _chunk_line(self, line: str, out: list[HttpEvent]) -> None:
        if self._state == "chunk_size":
            size_text = line.split(";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                self.lost = True
                return
            self._left = size
            self._state = "chunk_data" if size else "trailer"
        elif self._state == "chunk_crlf":
            if line:
                self.lost = True
            self._state = "chunk_size"
        elif self._state == "trailer" and line == "":
            self._end(out)

    def _end(self, out: list[HttpEvent]) -> None:
        out.append(MESSAGE_END)
        self._state = "head"

    def _lose(self, out: list[HttpEvent], raw: bytes | None = None) -> None:
        out.append(raw if raw is not None else bytes(self._head))
        self._head.clear()
        self.lost = True
