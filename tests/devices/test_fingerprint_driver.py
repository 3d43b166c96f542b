"""Ef01Scanner against the simulator: every command, the capture path, WSQ, the registry."""

from __future__ import annotations

import io
import select
import socket
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
import serial
import wsq  # noqa: F401  (registers the WSQ codec with Pillow)
from PIL import Image

from common.biometrics import FingerPosition
from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DeviceError, DeviceKind, DeviceTimeout
from devices.fingerprint import EF01, EF01_SIM, Ef01Scanner, imagegen, protocol, start_simulator
from devices.fingerprint.platen import Placement
from devices.fingerprint.quality import assess
from devices.fingerprint.simulator import SimulatorHandle
from devices.registry import DeviceSettings, load_registry

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    handle = start_simulator(seed=11, auto=False)
    yield handle
    handle.stop()


@pytest.fixture
def scanner(sim: SimulatorHandle) -> Iterator[Ef01Scanner]:
    s = Ef01Scanner(sim.path, timeout_s=0.5, poll_interval_s=0.002)
    s.open()
    yield s
    s.close()


def on_wire(image: np.ndarray) -> np.ndarray:
    """What the host receives for an 8-bit image: 4 bits, scaled x17."""
    return protocol.unpack_image(protocol.pack_image(image))


def test_open_reads_parameters_and_identity(scanner: Ef01Scanner) -> None:
    info = scanner.info()
    assert info.kind == DeviceKind.FINGERPRINT and info.driver == "ef01"
    assert (info.model, info.serial) == ("EF01-SIM", "SIM00001")
    assert "SIM-EF01" in info.firmware and info.port == scanner.port_name
    assert info.extra["capacity"] == 1000 and info.extra["packet_size"] == 128 and info.extra["baud"] == 57600
    assert not info.simulated  # a real driver pointed at a pty does not know


