"""Every simulator fault of issue 15 reaches the station as its named device error,
through the driver over real loopback HTTP; and the error mapping of the spec's codes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from common.biometrics import FingerPosition
from devices.base import DeviceError, DeviceTimeout
from devices.sbi import client, errors, jws
from devices.sbi.chain import EMPTY_HASH, CaptureChain
from devices.sbi.errors import WrongSubtypes
from devices.sbi.finger import SbiFingerprintScanner
from devices.sbi.service import SbiService, SbiSettings
from devices.sbi.simkey import simulator_identity
from devices.sbi.simulator import SbiSimulator
from devices.sbi.spec import BioType, Eyes, Slap

pytestmark = pytest.mark.timeout(60)


def trust() -> jws.TrustStore:
    return jws.TrustStore.from_pems([simulator_identity().cert_pem], "simulator (test)")


@pytest.fixture(scope="module")
def shared() -> Iterator[SbiSimulator]:
    with SbiSimulator(types="all", capture_delay_s=0.0, seed=3) as s:
        yield s


@pytest.fixture
def sim(shared: SbiSimulator) -> Iterator[SbiSimulator]:
    shared.set_fault(None)
    yield shared
    shared.set_fault(None)


def scanner(sim: SbiSimulator, **kw: float) -> SbiFingerprintScanner:
    return SbiFingerprintScanner(SbiSettings(trust=trust(), port=sim.port, **kw))  # type: ignore[arg-type]


@pytest.fixture
def opened(sim: SbiSimulator) -> Iterator[SbiFingerprintScanner]:
    s = scanner(sim)
    s.open()
    yield s
    s.close()


def test_busy_is_named_at_open_and_at_capture(sim: SbiSimulator, opened: SbiFingerprintScanner) -> None:
    sim.set_fault("busy")
    with pytest.raises(DeviceError) as at_open:
        scanner(sim).open()
    assert at_open.value.code == "sbi.busy" and "Tutup program lain" in at_open.value.remedy.id  # type: ignore[union-attr]
    with pytest.raises(DeviceError) as at_capture:
        opened.capture_slap(Slap.LEFT)
    assert at_capture.value.code == "sbi.busy"


def test_not_registered_accepts_unsigned_info_and_refuses_the_device(sim: SbiSimulator) -> None:
    sim.set_fault("not_registered")
    infos = client.device_info(sim.port, trust())
    assert all(d.status == "Not Registered" and d.signed_by is None for d in infos)
    with pytest.raises(DeviceError) as refused:
        scanner(sim).open()
    assert refused.value.code == "sbi.not_registered"


def test_low_quality_takes_three_attempts_and_keeps_the_best(sim: SbiSimulator, opened: SbiFingerprintScanner) -> None:
    sim.set_fault("low_quality")
    seen: list[int] = []
    chain = CaptureChain()
    slap = opened.capture_slap(Slap.RIGHT, chain=chain, on_attempt=lambda n, c: seen.append(n))
    assert seen == [1, 2, 3] and slap.attempts == 3 and len(slap.attempt_scores) == 3
    assert not slap.passed and set(slap.below_threshold) == set(slap.fingers)
    assert all(q < 40 for q in slap.scores.values())
    assert chain.links == slap.sbi.hashes  # only the kept attempt joins the enrollment's chain
    sim.set_fault(None)
    good = opened.capture_slap(Slap.RIGHT, chain=chain)
    assert good.passed and good.attempts == 1 and good.sbi.previous_hash == slap.sbi.last_hash


def test_wrong_hand_is_named_with_the_hand_to_place(sim: SbiSimulator, opened: SbiFingerprintScanner) -> None:
    sim.set_fault("wrong_hand")
    chain = CaptureChain()
    with pytest.raises(WrongSubtypes) as wrong:
        opened.capture_slap(Slap.LEFT, chain=chain)
    assert wrong.value.code == "sbi.wrong_hand" and wrong.value.unexpected == ("Right",)
    assert "left hand" in wrong.value.remedy.en and "tangan kiri" in wrong.value.remedy.id  # type: ignore[union-attr]
    assert chain.links == []  # a refused capture never joins the chain


def test_a_missing_finger_is_named(sim: SbiSimulator, opened: SbiFingerprintScanner) -> None:
    sim.set_fault("missing_finger")
    with pytest.raises(WrongSubtypes) as missing:
        opened.capture_slap(Slap.LEFT)
    assert missing.value.code == "sbi.missing_finger" and missing.value.missing == ("Left LittleFinger",)
    assert "Kelingking kiri" in missing.value.message.id and "Left little" in missing.value.message.en
    assert "exception" in missing.value.remedy.en  # type: ignore[union-attr]
    # an excepted finger is not asked for, so it is never missing: the device now drops the ring finger
    with pytest.raises(WrongSubtypes) as again:
        opened.capture_slap(Slap.LEFT, exceptions=[FingerPosition.LEFT_LITTLE])
    assert again.value.missing == ("Left RingFinger",)


def test_an_eye_closed_is_no_object_with_the_iris_remedy(sim: SbiSimulator) -> None:
    sim.set_fault("eye_closed")
    service = SbiService(BioType.IRIS, SbiSettings(trust=trust(), port=sim.port))
    service.open()
    try:
        with pytest.raises(DeviceError) as closed:
            service.capture(Eyes.BOTH, chain=CaptureChain(), requested_score=60)
    finally:
        service.close()
    assert closed.value.code == "sbi.no_object"
    assert "open both eyes" in closed.value.remedy.en and "membuka mata" in closed.value.remedy.id  # type: ignore[union-attr]


def test_a_timeout_is_bounded_by_the_request_timeout_plus_grace(sim: SbiSimulator) -> None:
    s = scanner(sim, grace_s=0.4)
    s.open()
    sim.set_fault("timeout")
    started = time.monotonic()
    try:
        with pytest.raises(DeviceTimeout) as late:
            s.capture_slap(Slap.THUMBS, timeout_s=0.3)
    finally:
        s.close()
    took = time.monotonic() - started
    assert late.value.code == "sbi.timeout" and 0.6 <= took < 3.0, took


def test_a_service_dying_mid_capture_is_a_lost_connection_and_it_is_gone() -> None:
    with SbiSimulator(types="finger", capture_delay_s=0.0, fault="dies_mid_capture") as dying:
        s = SbiFingerprintScanner(SbiSettings(trust=trust(), port=dying.port))
        s.open()
        port = dying.port
        try:
            with pytest.raises(DeviceError) as lost:
                s.capture_slap(Slap.THUMBS)
        finally:
            s.close()
        assert lost.value.code == "sbi.connection_lost" and "restart" in lost.value.remedy.en  # type: ignore[union-attr]
        assert dying.died.wait(5.0) and dying.join(5.0)
        assert client.discover([port])[0] == []


def test_a_broken_hash_chain_is_refused(sim: SbiSimulator, opened: SbiFingerprintScanner) -> None:
    sim.set_fault("broken_hash_chain")
    chain = CaptureChain()
    with pytest.raises(DeviceError) as broken:
        opened.capture_slap(Slap.LEFT, chain=chain)
    assert broken.value.code == "sbi.hash_chain" and "item 2" in broken.value.message.en
    assert chain.previous == EMPTY_HASH


def test_a_bad_signature_is_refused(sim: SbiSimulator, opened: SbiFingerprintScanner) -> None:
    sim.set_fault("bad_signature")
    with pytest.raises(DeviceError) as bad:
        opened.capture_slap(Slap.THUMBS)
    assert bad.value.code == "sbi.bad_signature"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (100, "sbi.not_registered"),
        (101, "sbi.no_object"),
        (102, "sbi.extraction"),
        (103, "sbi.tampered"),
        (104, "sbi.management_server"),
        (105, "sbi.orientation"),
        (106, "sbi.device_not_found"),
        (107, "sbi.key_expired"),
        (108, "sbi.domain_key_missing"),
        (109, "sbi.count_not_supported"),
        (110, "sbi.not_ready"),
        (111, "sbi.busy"),
        (112, "sbi.invalid_transaction"),
        (202, "sbi.no_device"),
        (503, "sbi.vendor_error"),
        (599, "sbi.vendor_error"),
        (77, "sbi.unknown_error"),
    ],
)
def test_every_device_code_maps_to_a_named_error_with_remedies_in_both_languages(code: int, name: str) -> None:
    err = errors.from_device_code(code, "vendor\x00 text\n" * 30, bio_type=BioType.FINGER, url="http://127.0.0.1:4501")
    assert err.code == name and err.remedy is not None
    assert err.message.id and err.message.en and err.remedy.id and err.remedy.en and err.remedy.id != err.remedy.en
    assert str(code) in err.message.en and "\x00" not in err.message.en and len(err.message.en) < 400


def test_device_statuses_map_to_their_codes() -> None:
    assert errors.status_refused("Busy", bio_type=None, url=None).code == "sbi.busy"
    assert errors.status_refused("Not Ready", bio_type=None, url=None).code == "sbi.not_ready"
    assert errors.status_refused("Not Registered", bio_type=None, url=None).code == "sbi.not_registered"
    assert errors.status_refused("Exploded", bio_type=None, url=None).code == "sbi.protocol"
