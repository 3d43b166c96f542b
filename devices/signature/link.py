"""The serial link to an ISDV4 pad: open, handshake with baud fallback, start, stop, read.

Every touch of the port runs on the port's one `PortThread`; callers wait with a timeout,
so a pad that hangs mid-read never freezes the capture or the GUI. Reads are bulk: each
call returns whatever arrived within one short read slice (20 ms by default), never one
byte at a time, and the port's own read timeout bounds every read.

Handshake (what the Linux w8001 driver and xf86-input-wacom do): send ``0`` (stop), wait
about 250 ms for a streaming pad to fall silent, flush input, send ``*`` and wait up to 1 s
for the 11-byte reply starting 0xC0. No valid reply: close and re-open at the other rate
(19200 for pen-only pads, 38400 for newer and touch panels). Trap: on a pty or a socket the
rate means nothing to the kernel, so the simulator reads the client's termios setting to
behave like a real pad at the wrong rate (silence).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from devices.base import DeviceError, DeviceKind
from devices.iothread import PortThread, on_io_thread
from devices.signature.errors import NO_PORT, NO_REPLY, PROTOCOL, signature_error
from devices.signature.protocol import (
    BAUD_RATES,
    CMD_QUERY,
    CMD_START,
    CMD_STOP,
    ControlPacket,
    QueryReply,
    StreamParser,
)

log = logging.getLogger(__name__)

SerialFactory = Callable[..., Any]  # serial.serial_for_url or a stand-in with the same shape
_READ_SIZE = 4096
_CALL_MARGIN_S = 2.0  # how much longer than its own deadline an I/O call may take before we give up
T = TypeVar("T")


@dataclass(frozen=True)
class LinkTiming:
    query_timeout_s: float = 1.0
    settle_s: float = 0.25
    read_slice_s: float = 0.02
    write_timeout_s: float = 1.0


@dataclass(frozen=True)
class Attempt:
    """One handshake at one rate, for the self-test's `measured` text and the log."""

    baud: int
    reply: QueryReply | None
    seconds: float  # from writing ``*`` to the reply (or to giving up)
    bytes_seen: int


def default_serial_factory(*args: Any, **kwargs: Any) -> Any:
    import serial  # imported here so that a missing pyserial is a reason string, not an import error

    return serial.serial_for_url(*args, **kwargs)


def rates_to_try(baud: int | None) -> list[int]:
    """The rates to try: the configured one first, then the other standard rate."""
    if baud is None:
        return list(BAUD_RATES)
    return [baud, *(b for b in BAUD_RATES if b != baud)]


