"""The simulated EF01 module: exact replies, the platen's behaviour, the wire, images and templates."""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.fingerprint import imagegen, protocol, templates
from devices.fingerprint.platen import Placement, Platen
from devices.fingerprint.protocol import ACK_BYTES, Ins, Packet, PacketReader, Pid
from devices.fingerprint.quality import assess
from devices.fingerprint.simcore import Ef01Module, ModuleState
from devices.fingerprint.simulator import SimulatorHandle, garble, run_forever, start_simulator

pytestmark = pytest.mark.timeout(60)


def parse_all(frames: list[bytes]) -> list[Packet]:
    """Parse each frame with the host's own reader."""
    out = []
    for frame in frames:
        chunk = bytearray(frame)

        def read(n: int, chunk: bytearray = chunk) -> bytes:
            part = bytes(chunk[:n])
            del chunk[:n]
            return part

        out.append(PacketReader(read, port="sim").read_packet(time.monotonic() + 1))
    return out


def module(**state: object) -> Ef01Module:
    return Ef01Module(ModuleState(**state), Platen(seed=3, auto=False, appear_after=0), seed=3)  # type: ignore[arg-type]


def cmd(m: Ef01Module, ins: int, params: bytes = b"") -> list[bytes]:
    return m.handle(Packet(Pid.COMMAND, bytes([ins]) + params))


PARAMS: dict[int, bytes] = {
    Ins.IMG2TZ: b"\x01",
    Ins.SEARCH: struct.pack(">BHH", 1, 0, 1000),
    Ins.HI_SPEED_SEARCH: struct.pack(">BHH", 1, 0, 1000),
    Ins.STORE: struct.pack(">BH", 1, 3),
    Ins.LOAD_CHAR: struct.pack(">BH", 1, 3),
    Ins.UP_CHAR: b"\x01",
    Ins.DOWN_CHAR: b"\x01",
    Ins.DELETE_CHAR: struct.pack(">HH", 0, 1),
    Ins.SET_SYS_PARA: b"\x05\x04",
    Ins.SET_PWD: bytes(4),
    Ins.VFY_PWD: bytes(4),
    Ins.SET_ADDER: b"\xff\xff\xff\xff",
    Ins.WRITE_NOTEPAD: b"\x00" + bytes(range(32)),
    Ins.READ_NOTEPAD: b"\x00",
    Ins.READ_INDEX_TABLE: b"\x00",
    Ins.AURA_LED_CONFIG: b"\x01\x80\x02\x00",
}


@pytest.mark.parametrize("ins", [i for i in Ins if i != Ins.DOWN_IMAGE], ids=lambda i: i.name)
def test_every_ack_has_the_exact_length_of_table_1_3(ins: Ins) -> None:
    m = module()
    m.platen.present(Placement(5, 1, 1.0))
    frames = cmd(m, ins, PARAMS.get(ins, b""))
    assert frames, f"{ins.name} got no reply"
    first = parse_all(frames[:1])[0]
    assert first.pid == Pid.ACK
    assert len(frames[0]) == ACK_BYTES[ins]


@pytest.mark.parametrize(
    ("ins", "params", "conf"),
    [
        (Ins.MATCH, b"", 0x08),
        (Ins.SEARCH, struct.pack(">BHH", 1, 0, 10), 0x09),
        (Ins.IMG2TZ, b"\x01", 0x15),
        (Ins.STORE, struct.pack(">BH", 1, 5000), 0x0B),
        (Ins.SET_SYS_PARA, b"\x09\x01", 0x1A),
        (Ins.SET_SYS_PARA, b"\x04\x0d", 0x1B),
        (Ins.READ_NOTEPAD, b"\x10", 0x1C),
        (Ins.VFY_PWD, b"\x00\x00\x00\x01", 0x13),
        (0x7E, b"", 0xFC),
    ],
)
def test_error_answers_keep_full_length_and_documented_codes(ins: int, params: bytes, conf: int) -> None:
    frames = cmd(module(), ins, params)
    assert len(frames) == 1
    assert frames[0][9] == conf
    assert len(frames[0]) == ACK_BYTES.get(ins, 12)


