"""A project-owned asyncio TCP fault proxy for sync tests and benchmarks (loopback only).

Why it exists: toxiproxy's server binary, ``tc netem`` and iptables are not available on this
project's machines (reference/sync.md §6.1-6.3), and HTTP-level fakes cannot break a TCP
stream mid-body. This proxy sits between the station's HTTP client and a server, both on
127.0.0.1, and shapes or breaks the byte streams. It runs its own event loop in a background
thread, so synchronous tests and benchmarks drive it with plain method calls.

Usage::

    with FaultProxy("127.0.0.1", server_port) as proxy:
        url = proxy.url                                     # http://127.0.0.1:<ephemeral port>
        proxy.set(latency_s=0.3, bandwidth_bps=32_000)      # 600 ms RTT, 32 000 B/s each way
        proxy.set(latency_up_s=0.1, bandwidth_down_bps=None)  # per direction; None = uncapped
        proxy.cut_after(10_000, direction="up")             # FIN both sides after 10 000 B up
        proxy.reset_after(10_000, count=1)                  # RST both sides, next connection only
        proxy.black_hole(True)                              # swallow everything, answer nothing
        proxy.down_for(5.0)                                 # refuse and drop for 5 s, then recover
        proxy.drop_responses(match=r"^POST .*/commit", count=1)  # server commits, client never hears
        proxy.cut_every(30.0)                               # cut every connection every 30 s
        proxy.heal()                                        # every fault off
        sent = proxy.counters().bytes_from_client           # all bytes the station sent

Semantics, and the traps behind them:

- Every setter may be called at any time from any thread. Shaping and byte limits apply to
  existing connections from their next chunk; a byte limit counts the bytes forwarded on a
  connection since the limit was armed (or since the connection opened, if later).
- Latency is per chunk, measured from when the proxy read it, and chunks of one direction
  are delivered strictly in order, so jitter never reorders bytes.
- The bandwidth cap is one token bucket per direction shared by all connections, like one
  real uplink. Bytes go in pieces of 20 ms worth; the bucket holds two pieces, so a wake-up
  that comes late is kept as credit (with a one-piece bucket every late wake-up was lost,
  and a long transfer ran about 3 % under the cap, which a goodput benchmark then blamed on
  the client). A burst after an idle moment is at most 40 ms worth.
- Each direction buffers at most ``buffer_bytes`` (256 KiB by default) before it stops
  reading, so the sender feels back-pressure as on a slow link rather than finishing its
  writes instantly. Kernel socket buffers still absorb some data on top of that.
- A black hole discards bytes, so a connection that lost data in it can never be healthy
  again: turning the black hole off resets those connections. New connections made while it
  is on are accepted but never connected upstream.
- "Down" is emulated by accepting and resetting at once, not by ECONNREFUSED: the listener
  stays bound so nobody else can take the port. Existing connections are reset when the
  window starts. The window ends by itself. For a true ECONNREFUSED, ``stop()`` and later
  ``start()`` again: the proxy re-binds the same port (faults and counters are kept).
- Dropped responses are read from the server in full (the server has committed), discarded,
  and the client connection is then closed: the station sees "server disconnected".
- The proxy cannot drop single TCP segments: loss can only be emulated as stalls, cuts and
  resets. Say so in any benchmark that quotes "loss".

Fault names in ``counters().faults``: ``cut``, ``reset``, ``black_hole`` (connections that
met it), ``down`` (connections refused or dropped), ``drop_response``, ``periodic_cut``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import enum
import logging
import random
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from testing.http_framing import HttpFramer, HttpHead, MessageEnd
from testing.loop_thread import LoopThread

log = logging.getLogger(__name__)

Direction = Literal["up", "down"]
_DIRECTIONS: tuple[Direction, Direction] = ("up", "down")
_READ_SIZE = 64 * 1024
_CLOSE_GRACE_S = 5.0


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET = _Unset.UNSET


# --------------------------------------------------------------------------- proxy state


@dataclass(frozen=True)
class ProxyCounters:
    """A consistent snapshot of what went through the proxy since start or ``reset_counters``."""

    bytes_up: int
    """Bytes delivered to the server."""
    bytes_down: int
    """Bytes delivered to the client."""
    bytes_from_client: int
    """Bytes read from the client, including those a fault swallowed: what the station sent."""
    bytes_from_server: int
    connections: int
    """Client connections accepted (refused ones included)."""
    open_connections: int
    faults: dict[str, int] = field(default_factory=dict)


@dataclass
class _Shaping:
    latency_s: float = 0.0
    jitter_s: float = 0.0
    bandwidth_bps: float | None = None


@dataclass
class _ByteLimit:
    nbytes: int
    direction: Direction
    reset: bool
    remaining: int | None
    serial: int


@dataclass
class _DropRule:
    pattern: re.Pattern[str] | None
    remaining: int | None


@dataclass
class _Item:
    kind: Literal["data", "eof", "close"]
    data: bytes = b""
    arrived: float = 0.0
    jitter: float = 0.0


class _ChunkQueue:
    """FIFO of chunks bounded in bytes, so a slow direction pushes back on its sender."""

    def __init__(self, limit: int) -> None:
        self._items: deque[_Item] = deque()
        self._bytes = 0
        self._limit = limit
        self._cond = asyncio.Condition()

    async def put(self, item: _Item) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self._bytes < self._limit)
            self._items.append(item)
            self._bytes += len(item.data)
            self._cond.notify_all()

    async def get(self) -> _Item:
        async with self._cond:
            await self._cond.wait_for(lambda: bool(self._items))
            item = self._items.popleft()
            self._bytes -= len(item.data)
            self._cond.notify_all()
            return item


class _Link:
    """One client connection and, unless black-holed from the start, its server connection."""

    def __init__(self, ident: int, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, buffer: int) -> None:
        self.ident = ident
        self.client_r = client_r
        self.client_w = client_w
        self.server_r: asyncio.StreamReader | None = None
        self.server_w: asyncio.StreamWriter | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.closed = False
        self.black_holed = False
        self.eof: set[Direction] = set()
        self.forwarded: dict[Direction, int] = {"up": 0, "down": 0}
        self.baselines: dict[int, int] = {}
        pending: deque[HttpHead] = deque()
        self.framers: dict[Direction, HttpFramer] = {
            "up": HttpFramer(is_request=True, pending=pending),
            "down": HttpFramer(is_request=False, pending=pending),
        }
        self.queues: dict[Direction, _ChunkQueue] = {d: _ChunkQueue(buffer) for d in _DIRECTIONS}

    def streams(self, d: Direction) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if d == "up":
            assert self.server_w is not None
            return self.client_r, self.server_w
        assert self.server_r is not None
        return self.server_r, self.client_w


def _burst(rate: float) -> int:
    """Largest piece sent at once under a cap: 20 ms worth, so throughput stays smooth."""
    return max(256, int(rate / 50))


class _TokenBucket:
    """Token bucket for one direction, shared by all connections (they share one uplink)."""

    def __init__(self) -> None:
        self.tokens = 0.0
        self.stamp = 0.0
        self.rate: float | None = None
        self.lock = asyncio.Lock()


# --------------------------------------------------------------------------- the proxy


class FaultProxy:
    """TCP fault proxy on its own event loop thread; see the module docstring for the API."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        connect_timeout_s: float = 5.0,
        buffer_bytes: int = 256 * 1024,
        seed: int = 0,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listen_host = listen_host
        self.port = listen_port
        self._connect_timeout_s = connect_timeout_s
        self._buffer_bytes = buffer_bytes
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._shaping: dict[Direction, _Shaping] = {d: _Shaping() for d in _DIRECTIONS}
        self._limits: dict[tuple[bool, Direction], _ByteLimit] = {}
        self._serial = 0
        self._black_hole = False
        self._down_until = 0.0
        self._drop: _DropRule | None = None
        self._cut_period: tuple[float, bool] | None = None
        self._zero_counters()
        self._runner = LoopThread("fault-proxy")
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._next_ident = 0
        self._changed: asyncio.Event | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._buckets: dict[Direction, _TokenBucket] = {}

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.listen_host}:{self.port}"

    def start(self, timeout_s: float = 5.0) -> FaultProxy:
        """Binds the listener (``port`` is known on return) and starts the loop thread."""
        self._runner.start(self._open, self._shutdown, timeout_s=timeout_s, label="fault proxy")
        log.info("fault proxy %s:%d -> %s:%d started", self.listen_host, self.port, *self.upstream)
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Drops every connection, closes the listener and joins the thread, each step bounded."""
        if self._runner.loop is None:
            return
        if self._runner.stop(self._shutdown, timeout_s=timeout_s, label=f"fault proxy :{self.port}"):
            log.info("fault proxy :%d stopped", self.port)
        else:
            log.error("fault proxy :%d thread still running after %.1f s", self.port, timeout_s)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _open(self) -> None:
        self._changed = asyncio.Event()
        self._buckets = {d: _TokenBucket() for d in _DIRECTIONS}
        self._server = await asyncio.start_server(self._on_client, self.listen_host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        self._apply_ticker()

    async def _shutdown(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            self._close_link(link, "abort")
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    # ------------------------------------------------------------------ faults (any thread)

    def set(
        self,
        *,
        latency_s: float | _Unset = UNSET,
        latency_up_s: float | _Unset = UNSET,
        latency_down_s: float | _Unset = UNSET,
        jitter_s: float | _Unset = UNSET,
        bandwidth_bps: float | None | _Unset = UNSET,
        bandwidth_up_bps: float | None | _Unset = UNSET,
        bandwidth_down_bps: float | None | _Unset = UNSET,
    ) -> None:
        """Sets one-way latency, jitter (± seconds, never reorders) and bandwidth caps (bytes/s, None
        for uncapped). Unnamed settings keep their value; ``*_up_*``/``*_down_*`` override both-way ones."""
        for delay in (latency_s, latency_up_s, latency_down_s, jitter_s):
            if not isinstance(delay, _Unset):
                _non_negative(delay, "latency and jitter")
        for cap in (bandwidth_bps, bandwidth_up_bps, bandwidth_down_bps):
            if not isinstance(cap, _Unset) and cap is not None:
                _positive(cap, "bandwidth")
        with self._lock:
            for d in _DIRECTIONS:
                sh = self._shaping[d]
                for latency in (latency_s, latency_up_s if d == "up" else latency_down_s):
                    if not isinstance(latency, _Unset):
                        sh.latency_s = latency
                if not isinstance(jitter_s, _Unset):
                    sh.jitter_s = jitter_s
                for cap in (bandwidth_bps, bandwidth_up_bps if d == "up" else bandwidth_down_bps):
                    if not isinstance(cap, _Unset):
                        sh.bandwidth_bps = cap
        self._notify()

    def cut_after(self, nbytes: int, *, direction: Direction = "up", count: int | None = None) -> None:
        """Closes both sides (FIN) once ``nbytes`` have been forwarded in ``direction`` on a
        connection; ``count`` connections only, or every one until healed; ``count=0`` disarms."""
        self._arm_limit(nbytes, direction, reset=False, count=count)

    def reset_after(self, nbytes: int, *, direction: Direction = "up", count: int | None = None) -> None:
        """Like :meth:`cut_after` but resets both sides (RST via SO_LINGER 0)."""
        self._arm_limit(nbytes, direction, reset=True, count=count)

    def black_hole(self, enabled: bool = True) -> None:
        """Swallows all bytes both ways and answers nothing; off resets the connections it hit."""
        with self._lock:
            self._black_hole = enabled
        if not enabled:
            self._call_in_loop(self._release_black_holed)
        self._notify()

    def down_for(self, seconds: float) -> None:
        """Resets existing connections and refuses new ones for ``seconds``, then recovers."""
        with self._lock:
            self._down_until = time.monotonic() + _non_negative(seconds, "down time")
        self._call_in_loop(self._drop_all_links)
        self._notify()

    def drop_responses(self, *, match: str | None = None, count: int | None = None) -> None:
        """Forwards requests but swallows the responses to them and then closes the client side.

        ``match`` is searched in the request line (e.g. ``r"^POST .*/commit"``); None drops any
        response. ``count`` responses only, or all until healed; ``count=0`` disarms.
        """
        _non_negative(count or 0, "count")
        with self._lock:
            self._drop = None if count == 0 else _DropRule(re.compile(match) if match else None, count)

    def cut_every(self, seconds: float | None, *, reset: bool = False) -> None:
        """Cuts (FIN, or RST with ``reset``) every open connection every ``seconds``; None stops."""
        with self._lock:
            self._cut_period = None if seconds is None else (_positive(seconds, "period"), reset)
        self._call_in_loop(self._apply_ticker)

    def heal(self) -> None:
        """Turns every fault off: no shaping, limits, black hole, down window, drops or cuts."""
        with self._lock:
            self._shaping = {d: _Shaping() for d in _DIRECTIONS}
            self._limits.clear()
            self._down_until = 0.0
            self._drop = None
        self.black_hole(False)
        self.cut_every(None)

    # ------------------------------------------------------------------ counters (any thread)

    def counters(self) -> ProxyCounters:
        with self._lock:
            return ProxyCounters(
                bytes_up=self._sent["up"],
                bytes_down=self._sent["down"],
                bytes_from_client=self._read["up"],
                bytes_from_server=self._read["down"],
                connections=self._connections,
                open_connections=len(self._links),
                faults=dict(self._faults),
            )

    def reset_counters(self) -> None:
        with self._lock:
            self._zero_counters()

    def _zero_counters(self) -> None:
        self._sent: dict[Direction, int] = {"up": 0, "down": 0}
        self._read: dict[Direction, int] = {"up": 0, "down": 0}
        self._connections = 0
        self._faults: collections.Counter[str] = collections.Counter()

    def _fired(self, name: str, link: _Link, detail: str = "") -> None:
        with self._lock:
            self._faults[name] += 1
        log.info("fault proxy :%d connection #%d: %s %s", self.port, link.ident, name, detail)

    # ------------------------------------------------------------------ helpers across threads

    def _arm_limit(self, nbytes: int, direction: Direction, *, reset: bool, count: int | None) -> None:
        if direction not in _DIRECTIONS:
            raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
        _non_negative(nbytes, "byte count")
        _non_negative(count or 0, "count")
        with self._lock:
            self._serial += 1
            if count == 0:
                self._limits.pop((reset, direction), None)
            else:
                self._limits[(reset, direction)] = _ByteLimit(int(nbytes), direction, reset, count, self._serial)
        self._notify()

    def _call_in_loop(self, fn: Callable[[], None]) -> None:
        loop = self._runner.loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed: nothing to act on
                loop.call_soon_threadsafe(fn)

    def _notify(self) -> None:
        self._call_in_loop(self._wake)

    def _wake(self) -> None:
        """Wakes every coroutine sleeping on a setting, so a change applies at once."""
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    async def _nap(self, seconds: float) -> None:
        """Sleeps up to ``seconds`` but returns early when a setting changes."""
        assert self._changed is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout=max(seconds, 0.0))

    # ------------------------------------------------------------------ loop side

    def _apply_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        with self._lock:
            period = self._cut_period
        if period is not None and self._runner.loop is not None:
            self._ticker = asyncio.ensure_future(self._cut_ticker(*period))

    async def _cut_ticker(self, period: float, reset: bool) -> None:
        while True:
            await asyncio.sleep(period)
            for link in list(self._links):
                self._fired("periodic_cut", link)
                self._close_link(link, "rst" if reset else "fin")

    def _drop_all_links(self) -> None:
        for link in list(self._links):
            self._fired("down", link, "(dropped)")
            self._close_link(link, "rst")

    def _release_black_holed(self) -> None:
        for link in list(self._links):
            if link.black_holed:
                self._close_link(link, "rst")

    def _close_link(self, link: _Link, how: Literal["fin", "rst", "abort"]) -> None:
        """Ends a connection: ``fin`` flushes then closes (aborted after a grace period if the
        peer never reads), ``rst`` sends a reset, ``abort`` drops buffered data and closes."""
        if link.closed:
            return
        link.closed = True
        with self._lock:
            self._links.discard(link)
        for writer in (link.client_w, link.server_w):
            if writer is None:
                continue
            if how == "fin":
                writer.close()
                continue
            if how == "rst":
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        current = asyncio.current_task()
        for task in link.tasks:
            if task is not current:
                task.cancel()

    async def _on_client(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self._next_ident += 1
        link = _Link(self._next_ident, client_r, client_w, self._buffer_bytes)
        with self._lock:
            self._connections += 1
            down = time.monotonic() < self._down_until
            black_hole = self._black_hole
        if down:
            self._fired("down", link, "(refused)")
            self._close_link(link, "rst")
            return
        with self._lock:
            self._links.add(link)
        try:
            if black_hole:
                link.black_holed = True
                self._fired("black_hole", link)
                await self._swallow(link)
                return
            try:
                server_r, server_w = await asyncio.wait_for(
                    asyncio.open_connection(*self.upstream), self._connect_timeout_s
                )
            except (OSError, TimeoutError) as exc:
                log.warning("fault proxy :%d cannot reach %s:%d: %s", self.port, *self.upstream, exc)
                self._close_link(link, "rst")
                return
            if link.closed:  # dropped while connecting
                server_w.transport.abort()
                return
            link.server_r, link.server_w = server_r, server_w
            link.tasks = [
                asyncio.ensure_future(c) for d in _DIRECTIONS for c in (self._pump_in(link, d), self._pump_out(link, d))
            ]
            for result in await asyncio.gather(*link.tasks, return_exceptions=True):
                if isinstance(result, Exception):
                    log.error("fault proxy :%d connection #%d failed", self.port, link.ident, exc_info=result)
        finally:
            self._close_link(link, "abort" if link.black_holed else "fin")
            await self._settle(link)

    async def _settle(self, link: _Link) -> None:
        """Lets FIN-closed sockets flush for a bounded time, then aborts them; also on cancel,
        so ``stop`` never leaves a socket open behind a peer that stopped reading."""
        writers = [w for w in (link.client_w, link.server_w) if w is not None]
        try:
            for writer in writers:
                with contextlib.suppress(OSError, TimeoutError):
                    await asyncio.wait_for(writer.wait_closed(), _CLOSE_GRACE_S)
        finally:
            for writer in writers:
                writer.transport.abort()

    async def _swallow(self, link: _Link) -> None:
        """Reads and discards until the client gives up; nothing is ever answered."""
        with contextlib.suppress(OSError):
            while data := await link.client_r.read(_READ_SIZE):
                with self._lock:
                    self._read["up"] += len(data)

    async def _pump_in(self, link: _Link, d: Direction) -> None:
        """Reads one direction into its queue; downstream, swallows responses chosen for dropping."""
        src, _ = link.streams(d)
        queue, framer = link.queues[d], link.framers[d]
        dropping = False
        try:
            while True:
                data = await src.read(_READ_SIZE)
                events = framer.feed(data) if data else framer.feed_eof()
                with self._lock:
                    self._read[d] += len(data)
                    jitter = self._shaping[d].jitter_s
                out = bytearray()
                for event in events:
                    if isinstance(event, HttpHead):
                        if d == "down" and not dropping and not event.interim:
                            dropping = self._should_drop(link, event)
                    elif isinstance(event, MessageEnd):
                        if dropping:
                            await self._put_data(queue, out, jitter)
                            await queue.put(_Item("close", arrived=time.monotonic()))
                            return
                    elif not dropping:
                        out += event
                await self._put_data(queue, out, jitter)
                if not data:
                    await queue.put(_Item("close" if dropping else "eof", arrived=time.monotonic()))
                    return
        except OSError:
            self._close_link(link, "rst")  # pass an abrupt end on as one

    async def _put_data(self, queue: _ChunkQueue, out: bytearray, jitter: float) -> None:
        if out:
            offset = self._rng.uniform(-jitter, jitter) if jitter else 0.0
            await queue.put(_Item("data", bytes(out), time.monotonic(), offset))

    def _should_drop(self, link: _Link, head: HttpHead) -> bool:
        with self._lock:
            rule = self._drop
            if rule is None:
                return False
            if rule.pattern is not None and (head.request is None or not rule.pattern.search(head.request.first_line)):
                return False
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._drop = None
        self._fired("drop_response", link, head.request.first_line if head.request else "")
        return True

    async def _pump_out(self, link: _Link, d: Direction) -> None:
        """Delivers one direction in order: latency first, then the bandwidth cap and byte limits."""
        _, dest = link.streams(d)
        queue = link.queues[d]
        try:
            while True:
                item = await queue.get()
                await self._await_latency(item, d)
                if self._swallowing(link):
                    if item.kind != "data" and d == "up":  # the client gave up
                        self._close_link(link, "abort")
                        return
                    continue
                if item.kind == "close":
                    self._close_link(link, "fin")
                    return
                if item.kind == "eof":
                    link.eof.add(d)
                    if len(link.eof) == 2 or not dest.can_write_eof():
                        self._close_link(link, "fin")
                        return
                    dest.write_eof()
                    continue
                if not await self._deliver(link, d, dest, item.data):
                    return
        except OSError:
            self._close_link(link, "rst")

    async def _await_latency(self, item: _Item, d: Direction) -> None:
        while True:
            with self._lock:
                delay = max(0.0, self._shaping[d].latency_s + item.jitter)
            wait = item.arrived + delay - time.monotonic()
            if wait <= 0:
                return
            await self._nap(wait)

    def _swallowing(self, link: _Link) -> bool:
        if not link.black_holed:
            with self._lock:
                hit = self._black_hole
            if hit:
                link.black_holed = True
                self._fired("black_hole", link)
        return link.black_holed

    async def _deliver(self, link: _Link, d: Direction, dest: asyncio.StreamWriter, data: bytes) -> bool:
        """Writes ``data``; False when a byte limit ended the connection."""
        while True:
            room, limit = self._room(link, d)
            if room is not None and room <= 0 and limit is not None and self._fire_limit(link, limit):
                return False
            if not data or self._swallowing(link):
                return True
            size = len(data) if room is None else min(len(data), room)
            with self._lock:
                rate = self._shaping[d].bandwidth_bps
            if rate is not None:
                size = min(size, _burst(rate))
                await self._take_tokens(d, size)
            piece, data = data[:size], data[size:]
            dest.write(piece)
            await dest.drain()
            link.forwarded[d] += size
            with self._lock:
                self._sent[d] += size

    def _room(self, link: _Link, d: Direction) -> tuple[int | None, _ByteLimit | None]:
        """Bytes this connection may still forward in ``d`` before the nearest byte limit."""
        best: tuple[int | None, _ByteLimit | None] = (None, None)
        with self._lock:
            limits = [lim for lim in self._limits.values() if lim.direction == d]
        for lim in limits:
            base = link.baselines.setdefault(lim.serial, link.forwarded[d])
            room = base + lim.nbytes - link.forwarded[d]
            if best[0] is None or room < best[0]:
                best = (room, lim)
        return best

    def _fire_limit(self, link: _Link, limit: _ByteLimit) -> bool:
        """Consumes one use of ``limit`` and ends the connection; False if it was used up meanwhile."""
        key = (limit.reset, limit.direction)
        with self._lock:
            if self._limits.get(key) is not limit:
                return False
            if limit.remaining is not None:
                limit.remaining -= 1
                if limit.remaining <= 0:
                    del self._limits[key]
        name = "reset" if limit.reset else "cut"
        self._fired(name, link, f"after {limit.nbytes} bytes {limit.direction}")
        self._close_link(link, "rst" if limit.reset else "fin")
        return True

    async def _take_tokens(self, d: Direction, n: int) -> None:
        """Waits until the direction's bucket holds ``n`` tokens (or a full burst, if the cap fell)."""
        bucket = self._buckets[d]
        async with bucket.lock:
            while True:
                with self._lock:
                    rate = self._shaping[d].bandwidth_bps
                now = time.monotonic()
                if rate is None:
                    bucket.rate = None
                    return
                burst = _burst(rate)
                if bucket.rate is None:
                    bucket.tokens, bucket.stamp = float(burst), now
                bucket.rate = rate
                bucket.tokens = min(2.0 * burst, bucket.tokens + (now - bucket.stamp) * rate)
                bucket.stamp = now
                if bucket.tokens >= min(n, burst):
                    bucket.tokens -= n
                    return
                await self._nap((min(n, burst) - bucket.tokens) / rate)


def _non_negative(value: float, what: str) -> float:
    if value < 0:
        raise ValueError(f"{what} must not be negative")
    return value


def _positive(value: float, what: str) -> float:
    if value <= 0:
        raise ValueError(f"{what} must be positive")
    return value
