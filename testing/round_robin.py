"""A round-robin TCP proxy on 127.0.0.1 in front of several receiver nodes, for tests.

Each new client connection goes to the next backend in turn; a backend that refuses
(a node killed and not yet restarted) is skipped for the next one, so stations behind
the proxy see what they would see behind a real load balancer: a connection that dies
with its node, and a new connection that lands on a live one.

It also watches the HTTP/1.1 traffic it carries (testing.http_framing pairs every
response with its request, pipelined ones too), so a test can wait for events
("20 more requests carried") instead of sleeping, and can read each exchange's status,
`Retry-After` and latency as the station saw them.

Usage::

    with RoundRobinProxy([("127.0.0.1", p1), ("127.0.0.1", p2)]) as proxy:
        url = proxy.url
        assert proxy.wait_requests(50, timeout_s=30)   # False if the deadline passed first
        assert proxy.wait(lambda c: c.answers.get("PATCH 200", 0) >= 10, timeout_s=30)
        for ex in proxy.exchanges(): ex.status, ex.retry_after, ex.latency_s

Traps:
- The latency is measured between the proxy reading the request head from the client and
  reading the response head from the node: on loopback it is within a millisecond of what
  the client sees, and it includes a node's time to refuse a body it never read.
- When a node dies (kill -9) its server socket ends; the proxy then aborts the client's
  connection at once (a reset), as a node's death looks to a station, and never hands a
  half-answered connection to another node.
- Everything is bounded: connections (`max_connections`; over it a new one is reset),
  bytes buffered per direction (the stream writers' high-water mark, awaited with
  `drain`), connect attempts (one per backend, each under `connect_timeout_s`) and the
  remembered exchanges (the last `max_exchanges`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from testing.http_framing import HttpFramer, HttpHead
from testing.loop_thread import LoopThread

log = logging.getLogger(__name__)

_READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as carried: which node, what, and how fast."""

    backend: int
    method: str
    target: str
    status: int
    retry_after: str | None
    latency_s: float
    sent_at: float
    """time.monotonic() when the proxy read the request head."""


@dataclass(frozen=True)
class Counters:
    connections: int
    """Client connections accepted and sent to a node."""
    refused: int
    """Client connections reset because no node answered or the cap was reached."""
    skipped: int
    """Connect attempts to a dead node, each followed by a try at the next one."""
    requests: tuple[int, ...]
    """Request heads carried, per backend."""
    responses: int
    """Final (non-1xx) response heads carried, all backends."""
    answers: dict[str, int] = field(default_factory=dict)
    """Final responses by request method and status, e.g. ``{"PATCH 200": 12}``."""
    cut: int = 0
    """Connections whose node went away with requests unanswered (a node killed mid-request)."""


