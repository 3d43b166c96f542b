"""A small HTTP/1.1 client on h11 that can pipeline: request N+1 is written before
response N is read, and the responses are then read in order, on one keep-alive connection.

Why it exists: on a 2G link (600 ms round trip) a client that waits for each answer
before writing the next request leaves the line idle for a round trip per record, a
sixth of the time a record takes. httpx cannot pipeline, so the station's sync client
uses this instead (docs/sync-protocol.md, "Round trips").

How: h11's client state machine cannot pipeline, so each request gets its own
`h11.Connection(h11.CLIENT)`: it serialises that request and then parses that
request's response. Bytes left over after a response is complete (`trailing_data`)
belong to the next response and feed the next request's parser. A socket is shared
by the requests in flight on it (at most `max_in_flight`, 2 by default); starting
one more first waits for the oldest answer.

Traps:
- Every connect, read and write has a timeout; a write timeout is "no byte could be
  written for write_timeout_s", a read timeout "no byte arrived for read_timeout_s".
- While a request is being written, answers already arriving are read and parsed at
  once, so a reset that follows an answer cannot take that answer with it.
- Once a response cannot be read (timeout, reset, the server closed, garbage), every
  later response on that connection is lost too: all of them fail, the connection is
  dropped, and the next request opens a new one.
- A failure says whether any byte of the request had been written (`sent`): only a
  request that never left is known not to have taken effect.
- An idle connection the server closed (keep-alive timeout) is noticed before it is
  reused, and replaced.
- What the server sends is bounded: an answer body over `MAX_BODY` (announced or
  sent) ends the connection (`TOO_LARGE`), and a whole answer must arrive within
  `answer_deadline_s` even if a byte trickles in before every read timeout.
"""

from __future__ import annotations

import json
import selectors
import socket
import ssl
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import h11

READ_SIZE = 64 * 1024
WRITE_PIECE = 64 * 1024
MAX_BODY = 2 * 1024 * 1024  # answers are small JSON (a reconcile of 500 records ~0.5 MB); more is not the centre

# TransportError kinds
CONNECT = "connect"  # could not connect: nothing was sent
CONNECT_TIMEOUT = "connect_timeout"  # connecting timed out: nothing was sent
TIMEOUT = "timeout"  # a read or write timed out after (some of) the request went out
CLOSED = "closed"  # reset, or the server closed before the answer was complete
PROTOCOL = "protocol"  # the answer is not HTTP/1.1 we can parse
TOO_LARGE = "too_large"  # the answer is larger than any answer of the centre


class TransportError(Exception):
    def __init__(self, kind: str, detail: str, *, sent: bool) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.sent = sent


class AnswerTooLarge(Exception):
    pass


class Headers(Mapping[str, str]):
    """Response headers, looked up case-insensitively; repeated names are joined with ", "."""

    def __init__(self, pairs: list[tuple[bytes, bytes]]) -> None:
        self._d: dict[str, str] = {}
        for name, value in pairs:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            self._d[key] = f"{self._d[key]}, {text}" if key in self._d else text

    def __getitem__(self, key: str) -> str:
        return self._d[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._d


@dataclass
class Response:
    status_code: int
    headers: Headers
    content: bytes = b""

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(eq=False)
class Exchange:
    """One request and, once read, its response (or the error that ended it)."""

    method: str
    target: str
    started: float
    parser: h11.Connection
    sent_bytes: int = 0
    answered_at: float | None = None  # monotonic time the answer was complete
    response: Response | None = None
    error: TransportError | None = None
    _status: int = 0
    _headers: Headers | None = None
    _body: bytearray = field(default_factory=bytearray)

    @property
    def done(self) -> bool:
        return self.response is not None or self.error is not None

    def fail(self, error: TransportError) -> None:
        if not self.done:
            self.error = error

    def pump(self) -> bool:
        """Process parsed events; True once the answer is complete. Raises h11 errors."""
        while True:
            event = self.parser.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return False
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                self._status = event.status_code
                self._headers = Headers(list(event.headers))
                declared = self._headers.get("Content-Length", "0")
                if self.method != "HEAD" and (not declared.isdigit() or int(declared) > MAX_BODY):
                    raise AnswerTooLarge(f"answer declares {declared[:20]} bytes; at most {MAX_BODY}")
            elif isinstance(event, h11.Data):
                self._body += event.data
                if len(self._body) > MAX_BODY:
                    raise AnswerTooLarge(f"answer body over {MAX_BODY} bytes")
            elif isinstance(event, h11.EndOfMessage):
                assert self._headers is not None
                self.response = Response(self._status, self._headers, bytes(self._body))
                return True
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("the server closed the connection")


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ)
        self.waiting: deque[Exchange] = deque()  # written (or being written), answer not complete
        self.writable = True  # False once a request was cut off mid-write or the server said close
        self.dead = False

    def wait(self, *, read: bool, write: bool, timeout: float) -> tuple[bool, bool]:
        if read and isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True, False
        events = (selectors.EVENT_READ if read else 0) | (selectors.EVENT_WRITE if write else 0)
        self.selector.modify(self.sock, events)
        ready = self.selector.select(timeout)
        mask = ready[0][1] if ready else 0
        return bool(mask & selectors.EVENT_READ), bool(mask & selectors.EVENT_WRITE)

    def close(self) -> None:
        self.dead = True
        self.writable = False
        try:
            self.selector.close()
        finally:
            self.sock.close()


