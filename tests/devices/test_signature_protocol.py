"""ISDV4 packet codecs against the worked examples, and property-based fuzzing of the stream parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.signature.protocol import (
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
    assert parser.pending <= QUERY_PACKET_LEN or parser._expected is None  # a touch packet runs to the next sync


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
