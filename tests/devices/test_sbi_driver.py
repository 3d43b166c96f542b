"""The SBI slap driver through the registry, its self-test, the command line, and the
hostile-input bounds of its parts (ISO records, HTTP answers, trust store)."""

from __future__ import annotations

import datetime as dt
import math
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from common.biometrics import FingerPosition
from devices.base import DeviceError, DeviceKind
from devices.registry import DeviceSettings, load_registry
from devices.sbi import SBI_FINGER, SBI_FINGER_SIM, client, irisgen, iso, jws, probe
from devices.sbi.chain import CaptureChain
from devices.sbi.finger import SbiFingerprintScanner
from devices.sbi.service import SbiSettings, parse_ports
from devices.sbi.simkey import simulator_identity
from devices.sbi.spec import Slap
from devices.sbi.transport import TransportError, exchange

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def simulated() -> Iterator[SbiFingerprintScanner]:
    settings = DeviceSettings(DeviceKind.FINGERPRINT, "sbi-finger-sim", options={"capture_delay_s": 0.0, "seed": 7})
    device = SBI_FINGER_SIM.create(settings)
    assert isinstance(device, SbiFingerprintScanner)
    device.open()
    yield device
    device.close()


def test_entry_points_register_both_drivers() -> None:
    registry = load_registry()
    assert registry.get("sbi-finger") is SBI_FINGER and registry.get("sbi-finger-sim") is SBI_FINGER_SIM
    assert SBI_FINGER.unavailable_reason() is None and SBI_FINGER_SIM.simulated and not SBI_FINGER.simulated


def test_the_simulated_scanner_is_a_labelled_slap_scanner(simulated: SbiFingerprintScanner) -> None:
    info = simulated.info()
    assert info.simulated and info.driver == "sbi-finger-sim" and "SIMULATED" in info.describe()
    assert info.model == "SIMULATOR SIM-SLAP-442" and info.serial == "SIMSLAP000001"
    assert info.extra["slap"] is True and info.extra["certification"] == "L0" and simulated.is_slap_scanner


def test_a_whole_4_4_2_sequence_gives_ten_fingers_with_wsq_and_device_scores(simulated: SbiFingerprintScanner) -> None:
    chain = CaptureChain()
    fingers: dict[FingerPosition, object] = {}
    for slap in (Slap.LEFT, Slap.RIGHT, Slap.THUMBS):
        capture = simulated.capture_slap(slap, chain=chain)
        assert capture.passed and capture.attempts == 1 and capture.slap == slap
        for position, finger in capture.fingers.items():
            assert finger.position == position and finger.wsq[:2] == b"\xff\xa0"  # WSQ start-of-image
            assert (
                finger.quality == capture.scores[position]
                and finger.quality_components["device_score"] == finger.quality
            )
            assert finger.device.simulated
            fingers[position] = finger
    assert set(fingers) == set(FingerPosition) and len(chain.links) == 10


def test_capture_finger_keeps_the_single_finger_flow(simulated: SbiFingerprintScanner) -> None:
    seen: list[float] = []
    finger = simulated.capture_finger(FingerPosition.LEFT_RING, on_attempt=lambda n, img, q: seen.append(q))
    assert finger.position == FingerPosition.LEFT_RING and finger.image.shape == (288, 256)
    assert seen == [finger.quality]


def test_the_self_test_passes_every_step_on_the_simulator(simulated: SbiFingerprintScanner) -> None:
    live: list[str] = []
    steps = simulated.self_test(on_step=lambda s: live.append(s.name))
    names = ["sbi.discovery", "sbi.info", "sbi.status", "sbi.capture", "sbi.quality", "sbi.preview"]
    assert [s.name for s in steps] == names == live
    assert all(s.passed for s in steps), [(s.name, s.measured) for s in steps]
    assert "frames/s" in steps[-1].measured


