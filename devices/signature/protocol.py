"""Wacom ISDV4 ("W8001") serial protocol: commands, packet codecs and a stream parser.

The host sends single ASCII bytes: ``0`` stop, ``*`` query, ``1`` start (``%`` is the touch
query a pen-only pad may leave unanswered). The pad answers a query with an 11-byte control
packet and, once started, streams 9-byte pen packets while the pen is in proximity.

Framing rests on one rule: the first byte of every packet has bit 7 (0x80) set and every
following byte is 7-bit. Bit 6 (0x40) marks a control/query packet, bit 4 (0x10) a touch
packet. Coordinates are 16-bit and pressure 10-bit, spread over bytes 1-6 the same way in the
query reply (maxima) and in pen packets (values)::

    b1 = x >> 9 & 0x7F   b2 = x >> 2 & 0x7F   b3 = y >> 9 & 0x7F   b4 = y >> 2 & 0x7F
    b5 = p & 0x7F        b6 = (x & 3) << 5 | (y & 3) << 3 | p >> 7 & 7

Traps: a byte with bit 7 set in the middle of a packet means the previous packet was cut
short (a dropped byte or line noise), so the parser restarts there rather than trusting a
length count; touch packets have a length that depends on the sensor, so a pen-only host
skips them up to the next sync byte, but never buffers them and never past the longest
touch packet there is (13 bytes): an endless "touch packet" is a flood or line noise,
and it once grew the buffer to 10 MB. See devices.md section 3.1 for the worked examples
the tests reproduce.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

CMD_STOP = b"0"
CMD_START = b"1"
CMD_QUERY = b"*"
CMD_TOUCH_QUERY = b"%"

SYNC_BIT = 0x80
CONTROL_BIT = 0x40
TOUCH_BIT = 0x10
PROXIMITY_BIT = 0x20
F2_BIT = 0x04
F1_BIT = 0x02
TIP_BIT = 0x01

PEN_PACKET_LEN = 9
QUERY_PACKET_LEN = 11
MAX_TOUCH_PACKET_LEN = 13  # the longest touch packet (two-finger, W8001_PKTLEN_TOUCH2FG in Linux's w8001)
MAX_PENDING = QUERY_PACKET_LEN  # the parser never holds more than one partial packet
QUERY_HEADER = 0xC0  # sync + control + data id 0 (pen query)

BAUD_PEN = 19200  # pen-only tablet id 0x90 and Fujitsu ids
BAUD_FAST = 38400  # WACf008+ and touch-capable panels
BAUD_RATES = (BAUD_PEN, BAUD_FAST)
BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop


def line_packet_rate(baud: int) -> float:
    """Pen packets per second a line at `baud` can carry back to back (213.3 at 19200)."""
    return baud / (PEN_PACKET_LEN * BITS_PER_BYTE)


def _pack_xyp(x: int, y: int, p: int) -> bytes:
    if not (0 <= x <= 0xFFFF and 0 <= y <= 0xFFFF and 0 <= p <= 0x3FF):
        raise ValueError(f"x/y must fit 16 bits and pressure 10 bits: {x}, {y}, {p}")
    return bytes(
        (
            (x >> 9) & 0x7F,
            (x >> 2) & 0x7F,
            (y >> 9) & 0x7F,
            (y >> 2) & 0x7F,
            p & 0x7F,
            ((x & 3) << 5) | ((y & 3) << 3) | ((p >> 7) & 7),
        )
    )


def _unpack_xyp(b: bytes | bytearray) -> tuple[int, int, int]:
    x = (b[1] << 9) | (b[2] << 2) | ((b[6] >> 5) & 3)
    y = (b[3] << 9) | (b[4] << 2) | ((b[6] >> 3) & 3)
    p = ((b[6] & 7) << 7) | b[5]
    return x, y, p


@dataclass(frozen=True)
class QueryReply:
    """The pad's answer to ``*``: coordinate and pressure maxima, tilt and firmware version."""

    x_max: int
    y_max: int
    pressure_max: int
    tilt_x_max: int = 0
    tilt_y_max: int = 0
    firmware: int = 0  # 14-bit version number

    def encode(self) -> bytes:
        if not (0 <= self.firmware <= 0x3FFF and 0 <= self.tilt_x_max <= 0x7F and 0 <= self.tilt_y_max <= 0x7F):
            raise ValueError("firmware must fit 14 bits and tilt 7 bits")
        return (
            bytes((QUERY_HEADER,))
            + _pack_xyp(self.x_max, self.y_max, self.pressure_max)
            + bytes((self.tilt_x_max, self.tilt_y_max, (self.firmware >> 7) & 0x7F, self.firmware & 0x7F))
        )

    @classmethod
    def decode(cls, packet: bytes | bytearray) -> QueryReply:
        if len(packet) != QUERY_PACKET_LEN or packet[0] != QUERY_HEADER or any(b & SYNC_BIT for b in packet[1:]):
            raise ValueError(f"not an ISDV4 pen query reply: {bytes(packet).hex(' ')}")
        x, y, p = _unpack_xyp(packet)
        return cls(x, y, p, packet[7], packet[8], (packet[9] << 7) | packet[10])

    @property
    def sane(self) -> bool:
        """Non-zero maxima: a pad reporting zero range cannot be normalised."""
        return self.x_max > 0 and self.y_max > 0 and self.pressure_max > 0


