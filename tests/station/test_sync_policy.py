"""Backoff, breaker and link monitor arithmetic."""

from __future__ import annotations

import random

import pytest

from station.sync.policy import DEGRADED, OFFLINE, ONLINE, UNKNOWN, Backoff, CircuitBreaker, LinkMonitor


def test_full_jitter_stays_under_the_growing_ceiling_and_honours_retry_after():
    b = Backoff(base_s=2, cap_s=60, rng=random.Random(1))
    for attempt in range(1, 12):
        ceiling = min(60, 2 * 2 ** (attempt - 1))
        delays = [b.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # it really spreads out
    assert b.delay(1, retry_after=30) >= 30


def test_breaker_opens_after_threshold_then_half_opens_after_cool_down():
    now = [0.0]
    br = CircuitBreaker(threshold=3, cool_down_s=10, clock=lambda: now[0])
    for _ in range(2):
        br.failure()
    assert br.state == "closed" and br.allow()
    br.failure()
    assert br.state == "open" and not br.allow() and br.wait_s() == 10
    now[0] = 10.5
    assert br.state == "half-open" and br.allow()
    br.success()
    assert br.state == "closed"


def test_force_half_opens_an_open_breaker():
    br = CircuitBreaker(threshold=1, cool_down_s=600, clock=lambda: 0.0)
    br.failure()
    assert not br.allow()
    br.force_half_open()
    assert br.allow() and br.wait_s() == 0


def test_link_states_and_chunk_size_follow_the_measurements():
    m = LinkMonitor()
    assert m.state == UNKNOWN and m.chunk_size() == 16 * 1024 and m.eta_s(1000) is None  # small: the link may cut
    m.observe_rtt(0.05)
    m.observe_transfer(1_000_000, 1.0)
    assert m.state == ONLINE and m.chunk_size() == 256 * 1024
    slow = LinkMonitor(alpha=1.0)
    slow.observe_rtt(0.6)
    slow.observe_transfer(64_000, 8.0)  # 8 kB/s
    assert slow.state == DEGRADED and slow.chunk_size() == 64 * 1024
    assert slow.eta_s(80_000) == 10.0
    slow.observe_failure()
    slow.observe_failure()
    assert slow.state == OFFLINE


def test_cut_chunks_halve_the_ceiling_down_to_a_few_kib_and_arrivals_raise_it_an_eighth():
    now = [1000.0]
    m = LinkMonitor(clock=lambda: now[0])
    m.observe_transfer(1_000_000, 1.0)
    assert m.chunk_size() == 256 * 1024 and m.cut_rate() == 0 and m.since_progress_s() is None
    assert m.observe_cut(256 * 1024) and m.chunk_size() == 128 * 1024
    assert m.observe_cut(100_000) and m.chunk_size() == 50_000  # half the chunk that was cut
    for _ in range(10):
        m.observe_cut(m.chunk_size())
    assert m.chunk_size() == 4 * 1024 and not m.observe_cut(4 * 1024)  # the floor: nothing left to shrink
    assert m.cut_rate() == 13 * 60 / 600  # cuts per minute over the last ten minutes
    m.observe_chunk(4 * 1024)
    assert m.chunk_ceiling == 4 * 1024 + 512 and m.since_progress_s() == 0
    while m.chunk_ceiling < 256 * 1024:
        m.observe_chunk(m.chunk_size())
    assert m.chunk_size() == 256 * 1024
    now[0] += 601
    assert m.cut_rate() == 0 and m.since_progress_s() == 601


def test_delivery_rate_counts_what_the_link_s_cuts_cost() -> None:
    from station.sync.policy import MIN_DELIVERY_SHARE, delivery_rate

    assert delivery_rate(None, 0.6, 30.0, 4096) is None  # nothing measured: no estimate
    assert delivery_rate(32_000.0, 0.6, 0.0, 65_536) == 32_000.0  # a link that holds: its throughput
    # Cut every 2 s on the 2G profile: a reconnect and a register (2 x 0.6 s) and half a
    # 4 KiB chunk lost per cut, 30 cuts a minute: (1 - 0.5 x 1.264) of the link.
    assert delivery_rate(32_000.0, 0.6, 30.0, 4096) == pytest.approx(32_000.0 * (1 - 0.5 * 1.264))
    rates = [delivery_rate(32_000.0, 0.6, per_min, 8192) or 0.0 for per_min in (2.0, 12.0, 30.0, 60.0)]
    assert rates == sorted(rates, reverse=True)  # more cuts, less delivered
    assert delivery_rate(32_000.0, 0.6, 600.0, 8192) == pytest.approx(32_000.0 * MIN_DELIVERY_SHARE)


def test_the_backlog_eta_on_a_cutting_link_is_longer_than_on_a_steady_one(core) -> None:  # type: ignore[no-untyped-def]
    from station.auth import Role, User
    from station.enroll_synthetic import enroll_synthetic
    from station.status import status_dict
    from store.outbox import Outbox

    spv = User("spv", "Supervisor Uji", Role.SUPERVISOR)
    enroll_synthetic(core, 2, seed=3, operator=spv, approver=spv)
    outbox = Outbox(core.db)
    for record in outbox.in_states(("SEALED",)):  # as if their packets were written (no centre key here)
        outbox.set_fields(record.uuid, packet_size=95_000)
    outbox.set_info(throughput_bps=32_000.0, rtt_s=0.6, cut_rate=0.0, chunk_bytes=65_536)
    steady = status_dict(core)["sync"]
    outbox.set_info(cut_rate=30.0, chunk_bytes=4096)
    cutting = status_dict(core)["sync"]
    assert steady["pending_bytes"] == 190_000
    assert steady["backlog_eta_s"] == round(190_000 / 32_000.0)
    assert cutting["backlog_eta_s"] == round(cutting["pending_bytes"] / (32_000.0 * (1 - 0.5 * 1.264)))