def test_the_self_test_names_a_fault_and_keeps_its_shape() -> None:
    settings = DeviceSettings(
        DeviceKind.FINGERPRINT, "sbi-finger-sim", options={"fault": "low_quality", "capture_delay_s": 0.0}
    )
    device = SBI_FINGER_SIM.create(settings)
    assert isinstance(device, SbiFingerprintScanner)
    device.open()
    try:
        steps = device.self_test()
    finally:
        device.close()
    by_name = {s.name: s for s in steps}
    assert len(steps) == 6 and not by_name["sbi.quality"].passed and by_name["sbi.quality"].remedy is not None
    assert by_name["sbi.capture"].passed


def test_the_self_test_of_a_real_station_trusting_the_simulator_key_fails() -> None:
    """Also: a self-test on a scanner nobody opened opens it."""
    from devices.sbi.simulator import SbiSimulator

    with SbiSimulator(types="finger", capture_delay_s=0.0) as sim:
        device = SBI_FINGER.create(
            DeviceSettings(DeviceKind.FINGERPRINT, "sbi-finger", port=sim.url, options={"trust_simulator": True})
        )
        assert isinstance(device, SbiFingerprintScanner) and not device.is_open
        try:
            steps = {s.name: s for s in device.self_test()}
        finally:
            device.close()
    assert not steps["sbi.status"].passed and "SIMULATOR" in steps["sbi.status"].measured
    assert steps["sbi.info"].passed and steps["sbi.discovery"].passed


def test_probe_answers_for_sbi_urls_only() -> None:
    from devices.sbi.simulator import SbiSimulator

    with SbiSimulator(types="iris") as iris_only, SbiSimulator(types="finger") as finger:
        assert probe(finger.url, None, 1.0)
        assert not probe(iris_only.url, None, 1.0)  # a service, but no finger device
    assert not probe("/dev/ttyS0", None, 1.0) and not probe("http://10.1.2.3:4501", None, 1.0)


def test_open_without_a_port_discovers_within_the_configured_range() -> None:
    from devices.sbi.simulator import SbiSimulator

    with SbiSimulator(types="finger") as sim:
        scanner = SbiFingerprintScanner(
            SbiSettings(
                trust=jws.TrustStore.from_pems([simulator_identity().cert_pem], "t"),
                ports=range(sim.port, sim.port + 1),
            )
        )
        scanner.open()
        try:
            assert scanner.port_name == sim.url
        finally:
            scanner.close()
    empty = SbiFingerprintScanner(SbiSettings(trust=jws.TrustStore(), ports=range(sim.port, sim.port + 1)))
    with pytest.raises(DeviceError) as none:
        empty.open()
    assert none.value.code == "sbi.no_service" and "SBI/MDS" in none.value.remedy.en  # type: ignore[union-attr]


def test_bad_settings_are_a_device_error_naming_what_to_fix() -> None:
    for port, options in ((None, {"ports": "1-9999"}), ("http://10.0.0.1:4501", {}), (None, {"timeout_s": "soon"})):
        with pytest.raises(DeviceError) as bad:
            SBI_FINGER.create(DeviceSettings(DeviceKind.FINGERPRINT, "sbi-finger", port=port, options=options))
        assert bad.value.code == "sbi.bad_setting" and "trust_store" in bad.value.remedy.en  # type: ignore[union-attr]


def test_settings_parse_ports_and_refuse_nonsense() -> None:
    assert parse_ports("4501-4600") == range(4501, 4601) and parse_ports("4510") == range(4510, 4511)
    for bad in ("0-10", "4600-4501", "1-5000", "abc"):
        with pytest.raises(ValueError):
            parse_ports(bad)
    with pytest.raises(ValueError):
        SbiSettings.from_options("http://192.168.1.5:4501", {})


# --- trust store ---------------------------------------------------------------------


def make_ca(name: str, days: int = 365) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256())
    )  # fmt: skip
    return key, cert


