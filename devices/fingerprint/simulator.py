"""A simulated EF01 fingerprint module on a pseudo-terminal.

Any EF01 client (our driver, pyfingerprint, a vendor demo) opens `handle.path` as it
would open /dev/ttyUSB0. The module logic is simcore.py; this file is the wire:
reading the master side of the pty, pacing replies at the line rate, and the
faults a technician trains on:

* ``no_reply``     - reads and ignores everything (unplugged TX, dead module);
* ``bad_checksum`` - every reply goes out with a corrupted checksum (line noise);
* ``sensor_fault`` - GenImg and CheckSensor answer 0x29;
* ``ghost_finger`` - a latent print: GenImg always reports a finger;
* ``wrong_baud``   - the module runs at another baud than the station;
* ``slow_line``    - replies trickle out at a tenth of the line rate.

Traps handled here: the master is set raw and the slave too (no echo before a
client configures it); the simulator keeps its own slave fd open so the master
never reads EIO between clients; the baud a client chose is read back with
termios from that slave fd, and when it differs from the module's the reply is
re-sampled bit by bit at the client's rate, which is the garbage a real UART
delivers. Writes are non-blocking and checked against the stop flag, so a client
that stops reading never wedges `stop()`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from devices.fingerprint import protocol
from devices.fingerprint.platen import Placement, Platen
from devices.fingerprint.protocol import BITS_PER_BYTE, HEAD_LEN, HEADER, MAX_LEN_FIELD, Packet
from devices.fingerprint.simcore import FAULTS, Ef01Module, ModuleState

try:  # POSIX only; the registry reports the reason on other systems
    import termios
    import tty
except ImportError:  # pragma: no cover - Windows
    termios = None  # type: ignore[assignment]
    tty = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SLOW_LINE_FACTOR = 10
_CHUNK = 32  # bytes per paced write: ~5.6 ms at 57600


def pty_unavailable_reason() -> str | None:
    if termios is None or not hasattr(os, "openpty"):
        return "pseudo-terminals are not available on this system"
    return None


def _termios_speeds() -> dict[int, int]:
    if termios is None:
        return {}
    speeds = {}
    for baud in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400):
        const = getattr(termios, f"B{baud}", None)
        if const is not None:
            speeds[const] = baud
    return speeds


def garble(data: bytes, tx_baud: int, rx_baud: int) -> bytes:
    """What a UART at `rx_baud` makes of `data` sent 8N1 at `tx_baud`.

    The line is idle high; each byte is a 0 start bit, 8 data bits LSB first and a
    1 stop bit. The receiver waits for a falling edge, samples the middle of each of
    its own bit times, and delivers 0x00 for a framing error (stop bit low), as
    Linux does without IGNPAR/PARMRK.
    """
    bits = [1, 1]
    for byte in data:
        bits += [0, *((byte >> i) & 1 for i in range(8)), 1]
    bits += [1] * 12

    def level(t: float) -> int:
        i = int(t * tx_baud)
        return bits[i] if i < len(bits) else 1

    out = bytearray()
    end = len(bits) / tx_baud
    step = 1.0 / (8 * tx_baud)
    t = 0.0
    while t < end:
        if level(t) == 1:
            t += step
            continue
        value = sum(level(t + (k + 1.5) / rx_baud) << k for k in range(8))
        stop = level(t + 9.5 / rx_baud)
        out.append(value if stop else 0)
        t += 9.5 / rx_baud
        while t < end and level(t) == 0:
            t += step
    return bytes(out)


class _Splitter:
    """Cuts the host's byte stream into packets; junk before a header is dropped."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[Packet | None]:
        """Whole packets received so far; None for one whose checksum is wrong."""
        self.buf += data
        out: list[Packet | None] = []
        while True:
            idx = self.buf.find(HEADER)
            if idx < 0:
                del self.buf[: max(0, len(self.buf) - 1)]
                return out
            del self.buf[:idx]
            if len(self.buf) < HEAD_LEN:
                return out
            address = int.from_bytes(self.buf[2:6], "big")
            pid, length = self.buf[6], int.from_bytes(self.buf[7:9], "big")
            if not 2 <= length <= MAX_LEN_FIELD:
                del self.buf[:2]
                continue
            if len(self.buf) < HEAD_LEN + length:
                return out
            frame = bytes(self.buf[: HEAD_LEN + length])
            del self.buf[: HEAD_LEN + length]
            content = frame[HEAD_LEN:-2]
            ok = int.from_bytes(frame[-2:], "big") == protocol.checksum(pid, content)
            out.append(Packet(pid, content, address) if ok else None)


