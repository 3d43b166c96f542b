"""Each fault alone, through the project's fault proxy, on loopback only.

After each fault heals, the record must be received exactly once with its receipt,
and the checker must count nothing lost, duplicated, corrupted, falsely
acknowledged or out of order. Backoff is shortened so every test stays bounded.
"""

from __future__ import annotations

import pytest

from station.enroll_synthetic import enroll_synthetic
from station.sync.client import CentralClient
from station.sync.packets import ensure_signing_key
from station.sync.policy import FIRST_CHUNK, Backoff, CircuitBreaker
from station.sync.worker import SyncWorker
from store.outbox import Outbox
from testing.checker import check


def worker(core, *, timeout_s: float = 3.0) -> SyncWorker:  # type: ignore[no-untyped-def]
    client = CentralClient(
        core.config.central_url,
        station=core.station().code,
        signing_key=ensure_signing_key(core.home),
        connect_timeout_s=timeout_s,
        read_timeout_s=timeout_s,
    )
    return SyncWorker(
        home=core.home,
        outbox=Outbox(core.db),
        client=client,
        backoff=Backoff(base_s=0.05, cap_s=0.3),
        breaker=CircuitBreaker(threshold=50, cool_down_s=0.5),
    )


def drain(core, *, timeout_s: float = 60) -> None:  # type: ignore[no-untyped-def]
    w = worker(core)
    try:
        w.run(until_idle=True, wait_for_retry=True, timeout_s=timeout_s)
    finally:
        w.client.close()


def verdict_ok(core, server) -> None:  # type: ignore[no-untyped-def]
    v = check(core, server.report())
    assert v.failures == 0, v.lines()
    assert v.received == v.sealed


def packet_size(core) -> int:  # type: ignore[no-untyped-def]
    head = Outbox(core.db).head()
    assert head is not None and head.packet_size is not None
    return head.packet_size


@pytest.mark.timeout(120)
def test_latency_and_bandwidth_cap(station, server, proxy, supervisor):
    enroll_synthetic(station, 2, seed=21, operator=supervisor, approver=supervisor)
    proxy.set(latency_s=0.3, bandwidth_bps=64_000)
    drain(station)
    verdict_ok(station, server)


@pytest.mark.timeout(120)
def test_cut_mid_upload_resumes_from_the_offset_without_resending_everything(station, server, proxy, supervisor):
    enroll_synthetic(station, 1, seed=22, operator=supervisor, approver=supervisor)
    size = packet_size(station)
    first_chunks = 2 * FIRST_CHUNK  # the worker's opening window, before it has measured the link
    assert size > first_chunks + 20_000
    proxy.cut_after(first_chunks + 20_000, direction="up", count=1)
    record_uuid = Outbox(station.db).head().uuid
    drain(station)
    verdict_ok(station, server)
    sent = proxy.counters().bytes_up  # what reached the centre (a cut also drops bytes still in the proxy)
    timeline = station.enrollments.detail(record_uuid=record_uuid).timeline
    # Bytes stuck before the cut, so the upload went on at once (asking the centre where
    # it stands), without a retry and its backoff.
    assert [t.state for t in timeline if t.state == "WAITING_RETRY"] == []
    # What was cut off, plus the rest of the packet, plus request heads and JSON (< 16 KiB);
    # a restart from 0 would add another 32 KiB.
    budget = (first_chunks + 20_000) + (size - first_chunks) + 16_384
    assert sent < budget, f"{sent} bytes for a {size}-byte packet: the upload restarted instead of resuming"
    uploading = [t.detail for t in timeline if t.state == "UPLOADING"]
    assert uploading[0].startswith("0 of"), uploading


@pytest.mark.timeout(120)
def test_reset_mid_body(station, server, proxy, supervisor):
    enroll_synthetic(station, 1, seed=23, operator=supervisor, approver=supervisor)
    proxy.reset_after(packet_size(station) // 3, count=1)
    drain(station)
    verdict_ok(station, server)
    assert proxy.counters().faults.get("reset", 0) == 1


@pytest.mark.timeout(120)
def test_black_hole_times_out_then_heals(station, server, proxy, supervisor):
    enroll_synthetic(station, 1, seed=24, operator=supervisor, approver=supervisor)
    proxy.black_hole(True)
    w = worker(station, timeout_s=1.5)
    w.run(until_idle=True, timeout_s=20)
    head = Outbox(station.db).head()
    assert head is not None and head.last_error in ("sync.timeout", "sync.offline")
    proxy.black_hole(False)
    drain(station)
    verdict_ok(station, server)


@pytest.mark.timeout(120)
def test_down_for_a_while_then_recovers_by_itself(station, server, proxy, supervisor):
    enroll_synthetic(station, 2, seed=25, operator=supervisor, approver=supervisor)
    proxy.down_for(2.0)
    drain(station)
    verdict_ok(station, server)
    assert proxy.counters().faults.get("down", 0) >= 1


@pytest.mark.timeout(120)
def test_response_dropped_after_the_centre_committed_gives_no_duplicate(station, server, proxy, supervisor):
    enroll_synthetic(station, 2, seed=26, operator=supervisor, approver=supervisor)
    # The first record goes as two PATCHes; the second carries the commit. Dropping the
    # answers to both means the centre committed and the station never heard.
    proxy.drop_responses(match=r"^PATCH ", count=2)
    drain(station)
    verdict_ok(station, server)
    report = server.report()
    assert report["committed_more_than_once"] == 0
    assert proxy.counters().faults.get("drop_response", 0) == 2


@pytest.mark.timeout(180)
def test_receiver_killed_mid_patch_and_restarted(station, server, proxy, supervisor):
    enroll_synthetic(station, 2, seed=27, operator=supervisor, approver=supervisor)
    proxy.set(bandwidth_bps=40_000)  # slow enough to kill the receiver mid-PATCH
    import threading
    import time

    def kill_soon() -> None:
        time.sleep(1.2)
        server.kill()
        time.sleep(0.5)
        server.start()  # same port: the proxy keeps pointing at it

    killer = threading.Thread(target=kill_soon)
    killer.start()
    drain(station, timeout_s=90)
    killer.join(timeout=30)
    proxy.heal()
    drain(station)
    verdict_ok(station, server)
