"""The training link: on a demo station a supervisor makes the line to the demo centre
up, slow (2G-like), flaky or down, to see (and teach) how the station copes.

A small TCP relay on 127.0.0.1 sits between the station and the demo centre. On a
demo station whose centre is on loopback, `make_client` routes every client through
it (`route`) from the first sync on, in "up" (pass-through) mode. Why always, and not
only once training starts: the app's background worker keeps one client (and one
keep-alive connection) for as long as it runs, so a URL switched later would never
reach it; with the relay already in the path a mode change reaches every connection
at once. The mode lives in this process only: a restart is back to "up".

Modes: `up` passes bytes through; `slow` is about 32 000 B/s each way and a 600 ms
round trip; `flaky` cuts every connection every FLAKY_PERIOD_S; `down` drops every
connection and stops listening, so a connect is refused (the station names it
`sync.offline`), and listens again on the same port when the mode changes.

Bounded: at most MAX_CONNECTIONS at once, each direction buffers at most
QUEUE_CHUNKS x READ_SIZE bytes, every connect and shutdown step has a timeout.
Loopback only: it listens on 127.0.0.1 and relays only to a loopback centre.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from common.errors import UserFacingError
from common.text import Text
from station.auth import Role, User
from station.core import StationCore

log = logging.getLogger(__name__)

UP, SLOW, FLAKY, DOWN = "up", "slow", "flaky", "down"
MODES = (UP, SLOW, FLAKY, DOWN)
SLOW_BPS = 32_000.0
SLOW_ONE_WAY_S = 0.3
FLAKY_PERIOD_S = 10.0
MAX_CONNECTIONS = 16
READ_SIZE = 16 * 1024
QUEUE_CHUNKS = 16
CONNECT_TIMEOUT_S = 5.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class TrainingLinkError(UserFacingError):
    code = "training.unavailable"


@dataclass(eq=False)  # kept in a set by identity
class _Conn:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self) -> None:
        for w in (self.client, self.server):
            if w is not None:
                w.transport.abort()
        for t in self.tasks:
            t.cancel()


class TrainingRelay:
    """The relay on its own event-loop thread; `set_mode` may be called from any thread."""

    def __init__(
        self, upstream_host: str, upstream_port: int, *, cut_every_s: float = FLAKY_PERIOD_S, listen_port: int = 0
    ) -> None:
        if upstream_host not in LOOPBACK:
            raise ValueError("the training relay only relays to a centre on loopback")
        self.upstream = (upstream_host, upstream_port)
        self.port = listen_port
        self.cut_every_s = cut_every_s
        self.mode = UP
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._conns: set[_Conn] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._line_locks: dict[str, asyncio.Lock] = {}
        self._upstream_failures = 0  # connections refused by the centre since it was last reached

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 5.0) -> TrainingRelay:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="training-link", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout_s)
        log.info("training link :%d -> %s:%d started", self.port, *self.upstream)
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout_s)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout_s)
        if not thread.is_alive():
            loop.close()
        self._loop = self._thread = None
        log.info("training link :%d stopped", self.port)

    def set_mode(self, mode: str, timeout_s: float = 5.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown training link mode {mode!r}")
        if self._loop is None:
            raise RuntimeError("training link not started")
        asyncio.run_coroutine_threadsafe(self._apply(mode), self._loop).result(timeout_s)
        log.info("training link :%d now %s", self.port, mode)

    # --- loop side ----------------------------------------------------------------

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._on_client, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _unlisten(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None

    async def _close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        self._drop_all()
        await self._unlisten()

    def _drop_all(self) -> None:
        for conn in list(self._conns):
            conn.abort()
        self._conns.clear()

    async def _apply(self, mode: str) -> None:
        old, self.mode = self.mode, mode
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if mode == DOWN:
            self._drop_all()
            await self._unlisten()
            return
        if old == DOWN or self._server is None:
            await self._listen()
        if mode == FLAKY:
            self._ticker = asyncio.ensure_future(self._cut_periodically())

    async def _cut_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.cut_every_s)
            log.info("training link :%d: flaky cut of %d connections", self.port, len(self._conns))
            self._drop_all()

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Conn(writer)
        if self.mode == DOWN or len(self._conns) >= MAX_CONNECTIONS:
            conn.abort()
            return
        self._conns.add(conn)
        try:
            up_r, up_w = await asyncio.wait_for(asyncio.open_connection(*self.upstream), CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            self._upstream_failed(exc)
            self._conns.discard(conn)
            conn.abort()
            return
        self._upstream_reached()
        conn.server = up_w
        if conn not in self._conns:  # cut while connecting
            conn.abort()
            return
        conn.tasks = [
            asyncio.ensure_future(self._pipe(reader, up_w, "up")),
            asyncio.ensure_future(self._pipe(up_r, writer, "down")),
        ]
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*conn.tasks, return_exceptions=True)
        self._conns.discard(conn)
        conn.abort()

    def _upstream_failed(self, exc: BaseException) -> None:
        """One WARNING when the centre becomes unreachable, not one per connection: the
        station retries every few seconds, and the log would fill with the same line."""
        self._upstream_failures += 1
        if self._upstream_failures == 1:
            log.warning("training link :%d cannot reach the centre: %s (said once until it is reached)", self.port, exc)
        else:
            log.debug("training link :%d still cannot reach the centre: %s", self.port, exc)

    def _upstream_reached(self) -> None:
        if self._upstream_failures:
            log.info(
                "training link :%d reaches the centre again after %d failed connections",
                self.port,
                self._upstream_failures,
            )
            self._upstream_failures = 0

    async def _pipe(self, src: asyncio.StreamReader, dest: asyncio.StreamWriter, direction: str) -> None:
        """One direction: read into a bounded queue; deliver after the latency, at the rate."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(QUEUE_CHUNKS)

        async def pump_in() -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(READ_SIZE):
                    await queue.put((time.monotonic(), data))
            await queue.put((time.monotonic(), b""))

        feeder = asyncio.ensure_future(pump_in())
        try:
            while True:
                arrived, data = await queue.get()
                if self.mode == SLOW:
                    await asyncio.sleep(max(0.0, arrived + SLOW_ONE_WAY_S - time.monotonic()))
                if not data:
                    if dest.can_write_eof():
                        dest.write_eof()
                    return
                await self._deliver(dest, data, direction)
        except OSError:
            return
        finally:
            feeder.cancel()

    async def _deliver(self, dest: asyncio.StreamWriter, data: bytes, direction: str) -> None:
        if self.mode != SLOW:
            dest.write(data)
            await dest.drain()
            return
        # One line per direction shared by every connection, like one real uplink.
        lock = self._line_locks.setdefault(direction, asyncio.Lock())
        burst = max(256, int(SLOW_BPS / 50))
        async with lock:
            for i in range(0, len(data), burst):
                piece = data[i : i + burst]
                dest.write(piece)
                await dest.drain()
                await asyncio.sleep(len(piece) / SLOW_BPS)