def test_image_commands(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    assert scanner.gen_img() == 0x02
    sim.present_finger(31, 7, 0.9)
    assert scanner.gen_img() == 0x00
    image = scanner.upload_image()
    assert image.shape == (288, 256) and image.dtype == np.uint8
    assert np.array_equal(image, on_wire(imagegen.synthetic_fingerprint(31, 7, 0.9)))


def test_template_commands(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    sim.present_finger(31, 7, 1.0)
    scanner.gen_img()
    assert scanner.img2tz(1) == 0x00
    sim.present_finger(31, 7, 0.8)
    scanner.gen_img()
    assert scanner.img2tz(2) == 0x00
    matched, score = scanner.match()
    assert matched and score >= 50
    assert scanner.reg_model()
    assert len(scanner.up_char(1)) == 512
    scanner.store(1, 5)
    assert scanner.template_count() == 1
    assert scanner.read_index_table(0) == [5]
    found = scanner.search(1)
    assert found is not None and found[0] == 5 and found[1] >= 50
    assert scanner.search(1, high_speed=True) == found

    sim.present_finger(31, 8, 1.0)  # another finger of the same resident
    scanner.gen_img()
    scanner.img2tz(1)
    assert scanner.search(1) is None
    assert scanner.match()[0] is False
    assert scanner.reg_model() is False
    scanner.load_char(2, 5)
    assert scanner.match()[0] is False

    scanner.store(2, 6)
    scanner.delete_templates(5)
    assert scanner.read_index_table(0) == [6]
    scanner.empty_library()
    assert scanner.template_count() == 0


def test_a_refused_command_raises_with_its_confirmation(scanner: Ef01Scanner) -> None:
    with pytest.raises(DeviceError) as caught:
        scanner.store(1, 5000)  # beyond the library
    assert caught.value.code == "fingerprint.module_error"
    assert "0x0B" in caught.value.message.en and caught.value.message.id != caught.value.message.en


def test_system_parameters_and_led(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    scanner.set_sys_para(protocol.SysParam.SECURITY, 5)
    assert scanner.read_sys_para().security_level == 5
    scanner.set_sys_para(protocol.SysParam.PACKET_SIZE, 3)
    sim.present_finger(2, 2, 1.0)
    scanner.gen_img()
    assert np.array_equal(scanner.upload_image(), on_wire(imagegen.synthetic_fingerprint(2, 2, 1.0)))
    scanner.set_sys_para(protocol.SysParam.BAUD, 12)  # 115200: the port follows the module
    assert scanner.baud == 115200
    assert scanner.read_sys_para().baud == 115200
    # The module switches after its reply (as a real one does), so its speed is read only
    # once it answered the next command: right after the reply it raced (a flaky failure).
    assert sim.module_baud == 115200
    assert scanner.set_led(protocol.Led.BREATHE, protocol.Led.BLUE)
    assert sim.module.led == (1, 100, 2, 0)
    assert scanner.check_sensor() is True


def test_module_without_led_ring_works_normally() -> None:
    sim = start_simulator(led=False, seed=4)
    scanner = Ef01Scanner(sim.path, timeout_s=0.5, poll_interval_s=0.002, simulator=sim)
    try:
        scanner.open()
        assert scanner.set_led(protocol.Led.ON, protocol.Led.RED) is False
        assert scanner.check_sensor() is None
        capture = scanner.capture_finger(FingerPosition.LEFT_THUMB, timeout_s=2)
        assert capture.quality >= scanner.quality_threshold
        info = scanner.info()
        assert info.extra["led"] is False
        assert (info.model, info.firmware) == ("EF01 module (1000 templates)", "unknown")  # no ReadProdInfo/GetFwVer
        assert protocol.Ins.AURA_LED_CONFIG in sim.module.commands_seen
        assert sim.module.commands_seen.count(protocol.Ins.AURA_LED_CONFIG) == 1  # not retried once refused
    finally:
        scanner.close()


# --- capture ----------------------------------------------------------------------------------


def test_capture_in_auto_mode_gives_a_scored_wsq_image() -> None:
    scanner = EF01_SIM.create(DeviceSettings(DeviceKind.FINGERPRINT, options={"seed": 21, "timeout_s": 0.5}))
    assert isinstance(scanner, Ef01Scanner)
    scanner.poll_interval_s = 0.002
    fractions: list[float | None] = []
    try:
        scanner.open()
        capture = scanner.capture_finger(
            FingerPosition.RIGHT_THUMB, timeout_s=3, progress=lambda f, m: fractions.append(f)
        )
    finally:
        scanner.close()
    assert capture.position == FingerPosition.RIGHT_THUMB
    assert capture.image.shape == (288, 256)
    assert capture.quality >= scanner.quality_threshold and 1 <= capture.attempts <= 3
    assert capture.quality == assess(capture.image).score
    assert set(capture.quality_components) >= {"coherence", "contrast", "area"}
    assert capture.device.simulated and capture.device.driver == "ef01-sim"
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert Image.open(io.BytesIO(capture.wsq)).format == "WSQ"


def test_best_of_three_keeps_the_best_image(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    qualities = [0.22, 0.3, 0.2]  # all below the threshold: three attempts
    sim.queue_placements([Placement(40, 2, q) for q in qualities])
    seen: list[tuple[int, float]] = []
    capture = scanner.capture_finger(
        FingerPosition.RIGHT_INDEX, timeout_s=2, on_attempt=lambda n, img, score: seen.append((n, score))
    )
    scores = [assess(on_wire(imagegen.synthetic_fingerprint(40, 2, q))).score for q in qualities]
    assert [n for n, _ in seen] == [1, 2, 3]
    assert [s for _, s in seen] == scores
    assert capture.attempts == 3 and capture.quality == max(scores)
    best = qualities[scores.index(max(scores))]
    assert np.array_equal(capture.image, on_wire(imagegen.synthetic_fingerprint(40, 2, best)))


def test_a_good_attempt_ends_the_capture_early(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    sim.queue_placements([Placement(41, 3, 0.2), Placement(41, 3, 0.95), Placement(41, 3, 0.3)])
    capture = scanner.capture_finger(FingerPosition.RIGHT_MIDDLE, timeout_s=2)
    assert capture.attempts == 2 and capture.quality >= 80


def test_no_finger_times_out_with_its_own_code(scanner: Ef01Scanner) -> None:
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as caught:
        scanner.capture_finger(FingerPosition.LEFT_INDEX, timeout_s=0.3)
    assert caught.value.code == "fingerprint.timeout_no_finger" and caught.value.remedy is not None
    assert time.monotonic() - started < 2.0


def test_later_attempt_timing_out_keeps_the_earlier_image(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    sim.queue_placements([Placement(42, 1, 0.25)])  # one poor placement, then nobody
    capture = scanner.capture_finger(FingerPosition.LEFT_MIDDLE, timeout_s=0.3)
    assert capture.attempts == 1 and capture.quality < scanner.quality_threshold


def test_cancel_while_waiting_for_a_finger(scanner: Ef01Scanner) -> None:
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        scanner.capture_finger(FingerPosition.LEFT_RING, timeout_s=10, cancel=cancel)
    assert time.monotonic() - started < 1.0


def test_cancel_during_a_paced_upload_leaves_the_link_usable() -> None:
    sim = start_simulator(baud=115200, pacing=True, seed=5, auto=False)
    scanner = Ef01Scanner(sim.path, baud=115200, timeout_s=0.5, simulator=sim)
    try:
        scanner.open()
        sim.present_finger(5, 5, 1.0)
        scanner.gen_img()
        cancel = CancelToken()
        threading.Timer(0.3, cancel.cancel).start()
        started = time.monotonic()
        with pytest.raises(Cancelled):
            scanner.upload_image(cancel=cancel)
        assert time.monotonic() - started < 1.0
        assert scanner.template_count() == 0  # waits out the module's tail, then answers
    finally:
        scanner.close()


def test_cancel_during_the_capture_upload_returns_at_once() -> None:
    sim = start_simulator(baud=115200, pacing=True, seed=8, auto=False, appear_after=1)
    scanner = Ef01Scanner(sim.path, baud=115200, timeout_s=0.5, poll_interval_s=0.002, simulator=sim)
    cancel = CancelToken()
    uploading = threading.Event()

    def progress(fraction: float | None, message: str) -> None:
        if fraction is not None and 0 < fraction < 1 / 3:  # (attempt - 0.5) / attempts: the upload starts
            uploading.set()
            threading.Timer(0.2, cancel.cancel).start()

    try:
        scanner.open()
        sim.queue_placements([Placement(8, 8, 1.0)])
        started = time.monotonic()
        with pytest.raises(Cancelled):
            scanner.capture_finger(FingerPosition.RIGHT_RING, timeout_s=2, cancel=cancel, progress=progress)
        assert uploading.is_set() and time.monotonic() - started < 1.5
    finally:
        scanner.close()


def test_paced_upload_runs_at_the_line_rate() -> None:
    """Bulk reads keep up with the line: a paced image takes its line time, not more (115200 to save time)."""
    sim = start_simulator(baud=115200, pacing=True, seed=6, auto=False)
    scanner = Ef01Scanner(sim.path, baud=115200, timeout_s=0.5, simulator=sim)
    try:
        scanner.open()
        scanner.gen_img()
        started = time.perf_counter()
        scanner.upload_image()
        took = time.perf_counter() - started
    finally:
        scanner.close()
    limit = protocol.line_seconds(protocol.up_image_bytes(128), 115200)
    assert took >= 0.98 * limit  # the simulator is no faster than a real line
    assert limit / took >= 0.95


def test_ghost_finger_at_the_start_of_a_capture(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    sim.present_finger(1, 1, 1.0)  # something is on the glass before anyone was asked
    with pytest.raises(DeviceError) as caught:
        scanner.capture_finger(FingerPosition.RIGHT_LITTLE, timeout_s=1)
    assert caught.value.code == "fingerprint.ghost_finger"
    assert caught.value.remedy is not None and "glass" in caught.value.remedy.en and "kaca" in caught.value.remedy.id


def test_a_finger_still_resting_is_lifted_first_not_a_ghost(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    """A capture switched to another finger, or a resident who pressed early: the
    finger on the glass lifts within the lift timeout, so the capture goes on."""
    import threading

    sim.present_finger(1, 1, 1.0)
    messages: list[str] = []
    lifted = threading.Timer(0.5, sim.remove_finger)
    lifted.start()
    try:
        with pytest.raises(DeviceError) as caught:
            scanner.capture_finger(
                FingerPosition.RIGHT_LITTLE, timeout_s=0.5, progress=lambda _f, m: messages.append(m)
            )
    finally:
        lifted.cancel()
    # Lifted in time: no ghost; then no finger came within timeout_s.
    assert caught.value.code == "fingerprint.timeout_no_finger", caught.value.code
    assert any("lift" in m.lower() or "angkat" in m.lower() for m in messages)


def test_a_vanished_device_is_a_device_error(sim: SimulatorHandle) -> None:
    scanner = Ef01Scanner(sim.path, timeout_s=0.3)
    scanner.open()
    try:
        sim.stop()  # the pty disappears, as when a USB adapter is pulled
        with pytest.raises(DeviceError) as caught:
            scanner.template_count()
        assert caught.value.code in {"fingerprint.port_lost", "fingerprint.no_reply"}
        assert caught.value.remedy is not None
    finally:
        scanner.close()


def test_capture_before_open_is_refused(sim: SimulatorHandle) -> None:
    with pytest.raises(DeviceError) as caught:
        Ef01Scanner(sim.path).capture_finger(FingerPosition.RIGHT_THUMB)
    assert caught.value.code == "fingerprint.not_open"


def test_wsq_round_trip(scanner: Ef01Scanner, sim: SimulatorHandle) -> None:
    sim.queue_placements([Placement(60, 9, 1.0)])
    capture = scanner.capture_finger(FingerPosition.LEFT_RING, timeout_s=2)
    decoded = Image.open(io.BytesIO(capture.wsq))
    assert decoded.format == "WSQ" and decoded.size == (256, 288) and decoded.mode == "L"
    back = np.asarray(decoded, dtype=np.float64)
    original = capture.image.astype(np.float64)
    assert np.abs(back - original).mean() < 12
    assert np.corrcoef(back.ravel(), original.ravel())[0, 1] > 0.97
    assert len(capture.wsq) * 5 < capture.image.size  # compressed at least 5:1


# --- transports and the registry -------------------------------------------------------------------


class TcpBridge:
    """socket://127.0.0.1:port <-> the simulator's pty, like a serial-over-IP box."""

    def __init__(self, pty_path: str) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.pty = serial.Serial(pty_path, 57600, timeout=0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.server.settimeout(5)
        conn, _ = self.server.accept()
        with conn:
            while not self._stop.is_set():
                ready, _, _ = select.select([conn, self.pty.fileno()], [], [], 0.05)
                if conn in ready:
                    data = conn.recv(65536)
                    if not data:
                        return
                    self.pty.write(data)
                if self.pty.fileno() in ready:
                    conn.sendall(self.pty.read(65536))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.server.close()
        self.pty.close()


def test_socket_url_transport(sim: SimulatorHandle) -> None:
    bridge = TcpBridge(sim.path)
    scanner = Ef01Scanner(bridge.url, timeout_s=1.0, poll_interval_s=0.002)
    try:
        scanner.open()
        sim.present_finger(3, 3, 1.0)
        assert scanner.gen_img() == 0x00
        assert np.array_equal(scanner.upload_image(), on_wire(imagegen.synthetic_fingerprint(3, 3, 1.0)))
    finally:
        scanner.close()
        bridge.close()


def test_probe_answers_yes_or_no_and_never_raises(sim: SimulatorHandle) -> None:
    assert EF01.probe is not None
    assert EF01.probe(sim.path, 57600, 0.5) is True
    assert EF01.probe("/dev/does-not-exist-fp", None, 0.2) is False
    silent = start_simulator(fault="no_reply")
    try:
        started = time.monotonic()
        assert EF01.probe(silent.path, 57600, 0.2) is False
        assert time.monotonic() - started < 2.0
    finally:
        silent.stop()


def test_wrong_password_and_the_right_one() -> None:
    sim = start_simulator(password=0x1234)
    try:
        with pytest.raises(DeviceError) as caught:
            Ef01Scanner(sim.path, timeout_s=0.5).open()
        assert caught.value.code == "fingerprint.wrong_password" and caught.value.remedy is not None
        scanner = EF01.create(DeviceSettings(DeviceKind.FINGERPRINT, port=sim.path, options={"password": 0x1234}))
        scanner.open()
        scanner.close()
    finally:
        sim.stop()


def test_simulated_spec_owns_its_simulator() -> None:
    scanner = EF01_SIM.create(DeviceSettings(DeviceKind.FINGERPRINT, baud=115200, options={"seed": 3, "capacity": 200}))
    assert isinstance(scanner, Ef01Scanner) and scanner.simulator is not None
    handle = scanner.simulator
    scanner.open()
    info = scanner.info()
    assert info.simulated and info.driver == "ef01-sim" and info.extra["capacity"] == 200
    assert "SIMULATED" in info.describe()
    scanner.close()
    assert not handle.running
    scanner.close()  # twice is fine


def test_entry_points_find_both_drivers() -> None:
    registry = load_registry()
    assert registry.get("ef01") is EF01 and registry.get("ef01-sim") is EF01_SIM
    assert EF01_SIM.simulated and not EF01.simulated
    assert EF01.unavailable_reason() is None and EF01_SIM.unavailable_reason() is None
    with pytest.raises(DeviceError) as caught:
        EF01.create(DeviceSettings(DeviceKind.FINGERPRINT))
    assert caught.value.code == "fingerprint.port_unavailable"
