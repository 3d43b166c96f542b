"""A decompression bomb is refused cheaply: a validly encrypted 306 KB packet whose
signed body inflates to 300 MB of zeros (before: the receiver went from 60 to 676 MB).

The AEAD tag is checked before anything is inflated, and inflating stops one byte past
the cap (the packet limit at the receiver), so the memory a bomb costs is the cap,
not what it would inflate to. Measured three ways: Python's own allocations
(tracemalloc), the peak RSS of a fresh process around the call, and the receiver's
refusal with its signed verdict."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central.errors import CentralError
from central.receiver import Receiver
from central.settings import Settings
from central.stations import add_station
from tests.central.support import FakeClock, FakeStation, Packet, manifest
from tests.central.trust_support import bomb_packet, sealed_body, verified
from wire.keys import public_pem
from wire.packet import DEFAULT_MAX_INFLATED, PacketError, build_packet, open_packet

STATION = "329104-01"
INFLATED = 300 * 1024 * 1024
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def centre_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture(scope="module")
def bomb(centre_key: X25519PrivateKey) -> bytes:
    blob = bomb_packet(STATION, centre_key.public_key(), inflated=INFLATED)
    assert len(blob) < 400 * 1024  # about 306 KB on the wire
    return blob


def test_a_bomb_is_refused_before_it_inflates_with_little_memory(bomb: bytes, centre_key: X25519PrivateKey) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(PacketError) as refused:
            open_packet(bomb, central_private=centre_key, station_public=Ed25519PrivateKey.generate().public_key())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "packet.format" and "inflates past the limit" in refused.value.detail
    print(f"tracemalloc peak while refusing the bomb: {peak / MIB:.2f} MiB")  # noqa: T201 (the measurement)
    assert peak < 4 * MIB < DEFAULT_MAX_INFLATED, f"peak {peak / MIB:.1f} MiB"


def test_the_cap_is_the_callers_and_an_honest_body_under_it_still_opens(centre_key: X25519PrivateKey) -> None:
    """The cap refuses exactly what is over it (so the test above can fail)."""
    small = bomb_packet(STATION, centre_key.public_key(), inflated=2 * MIB)
    station_key = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(PacketError) as over:
        open_packet(small, central_private=centre_key, station_public=station_key, max_inflated=2 * MIB - 1)
    assert "inflates past" in over.value.detail
    with pytest.raises(PacketError) as under:  # inflates fine; then the zeros are no valid signed body
        open_packet(small, central_private=centre_key, station_public=station_key, max_inflated=2 * MIB)
    assert "inflates past" not in under.value.detail


_PEAK_RSS = textwrap.dedent(
    """
    import gc, resource, sys
    from pathlib import Path
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from wire.packet import PacketError, open_packet

    key = load_pem_private_key(Path(sys.argv[1]).read_bytes(), password=None)
    blob = Path(sys.argv[2]).read_bytes()
    station = Ed25519PrivateKey.generate().public_key()
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        open_packet(blob, central_private=key, station_public=station)
        print("opened")
    except PacketError as exc:
        print(exc.code)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before // 1024, after // 1024)
    """
)


@pytest.mark.timeout(120)
def test_peak_rss_of_a_process_refusing_a_bomb_stays_small(
    bomb: bytes, centre_key: X25519PrivateKey, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    (tmp_path / "centre.key").write_bytes(centre_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    (tmp_path / "bomb.pkt").write_bytes(bomb)
    run = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, str(tmp_path / "centre.key"), str(tmp_path / "bomb.pkt")],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stderr
    code, sizes = run.stdout.split("\n")[:2]
    before_mb, after_mb = (int(n) for n in sizes.split())
    print(f"peak RSS around the refusal: {before_mb} -> {after_mb} MB")  # noqa: T201 (the measurement, for -s)
    assert code == "packet.format"
    assert after_mb - before_mb < 32, f"{before_mb} -> {after_mb} MB"


def test_the_receiver_rejects_a_bomb_at_its_packet_limit_with_a_signed_verdict(bomb: bytes, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "centre", max_packet_size=MIB, downstream_delay_s=0)
    receiver = Receiver(settings, clock=FakeClock())
    try:
        station_key = Ed25519PrivateKey.generate()
        add_station(receiver.engine, STATION, public_pem(station_key), name="", now=receiver.clock())
        blob = bomb_packet(STATION, receiver.keys.packet_key.public_key(), inflated=INFLATED)
        record_uuid = str(__import__("json").loads(blob[12 : 12 + int.from_bytes(blob[8:12], "big")])["record_uuid"])
        p = Packet(record_uuid, 1, blob)
        receiver.register(STATION, p.record_uuid, {"station_seq": 1, "sha256": p.sha256, "size": p.size})
        receiver.append(STATION, p.record_uuid, 0, blob, None)
        tracemalloc.start()
        try:
            with pytest.raises(CentralError) as refused:
                receiver.commit(STATION, p.record_uuid)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert refused.value.code == "commit.rejected" and refused.value.reason == "packet.format"
        verdict = verified(receiver, refused.value.verdict, p, station=STATION, state="rejected")
        assert verdict.reason == "packet.format"
        print(f"receiver: tracemalloc peak while rejecting the bomb: {peak / MIB:.2f} MiB")  # noqa: T201
        assert peak < 4 * MIB < DEFAULT_MAX_INFLATED, f"peak {peak / MIB:.1f} MiB"
        assert [kept.reason for kept in receiver.set_aside(STATION, p.record_uuid)] == ["packet.format"]
    finally:
        receiver.close()


# --- one pass for honest packets, the count first for anything that inflates more ---------


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of the counting pass (wire.packet._inflated_size), recorded as they happen."""
    import wire.packet as packet_module

    calls: list[int] = []
    real = packet_module._inflated_size

    def spy(compressed: bytes, max_inflated: int) -> int:
        calls.append(len(compressed))
        return real(compressed, max_inflated)

    monkeypatch.setattr(packet_module, "_inflated_size", spy)
    return calls


