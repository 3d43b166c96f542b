"""The ISDV4 driver against the pty simulator, plus driver-level fuzzing with a scripted port."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DeviceError, DeviceKind, DeviceProtocolError, DeviceTimeout
from devices.kinds import PenPoint
from devices.registry import DeviceSettings, load_registry
from devices.signature import ISDV4, ISDV4_SIM, Isdv4Pad, SignatureRejected, run_forever, start_simulator
from devices.signature.errors import ERRORS
from devices.signature.protocol import ControlPacket, PenPacket, QueryReply, StreamParser, line_packet_rate

pytestmark = pytest.mark.timeout(60)

FAST = {"query_timeout_s": 0.3, "settle_s": 0.1, "tempo": 2.0, "packet_rate": "line", "seed": 3}
REPLY = QueryReply(24576, 18432, 1023, 0, 0, 15)


@pytest.fixture
def make_pad() -> Iterator[Callable[..., Isdv4Pad]]:
    pads: list[Isdv4Pad] = []

    def make(fault: str | None = None, baud: int | None = None, **options: Any) -> Isdv4Pad:
        pad = ISDV4_SIM.create(
            DeviceSettings(DeviceKind.SIGNATURE, baud=baud, options={**FAST, "fault": fault, **options})
        )
        assert isinstance(pad, Isdv4Pad)
        pads.append(pad)
        return pad

    yield make
    for pad in pads:
        pad.close()


def test_entry_points_register_both_drivers() -> None:
    registry = load_registry()
    real, sim = registry.get("isdv4"), registry.get("isdv4-sim")
    assert real is ISDV4 and sim is ISDV4_SIM
    assert not real.simulated and sim.simulated and real.probe is not None
    assert real.unavailable_reason() is None and sim.unavailable_reason() is None


def test_open_queries_the_pad_and_reports_info(make_pad: Callable[..., Isdv4Pad]) -> None:
    pad = make_pad()
    pad.open()
    info = pad.info()
    assert info.simulated and info.kind == DeviceKind.SIGNATURE and info.driver == "isdv4-sim"
    assert "ISDV4" in info.model and info.firmware == "15" and info.port == pad.port
    assert info.serial == "unknown"
    assert info.extra["baud"] == 19200 and pad.pad_max() == (24576, 18432, 1023)
    assert "SIMULATED" in info.describe()


def test_stream_starts_on_1_and_stops_on_0(make_pad: Callable[..., Isdv4Pad]) -> None:
    pad = make_pad()
    pad.open()
    link = pad.link
    assert link is not None
    link.start()
    got = b""
    deadline = time.monotonic() + 2.0
    while len(got) < 90 and time.monotonic() < deadline:
        got += link.read()
    assert sum(isinstance(p, PenPacket) for p in StreamParser().feed(got)) >= 5
    link.stop()
    after = b"".join(link.read() for _ in range(10))
    assert after == b""


def test_baud_fallback_finds_a_38400_pad(make_pad: Callable[..., Isdv4Pad]) -> None:
    pad = make_pad(baud=38400)  # simulator profile at 38400; the driver starts at 19200
    pad.baud_setting = None
    pad.open()
    assert pad.link is not None and pad.link.baud == 38400
    assert [a.baud for a in pad.link.attempts] == [19200, 38400]
    assert pad.link.attempts[0].reply is None and pad.link.attempts[0].bytes_seen == 0


def test_pad_at_19200_is_silent_when_the_host_uses_38400() -> None:
    sim = start_simulator(baud=19200, seed=1)
    try:
        with serial.serial_for_url(sim.path, baudrate=38400, timeout=0.2) as port:
            port.write(b"*")
            assert port.read(11) == b""
        with serial.serial_for_url(sim.path, baudrate=19200, timeout=0.5) as port:
            port.write(b"*")
            assert port.read(11) == REPLY.encode()
            port.write(b"%")  # touch query: a pen-only pad stays silent
            assert port.read(11) == b""
    finally:
        sim.stop()


@pytest.mark.parametrize("rate", ["line", None])
def test_simulator_never_beats_the_line_rate(rate: str | None) -> None:
    sim = start_simulator(baud=19200, seed=2, loop=True, loop_pause_s=0.0, packet_rate=rate)
    try:
        with serial.serial_for_url(sim.path, baudrate=19200, timeout=0.05) as port:
            port.write(b"1")
            start = time.monotonic()
            got = bytearray()
            while time.monotonic() - start < 1.0:
                got += port.read(4096)
            elapsed = time.monotonic() - start
            port.write(b"0")
    finally:
        sim.stop()
    packets = StreamParser().feed(bytes(got))
    allowed = elapsed * line_packet_rate(19200) + 2
    assert len(packets) <= allowed
    expected = line_packet_rate(19200) if rate == "line" else 133.0
    assert len(packets) >= 0.8 * expected * elapsed - 5


def test_probe_says_yes_to_a_pad_and_no_to_silence(tmp_path: Path) -> None:
    probe = ISDV4.probe
    assert probe is not None
    sim = start_simulator(baud=38400, seed=1)
    silent = start_simulator(fault="no_reply", seed=1)
    try:
        assert probe(sim.path, 38400, 1.0) is True
        assert probe(sim.path, None, 1.5) is True
        assert probe(silent.path, None, 0.6) is False
        assert probe(str(tmp_path / "no-such-port"), None, 0.5) is False
    finally:
        sim.stop()
        silent.stop()


def test_capture_streams_points_live_and_returns_a_checked_signature(make_pad: Callable[..., Isdv4Pad]) -> None:
    pad = make_pad()
    live: list[PenPoint] = []
    cap = pad.capture_signature(timeout_s=15, idle_finish_s=0.4, on_point=live.append)
    ink = [p for s in cap.strokes for p in s]
    assert len(cap.strokes) >= 2 and len(ink) > 100
    assert all(p.tip for p in ink) and any(not p.tip for p in live)  # hover reaches the live view only
    assert [p for p in live if p.tip] == ink
    assert all(0 <= p.x <= 1 and 0 <= p.y <= 1 and 0 <= p.pressure <= 1 for p in ink)
    assert len({round(p.pressure, 3) for p in ink}) > 20
    times = [p.t for p in ink]
    assert times == sorted(times) and times[0] > 0
    assert cap.pad_max == (24576, 18432, 1023) and cap.device.simulated
    assert cap.image_png.startswith(b"\x89PNG")
    assert cap.extra["packets"] >= len(ink) and cap.extra["noise_bytes"] == 0


def test_capture_ends_when_done_is_set(make_pad: Callable[..., Isdv4Pad]) -> None:
    pad = make_pad(tempo=1.0, packet_rate=None)
    done = threading.Event()
    timer = threading.Timer(1.2, done.set)
    timer.start()
    started = time.monotonic()
    try:
        cap = pad.capture_signature(done=done, timeout_s=20, idle_finish_s=None)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 2.5  # the full signature takes longer than this
    assert cap.strokes


def test_capture_honours_cancel(make_pad: Callable[..., Isdv4Pad]) -> None:
    pad = make_pad(tempo=1.0, packet_rate=None)
    cancel = CancelToken()
    threading.Timer(0.5, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        pad.capture_signature(cancel=cancel, timeout_s=20)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("fault", "code", "error_type"),
    [
        ("stuck_tip", "signature.stuck_tip", DeviceError),
        ("dead_zone", "signature.dead_zone", DeviceError),
        ("noise", "signature.noise", DeviceError),
        ("no_reply", "signature.no_reply", DeviceTimeout),
    ],
)
def test_each_fault_ends_a_capture_with_its_code_and_remedy(
    make_pad: Callable[..., Isdv4Pad], fault: str, code: str, error_type: type[DeviceError]
) -> None:
    pad = make_pad(fault)
    started = time.monotonic()
    with pytest.raises(error_type) as caught:
        pad.capture_signature(timeout_s=10, idle_finish_s=0.4)
    err = caught.value
    assert err.code == code and err.kind == DeviceKind.SIGNATURE and err.port == pad.port
    assert err.remedy == ERRORS[code].remedy and err.message.id and err.message.en
    assert time.monotonic() - started < 5


def test_create_real_without_port_is_a_device_error() -> None:
    with pytest.raises(DeviceError) as caught:
        ISDV4.create(DeviceSettings(DeviceKind.SIGNATURE, driver="isdv4"))
    assert caught.value.code == "signature.no_port"


def test_close_stops_the_simulator(make_pad: Callable[..., Isdv4Pad]) -> None:
    pad = make_pad()
    pad.open()
    sim = pad.simulator
    assert sim is not None and sim.running
    pad.close()
    pad.close()
    assert not sim.running


def test_run_forever_serves_on_a_link_until_stopped(tmp_path: Path) -> None:
    link = tmp_path / "sigpad"
    ready = threading.Event()
    paths: list[str] = []
    stop = threading.Event()

    def on_ready(sim: Any) -> None:
        paths.append(sim.path)
        ready.set()

    thread = threading.Thread(target=lambda: run_forever(link=link, seed=4, on_ready=on_ready, stop=stop))
    thread.start()
    try:
        assert ready.wait(5)
        assert link.is_symlink() and os.readlink(link) == paths[0]
        with serial.serial_for_url(str(link), baudrate=19200, timeout=0.5) as port:
            port.write(b"*")
            assert port.read(11) == REPLY.encode()
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive() and not link.exists()


# --- driver-level fuzzing with a scripted port -------------------------------------------


class ScriptedPort:
    """A pyserial stand-in: answers '*' and '1' with scripted bytes; reads honour a short timeout."""

    def __init__(self, on_query: bytes, on_start: bytes, timeout: float) -> None:
        self.on_query, self.on_start, self.timeout = on_query, on_start, timeout
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        if data == b"*":
            self.buf += self.on_query
        elif data == b"1":
            self.buf += self.on_start
        return len(data)

    def flush(self) -> None:
        pass

    def read(self, size: int) -> bytes:
        if not self.buf:
            time.sleep(min(self.timeout, 0.002))
            return b""
        chunk = bytes(self.buf[: min(size, 97)])  # arrive in odd-sized pieces
        del self.buf[: len(chunk)]
        return chunk

    def reset_input_buffer(self) -> None:
        self.buf.clear()

    def close(self) -> None:
        pass


def _scripted_pad(on_query: bytes, on_start: bytes = b"", **options: Any) -> Isdv4Pad:
    def factory(port: str, **kw: Any) -> ScriptedPort:
        return ScriptedPort(on_query, on_start, kw["timeout"])

    opts = {"query_timeout_s": 0.02, "settle_s": 0.0, **options}
    return Isdv4Pad("scripted", options=opts, serial_factory=factory)


def test_timeout_without_ink_is_no_signature() -> None:
    hover = PenPacket(True, False, 5000, 5000, 0).encode() * 20
    pad = _scripted_pad(REPLY.encode(), hover)
    started = time.monotonic()
    with pytest.raises(SignatureRejected) as caught:
        pad.capture_signature(timeout_s=0.3)
    assert caught.value.code == "signature.rejected_empty" and caught.value.remedy is not None
    assert 0.3 <= time.monotonic() - started < 1.5
    pad.close()


def test_pad_reporting_zero_range_is_a_protocol_error() -> None:
    pad = _scripted_pad(QueryReply(0, 18432, 0).encode())
    with pytest.raises(DeviceProtocolError) as caught:
        pad.capture_signature(timeout_s=0.3)
    assert caught.value.code == "signature.protocol"
    steps = pad.self_test()
    assert [(s.name, s.passed, s.error_code) for s in steps] == [
        ("signature.query", True, None),
        ("signature.capabilities", False, "signature.protocol"),
    ]
    pad.close()


def test_self_test_without_pen_data_says_so_instead_of_blaming_the_surface() -> None:
    pad = _scripted_pad(REPLY.encode(), b"", selftest_wait_s=0.2)
    steps = {s.name.removeprefix("signature."): s for s in pad.self_test()}
    pad.close()
    assert steps["query"].passed and steps["capabilities"].passed
    assert steps["stream"].error_code == "signature.no_reply" and "no pen packets" in steps["stream"].measured
    assert steps["coverage"].error_code == "signature.no_trace"
    assert not steps["noise"].passed and steps["noise"].measured.startswith("not tested")


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=60))
def test_fuzzed_query_replies_give_a_clear_answer_quickly(reply: bytes) -> None:
    valid = any(isinstance(p, ControlPacket) and p.reply for p in StreamParser().feed(reply))
    pad = _scripted_pad(reply)
    started = time.monotonic()
    try:
        if valid:
            pad.open()
            assert pad.link is not None and pad.link.reply is not None
        elif reply:
            with pytest.raises(DeviceProtocolError) as caught:
                pad.open()
            assert caught.value.code == "signature.protocol"
        else:
            with pytest.raises(DeviceTimeout) as caught_t:
                pad.open()
            assert caught_t.value.code == "signature.no_reply"
    finally:
        pad.close()
    assert time.monotonic() - started < 2.0


stream_pieces = st.lists(
    st.one_of(
        st.binary(max_size=12),
        st.builds(
            lambda tip, x, y, p, cut: PenPacket(True, tip, x, y, p).encode()[:cut],
            st.booleans(),
            st.integers(0, 24576),
            st.integers(0, 18432),
            st.integers(0, 1023),
            st.integers(1, 9),
        ),
    ),
    max_size=60,
)


@FUZZ
@given(stream_pieces)
def test_fuzzed_pen_streams_end_in_a_capture_or_a_clear_error(pieces: list[bytes]) -> None:
    pad = _scripted_pad(REPLY.encode(), b"".join(pieces))
    started = time.monotonic()
    try:
        cap = pad.capture_signature(timeout_s=0.05, idle_finish_s=0.02)
        assert cap.strokes and cap.image_png.startswith(b"\x89PNG")
    except SignatureRejected as exc:
        assert exc.code.startswith("signature.rejected_")
    except DeviceError as exc:
        assert exc.code in {"signature.stuck_tip", "signature.dead_zone", "signature.noise"}
    finally:
        pad.close()
    assert time.monotonic() - started < 2.0
