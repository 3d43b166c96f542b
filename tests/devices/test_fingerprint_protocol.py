"""EF01 framing: the reference's worked examples, and a fuzzed frame parser that never hangs."""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.base import DeviceError, DeviceTimeout
from devices.fingerprint import protocol
from devices.fingerprint.protocol import Packet, PacketReader, Pid, SysParams
from devices.fingerprint.session import Ef01Session

pytestmark = pytest.mark.timeout(60)

PARSER_CODES = {"fingerprint.protocol", "fingerprint.bad_checksum", "fingerprint.no_reply"}


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (protocol.command(0x13, bytes(4)), "EF01FFFFFFFF010007130000000000 1B"),
        (protocol.ack(0x00), "EF01FFFFFFFF07000300000A"),
        (protocol.command(0x01), "EF01FFFFFFFF010003010005"),
        (protocol.ack(0x02), "EF01FFFFFFFF07000302000C"),
        (protocol.command(0x02, b"\x01"), "EF01FFFFFFFF01000402010008"),
        (protocol.command(0x04, h("01000003E8")), "EF01FFFFFFFF010008040100 0003E800F9"),
        (protocol.ack(0x00, h("0005007B")), "EF01FFFFFFFF0700070000 05007B008E"),
        (protocol.command(0x0A), "EF01FFFFFFFF0100030A000E"),
        (
            protocol.ack(0x00, SysParams(0, 0, 1000, 3, 0xFFFFFFFF, 2, 6).pack()),
            "EF01FFFFFFFF070013000000000003E80003FFFFFFFF00020006050C",
        ),
    ],
)
def test_worked_examples_from_the_reference(built: bytes, expected: str) -> None:
    assert built == h(expected.replace(" ", ""))


def test_data_packets_one_row_each_last_is_end() -> None:
    image = np.arange(288 * 256, dtype=np.uint32).reshape(288, 256).astype(np.uint8)
    frames = protocol.data_packets(protocol.pack_image(image), 128)
    assert len(frames) == 288
    assert all(f[:9] == h("EF01FFFFFFFF020082") for f in frames[:-1])
    assert frames[-1][:9] == h("EF01FFFFFFFF080082")
    assert sum(map(len, frames)) + 12 == protocol.up_image_bytes(128) == 40044


def test_image_nibbles_left_pixel_high_and_scaled_by_17() -> None:
    image = np.zeros((288, 256), dtype=np.uint8)
    image[0, 0], image[0, 1], image[5, 200] = 0xF3, 0x20, 0x9C
    wire = protocol.pack_image(image)
    assert len(wire) == protocol.IMAGE_BYTES
    assert wire[0] == 0xF2
    back = protocol.unpack_image(wire)
    assert (back[0, 0], back[0, 1], back[5, 200]) == (255, 34, 153)


def test_sysparams_packet_size_is_a_code_and_baud_is_n() -> None:
    params = SysParams.unpack(SysParams(4, 0, 1000, 3, 0xFFFFFFFF, 2, 6).pack())
    assert params.packet_size == 128 and params.baud == 57600
    assert SysParams(0, 0, 1, 1, 0, 7, 1).packet_size is None


# --- the parser on a scripted byte source ------------------------------------------------