def test_an_honest_packet_is_inflated_once(centre_key: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    """Media are already compressed: the body inflates to about its own size, in one pass."""
    station = FakeStation(STATION, centre_key.public_key())
    blob = station.packet(1, payload=120_000).blob  # random bytes, like a JPEG
    calls = _counted(monkeypatch)
    opened = open_packet(blob, central_private=centre_key, station_public=station.key.public_key())
    assert calls == []
    assert len(opened.items[0]) == 120_000


def test_a_body_that_inflates_far_is_counted_first_and_still_opens(
    centre_key: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A packet with a long repetitive item compresses far more than twofold: past the
    one-pass ratio it is counted in pieces first, then opened exactly as before."""
    station_key = Ed25519PrivateKey.generate()
    items = [b"0123456789" * 30_000, b"sig"]
    blob = build_packet(
        manifest(STATION, 1, "5a000000-0000-4000-8000-000000000001", items=items),
        items,
        signing_key=station_key,
        central_public=centre_key.public_key(),
    )
    assert len(blob) * 2 < len(items[0])  # so the count is really needed
    calls = _counted(monkeypatch)
    opened = open_packet(blob, central_private=centre_key, station_public=station_key.public_key())
    assert len(calls) == 1
    assert opened.items == items


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (lambda c: c[:-7], "truncated"),  # one pass: ends before the stream does
        (lambda c: c + b"trailing", "truncated or has bytes after its end"),
        (lambda c: b"\x78\x9c" + bytes([0xFF]) * 64, "not a valid compressed stream"),
    ],
    ids=["truncated", "trailing", "garbage"],
)
def test_a_malformed_stream_is_refused_on_the_one_pass(
    centre_key: X25519PrivateKey, body: Callable[[bytes], bytes], why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compressed = zlib.compress(os.urandom(50_000), 6)
    blob = sealed_body(STATION, centre_key.public_key(), body(compressed))
    calls = _counted(monkeypatch)
    with pytest.raises(PacketError) as refused:
        open_packet(blob, central_private=centre_key, station_public=Ed25519PrivateKey.generate().public_key())
    assert refused.value.code == "packet.format"
    assert why in refused.value.detail
    assert calls == []  # refused by the one pass itself