def test_trust_store_accepts_a_device_certificate_issued_by_a_ca_in_its_folder(tmp_path: Path) -> None:
    ca_key, ca = make_ca("Vendor Device CA")
    dev_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    dev_cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Slap 0001")]))
        .issuer_name(ca.subject).public_key(dev_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "vendor-ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "notes.txt").write_text("not a certificate")
    store = jws.TrustStore.from_dir(tmp_path)
    token = jws.sign({"hello": "world"}, dev_key, dev_cert)
    assert jws.verify(token, store).payload == {"hello": "world"}
    with pytest.raises(jws.JwsError) as untrusted:
        jws.verify(jws.sign({"a": 1}, *make_ca("Someone else")), store)
    assert untrusted.value.reason == "untrusted"
    with pytest.raises(jws.JwsError) as late:
        jws.verify(token, store, now=now + dt.timedelta(days=60))
    assert late.value.reason == "expired"


def test_tokens_with_alg_none_or_garbage_are_refused() -> None:
    store = jws.TrustStore.from_pems([simulator_identity().cert_pem], "sim")
    good = jws.sign({"x": 1}, simulator_identity().key, simulator_identity().cert)
    head, body, sig = good.split(".")
    none_head = jws.b64url_encode(b'{"alg":"none","x5c":[]}')
    for bad in (f"{none_head}.{body}.", "a.b", "%%%.%%%.%%%", f"{head}.{body}.{sig}.x", "x" * 20_000_000):
        with pytest.raises(jws.JwsError):
            jws.verify(bad, store)


# --- ISO records -------------------------------------------------------------------------


def test_iso_records_round_trip_and_refuse_lies() -> None:
    image = (np.arange(60 * 50) % 251).astype(np.uint8).reshape(60, 50)
    record = iso.finger_record(image, 7, quality=66)
    parsed = iso.read_finger(record)
    assert (parsed.position, parsed.width, parsed.height, parsed.quality) == (7, 50, 60, 66)
    assert np.array_equal(parsed.decode(), image)  # lossless
    eye = iso.read_iris(iso.iris_record(image, "Right", image_type=iso.IRIS_K3_CROPPED))
    assert (eye.position, eye.image_type) == (1, iso.IRIS_K3_CROPPED) and np.array_equal(eye.decode(), image)
    for broken in (record[:-10], record[:20], b"XYZ\x00" + record[4:], record[:8] + b"\xff\xff\xff\xff" + record[12:]):
        with pytest.raises(iso.IsoError):
            iso.read_finger(broken)
    lying = bytearray(record)
    lying[-len(parsed.image_bytes) - 4 : -len(parsed.image_bytes)] = (10_000_000).to_bytes(4, "big")
    with pytest.raises(iso.IsoError):
        iso.read_finger(bytes(lying))


# --- HTTP bounds ---------------------------------------------------------------------


def rogue(answer: bytes, *, drip: bool = False) -> tuple[int, threading.Thread, socket.socket]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5.0)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5.0)
            try:
                conn.recv(65536)
                if drip:
                    conn.sendall(answer)
                    for _ in range(40):  # one byte every 0.1 s, never finishing within the client's budget
                        conn.sendall(b" ")
                        threading.Event().wait(0.1)
                else:
                    conn.sendall(answer)
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread, listener


def test_answers_too_large_or_too_slow_are_refused_in_bounded_time() -> None:
    huge = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n[]"
    port, thread, listener = rogue(huge)
    with pytest.raises(TransportError) as large:
        exchange(port, "MOSIPDISC", "/device", {}, timeout_s=2.0, max_bytes=1000)
    assert large.value.kind == "too_large"
    thread.join(5.0)
    listener.close()

    slow = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    port, thread, listener = rogue(slow, drip=True)
    with pytest.raises(TransportError) as dripping:
        exchange(port, "MOSIPDISC", "/device", {}, timeout_s=1.0, max_bytes=1000)
    assert dripping.value.kind == "timeout"
    listener.close()
    thread.join(6.0)

    nested = b"[" * 5000 + b"]" * 5000
    bomb = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(nested) + nested
    port, thread, listener = rogue(bomb)
    with pytest.raises(TransportError):
        client.discover_port(port, timeout_s=2.0)
    thread.join(5.0)
    listener.close()


