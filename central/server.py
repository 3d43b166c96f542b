"""The uvicorn server the centre runs under, with its connection-level limits.

`serve` and the tests build the server here, so what is tested is what runs. Traps:
- uvicorn's `limit_concurrency` counts open connections and running requests; past it
  every new request is answered 503 (plain text, `Connection: close`). A connection
  that never finishes its request head would hold a place for ever, so a few hundred
  idle sockets would shut every station out: `GuardedH11Protocol` closes a connection
  whose request head has not arrived `header_timeout_s` after it began (uvicorn's
  keep-alive timeout only covers a connection with no bytes at all between requests).
- The parser is httptools (llhttp, in C) when installed, else h11: httptools took
  about 0.35 ms of CPU less per request, a tenth of a receiver's request (measured on a
  bare endpoint; docs/scaling.md). Both get the same guards (`_HeadGuard`):
  - the head deadline above;
  - a bound on the head: h11 buffers an incomplete head up to `max_header_bytes` and
    answers 400 beyond it; httptools has no such bound, so `_HeadGuard` counts the
    bytes that arrive while a head is incomplete and answers 400 past it (so a head
    can exceed the bound by one read of the socket before it is cut);
  - uvicorn's answer past the connection cap (below), a module global in each.
  A body the app has not asked for is buffered only up to 64 KiB per connection
  before uvicorn stops reading the socket, so an unread body costs little.
- uvicorn's access log writes a line per request to stdout: at hundreds of requests a
  second that is a good part of the CPU, and a parent that reads only the address line
  from a pipe would block the server once the pipe is full. It is off; the receiver
  logs what matters (each record registered and received) through `logging`.
- uvicorn answers past `limit_concurrency` with its own bare 503; the station would
  then fall back on its own backoff. `make_server` replaces that answer (a module
  global of uvicorn's h11 protocol, the only hook there is) with the contract's:
  503 `server.busy` in JSON with `Retry-After` from the app's waiting list, counted
  for /metrics. The cap is meant to stay well above the turns (central.gate), so
  the app's own, ordered 503 answers first.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http import h11_impl
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http import httptools_impl
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools not installed: h11 only
    httptools_impl = None  # type: ignore[assignment]
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

from central.settings import Settings

try:
    import resource
except ImportError:  # Windows: no such limit to raise
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# A waiting station that comes back after longer reconnects, to any process. 15 s kept each
# station on one process across its waits: fewer connections, but fairness in overload then
# varied from run to run (Jain 0.88-0.95; docs/scaling.md).
KEEP_ALIVE_S = 5
GRACEFUL_SHUTDOWN_S = 10
CONNECTIONS_RETRY_AFTER_S = 2
FD_MARGIN = 256  # descriptors besides the stations' connections: database pools, logs, the listening socket

_refused_seen = 0
_retry_after: Callable[[], int] = lambda: CONNECTIONS_RETRY_AFTER_S  # noqa: E731


def connections_refused() -> int:
    """Requests answered busy by the connection cap in this process."""
    return _refused_seen


async def _busy_connections(scope: object, receive: object, send: Callable[[dict[str, object]], object]) -> None:
    """uvicorn's answer past the connection cap, in the contract's words (see Traps)."""
    global _refused_seen
    _refused_seen += 1
    try:
        seconds = _retry_after()
    except Exception:  # the hint is best effort; the answer must go out
        seconds = CONNECTIONS_RETRY_AFTER_S
    body = json.dumps({"error": "server.busy", "detail": "the centre has too many open connections"}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
        (b"x-error", b"server.busy"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})  # type: ignore[misc]
    await send({"type": "http.response.body", "body": body, "more_body": False})  # type: ignore[misc]


if TYPE_CHECKING:  # the mixin sees the attributes both protocols have (cycle, loop, transport, client)
    _Protocol = H11Protocol
else:
    _Protocol = object


class _HeadGuard(_Protocol):
    """A deadline and a size bound for every request head, over uvicorn's h11 or
    httptools protocol (both keep `cycle`, `loop` and `transport`)."""

    header_timeout_s: float = 10.0
    max_head_bytes: int | None = None  # None: the parser bounds the head itself (h11)
    _head_timer: asyncio.TimerHandle | None = None
    _head_bytes: int = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        waiting_for_head = before is None or before.response_complete
        super().data_received(data)
        if self.cycle is not before:
            self._disarm()  # a whole request head arrived
            self._head_bytes = 0
        elif waiting_for_head:
            self._arm()  # part of a head: uvicorn dropped its keep-alive timer, ours bounds the head
            self._head_bytes += len(data)
            if self.max_head_bytes is not None and self._head_bytes > self.max_head_bytes:
                self._head_too_large()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_too_large(self) -> None:
        log.info("closing %s: a request head over %d bytes", self.client, self.max_head_bytes)
        self._disarm()
        if not self.transport.is_closing():
            self.send_400_response("Invalid HTTP request received.")

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_expired(self) -> None:
        self._head_timer = None
        waiting_for_head = self.cycle is None or self.cycle.response_complete
        if waiting_for_head and not self.transport.is_closing():
            log.info("closing %s: no request head within %.0f s", self.client, self.header_timeout_s)
            self.transport.close()


class GuardedH11Protocol(_HeadGuard, H11Protocol):
    """uvicorn's h11 protocol with a deadline for every request head (h11 bounds its size)."""


def _protocol(settings: Settings) -> type:
    """The guarded protocol class: httptools when installed, else h11."""
    limits = {"header_timeout_s": settings.header_timeout_s}
    if HttpToolsProtocol is not None:
        bases: tuple[type, ...] = (_HeadGuard, HttpToolsProtocol)
        return type("CentralHttpToolsProtocol", bases, {**limits, "max_head_bytes": settings.max_header_bytes})
    return type("CentralH11Protocol", (GuardedH11Protocol,), limits)


def ensure_file_limit(connections: int) -> int:
    """Raise this process's soft limit on open files to what `connections` need (each is
    a descriptor, beside the database's and the logs': FD_MARGIN), up to the hard limit;
    warn when even that is too low. Returns the soft limit now in force. A station holds
    a connection while it is served and for the keep-alive after, so in a surge a process
    holds hundreds, and the usual soft limit of 1,024 would make accept() fail, not answer
    busy, before `--max-connections` (1,000) is reached."""
    need = connections + FD_MARGIN
    if resource is None:
        return need
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < need:
        log.warning(
            "open files are limited to %d; %d connections need about %d (raise the hard limit, e.g. LimitNOFILE=)",
            soft,
            connections,
            need,
        )
    return soft


def make_server(app: ASGIApp, settings: Settings, *, log_level: str = "info") -> uvicorn.Server:
    """A uvicorn server for `app` that applies the connection limits of `settings`."""
    ensure_file_limit(settings.max_connections)
    global _retry_after
    gate = getattr(getattr(app, "state", None), "gate", None)
    if gate is not None:
        _retry_after = gate.retry_after
    h11_impl.service_unavailable = _busy_connections  # type: ignore[assignment]
    if httptools_impl is not None:
        httptools_impl.service_unavailable = _busy_connections  # type: ignore[assignment]
    config = uvicorn.Config(
        app,
        http=_protocol(settings),
        log_level=log_level,
        lifespan="on",
        limit_concurrency=settings.max_connections,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,  # SIGTERM: finish what is in hand, not wait for ever
        server_header=False,
        access_log=False,  # a line per request costs CPU at hundreds a second, and goes to stdout (see Traps)
    )
    return uvicorn.Server(config)
