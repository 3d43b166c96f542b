"""An ISDV4 pen pad simulator on a pty, speaking the real wire protocol.

It answers ``*`` with an 11-byte query reply, stays silent on ``%`` (pen-only profile),
starts a gesture on ``1`` and stops on ``0``. A gesture (see signgen) is a hover approach,
the ink strokes with hover moves between them, a lift and an out-of-proximity packet; after
it the pad is quiet, as a real pad is once the pen has gone, or in loop (training) mode it
signs again after a pause. `perform("corners")` queues the technician's corner trace for the
next start: the simulator then plays the hand the self-test asks for.

Pacing: packet k of a gesture is due at its sample time, and the simulated UART lets a
packet out only when the line is free (10 bits per byte at the profile's rate, with one
packet of slack, as a UART's holding register gives), so the stream never beats the line
rate however late the thread wakes. A pty ignores the rate itself, so the simulator reads
the client's termios setting through its own slave fd and ignores commands sent at the
wrong rate, like a real pad hearing garbage. Holding that slave fd also keeps the master
readable while no client has the port open (otherwise Linux returns EIO).

Faults (names are stable): ``no_reply`` (never answers), ``stuck_tip`` (tip bit always set
at one constant pressure, and the pad keeps reporting after the gesture), ``dead_zone``
(a horizontal band of the pad never reports: its packets are dropped) and ``noise``
(random 7-bit bytes between packets).
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import select
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from devices.signature.protocol import (
    BITS_PER_BYTE,
    CMD_QUERY,
    CMD_START,
    CMD_STOP,
    PEN_PACKET_LEN,
    PenPacket,
    QueryReply,
    line_packet_rate,
)
from devices.signature.signgen import DEFAULT_RATE_HZ, PenSample, corner_trace_gesture, signature_gesture

log = logging.getLogger(__name__)

SIM_FAULTS = ("no_reply", "stuck_tip", "dead_zone", "noise")
GESTURES = ("signature", "corners")
DEAD_BAND = (0.44, 0.56)  # fractions of y_max that never report under the dead_zone fault
STUCK_PRESSURE = 0.6  # of pressure_max, under the stuck_tip fault
NOISE_PROBABILITY = 0.5  # chance of 1-3 noise bytes before a packet, under the noise fault
SIM_FIRMWARE = 0x0F
_IDLE_WAIT_S = 0.1


class Isdv4Simulator:
    def __init__(
        self,
        *,
        baud: int = 19200,
        fault: str | None = None,
        seed: int | None = None,
        loop: bool = False,
        loop_pause_s: float = 2.0,
        packet_rate: float | str | None = None,
        pad_max: tuple[int, int, int] = (24576, 18432, 1023),
        tempo: float = 1.0,
    ) -> None:
        if fault is not None and fault not in SIM_FAULTS:
            raise ValueError(f"unknown signature pad fault {fault!r}; choose one of {', '.join(SIM_FAULTS)}")
        self.baud = baud
        self.fault = fault
        self.seed = secrets.randbelow(2**31) if seed is None else seed
        self.loop = loop
        self.loop_pause_s = loop_pause_s
        line = line_packet_rate(baud)
        rate = line if packet_rate == "line" else float(packet_rate or DEFAULT_RATE_HZ)
        self.packet_rate = min(rate, line)
        self.pad_max = pad_max
        self.tempo = max(0.1, float(tempo))
        self.reply = QueryReply(pad_max[0], pad_max[1], pad_max[2], 0, 0, SIM_FIRMWARE)
        self.packets_sent = 0
        self.noise_sent = 0
        self.overruns = 0
        self.starts = 0
        self._byte_time = BITS_PER_BYTE / baud
        self._rng = random.Random(self.seed)
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._streaming = False
        self._gesture: list[PenSample] = []
        self._index = 0
        self._t0 = 0.0
        self._next_gesture_at: float | None = None
        self._stuck_last: PenSample | None = None
        self._line_free = 0.0
        self._master, self._slave = os.openpty()
        self._wake_r, self._wake_w = os.pipe()
        self._configure_pty()
        self.path = os.ttyname(self._slave)
        self.link: Path | None = None
        self._thread = threading.Thread(target=self._run, name=f"isdv4-sim:{self.path}", daemon=True)

    def _configure_pty(self) -> None:
        import termios
        import tty

        tty.setraw(self._master)
        tty.setraw(self._slave)
        speed = getattr(termios, f"B{self.baud}")
        attrs = termios.tcgetattr(self._slave)
        attrs[4] = attrs[5] = speed
        termios.tcsetattr(self._slave, termios.TCSANOW, attrs)
        os.set_blocking(self._master, False)

    # --- control from other threads ---------------------------------------------------

    def start(self, link: str | os.PathLike[str] | None = None) -> Isdv4Simulator:
        if link is not None:
            self.link = Path(link)
            if self.link.is_symlink():
                self.link.unlink()
            self.link.symlink_to(self.path)
        self._thread.start()
        log.info(
            "ISDV4 simulator on %s%s: %d baud, fault=%s, seed=%d",
            self.path,
            f" (link {self.link})" if self.link else "",
            self.baud,
            self.fault,
            self.seed,
        )
        return self

    def perform(self, gesture: str) -> None:
        """Queue the gesture the simulated hand makes at the next start (``1``)."""
        if gesture not in GESTURES:
            raise ValueError(f"unknown gesture {gesture!r}")
        with self._lock:
            self._queue.append(gesture)

    def stop(self) -> None:
        """Stop the thread, close the pty and remove the link; safe to call twice."""
        if self._stop.is_set():
            return
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.link is not None and self.link.is_symlink() and os.readlink(self.link) == self.path:
            self.link.unlink()
        log.info("ISDV4 simulator on %s stopped after %d packets", self.path, self.packets_sent)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    # --- the simulator's own thread ------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            due = self._next_due()
            wait = _IDLE_WAIT_S if due is None else min(_IDLE_WAIT_S, max(0.0, due - time.monotonic()))
            readable, _, _ = select.select([self._master, self._wake_r], [], [], wait)
            if self._stop.is_set():
                break
            if self._master in readable:
                try:
                    data = os.read(self._master, 1024)
                except (BlockingIOError, InterruptedError):
                    data = b""
                except OSError as exc:
                    log.debug("simulator read: %s", exc)
                    time.sleep(_IDLE_WAIT_S)
                    data = b""
                self._on_commands(data)
            self._emit_due()

    def _client_at_our_rate(self) -> bool:
        import termios

        try:
            speed = termios.tcgetattr(self._slave)[5]
        except termios.error:
            return True
        return bool(speed == getattr(termios, f"B{self.baud}"))

    def _on_commands(self, data: bytes) -> None:
        if not data or self.fault == "no_reply":
            return
        if not self._client_at_our_rate():
            log.debug("simulator ignores %r: client is not at %d baud", data, self.baud)
            return
        for c in data:
            cmd = bytes((c,))
            if cmd == CMD_STOP:
                self._streaming = False
                self._gesture, self._index, self._stuck_last, self._next_gesture_at = [], 0, None, None
            elif cmd == CMD_START:
                self._streaming = True
                self._begin_gesture(time.monotonic())
            elif cmd == CMD_QUERY:
                self._write(self.reply.encode(), time.monotonic(), packet=False)
            # '%' (touch query) and anything else: a pen-only pad stays silent

    def _begin_gesture(self, now: float) -> None:
        with self._lock:
            name = self._queue.popleft() if self._queue else "signature"
        rate = self.packet_rate / self.tempo  # same shape, sampled more coarsely when played faster
        if name == "corners":
            gesture = corner_trace_gesture(self.seed, pad_max=self.pad_max, rate_hz=rate)
        else:
            gesture = signature_gesture(self.seed, pad_max=self.pad_max, rate_hz=rate, variant=self.starts)
        self._gesture = gesture if self.tempo == 1.0 else [s._replace(t=s.t / self.tempo) for s in gesture]
        self.starts += 1
        self._index, self._t0, self._next_gesture_at, self._stuck_last = 0, now, None, None

    def _packet_time(self) -> float:
        return PEN_PACKET_LEN * self._byte_time

    def _next_due(self) -> float | None:
        if not self._streaming:
            return None
        slack = self._line_free - self._packet_time()
        if self._index < len(self._gesture):
            return max(self._t0 + self._gesture[self._index].t, slack)
        if self._next_gesture_at is not None:
            return self._next_gesture_at
        if self._stuck_last is not None:
            return max(self._t0 + self._stuck_last.t, slack)
        return None

    def _emit_due(self) -> None:
        now = time.monotonic()
        for _ in range(64):  # bounded: never spin here, whatever the clock does
            due = self._next_due()
            if due is None or due > now:
                return
            if self._index < len(self._gesture):
                self._send(self._gesture[self._index], now)
                self._index += 1
                if self._index == len(self._gesture):
                    self._gesture_finished(now)
            elif self._next_gesture_at is not None:
                self._begin_gesture(now)
            elif self._stuck_last is not None:
                self._send(self._stuck_last, now)
                self._stuck_last = self._stuck_last._replace(t=self._stuck_last.t + 1 / self.packet_rate)

    def _gesture_finished(self, now: float) -> None:
        if self.loop:
            self._next_gesture_at = now + self.loop_pause_s
        elif self.fault == "stuck_tip":
            last = self._gesture[-1]
            self._stuck_last = last._replace(t=last.t + 1 / self.packet_rate, proximity=True)

    def _send(self, s: PenSample, now: float) -> None:
        if self.fault == "dead_zone" and DEAD_BAND[0] <= s.y / self.pad_max[1] <= DEAD_BAND[1]:
            return
        tip, pressure = s.tip, s.pressure
        if self.fault == "stuck_tip":
            tip, pressure = True, round(STUCK_PRESSURE * self.pad_max[2])
        data = PenPacket(proximity=s.proximity, tip=tip, x=s.x, y=s.y, pressure=pressure).encode()
        if self.fault == "noise" and self._rng.random() < NOISE_PROBABILITY:
            noise = bytes(self._rng.randrange(0x80) for _ in range(self._rng.randint(1, 3)))
            self.noise_sent += len(noise)
            data = noise + data
        self._write(data, now, packet=True)

    def _write(self, data: bytes, now: float, *, packet: bool) -> None:
        try:
            os.write(self._master, data)
        except (BlockingIOError, OSError):
            self.overruns += 1  # nobody reads: a real UART would overrun too
            return
        self._line_free = max(now, self._line_free) + len(data) * self._byte_time
        if packet:
            self.packets_sent += 1


def start_simulator(
    baud: int = 19200,
    fault: str | None = None,
    seed: int | None = None,
    link: str | os.PathLike[str] | None = None,
    loop: bool = False,
    *,
    loop_pause_s: float = 2.0,
    packet_rate: float | str | None = None,
    pad_max: tuple[int, int, int] = (24576, 18432, 1023),
    tempo: float = 1.0,
) -> Isdv4Simulator:
    """Start a simulator thread; the handle's `.path` is the pty to open and `.stop()` ends it.

    `packet_rate`: pen packets per second (default 133, ``"line"`` for back-to-back at the
    line rate; never more than the line allows). `tempo` > 1 plays gestures faster (same
    shapes, fewer packets) for tests and quick training runs.
    """
    sim = Isdv4Simulator(
        baud=baud,
        fault=fault,
        seed=seed,
        loop=loop,
        loop_pause_s=loop_pause_s,
        packet_rate=packet_rate,
        pad_max=pad_max,
        tempo=tempo,
    )
    return sim.start(link)


def run_forever(
    *,
    link: str | os.PathLike[str] | None = None,
    baud: int = 19200,
    fault: str | None = None,
    seed: int | None = None,
    loop: bool = False,
    on_ready: Callable[[Isdv4Simulator], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """For ``station sim signature``: serve until Ctrl-C (or `stop` is set), then clean up.

    `on_ready` receives the running simulator, e.g. for the command line to print its path.
    """
    sim = start_simulator(baud=baud, fault=fault, seed=seed, link=link, loop=loop)
    stop = stop or threading.Event()
    try:
        if on_ready is not None:
            on_ready(sim)
        while not stop.wait(0.5) and sim.running:
            pass
    except KeyboardInterrupt:
        log.info("simulator interrupted")
    finally:
        sim.stop()