class Isdv4Link:
    def __init__(self, port: str, *, timing: LinkTiming | None = None, serial_factory: SerialFactory | None = None):
        self.port = port
        self.timing = timing or LinkTiming()
        self._factory = serial_factory or default_serial_factory
        self._io = PortThread(DeviceKind.SIGNATURE, port)
        self._ser: Any = None
        self.baud: int | None = None
        self.reply: QueryReply | None = None
        self.attempts: list[Attempt] = []

    @property
    def is_open(self) -> bool:
        return self._ser is not None and self.reply is not None

    # --- caller side: each method waits for the port thread with a bounded timeout -----

    def connect(self, bauds: Sequence[int]) -> QueryReply:
        """Open at each rate in turn until the pad answers the query; raise DeviceError if none does."""
        self.attempts = []
        for baud in bauds:
            attempt = self._io_try(baud)
            self.attempts.append(attempt)
            if attempt.reply is not None:
                self.baud, self.reply = baud, attempt.reply
                log.info("ISDV4 pad on %s answered at %d baud: %s", self.port, baud, attempt.reply)
                return attempt.reply
            log.info("no ISDV4 query reply on %s at %d baud (%d bytes seen)", self.port, baud, attempt.bytes_seen)
        self._io_close()
        rates = "/".join(str(b) for b in bauds)
        if any(a.bytes_seen for a in self.attempts):
            raise signature_error(PROTOCOL, port=self.port, detail=f"bytes but no valid query reply at {rates} baud")
        raise signature_error(NO_REPLY, port=self.port, detail=f"no query reply at {rates} baud")

    def start(self) -> None:
        self._io_write(CMD_START)

    def stop(self) -> None:
        """Send ``0``, let the pad fall silent, and drop whatever it still sent."""
        self._io_stop()

    def read(self) -> bytes:
        """Whatever arrived within one read slice (possibly nothing)."""
        return self._io_read()

    def close(self) -> None:
        """Release the port and the I/O thread; safe to call twice."""
        try:
            self._io_close()
        except DeviceError as exc:
            log.warning("closing %s: %s", self.port, exc)
        finally:
            self._io.shutdown()
            self.reply = None

    def call_on_io(self, fn: Callable[[], T], timeout_s: float | None) -> T:
        """Run `fn()` on the port's thread (what `@on_io_thread` calls), waiting at most
        `timeout_s` (a write's timeout when None) plus a margin; a late or lost port is a
        signature error with its remedy."""
        timeout = self.timing.write_timeout_s if timeout_s is None else timeout_s
        try:
            return self._io.call(fn, timeout=timeout + _CALL_MARGIN_S)
        except RuntimeError as exc:  # the executor was shut down: the link is closed
            raise signature_error(NO_PORT, port=self.port, detail=f"link closed: {exc}") from None
        except DeviceError as exc:
            if exc.code.startswith("signature.") and exc.remedy is not None:
                raise
            raise signature_error(NO_REPLY, port=self.port, detail="the port did not respond in time") from None

    # --- port thread side: each `_io_` method runs on the port's thread ----------------

    def _io_open(self, baud: int) -> None:
        self._io_close()
        t = self.timing
        try:
            self._ser = self._factory(self.port, baudrate=baud, timeout=t.read_slice_s, write_timeout=t.write_timeout_s)
        except (OSError, ValueError) as exc:
            raise signature_error(NO_PORT, port=self.port, detail=str(exc)) from None

    @on_io_thread(
        timeout_s=lambda self, baud: (
            self.timing.settle_s + self.timing.query_timeout_s + 2 * self.timing.write_timeout_s
        )
    )
    def _io_try(self, baud: int) -> Attempt:
        self._io_open(baud)
        self._io_stop()
        parser = StreamParser()
        self._io_write(CMD_QUERY)
        start = time.monotonic()
        deadline = start + self.timing.query_timeout_s
        while time.monotonic() < deadline:
            for pkt in parser.feed(self._io_read()):
                if isinstance(pkt, ControlPacket) and pkt.reply is not None:
                    return Attempt(baud, pkt.reply, time.monotonic() - start, parser.bytes_total)
        return Attempt(baud, None, time.monotonic() - start, parser.bytes_total)

    @on_io_thread()
    def _io_write(self, data: bytes) -> None:
        if self._ser is None:
            raise signature_error(NO_PORT, port=self.port, detail="port is not open")
        try:
            self._ser.write(data)
            self._ser.flush()
        except OSError as exc:  # pyserial's SerialException and SerialTimeoutException are OSErrors
            raise signature_error(NO_REPLY, port=self.port, detail=f"write failed: {exc}") from None

    @on_io_thread(timeout_s=lambda self: self.timing.settle_s + self.timing.write_timeout_s)
    def _io_stop(self) -> None:
        self._io_write(CMD_STOP)
        time.sleep(self.timing.settle_s)
        try:
            self._ser.reset_input_buffer()
        except OSError as exc:
            raise signature_error(NO_REPLY, port=self.port, detail=f"flush failed: {exc}") from None

    @on_io_thread(timeout_s=lambda self: self.timing.read_slice_s)
    def _io_read(self) -> bytes:
        if self._ser is None:
            raise signature_error(NO_PORT, port=self.port, detail="port is not open")
        try:
            return bytes(self._ser.read(_READ_SIZE))
        except OSError as exc:
            raise signature_error(NO_REPLY, port=self.port, detail=f"read failed: {exc}") from None

    @on_io_thread()
    def _io_close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            try:
                ser.close()
            except OSError as exc:
                log.debug("closing %s: %s", self.port, exc)


def probe_isdv4(port: str, baud: int | None = None, timeout_s: float = 1.5) -> bool:
    """True when an ISDV4 pen query reply comes back on `port`; never raises.

    With no `baud`, both standard rates are tried and share the time budget.
    """
    rates = rates_to_try(baud)
    per_rate = max(0.1, timeout_s / len(rates))
    settle = min(0.25, per_rate / 4)
    link = Isdv4Link(port, timing=LinkTiming(query_timeout_s=per_rate - settle, settle_s=settle))
    try:
        link.connect(rates)
        return True
    except Exception as exc:  # a probe answers yes or no, whatever goes wrong
        log.debug("ISDV4 probe on %s: %s", port, exc)
        return False
    finally:
        link.close()