# --- the station's relays (one per data directory and centre, in this process) ------

_relays: dict[tuple[str, str, int], TrainingRelay] = {}
_lock = threading.Lock()


def _upstream(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        return None
    return parts.hostname or "127.0.0.1", parts.port or 80


def _relay_for(home: Path, url: str) -> TrainingRelay | None:
    upstream = _upstream(url)
    if upstream is None:
        return None
    key = (str(home), *upstream)
    with _lock:
        relay = _relays.get(key)
        if relay is None:
            relay = _relays[key] = TrainingRelay(*upstream).start()
        return relay


def route(core: StationCore, url: str) -> str:
    """The URL a client should use: the relay's on a demo station with a loopback centre."""
    if not core.config.demo:
        return url
    relay = _relay_for(core.home, url)
    return relay.url if relay is not None else url


def link_mode(core: StationCore) -> str | None:
    """The training link's mode, or None where there is none (not a demo station, no
    loopback centre)."""
    url = core.config.effective_central_url()
    if not core.config.demo or not url or _upstream(url) is None:
        return None
    upstream = _upstream(url)
    assert upstream is not None
    with _lock:
        relay = _relays.get((str(core.home), *upstream))
    return relay.mode if relay is not None else UP


def set_link(core: StationCore, mode: str, *, supervisor: User | None) -> str:
    """Set the training link (demo stations only), for an authenticated, unlocked
    supervisor's session (checked here, not only in the console); audited with its name."""
    from store import audit

    checked = core.auth.require(supervisor, Role.SUPERVISOR)
    if mode not in MODES:
        raise ValueError(f"unknown training link mode {mode!r}")
    if not core.config.demo:
        raise TrainingLinkError(
            Text(
                "Simulasi jaringan hanya ada di stasiun demo / latihan.",
                "The simulated link exists only on a demo / training station.",
            )
        )
    relay = _relay_for(core.home, core.config.effective_central_url())
    if relay is None:
        raise TrainingLinkError(
            Text(
                "Simulasi jaringan memerlukan pusat demo di 127.0.0.1.",
                "The simulated link needs the demo centre on 127.0.0.1.",
            )
        )
    relay.set_mode(mode)
    with core.db.write() as session:
        audit.append(session, "training_link", actor=checked.username, target=mode)
    return mode


def stop_all() -> None:
    """Stop every relay of this process (app exit, tests)."""
    with _lock:
        relays = list(_relays.values())
        _relays.clear()
    for relay in relays:
        relay.stop()


atexit.register(stop_all)