class SimulatorHandle:
    """A running simulator: its pty path, the control API for tests and trainers, and stop()."""

    def __init__(
        self,
        *,
        baud: int = protocol.DEFAULT_BAUD,
        fault: str | None = None,
        pacing: bool = False,
        seed: int = 1,
        link: str | os.PathLike[str] | None = None,
        auto: bool = True,
        appear_after: int = 3,
        capacity: int = 1000,
        password: int = 0,
        led: bool = True,
        garble_replies: bool = True,
    ) -> None:
        reason = pty_unavailable_reason()
        if reason:
            raise OSError(reason)
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")
        self.baud = baud
        self.pacing = pacing
        self.platen = Platen(seed=seed, auto=auto, appear_after=appear_after)
        state = ModuleState(
            capacity=capacity, password=password, baud_n=max(1, baud // protocol.BAUD_UNIT), led_supported=led
        )
        self.module = Ef01Module(state, self.platen, seed=seed)
        self.module_baud = baud
        self.garble_replies = garble_replies  # False: silent at a wrong baud, like most real modules
        self.fault: str | None = None
        self.set_fault(fault)
        self._speeds = _termios_speeds()
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self.link: Path | None = None
        if link is not None:
            self.link = Path(link)
            with contextlib.suppress(FileNotFoundError):
                if self.link.is_symlink():
                    self.link.unlink()
            self.link.symlink_to(self.path)
        self._stop = threading.Event()
        self._splitter = _Splitter()
        self._tx_free_at = 0.0
        self._thread = threading.Thread(target=self._serve, name=f"ef01-sim:{self.path}", daemon=True)
        self._thread.start()
        log.info("EF01 simulator on %s (baud %d, fault %s, pacing %s)", self.path, baud, fault, pacing)

    # --- control API -------------------------------------------------------------

    def set_fault(self, fault: str | None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        self.fault = fault
        self.module.fault = fault
        if fault == "wrong_baud":
            self.module_baud = 115200 if self.baud != 115200 else 57600
        else:
            self.module_baud = self.module.state.baud_n * protocol.BAUD_UNIT

    def present_finger(self, seed: int, finger: int, quality: float = 1.0) -> None:
        """Put a finger on the glass until remove_finger()."""
        self.platen.present(Placement(seed, finger, quality))

    def remove_finger(self) -> None:
        self.platen.remove()

    def queue_placements(self, placements: Iterable[Placement]) -> None:
        """Fingers that will appear one after another, each after a few no-finger polls."""
        self.platen.enqueue(placements)

    def set_auto(self, on: bool) -> None:
        self.platen.set_auto(on)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=3.0)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = -1
        if self.link is not None:
            with contextlib.suppress(OSError):
                if self.link.is_symlink():
                    self.link.unlink()
            self.link = None

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the wire (simulator thread) ----------------------------------------------

    def _client_baud(self) -> int | None:
        if termios is None:
            return None
        try:
            speed = termios.tcgetattr(self._slave)[5]
        except (termios.error, OSError):
            return None
        return self._speeds.get(speed)

    def _line_rate(self) -> float | None:
        if self.fault == "slow_line":
            return self.module_baud / SLOW_LINE_FACTOR
        return float(self.module_baud) if self.pacing else None

    def _write(self, data: bytes, *, continuing: bool = False) -> None:
        """Send `data`; paced, each chunk leaves when its last stop bit would have.

        Within one reply (`continuing` for its later frames) chunks follow the
        schedule, so sleep overshoot does not add up; a new reply starts no earlier
        than now.
        """
        rate = self._line_rate()
        step = _CHUNK if rate else len(data)
        for i in range(0, len(data), step):
            chunk = data[i : i + step]
            if rate:
                now = time.monotonic()
                start = self._tx_free_at if (continuing or i > 0) else max(now, self._tx_free_at)
                self._tx_free_at = start + len(chunk) * BITS_PER_BYTE / rate
                while (wait := self._tx_free_at - time.monotonic()) > 0:
                    if self._stop.wait(min(wait, 0.1)):
                        return
            self._write_now(chunk)

    def _write_now(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set():
            _, writable, _ = select.select([], [self._master], [], 0.1)
            if not writable:
                continue
            try:
                n = os.write(self._master, view)
            except BlockingIOError:
                continue
            view = view[n:]

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([self._master], [], [], 0.1)
                if not readable:
                    continue
                try:
                    data = os.read(self._master, 4096)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    if exc.errno == errno.EIO:
                        time.sleep(0.05)
                        continue
                    raise
                self._on_bytes(data)
        except Exception:
            log.exception("EF01 simulator on %s stopped on an error", self.path)

    def _on_bytes(self, data: bytes) -> None:
        if self.fault == "no_reply":
            return
        client = self._client_baud()
        if client is not None and client != self.module_baud:
            # The module hears noise and answers "error receiving packet" at its own speed.
            self._splitter.buf.clear()
            if self.garble_replies:
                self._write(garble(protocol.ack(0x01), self.module_baud, client))
            return
        if self.pacing or self.fault == "slow_line":
            time.sleep(len(data) * BITS_PER_BYTE / self.module_baud)  # the command's own time on the line
        for packet in self._splitter.feed(data):
            if packet is None:
                replies = [protocol.ack(0x01, address=self.module.state.address)]
            else:
                replies = self.module.handle(packet)
            for n, frame in enumerate(replies):
                if self.fault == "bad_checksum" and len(frame) >= protocol.MIN_PACKET:
                    frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
                self._write(frame, continuing=n > 0)
            if self.module.pending_baud is not None:
                self.module_baud, self.module.pending_baud = self.module.pending_baud, None
                log.info("EF01 simulator on %s now at %d baud", self.path, self.module_baud)


def start_simulator(
    baud: int = protocol.DEFAULT_BAUD,
    fault: str | None = None,
    pacing: bool = False,
    seed: int = 1,
    link: str | os.PathLike[str] | None = None,
    **options: object,
) -> SimulatorHandle:
    """Start a simulated module on a fresh pty; `options` go to SimulatorHandle
    (auto, appear_after, capacity, password, led, garble_replies)."""
    return SimulatorHandle(baud=baud, fault=fault, pacing=pacing, seed=seed, link=link, **options)  # type: ignore[arg-type]


def run_forever(
    link: str | os.PathLike[str] | None = None,
    baud: int = protocol.DEFAULT_BAUD,
    fault: str | None = None,
    *,
    pacing: bool = True,
    seed: int = 1,
    stop: threading.Event | None = None,
    on_ready: Callable[[SimulatorHandle], None] | None = None,
) -> int:
    """For ``station sim fingerprint``: serve until Ctrl-C (or `stop` is set); return an exit code.

    Paced at the real line rate by default, so a technician sees true timings.
    `on_ready(handle)` lets the command line print `handle.path` / `handle.link`.
    """
    handle = start_simulator(baud=baud, fault=fault, pacing=pacing, seed=seed, link=link)
    where = f"{handle.path} (link {handle.link})" if handle.link else handle.path
    log.info("EF01 fingerprint simulator ready on %s", where)
    stop = stop or threading.Event()
    try:
        if on_ready is not None:
            on_ready(handle)
        while not stop.wait(0.5):
            if not handle.running:
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0
