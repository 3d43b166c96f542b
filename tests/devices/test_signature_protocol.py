"""ISDV4 packet codecs against the worked examples, and property-based fuzzing of the stream parser."""

from __future__ import annotations

import os
import threading
import time
import tty

import pytest
import serial
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.signature.protocol import (
    MAX_PENDING,
    MAX_TOUCH_PACKET_LEN,
    PEN_PACKET_LEN,
    QUERY_PACKET_LEN,
    ControlPacket,
    PenPacket,
    QueryReply,
    StreamParser,
    line_packet_rate,
)

FUZZ = settings(max_examples=200, deadline=None)

pen_packets = st.builds(
    PenPacket,
    proximity=st.booleans(),
    tip=st.booleans(),
    x=st.integers(0, 0xFFFF),
    y=st.integers(0, 0xFFFF),
    pressure=st.integers(0, 0x3FF),
    f1=st.booleans(),
    f2=st.booleans(),
    tilt_x=st.integers(0, 0x7F),
    tilt_y=st.integers(0, 0x7F),
)
noise_runs = st.binary(max_size=6).map(lambda b: bytes(c & 0x7F for c in b))


def _hex(s: str) -> bytes:
    return bytes.fromhex(s)


def test_query_reply_worked_example() -> None:
    raw = _hex("C0 33 16 1F 71 7F 49 00 00 00 0F")
    reply = QueryReply.decode(raw)
    assert reply == QueryReply(26202, 16325, 255, 0, 0, 15)
    assert reply.encode() == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A1 01 7A 03 74 64 00 00 00", PenPacket(True, True, 1000, 2000, 100)),
        ("A0 01 7A 03 74 00 00 00 00", PenPacket(True, False, 1000, 2000, 0)),
        ("80 01 7A 03 74 00 00 00 00", PenPacket(False, False, 1000, 2000, 0)),
        ("A3 01 7A 03 74 32 00 00 00", PenPacket(True, True, 1000, 2000, 50, f1=True)),
    ],
)
def test_pen_packet_worked_examples(raw: str, expected: PenPacket) -> None:
    assert PenPacket.decode(_hex(raw)) == expected
    assert expected.encode() == _hex(raw)


def test_decoders_refuse_broken_packets() -> None:
    with pytest.raises(ValueError):
        QueryReply.decode(_hex("C0 33 16 1F 71 7F 49 00 00 00"))  # 10 bytes
    with pytest.raises(ValueError):
        PenPacket.decode(_hex("A1 01 7A 83 74 64 00 00 00"))  # sync bit inside
    with pytest.raises(ValueError):
        PenPacket(True, True, 70000, 0, 0).encode()


def test_line_rate() -> None:
    assert line_packet_rate(19200) == pytest.approx(213.33, abs=0.01)
    assert line_packet_rate(38400) == pytest.approx(426.67, abs=0.01)


@FUZZ
@given(pen_packets)
def test_pen_packet_round_trip(pkt: PenPacket) -> None:
    raw = pkt.encode()
    assert len(raw) == PEN_PACKET_LEN and raw[0] & 0x80 and not any(b & 0x80 for b in raw[1:])
    assert PenPacket.decode(raw) == pkt


@FUZZ
@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.integers(0, 0x3FF), st.integers(0, 0x3FFF))
def test_query_reply_round_trip(x: int, y: int, p: int, fw: int) -> None:
    reply = QueryReply(x, y, p, 0, 0, fw)
    raw = reply.encode()
    assert len(raw) == QUERY_PACKET_LEN and raw[0] == 0xC0
    assert QueryReply.decode(raw) == reply


def _feed_chunks(parser: StreamParser, data: bytes, cuts: list[int]) -> list[object]:
    out: list[object] = []
    edges = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    for a, b in zip(edges, edges[1:], strict=False):
        out.extend(parser.feed(data[a:b]))
    return out


@FUZZ
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=12))
def test_parser_accounts_for_every_byte_of_random_input(data: bytes, cuts: list[int]) -> None:
    whole = StreamParser()
    expected = whole.feed(data)
    parser = StreamParser()
    packets = _feed_chunks(parser, data, cuts)
    assert packets == expected  # chunking never changes the result
    pens = sum(isinstance(p, PenPacket) for p in packets)
    controls = sum(isinstance(p, ControlPacket) for p in packets)
    assert pens == parser.pen_packets and controls == parser.control_packets
    accounted = (
        PEN_PACKET_LEN * pens
        + QUERY_PACKET_LEN * controls
        + parser.noise_bytes
        + parser.dropped_bytes
        + parser.ignored_bytes
        + parser.pending
    )
    assert accounted == len(data) == parser.bytes_total
    assert parser.pending <= parser.peak_pending <= MAX_PENDING  # touch packets and noise are never buffered


@FUZZ
@given(st.lists(st.tuples(noise_runs, pen_packets), max_size=40), noise_runs)
def test_parser_skips_noise_between_packets_and_counts_it(items: list[tuple[bytes, PenPacket]], tail: bytes) -> None:
    stream = b"".join(noise + pkt.encode() for noise, pkt in items) + tail
    parser = StreamParser()
    assert parser.feed(stream) == [pkt for _, pkt in items]
    assert parser.noise_bytes == sum(len(n) for n, _ in items) + len(tail)
    assert parser.dropped_bytes == 0 and parser.pending == 0