class Http1Client:
    """HTTP/1.1 over one keep-alive connection (plain TCP, or TLS for https URLs), pipelining
    up to `max_in_flight` requests. Not thread-safe: one user at a time."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 30.0,
        write_timeout_s: float | None = None,
        answer_deadline_s: float | None = None,
        max_in_flight: int = 2,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "ektp-station",
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme = url.scheme
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        default_port = (url.scheme == "https" and self.port == 443) or (url.scheme == "http" and self.port == 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = host if default_port else f"{host}:{self.port}"
        self.prefix = url.path.rstrip("/")
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.write_timeout_s = write_timeout_s if write_timeout_s is not None else read_timeout_s
        # A trickle of one byte per read timeout must not hold the station forever.
        self.answer_deadline_s = answer_deadline_s if answer_deadline_s is not None else max(120.0, 4 * read_timeout_s)
        self.max_in_flight = max(1, max_in_flight)
        self.ssl_context = ssl_context
        self.user_agent = user_agent
        self._conn: _Connection | None = None
        # for tests and the benchmark
        self.connections_opened = 0
        self.most_in_flight = 0

    # --- public ----------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return 0 if self._conn is None else len(self._conn.waiting)

    def request(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> Response:
        return self.finish(self.start(method, path, headers=headers, body=body))

    def start(self, method: str, path: str, *, headers: Mapping[str, str] | None = None, body: bytes = b"") -> Exchange:
        """Write one request and return without waiting for its answer.

        Raises TransportError only when nothing was sent (cannot connect); a failure
        after that is kept in the exchange and raised by `finish`."""
        method = method.upper()
        target = self.prefix + path
        conn = self._usable_connection()
        while len(conn.waiting) >= self.max_in_flight:
            self._read_until(conn.waiting[0])  # depth limit: wait for the oldest answer
            conn = self._usable_connection()
        parser = h11.Connection(h11.CLIENT)
        names = {k.lower() for k in (headers or {})}
        all_headers = [("Host", self.host_header), ("User-Agent", self.user_agent)]
        all_headers += [(k, v) for k, v in (headers or {}).items() if k.lower() not in ("host", "content-length")]
        if body or method not in ("GET", "HEAD"):
            all_headers.append(("Content-Length", str(len(body))))
        if "accept" not in names:
            all_headers.append(("Accept", "application/json"))
        ex = Exchange(method, target, time.monotonic(), parser)
        try:
            data = parser.send(h11.Request(method=method, target=target, headers=all_headers))
            if body:
                data += parser.send(h11.Data(data=body))
            data += parser.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise ValueError(f"cannot send this request: {exc}") from None
        if not conn.writable:
            ex.fail(TransportError(CLOSED, "the connection broke before the request was sent", sent=False))
            return ex
        conn.waiting.append(ex)
        self.most_in_flight = max(self.most_in_flight, len(conn.waiting))
        self._write(conn, ex, data)
        return ex

    def finish(self, ex: Exchange) -> Response:
        """Wait for the answer to `ex` (reading earlier answers first); raise its failure."""
        self._read_until(ex)
        if ex.error is not None:
            raise ex.error
        assert ex.response is not None
        return ex.response

    def drop(self) -> None:
        """Close the connection now; every answer still awaited is lost (an ambiguous outcome)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._kill(conn, TransportError(CLOSED, "the connection was closed by the station", sent=True))

    def close(self) -> None:
        self.drop()

    # --- connection ------------------------------------------------------------

    def _usable_connection(self) -> _Connection:
        conn = self._conn
        if conn is not None and not conn.dead and not conn.waiting:
            if not conn.writable or self._closed_while_idle(conn):
                conn.close()
                conn = None
        elif conn is not None and conn.dead:
            conn = None
        if conn is None:
            conn = self._connect()
            self._conn = conn
        return conn

    def _closed_while_idle(self, conn: _Connection) -> bool:
        """An idle connection that is readable has been closed by the server (or sent garbage)."""
        readable, _ = conn.wait(read=True, write=False, timeout=0)
        return readable

    def _connect(self) -> _Connection:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except TimeoutError:
            raise TransportError(CONNECT_TIMEOUT, f"connect to {self.host}:{self.port} timed out", sent=False) from None
        except OSError as exc:
            raise TransportError(CONNECT, f"{type(exc).__name__}: {exc}", sent=False) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.scheme == "https":
                context = self.ssl_context or ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=self.host)  # handshake, under the timeout
            sock.setblocking(False)
        except TimeoutError:
            sock.close()
            raise TransportError(CONNECT_TIMEOUT, "TLS handshake timed out", sent=False) from None
        except OSError as exc:  # ssl.SSLError is an OSError
            sock.close()
            raise TransportError(CONNECT, f"{type(exc).__name__}: {exc}", sent=False) from None
        self.connections_opened += 1
        return _Connection(sock)

    def _kill(self, conn: _Connection, error: TransportError) -> None:
        """The connection is unusable: every awaited answer fails with `error`."""
        for ex in conn.waiting:
            ex.fail(error)
        conn.waiting.clear()
        if not conn.dead:
            conn.close()
        if self._conn is conn:
            self._conn = None

    # --- writing ---------------------------------------------------------------

    def _write(self, conn: _Connection, ex: Exchange, data: bytes) -> None:
        view = memoryview(data)
        want_write = True  # False while TLS needs to read before it can write again
        while view and not ex.done:
            readable, writable = conn.wait(read=True, write=want_write, timeout=self.write_timeout_s)
            if readable:
                want_write = True
                self._receive(conn)  # answers to earlier requests, read as they come
                if conn.dead:
                    return
            if not writable:
                if not readable:
                    self._cut_off(conn, ex, TransportError(TIMEOUT, "write timed out", sent=ex.sent_bytes > 0))
                    return
                continue
            try:
                n = conn.sock.send(view[:WRITE_PIECE])
            except (BlockingIOError, ssl.SSLWantWriteError):
                continue
            except ssl.SSLWantReadError:
                want_write = False
                continue
            except OSError as exc:
                self._cut_off(conn, ex, TransportError(CLOSED, f"{type(exc).__name__} while sending", sent=True))
                return
            ex.sent_bytes += n
            view = view[n:]
        if view and not conn.dead:
            conn.writable = False  # answered before the whole request was written: out of step

    def _cut_off(self, conn: _Connection, ex: Exchange, error: TransportError) -> None:
        """A request could not be written whole: it fails, nothing more is written on this
        connection, and the answers to earlier requests may still be read."""
        ex.fail(error)
        if ex in conn.waiting:
            conn.waiting.remove(ex)
        conn.writable = False
        if not conn.waiting:
            self._kill(conn, error)

    # --- reading ---------------------------------------------------------------

    def _read_until(self, ex: Exchange) -> None:
        deadline = time.monotonic() + self.answer_deadline_s
        while not ex.done:
            conn = self._conn
            if conn is None or ex not in conn.waiting:  # its connection died without it noticing
                ex.fail(TransportError(CLOSED, "the connection was lost", sent=True))
                return
            left = deadline - time.monotonic()
            readable, _ = conn.wait(read=True, write=False, timeout=max(0.0, min(self.read_timeout_s, left)))
            if not readable:
                what = "read timed out" if left > self.read_timeout_s else "the answer took too long"
                self._kill(conn, TransportError(TIMEOUT, what, sent=True))
                return
            self._receive(conn)

    def _receive(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(READ_SIZE)
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            data = b""
        except OSError as exc:
            self._kill(conn, TransportError(CLOSED, f"{type(exc).__name__} while receiving", sent=True))
            return
        self._feed(conn, data)

    def _feed(self, conn: _Connection, data: bytes) -> None:
        """Give bytes (b"" = the server closed) to the answers awaited, oldest first."""
        eof = not data
        now = time.monotonic()
        while conn.waiting:
            ex = conn.waiting[0]
            try:
                ex.parser.receive_data(data)
                complete = ex.pump()
            except AnswerTooLarge as exc:
                self._kill(conn, TransportError(TOO_LARGE, str(exc), sent=True))
                return
            except h11.RemoteProtocolError as exc:
                kind = CLOSED if eof else PROTOCOL
                detail = "the server closed the connection" if eof else f"unreadable answer: {exc}"
                self._kill(conn, TransportError(kind, detail, sent=True))
                return
            if not complete:
                if eof:
                    self._kill(conn, TransportError(CLOSED, "the server closed the connection", sent=True))
                return
            conn.waiting.popleft()
            ex.answered_at = now
            if h11.MUST_CLOSE in (ex.parser.our_state, ex.parser.their_state):
                conn.writable = False  # `Connection: close`: answers already coming may still be read
            data, _ = ex.parser.trailing_data
            if not data and not eof:
                return
        if eof or data:  # the server closed, or sent bytes nobody asked for
            self._kill(conn, TransportError(PROTOCOL, "unexpected bytes from the server", sent=True))