# --- synthetic eyes ----------------------------------------------------------------


def test_synthetic_eyes_know_their_geometry() -> None:
    eye = irisgen.synthetic_eye(4, "Left", iris_radius=120.0, pupil_ratio=0.35, pupil_offset=(6.0, 0.0))
    t = eye.truth
    assert t.pupil_to_iris_ratio == pytest.approx(35.0) and t.concentricity == pytest.approx(95.0)
    dark = eye.image < 60  # pupil (and a few lashes): its area gives the radius back
    yy, xx = np.mgrid[0 : eye.image.shape[0], 0 : eye.image.shape[1]]
    near = (xx - t.pupil_center[0]) ** 2 + (yy - t.pupil_center[1]) ** 2 <= (1.2 * t.pupil_radius) ** 2
    measured_r = math.sqrt((dark & near).sum() / math.pi)
    assert measured_r == pytest.approx(t.pupil_radius, rel=0.04)
    assert 0.8 < t.usable_iris_fraction < 1.0
    assert (
        abs(t.pupil_mean - t.pupil_grey) < 5
        and abs(t.iris_mean - t.iris_grey) < 15
        and t.sclera_mean > t.iris_mean + 50
    )
    assert eye.image[int(t.iris_center[1]), int(t.iris_center[0] + 0.7 * t.iris_radius)] > t.pupil_grey + 40
    closed = irisgen.closed_eye(4).truth
    assert closed.usable_iris_fraction == 0.0
    sharp = irisgen.synthetic_eye(4, noise_sigma=0.0).image
    blurred = irisgen.synthetic_eye(4, blur_sigma=3.0, noise_sigma=0.0).image
    assert np.abs(np.diff(blurred.astype(int), axis=1)).mean() < 0.7 * np.abs(np.diff(sharp.astype(int), axis=1)).mean()


# --- command line ----------------------------------------------------------------------


def test_station_sim_sbi_prints_its_address_and_serves_until_interrupted(station_home: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "station.cli.main", "sim", "sbi", "--port", "0", "--type", "iris", "--fault", "busy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        devices = client.discover_port(client.port_from_url(url), timeout_s=5.0)
        assert [(d.bio_type.value if d.bio_type else None, d.status) for d in devices] == [("Iris", "Busy")]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_station_sim_sbi_refuses_an_unknown_fault(capsys: pytest.CaptureFixture[str]) -> None:
    from station.cli.main import main

    assert main(["sim", "sbi", "--fault", "gremlins"]) == 2
    assert "dies_mid_capture" in capsys.readouterr().err


def test_an_issuer_that_is_not_a_ca_vouches_for_nothing(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not a CA")])
    now = dt.datetime.now(dt.UTC)
    not_ca = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True).sign(key, hashes.SHA256())
    )  # fmt: skip
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Leaf")]))
        .issuer_name(name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    store = jws.TrustStore([not_ca], "not a CA")
    assert jws.verify(jws.sign({"a": 1}, key, not_ca), store).payload == {"a": 1}  # itself: trusted directly
    with pytest.raises(jws.JwsError) as refused:
        jws.verify(jws.sign({"a": 1}, leaf_key, leaf), store)
    assert refused.value.reason == "untrusted"


def test_a_frame_declaring_a_huge_picture_is_skipped_unread() -> None:
    import cv2

    from devices.sbi.stream import decode_frame, fits

    ok, buf = cv2.imencode(".jpg", np.full((16, 16, 3), 128, np.uint8))
    jpeg = bytearray(buf.tobytes())
    assert ok and decode_frame(bytes(jpeg)) is not None
    sof = jpeg.index(b"\xff\xc0")  # baseline start-of-frame: length(2) precision(1) height(2) width(2)
    jpeg[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") * 2
    assert not fits(bytes(jpeg)) and decode_frame(bytes(jpeg)) is None
    assert not fits(b"not an image at all")