@FUZZ
@given(st.lists(st.tuples(pen_packets, st.integers(1, PEN_PACKET_LEN)), min_size=1, max_size=40))
def test_parser_resynchronises_after_truncated_packets(items: list[tuple[PenPacket, int]]) -> None:
    stream = b"".join(pkt.encode()[:keep] for pkt, keep in items)
    parser = StreamParser()
    got = parser.feed(stream)
    complete = [pkt for pkt, keep in items if keep == PEN_PACKET_LEN]
    last_cut = items[-1][1] < PEN_PACKET_LEN
    cut_before_last = [keep for _, keep in items[:-1] if keep < PEN_PACKET_LEN]
    assert got == complete
    assert parser.truncated_packets == len(cut_before_last)
    assert parser.dropped_bytes == sum(cut_before_last)
    assert parser.pending == (items[-1][1] if last_cut else 0)


def test_parser_skips_touch_packets_and_keeps_control_packets() -> None:
    reply = QueryReply(24576, 18432, 1023, 0, 0, 15)
    pen = PenPacket(True, True, 1000, 2000, 100)
    touch = bytes((0x91, 0x01, 0x02, 0x03, 0x04))
    parser = StreamParser()
    got = parser.feed(touch + reply.encode() + pen.encode())
    assert got == [ControlPacket(reply.encode(), reply), pen]
    assert parser.ignored_bytes == len(touch) and parser.noise_bytes == 0


MB = 1024 * 1024
PEN = PenPacket(True, True, 1000, 2000, 100)
TOUCH = bytes((0x91, 0x01, 0x02, 0x03, 0x04))  # a one-finger touch packet, 5 bytes


def _pens_after(parser: StreamParser) -> list[object]:
    tail = [PenPacket(True, True, 1000 + k, 2000, 100 + k) for k in range(3)]
    got = parser.feed(b"".join(p.encode() for p in tail))
    assert got == tail
    return got


def test_an_endless_touch_packet_is_noise_and_never_buffered() -> None:
    """Issue 11: one touch header and 10 MB of 7-bit bytes grew the buffer to 10 MB."""
    flood = bytes((0x91,)) + bytes(i & 0x7F for i in range(10 * MB))
    parser = StreamParser()
    for at in range(0, len(flood), 4096):  # the link's read size
        assert parser.feed(flood[at : at + 4096]) == []
        assert parser.pending <= MAX_PENDING
    assert parser.peak_pending <= MAX_PENDING
    assert parser.ignored_bytes == MAX_TOUCH_PACKET_LEN and parser.overlong_touch_packets == 1
    assert parser.noise_bytes == len(flood) - MAX_TOUCH_PACKET_LEN  # the line is named noisy
    _pens_after(parser)


def test_a_flood_of_real_touch_packets_is_skipped_without_buffering() -> None:
    flood = TOUCH * (MB // len(TOUCH))
    parser = StreamParser()
    for at in range(0, len(flood), 4096):
        parser.feed(flood[at : at + 4096])
    assert parser.peak_pending == 0 and parser.ignored_bytes == len(flood) and parser.bad_bytes == 0
    _pens_after(parser)


@pytest.mark.parametrize("extra", [0, 1, 50])
def test_the_longest_touch_packet_is_a_touch_packet_and_one_byte_more_is_noise(extra: int) -> None:
    touch = bytes((0x91,)) + bytes(range(1, MAX_TOUCH_PACKET_LEN)) + bytes(extra)
    parser = StreamParser()
    assert parser.feed(touch + PEN.encode()) == [PEN]
    assert parser.ignored_bytes == MAX_TOUCH_PACKET_LEN and parser.noise_bytes == extra
    assert parser.overlong_touch_packets == (1 if extra else 0)


@FUZZ
@given(st.lists(st.sampled_from([b"\x91", b"\xc0", b"\xa1", b"\x05" * 40, TOUCH, PEN.encode()]), max_size=60))
def test_the_buffer_is_bounded_whatever_the_mix(parts: list[bytes]) -> None:
    parser = StreamParser()
    for part in parts:
        parser.feed(part)
        assert parser.pending <= MAX_PENDING
    assert parser.peak_pending <= MAX_PENDING
    _pens_after(parser)


def test_a_10_mb_touch_flood_through_a_real_pty_keeps_the_buffer_bounded() -> None:
    """The bytes cross a real pty and pyserial's read, as from a pad: half an endless touch
    packet, half back-to-back touch packets, then three pen packets that must come out."""
    endless = bytes((0x91,)) + bytes(i & 0x7F for i in range(5 * MB))
    touches = TOUCH * (5 * MB // len(TOUCH))
    tail = [PenPacket(True, True, 1000 + k, 2000, 100 + k) for k in range(3)]
    stream = endless + touches + b"".join(p.encode() for p in tail)
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    port = serial.serial_for_url(os.ttyname(slave), baudrate=38400, timeout=0.02)
    failures: list[BaseException] = []

    def write() -> None:
        view = memoryview(stream)
        try:
            while view:
                view = view[os.write(master, view[: 64 * 1024]) :]
        except OSError as exc:  # the reader gave up and closed the pty
            failures.append(exc)

    writer = threading.Thread(target=write, name="isdv4-flood", daemon=True)
    parser = StreamParser()
    got: list[object] = []
    deadline = time.monotonic() + 60
    try:
        writer.start()
        while parser.bytes_total < len(stream) and time.monotonic() < deadline:
            got.extend(parser.feed(port.read(4096)))
            assert parser.pending <= MAX_PENDING
    finally:
        port.close()
        os.close(master)
        os.close(slave)
        writer.join(timeout=10)
    assert not failures and parser.bytes_total == len(stream), f"{parser.bytes_total} of {len(stream)} bytes arrived"
    assert parser.peak_pending <= MAX_PENDING
    assert got == tail
    assert parser.noise_bytes == len(endless) - MAX_TOUCH_PACKET_LEN
    assert parser.ignored_bytes == MAX_TOUCH_PACKET_LEN + len(touches)
