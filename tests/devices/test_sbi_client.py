"""The SBI client against the simulator over real loopback HTTP: every verb, the hash
chain across a whole enrollment, tampered tokens, and the discovery scan."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from devices.base import DeviceError
from devices.sbi import client, iso, jws, spec
from devices.sbi.chain import EMPTY_HASH, CaptureChain
from devices.sbi.simkey import LABEL, simulator_identity
from devices.sbi.simulator import SbiSimulator, start_in_range
from devices.sbi.spec import BioType, Eyes, Slap
from devices.sbi.stream import PreviewReader
from devices.sbi.transport import exchange

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def sim() -> Iterator[SbiSimulator]:
    with SbiSimulator(types="all", capture_delay_s=0.0, seed=5) as s:
        yield s


@pytest.fixture
def trust() -> jws.TrustStore:
    return jws.TrustStore.from_pems([simulator_identity().cert_pem], "simulator (test)")


def request(kind: BioType, sub_id: int, previous: str, **kw: object) -> dict:  # type: ignore[type-arg]
    device_id = {BioType.FINGER: "1", BioType.IRIS: "2", BioType.FACE: "3"}[kind]
    return spec.rcapture_request(
        bio_type=kind, sub_id=sub_id, device_id=device_id, previous_hash=previous, requested_score=40,
        timeout_ms=5000, env="Developer", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_discovery_on_a_small_range_finds_every_device_of_the_service(sim: SbiSimulator) -> None:
    devices, problems = client.discover(range(sim.port - 2, sim.port + 3))
    assert problems == {}
    assert [(d.device_id, d.bio_type, d.status) for d in devices] == [
        ("1", BioType.FINGER, "Ready"),
        ("2", BioType.IRIS, "Ready"),
        ("3", BioType.FACE, "Ready"),
    ]
    finger = devices[0]
    assert finger.sub_ids == (1, 2, 3) and finger.sub_type == "Slap" and finger.certification == "L0"
    assert finger.callback_url == sim.url and finger.spec_versions == ("0.9.5",)
    assert finger.digital_id["make"] == "SIMULATOR" and finger.signed_by is None  # discovery is unsigned
    only_iris, _ = client.discover([sim.port], "Iris")
    assert [d.bio_type for d in only_iris] == [BioType.IRIS]


def test_discovery_over_the_spec_range_takes_under_two_seconds() -> None:
    """A real scan of 4501-4600 with two simulated services bound inside it, the second
    moved up the range because the first holds its port (as a vendor's service binds)."""
    try:
        chosen = start_in_range(spec.PORT_FIRST, types="finger")
        second = start_in_range(chosen.port, types="iris")
    except OSError:
        pytest.skip("the ports of 4501-4600 are taken on this machine")
    assert chosen.port < second.port < spec.PORT_LAST + 1
    try:
        started = time.monotonic()
        devices, _problems = client.discover(spec.PORT_RANGE, "Finger", timeout_s=1.5)  # a hung port ends by 1.5 s
        took = time.monotonic() - started
        assert chosen.port in {d.port for d in devices} and second.port not in {d.port for d in devices}  # Finger only
        assert took < 2.0, took
    finally:
        chosen.stop()
        second.stop()


def test_a_callback_to_another_host_is_ignored() -> None:
    assert client.port_from_url("http://127.0.0.1:4501") == 4501
    for bad in ("http://10.0.0.5:4501", "https://127.0.0.1:4501", "http://localhost:4501", "file:///etc"):
        with pytest.raises(ValueError):
            client.port_from_url(bad)


def test_device_info_is_signed_and_checked_against_the_trust_store(sim: SbiSimulator, trust: jws.TrustStore) -> None:
    infos = client.device_info(sim.port, trust)
    assert {d.bio_type for d in infos} == {BioType.FINGER, BioType.IRIS, BioType.FACE}
    assert all(d.signed_by and LABEL in d.signed_by for d in infos)
    assert all(d.purpose == "Registration" and d.env == "Developer" and d.firmware == "SIM-1.0" for d in infos)
    with pytest.raises(DeviceError) as refused:
        client.device_info(sim.port, jws.TrustStore([], "empty"))
    assert refused.value.code == "sbi.untrusted"
    assert "trust_store" in refused.value.remedy.en  # type: ignore[union-attr]


def verify_chain_independently(items: list[client.SbiBiometric], previous: str) -> str:
    for item in items:
        expected = hashlib.sha256(bytes.fromhex(previous) + hashlib.sha256(item.iso).digest()).hexdigest().upper()
        assert item.hash == expected
        previous = item.hash
    return previous


def test_the_hash_chain_runs_across_the_whole_slap_sequence_and_into_the_irises(
    sim: SbiSimulator, trust: jws.TrustStore
) -> None:
    chain = CaptureChain()
    assert chain.previous == hashlib.sha256(b"").hexdigest().upper() == EMPTY_HASH
    seen: list[str] = []
    for slap in spec.SLAP_ORDER:
        capture = client.rcapture(sim.port, request(BioType.FINGER, slap, chain.previous), trust)
        assert capture.previous_hash == chain.previous
        assert verify_chain_independently(list(capture.items), chain.previous) == capture.last_hash
        assert [i.bio_sub_type for i in capture.items] == list(spec.subtypes_for(BioType.FINGER, slap))
        chain.advance(capture.hashes)
        seen += [i.bio_sub_type for i in capture.items]
    assert len(chain.links) == 10 and len(set(seen)) == 10
    irises = client.rcapture(sim.port, request(BioType.IRIS, Eyes.BOTH, chain.previous), trust)
    assert verify_chain_independently(list(irises.items), chain.links[-1]) == irises.last_hash
    chain.advance(irises.hashes)
    assert len(chain.links) == 12


def test_rcapture_returns_iso_records_that_decode(sim: SbiSimulator, trust: jws.TrustStore) -> None:
    fingers = client.rcapture(sim.port, request(BioType.FINGER, Slap.THUMBS, EMPTY_HASH), trust)
    record = iso.read_finger(fingers.items[0].iso)
    assert record.position == 6 and record.compression == iso.FINGER_JP2_LOSSLESS  # left thumb, JPEG 2000 lossless
    image = record.decode()
    assert image.shape == (288, 256) and image.dtype == np.uint8 and image.std() > 20
    assert 0 < fingers.items[0].quality <= 100 and fingers.items[0].requested_score == 40

    eyes = client.rcapture(sim.port, request(BioType.IRIS, Eyes.LEFT, EMPTY_HASH), trust)
    assert [i.bio_sub_type for i in eyes.items] == ["Left"]
    eye = iso.read_iris(eyes.items[0].iso)
    assert eye.position == iso.EYE_LABELS["Left"] and eye.image_type == iso.IRIS_K2_VGA
    assert eye.decode().shape == (480, 640)

    face = client.rcapture(sim.port, request(BioType.FACE, spec.FACE_SUB_ID, EMPTY_HASH), trust)
    assert len(face.items) == 1 and iso.face_image(face.items[0].iso).decode().shape == (960, 1280)


def test_exceptions_are_sent_and_not_captured(sim: SbiSimulator, trust: jws.TrustStore) -> None:
    req = request(BioType.FINGER, Slap.RIGHT, EMPTY_HASH, exceptions=["Right RingFinger"])
    assert req["bio"][0]["exception"] == ["Right RingFinger"] and req["bio"][0]["count"] == 3
    capture = client.rcapture(sim.port, req, trust)
    assert [i.bio_sub_type for i in capture.items] == ["Right IndexFinger", "Right MiddleFinger", "Right LittleFinger"]


def test_a_tampered_token_is_refused(sim: SbiSimulator, trust: jws.TrustStore) -> None:
    req = request(BioType.FINGER, Slap.THUMBS, EMPTY_HASH)
    answer = exchange(sim.port, "RCAPTURE", "/capture", req, timeout_s=10, max_bytes=client.MAX_CAPTURE_ANSWER)
    body = json.loads(answer.body)
    client.verify_capture(answer.body, req, trust, sim.url)  # the untouched answer passes

    head, payload, signature = body["biometrics"][1]["data"].split(".")
    claims = json.loads(jws.b64url_decode(payload))
    claims["qualityScore"] = 99.9 if claims["qualityScore"] != 99.9 else 98.0  # always a different claim
    forged = jws.b64url_encode(json.dumps(claims).encode())
    body["biometrics"][1]["data"] = f"{head}.{forged}.{signature}"
    with pytest.raises(DeviceError) as refused:
        client.verify_capture(json.dumps(body).encode(), req, trust, sim.url)
    assert refused.value.code == "sbi.bad_signature"

    body["biometrics"][1]["data"] = f"{head}.{payload}"  # signature stripped
    with pytest.raises(DeviceError) as stripped:
        client.verify_capture(json.dumps(body).encode(), req, trust, sim.url)
    assert stripped.value.code == "sbi.protocol"


def test_an_answer_for_another_transaction_is_refused(sim: SbiSimulator, trust: jws.TrustStore) -> None:
    req = request(BioType.FINGER, Slap.THUMBS, EMPTY_HASH)
    answer = exchange(sim.port, "RCAPTURE", "/capture", req, timeout_s=10, max_bytes=client.MAX_CAPTURE_ANSWER)
    other = {**req, "transactionId": spec.new_transaction_id()}
    with pytest.raises(DeviceError) as refused:
        client.verify_capture(answer.body, other, trust, sim.url)
    assert refused.value.code == "sbi.protocol" and "transactionId" in refused.value.message.en


def test_a_second_capture_at_the_same_time_is_answered_busy(trust: jws.TrustStore) -> None:
    with SbiSimulator(types="finger", capture_delay_s=1.0) as slow:
        results: list[object] = []

        def first() -> None:
            results.append(client.rcapture(slow.port, request(BioType.FINGER, Slap.THUMBS, EMPTY_HASH), trust))

        thread = threading.Thread(target=first)
        thread.start()
        assert slow.capturing.wait(5.0)
        with pytest.raises(DeviceError) as busy:
            client.rcapture(slow.port, request(BioType.FINGER, Slap.THUMBS, EMPTY_HASH), trust)
        thread.join(10)
    assert busy.value.code == "sbi.busy" and len(results) == 1


def test_stream_delivers_decodable_mjpeg_frames(sim: SbiSimulator) -> None:
    frames: list[np.ndarray] = []
    enough = threading.Event()

    def on_frame(frame: np.ndarray) -> None:
        frames.append(frame)
        if len(frames) >= 4:
            enough.set()

    reader = PreviewReader(sim.port, "1", int(Slap.LEFT), duration_s=5.0)
    reader.start(on_frame)
    try:
        assert enough.wait(5.0), reader.error
    finally:
        reader.stop()
    assert not reader.running and reader.error is None and reader.bad_frames == 0
    assert frames[0].ndim == 3 and frames[0].shape[1] == 640 and frames[0].shape[2] == 3

    refused = PreviewReader(sim.port, "9", 1, duration_s=1.0)  # no such device: the spec's 202 answer
    refused.start(lambda f: None)
    assert refused.join(5.0)
    assert refused.frames == 0 and refused.error == "device error 202: No Device Connected."