def test_up_image_is_288_rows_of_128_bytes_ending_with_pid_8() -> None:
    m = module()
    m.platen.present(Placement(9, 4, 1.0))
    cmd(m, Ins.GEN_IMG)
    frames = cmd(m, Ins.UP_IMAGE)
    assert sum(map(len, frames)) == 40044
    packets = parse_all(frames)
    assert [p.pid for p in packets[1:]] == [Pid.DATA] * 287 + [Pid.END]
    assert all(len(p.content) == 128 for p in packets[1:])
    image = protocol.unpack_image(b"".join(p.content for p in packets[1:]))
    expected = protocol.unpack_image(protocol.pack_image(imagegen.synthetic_fingerprint(9, 4, 1.0)))
    assert np.array_equal(image, expected)


def test_packet_size_follows_set_sys_para() -> None:
    m = module()
    cmd(m, Ins.SET_SYS_PARA, bytes([protocol.SysParam.PACKET_SIZE, 3]))
    frames = cmd(m, Ins.UP_IMAGE)
    assert len(frames) == 1 + 144 and all(len(f) == 256 + 11 for f in frames[1:])


def test_set_baud_acks_first_then_switches() -> None:
    m = module()
    frames = cmd(m, Ins.SET_SYS_PARA, bytes([protocol.SysParam.BAUD, 12]))
    assert frames == [protocol.ack(0)]
    assert m.pending_baud == 115200 and m.state.baud_n == 12


def test_soft_reset_sends_0x55_after_its_ack() -> None:
    assert cmd(module(), Ins.SOFT_RST) == [protocol.ack(0), b"\x55"]


def test_password_must_be_verified_first() -> None:
    m = module(password=0x1234)
    assert cmd(m, Ins.TEMPLETE_NUM)[0][9] == 0x21
    assert cmd(m, Ins.VFY_PWD, struct.pack(">I", 0x1234))[0][9] == 0x00
    assert cmd(m, Ins.TEMPLETE_NUM)[0][9] == 0x00


def test_r307_profile_answers_led_and_sensor_check_unsupported() -> None:
    m = module(led_supported=False)
    assert cmd(m, Ins.AURA_LED_CONFIG, PARAMS[Ins.AURA_LED_CONFIG])[0][9] == 0xFC
    assert cmd(m, Ins.CHECK_SENSOR)[0][9] == 0xFC


def test_packets_for_another_address_are_ignored() -> None:
    assert module().handle(Packet(Pid.COMMAND, b"\x01", 0x12345678)) == []


def test_index_table_bits_are_lsb_first() -> None:
    m = module()
    m.state.library.update({0: b"x", 9: b"x", 260: b"x"})
    page0 = parse_all(cmd(m, Ins.READ_INDEX_TABLE, b"\x00"))[0].content[1:]
    page1 = parse_all(cmd(m, Ins.READ_INDEX_TABLE, b"\x01"))[0].content[1:]
    assert page0[0] == 0b1 and page0[1] == 0b10 and page1[0] == 0b10000


def test_down_char_then_up_char_returns_the_template() -> None:
    m = module()
    template = templates.char_file(1, 2, 1.0, np.random.default_rng(0))
    cmd(m, Ins.DOWN_CHAR, b"\x02")
    for frame in protocol.data_packets(template, 128):
        m.handle(parse_all([frame])[0])
    packets = parse_all(cmd(m, Ins.UP_CHAR, b"\x02"))
    assert b"".join(p.content for p in packets[1:]) == template


# --- platen -------------------------------------------------------------------------------


def test_auto_mode_finger_appears_after_n_polls_and_advances_per_captured_finger() -> None:
    platen = Platen(seed=50, auto=True, appear_after=3)
    assert [platen.poll() for _ in range(3)] == [None, None, None]
    seen = []
    for _ in range(60):  # bounded
        placement = platen.poll()
        if placement is not None:
            seen.append(placement)
            platen.image_taken(uploaded=True)
        if len({p.finger for p in seen if p.quality >= 0.5}) >= 3:
            break
    assert seen[0].seed == 50 and seen[0].finger == 1
    good = [p for p in seen if p.quality >= 0.5]
    assert [p.finger for p in good][:3] == [1, 2, 3]
    for poor in (p for p in seen if p.quality < 0.5):  # a poor placement is retried with the same finger
        following = seen[seen.index(poor) + 1]
        assert following.finger == poor.finger


def test_module_side_enrollment_uses_the_same_finger_twice() -> None:
    platen = Platen(seed=8, auto=True, appear_after=1)
    fingers = []
    for _ in range(40):
        placement = platen.poll()
        if placement is not None:
            fingers.append(placement.finger)
            platen.image_taken(uploaded=False)
            if len(fingers) == 2:
                platen.enrolled()
            if len(fingers) == 3:
                break
    assert fingers == [1, 1, 2]