class RoundRobinProxy:
    """The proxy on its own event-loop thread; see the module docstring."""

    def __init__(
        self,
        backends: Sequence[tuple[str, int]],
        *,
        listen_host: str = "127.0.0.1",
        connect_timeout_s: float = 2.0,
        max_connections: int = 256,
        max_exchanges: int = 10_000,
    ) -> None:
        if not backends:
            raise ValueError("the proxy needs at least one backend")
        self.backends = list(backends)
        self.listen_host = listen_host
        self.port = 0
        self._connect_timeout_s = connect_timeout_s
        self._max_connections = max_connections
        self._lock = threading.Lock()
        self._carried = threading.Condition(self._lock)
        self._next = 0
        self._open_links: set[asyncio.Task[None]] = set()
        self._connections = self._refused = self._skipped = self._responses = self._cut = 0
        self._requests = [0] * len(self.backends)
        self._exchanges: deque[Exchange] = deque(maxlen=max_exchanges)
        self._answers: Counter[str] = Counter()
        self._runner = LoopThread("round-robin-proxy")
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.listen_host}:{self.port}"

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout_s: float = 5.0) -> RoundRobinProxy:
        self._runner.start(self._open, self._shutdown, timeout_s=timeout_s, label="round-robin proxy")
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Closes the listener, aborts every connection and joins the thread, each step bounded."""
        self._runner.stop(self._shutdown, timeout_s=timeout_s, label=f"round-robin proxy :{self.port}")

    def __enter__(self) -> RoundRobinProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._on_client, self.listen_host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = list(self._open_links)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)

    # ------------------------------------------------------------------ what was carried (any thread)

    def counters(self) -> Counters:
        with self._lock:
            return self._counters()

    def _counters(self) -> Counters:
        return Counters(
            self._connections,
            self._refused,
            self._skipped,
            tuple(self._requests),
            self._responses,
            dict(self._answers),
            self._cut,
        )

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    def requests(self) -> int:
        with self._lock:
            return sum(self._requests)

    def wait_requests(self, total: int, *, timeout_s: float) -> bool:
        """Wait until `total` request heads have been carried in all; False at the deadline."""
        return self.wait(lambda c: sum(c.requests) >= total, timeout_s=timeout_s)

    def wait(self, condition: Callable[[Counters], bool], *, timeout_s: float) -> bool:
        """Wait until `condition(counters)` holds, tested at every request, answer and cut
        connection carried; False at the deadline. `condition` must be quick: it runs under the lock."""
        with self._carried:
            return self._carried.wait_for(lambda: condition(self._counters()), timeout=timeout_s)

    # ------------------------------------------------------------------ connections

    async def _on_client(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._open_links) >= self._max_connections:
            with self._lock:
                self._refused += 1
            client_w.transport.abort()
            return
        self._open_links.add(task)
        server_w: asyncio.StreamWriter | None = None
        try:
            picked = await self._connect()
            if picked is None:
                with self._lock:
                    self._refused += 1
                return
            backend, server_r, server_w = picked
            with self._lock:
                self._connections += 1
            await self._carry(backend, client_r, client_w, server_r, server_w)
        finally:
            self._open_links.discard(task)
            client_w.transport.abort()
            if server_w is not None:
                server_w.transport.abort()

    async def _connect(self) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next live backend in turn: one attempt per backend at most."""
        for _ in range(len(self.backends)):
            with self._lock:
                index = self._next
                self._next = (self._next + 1) % len(self.backends)
            host, port = self.backends[index]
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), self._connect_timeout_s)
            except (OSError, TimeoutError):
                with self._lock:
                    self._skipped += 1
                continue
            return index, reader, writer
        return None

    async def _carry(
        self,
        backend: int,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        server_r: asyncio.StreamReader,
        server_w: asyncio.StreamWriter,
    ) -> None:
        """Pump both directions until the node's side ends (its answer done, or its death)."""
        pending: deque[HttpHead] = deque()
        sent_at: deque[float] = deque()
        up = HttpFramer(is_request=True, pending=pending)
        down = HttpFramer(is_request=False, pending=pending)
        upstream = asyncio.ensure_future(self._pump_up(backend, up, sent_at, client_r, server_w))
        try:
            await self._pump_down(backend, down, sent_at, server_r, client_w)
            if sent_at:
                with self._carried:
                    self._cut += 1
                    self._carried.notify_all()
        finally:
            upstream.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await upstream

    async def _pump_up(
        self,
        backend: int,
        framer: HttpFramer,
        sent_at: deque[float],
        client_r: asyncio.StreamReader,
        server_w: asyncio.StreamWriter,
    ) -> None:
        with contextlib.suppress(OSError):
            while data := await client_r.read(_READ_SIZE):
                for event in framer.feed(data):
                    if isinstance(event, HttpHead):
                        sent_at.append(time.monotonic())
                        with self._carried:
                            self._requests[backend] += 1
                            self._carried.notify_all()
                server_w.write(data)
                await server_w.drain()
            if server_w.can_write_eof():
                server_w.write_eof()  # the client is done: let the node finish its answer

    async def _pump_down(
        self,
        backend: int,
        framer: HttpFramer,
        sent_at: deque[float],
        server_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
    ) -> None:
        with contextlib.suppress(OSError):
            while data := await server_r.read(_READ_SIZE):
                for event in framer.feed(data):
                    if isinstance(event, HttpHead) and not event.interim:
                        self._record(backend, event, sent_at)
                client_w.write(data)
                await client_w.drain()
            if client_w.can_write_eof():
                client_w.write_eof()
                await client_w.drain()

    def _record(self, backend: int, head: HttpHead, sent_at: deque[float]) -> None:
        now = time.monotonic()
        started = sent_at.popleft() if sent_at else now
        request = head.request
        method, target = ("?", "?")
        if request is not None:
            parts = request.first_line.split(" ")
            method, target = parts[0], parts[1] if len(parts) > 1 else "?"
        exchange = Exchange(
            backend, method, target, head.status, head.headers.get("retry-after"), now - started, started
        )
        with self._carried:
            self._responses += 1
            self._answers[f"{method} {head.status}"] += 1
            self._exchanges.append(exchange)
            self._carried.notify_all()