class FakeLine:
    """Hands out `data` in chunks; an empty read advances a fake clock by 10 ms (never sleeps)."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self.data, self.chunk, self.now, self.reads = data, chunk, 0.0, 0

    def read(self, n: int) -> bytes:
        self.reads += 1
        assert self.reads < 10_000, "the reader is spinning"
        out, self.data = self.data[: min(n, self.chunk)], self.data[min(n, self.chunk) :]
        if not out:
            self.now += 0.01
        return out

    def clock(self) -> float:
        return self.now


def read_one(data: bytes, chunk: int = 7) -> Packet:
    line = FakeLine(data, chunk)
    return PacketReader(line.read, port="fake", clock=line.clock).read_packet(deadline=0.1)


@given(st.sampled_from(list(Pid)), st.binary(max_size=256), st.integers(1, 300))
@settings(max_examples=150, deadline=None)
def test_valid_frames_round_trip(pid: Pid, content: bytes, chunk: int) -> None:
    packet = read_one(protocol.encode(pid, content), chunk)
    assert (packet.pid, packet.content) == (pid, content)


@given(st.binary(max_size=400), st.integers(1, 64))
@settings(max_examples=200, deadline=None)
def test_random_bytes_give_a_packet_or_a_clear_error(data: bytes, chunk: int) -> None:
    try:
        packet = read_one(data, chunk)
    except DeviceError as exc:
        assert exc.code in PARSER_CODES
        assert exc.remedy is not None and exc.message.id and exc.message.en
        if not data:
            assert isinstance(exc, DeviceTimeout) and exc.code == "fingerprint.no_reply"
    else:
        assert protocol.encode(packet.pid, packet.content) in data


@given(st.binary(max_size=200), st.data())
@settings(max_examples=150, deadline=None)
def test_truncated_frames_are_protocol_errors(content: bytes, data: st.DataObject) -> None:
    frame = protocol.encode(Pid.ACK, content)
    cut = data.draw(st.integers(1, len(frame) - 1))
    with pytest.raises(DeviceError) as caught:
        read_one(frame[:cut])
    assert caught.value.code == "fingerprint.protocol"


@given(st.binary(min_size=1, max_size=200), st.data())
@settings(max_examples=200, deadline=None)
def test_one_corrupted_byte_is_always_caught(content: bytes, data: st.DataObject) -> None:
    frame = bytearray(protocol.encode(Pid.DATA, content))
    i = data.draw(st.integers(0, len(frame) - 1))
    frame[i] ^= data.draw(st.integers(1, 255))
    with pytest.raises(DeviceError) as caught:
        read_one(bytes(frame))
    assert caught.value.code in {"fingerprint.protocol", "fingerprint.bad_checksum"}


@given(st.binary(max_size=protocol.MAX_GARBAGE).filter(lambda b: b"\xef" not in b))
@settings(max_examples=100, deadline=None)
def test_short_junk_before_a_frame_is_skipped(junk: bytes) -> None:
    assert read_one(junk + protocol.ack(0x00)).confirmation == 0x00


def test_endless_garbage_stops_at_the_garbage_limit() -> None:
    line = FakeLine(bytes(range(1, 200)) * 50, chunk=64)
    with pytest.raises(DeviceError) as caught:
        PacketReader(line.read, port="fake", clock=line.clock).read_packet(deadline=10.0)
    assert caught.value.code == "fingerprint.protocol"
    assert line.reads < 10


# --- the same over a real pty, with real timeouts --------------------------------------------


class ScriptedModule:
    """A pty whose 'module' answers any command with whatever bytes the test set."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.reply = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready and os.read(self.master, 4096) and self.reply:
                os.write(self.master, self.reply)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)


@contextmanager
def scripted_session(timeout_s: float = 0.15) -> Iterator[tuple[ScriptedModule, Ef01Session]]:
    module = ScriptedModule()
    port = serial.serial_for_url(module.path, baudrate=57600, timeout=0.02)
    try:
        yield module, Ef01Session(port, name=module.path, baud=57600, timeout_s=timeout_s)
    finally:
        port.close()
        module.close()


replies = st.one_of(
    st.binary(max_size=120),
    st.builds(lambda c, k: protocol.ack(0, c)[:k], st.binary(max_size=40), st.integers(0, 50)),
    st.builds(
        lambda c, i: protocol.ack(0, c)[:i] + b"\x00" + protocol.ack(0, c)[i + 1 :],
        st.binary(max_size=8),
        st.integers(0, 12),
    ),
)


def test_driver_session_on_a_pty_never_hangs() -> None:
    with scripted_session(timeout_s=0.08) as (module, session):

        @given(replies)
        @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        def one_reply(reply: bytes) -> None:
            module.reply = reply
            started = time.monotonic()
            try:
                packet = session.transact(protocol.Ins.HANDSHAKE)
            except DeviceError as exc:
                assert exc.code in PARSER_CODES
            else:
                assert packet.pid == Pid.ACK
            assert time.monotonic() - started < 1.0

        one_reply()


def test_silence_on_a_pty_is_no_reply_within_the_timeout() -> None:
    with scripted_session() as (_, session):
        started = time.monotonic()
        with pytest.raises(DeviceTimeout) as caught:
            session.transact(protocol.Ins.HANDSHAKE)
        assert caught.value.code == "fingerprint.no_reply"
        assert 0.1 <= time.monotonic() - started < 0.6