def test_manual_presentation_stays_until_removed() -> None:
    platen = Platen(auto=False)
    assert platen.poll() is None
    platen.present(Placement(1, 2, 0.5))
    assert [platen.poll() for _ in range(3)] == [Placement(1, 2, 0.5)] * 3
    platen.remove()
    assert platen.poll() is None


# --- the wire -----------------------------------------------------------------------------


@given(st.binary(max_size=40), st.sampled_from([9600, 19200, 57600, 115200]))
@settings(max_examples=60, deadline=None)
def test_garble_at_the_same_baud_is_the_identity(data: bytes, baud: int) -> None:
    assert garble(data, baud, baud) == data


@pytest.mark.parametrize(("tx", "rx"), [(115200, 57600), (9600, 57600), (57600, 115200), (19200, 57600)])
def test_garble_at_another_baud_never_looks_like_a_frame(tx: int, rx: int) -> None:
    noise = garble(protocol.ack(0x01), tx, rx)
    assert noise and protocol.HEADER not in noise


def test_simulator_stop_is_prompt_and_link_is_managed(tmp_path: Path) -> None:
    link = tmp_path / "ttyFP"
    sim = start_simulator(link=link)
    assert link.is_symlink() and Path(sim.path).exists()
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 1.0
    assert not sim.running and not link.exists()


def test_run_forever_serves_until_stopped(tmp_path: Path) -> None:
    link = tmp_path / "fp"
    stop = threading.Event()
    result: list[int] = []
    ready = threading.Event()
    paths: list[str] = []

    def on_ready(handle: SimulatorHandle) -> None:
        paths.append(handle.path)
        ready.set()

    def serve() -> None:
        result.append(run_forever(link, fault="ghost_finger", pacing=False, stop=stop, on_ready=on_ready))

    thread = threading.Thread(target=serve)
    thread.start()
    assert ready.wait(5)
    assert link.is_symlink() and str(link.resolve()) == paths[0]
    stop.set()
    thread.join(5)
    assert result == [0] and not link.exists()


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        start_simulator(fault="melted")


# --- images and templates --------------------------------------------------------------------


def test_synthetic_prints_are_deterministic_and_distinct() -> None:
    a = imagegen.synthetic_fingerprint(123, 4)
    assert a.shape == (288, 256) and a.dtype == np.uint8
    assert np.array_equal(a, imagegen.synthetic_fingerprint(123, 4))
    assert not np.array_equal(a, imagegen.synthetic_fingerprint(123, 5))
    assert not np.array_equal(a, imagegen.synthetic_fingerprint(124, 4))
    a[0, 0] ^= 0xFF  # callers get their own copy
    assert not np.array_equal(a, imagegen.synthetic_fingerprint(123, 4))


def test_synthetic_prints_are_fast_enough_for_bulk_enrollment() -> None:
    imagegen.synthetic_fingerprint(1, 1)  # build the filter banks
    times = []
    for i in range(12):
        started = time.perf_counter()
        imagegen.synthetic_fingerprint(900_000 + i, 1 + i % 10, 0.9)
        times.append(time.perf_counter() - started)
    assert float(np.median(times)) < 0.05


def test_quality_score_follows_the_generated_quality() -> None:
    def mean_score(q: float) -> float:
        return float(np.mean([assess(imagegen.synthetic_fingerprint(s, f, q)).score for s in (1, 2) for f in (1, 6)]))

    good, fair, poor = mean_score(1.0), mean_score(0.5), mean_score(0.2)
    assert good > 80 > fair > poor and poor < 40
    assert assess(imagegen.empty_platen()).score < 5
    noise = np.random.default_rng(0).integers(0, 256, (288, 256)).astype(np.uint8)
    assert assess(noise).score < 10


def test_templates_match_the_same_finger_only() -> None:
    rng = np.random.default_rng(1)
    a = templates.char_file(77, 3, 0.9, rng)
    b = templates.char_file(77, 3, 0.6, rng)
    other = templates.char_file(77, 4, 0.9, rng)
    threshold = templates.THRESHOLDS[3]
    assert templates.match_score(a, b) >= threshold
    assert templates.match_score(a, other) < threshold
    assert templates.match_score(a, a) == 300