@dataclass(frozen=True)
class PenPacket:
    """One 9-byte pen report in raw pad units."""

    proximity: bool
    tip: bool
    x: int
    y: int
    pressure: int
    f1: bool = False
    f2: bool = False
    tilt_x: int = 0
    tilt_y: int = 0

    def encode(self) -> bytes:
        header = SYNC_BIT
        header |= PROXIMITY_BIT if self.proximity else 0
        header |= F2_BIT if self.f2 else 0
        header |= F1_BIT if self.f1 else 0
        header |= TIP_BIT if self.tip else 0
        return bytes((header,)) + _pack_xyp(self.x, self.y, self.pressure) + bytes((self.tilt_x, self.tilt_y))

    @classmethod
    def decode(cls, packet: bytes | bytearray) -> PenPacket:
        if len(packet) != PEN_PACKET_LEN or not is_pen_header(packet[0]) or any(b & SYNC_BIT for b in packet[1:]):
            raise ValueError(f"not an ISDV4 pen packet: {bytes(packet).hex(' ')}")
        h = packet[0]
        x, y, p = _unpack_xyp(packet)
        return cls(
            proximity=bool(h & PROXIMITY_BIT),
            tip=bool(h & TIP_BIT),
            x=x,
            y=y,
            pressure=p,
            f1=bool(h & F1_BIT),
            f2=bool(h & F2_BIT),
            tilt_x=packet[7],
            tilt_y=packet[8],
        )


@dataclass(frozen=True)
class ControlPacket:
    """An 11-byte control packet; `reply` is set when it is a well-formed pen query reply."""

    raw: bytes
    reply: QueryReply | None


Packet = PenPacket | ControlPacket


def is_pen_header(b: int) -> bool:
    return bool(b & SYNC_BIT) and not (b & CONTROL_BIT) and not (b & TOUCH_BIT)


_SYNC_BYTE = re.compile(rb"[\x80-\xff]")


class StreamParser:
    """Cuts a byte stream into packets, resynchronising on the sync bit.

    Accounting invariant (the fuzz tests rely on it): every byte fed is exactly one of
    part of a returned packet, ``noise_bytes`` (7-bit bytes between packets, and the
    bytes of a "touch packet" beyond the longest real one), ``dropped_bytes`` (a packet
    cut short by the next sync byte), ``ignored_bytes`` (touch packets, which a pen-only
    host skips) or still ``pending`` for the next feed. The parser never raises, and it
    holds at most one partial pen or control packet (``MAX_PENDING`` bytes): touch and
    noise bytes are counted, never kept, so no input can make it hang or grow.
    ``peak_pending`` is the most it ever held; ``bad_bytes`` names a noisy line.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._expected: int | None = None  # None while between packets
        self._touch_len = 0  # bytes of the touch packet being skipped; 0 when not in one
        self.bytes_total = 0
        self.noise_bytes = 0
        self.dropped_bytes = 0
        self.ignored_bytes = 0
        self.truncated_packets = 0
        self.overlong_touch_packets = 0
        self.pen_packets = 0
        self.control_packets = 0
        self.peak_pending = 0

    @property
    def pending(self) -> int:
        return len(self._buf)

    @property
    def bad_bytes(self) -> int:
        """Bytes that carried nothing usable: noise between packets plus cut-short packets."""
        return self.noise_bytes + self.dropped_bytes

    def feed(self, data: bytes | bytearray) -> list[Packet]:
        out: list[Packet] = []
        self.bytes_total += len(data)
        i, n = 0, len(data)
        while i < n:
            if not self._buf:
                # Between packets or inside a touch packet: skip 7-bit bytes at C speed.
                found = _SYNC_BYTE.search(data, i)
                j = n if found is None else found.start()
                self._skip(j - i)
                if j == n:
                    break
                self._start(data[j])
                i = j + 1
                continue
            b = data[i]
            i += 1
            if b & SYNC_BIT:
                self._abandon()
                self._start(b)
                continue
            self._buf.append(b)
            if len(self._buf) == self._expected:
                out.append(self._finish())
        self.peak_pending = max(self.peak_pending, len(self._buf))
        return out

    def _skip(self, count: int) -> None:
        """Count `count` 7-bit bytes that belong to no pen or control packet."""
        if self._touch_len:
            room = MAX_TOUCH_PACKET_LEN - self._touch_len
            touch = min(count, room)
            self.ignored_bytes += touch
            self._touch_len += touch
            count -= touch
            if count and self._touch_len == MAX_TOUCH_PACKET_LEN:
                self.overlong_touch_packets += 1
                self._touch_len = 0
                log.debug("ISDV4 touch packet longer than %d bytes: the rest is noise", MAX_TOUCH_PACKET_LEN)
        self.noise_bytes += count

    def _start(self, header: int) -> None:
        self._touch_len = 0
        if header & CONTROL_BIT:
            self._expected = QUERY_PACKET_LEN
        elif header & TOUCH_BIT:
            self._expected = None
            self._touch_len = 1
            self.ignored_bytes += 1
            return
        else:
            self._expected = PEN_PACKET_LEN
        self._buf = bytearray((header,))

    def _abandon(self) -> None:
        self.peak_pending = max(self.peak_pending, len(self._buf))
        self.dropped_bytes += len(self._buf)
        self.truncated_packets += 1
        self._buf = bytearray()

    def _finish(self) -> Packet:
        raw = bytes(self._buf)
        self.peak_pending = max(self.peak_pending, len(raw))
        self._buf = bytearray()
        if len(raw) == QUERY_PACKET_LEN:
            self.control_packets += 1
            reply = QueryReply.decode(raw) if raw[0] == QUERY_HEADER else None
            return ControlPacket(raw, reply)
        self.pen_packets += 1
        return PenPacket.decode(raw)
