"""A busy centre (503/429 with Retry-After) is its own outcome (issue 13, station side).

The backoff honours Retry-After and spreads it, so stations told the same wait do not
come back together; a busy answer trips neither the circuit breaker nor the link
monitor (the link worked: the centre answered); the station records "busy, next try
at ..." where the status, the console and `station sync` read it; and once the centre
has room the records arrive, once each, and the busy state is gone.

The busy centre is a real HTTP server on 127.0.0.1 (testing.busy_centre); the centre
that then takes the records is `station-central serve` (testing.harness).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from datetime import timedelta

import pytest

from station.auth import User
from station.config import save_config
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.status import status_dict
from station.sync.busy import BUSY, CentreBusy, centre_busy
from station.sync.console import console_snapshot
from station.sync.policy import OFFLINE, RETRY_AFTER_CAP_S, Backoff
from station.sync.service import make_worker
from store.outbox import AT_CENTRE, WAITING_RETRY, Outbox
from store.types import utcnow
from testing.busy_centre import BusyCentre
from testing.checker import check
from testing.harness import CentralServer, join

RUNS = 7  # busy answers in a row: more than the breaker's threshold (5)


# --- the spread ---------------------------------------------------------------------


def test_a_thousand_stations_told_30_s_come_back_spread_over_15_s_never_earlier() -> None:
    backoff = Backoff(base_s=2.0, rng=random.Random(13))
    draws = [backoff.delay(attempt, retry_after=30.0) for attempt in range(1, 1001)]
    assert min(draws) >= 30.0  # never earlier than asked
    assert max(draws) <= 45.0  # spread over half as long again, no more
    assert max(draws) - min(draws) > 14.0  # a real interval, not a point
    per_second = [sum(1 for d in draws if 30 + s <= d < 31 + s) for s in range(15)]
    assert max(per_second) < 120, per_second  # about 67 each; all at once would be 1000
    assert min(per_second) > 30, per_second


def test_retry_after_zero_still_spreads_and_nonsense_counts_as_zero() -> None:
    backoff = Backoff(base_s=2.0, rng=random.Random(5))
    for asked in (0.0, -5.0, float("nan")):
        draws = [backoff.delay(1, retry_after=asked) for _ in range(200)]
        assert all(0.0 <= d <= 2.0 for d in draws)
        assert max(draws) - min(draws) > 1.5


def test_a_centre_asking_for_days_is_capped_and_the_cap_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    backoff = Backoff(rng=random.Random(2))
    with caplog.at_level(logging.WARNING, logger="station.sync.policy"):
        waits = [backoff.delay(1, retry_after=asked) for asked in (3 * 86400.0, float("inf"))]
    assert all(RETRY_AFTER_CAP_S <= w <= RETRY_AFTER_CAP_S * 1.5 for w in waits), waits
    assert sum("waiting at most 900 s" in r.getMessage() for r in caplog.records) == 2


def test_without_retry_after_the_full_jitter_backoff_applies() -> None:
    backoff = Backoff(base_s=2.0, cap_s=60.0, rng=random.Random(3))
    draws = [backoff.delay(4) for _ in range(500)]
    assert all(0 <= d <= 16.0 for d in draws) and max(draws) > 12.0


def test_the_busy_text_counts_from_when_it_is_shown() -> None:
    now = utcnow()
    busy = CentreBusy(now, now + timedelta(seconds=41.2))
    assert busy.text(now).id == "Pusat sibuk, coba lagi dalam 42 dtk"
    assert busy.text(now).en == "Centre busy, next try in 42 s"
    assert busy.text(now + timedelta(seconds=30)).en == "Centre busy, next try in 12 s"
    assert busy.text(now + timedelta(seconds=50)).en == "Centre busy, trying again shortly"
    assert CentreBusy(now, now + timedelta(seconds=600)).text(now).en == "Centre busy, next try in 10 min"
    assert CentreBusy.from_dict(busy.as_dict(now)) == busy


# --- a real busy centre -------------------------------------------------------------


@pytest.fixture
def real(core: StationCore, server: CentralServer) -> StationCore:
    """Joined to the real centre (its keys); simulated devices named, so that `station
    status` does not probe ports."""
    join(core, server)
    core.config.camera.driver = "opencv-sim"
    core.config.fingerprint.driver = "ef01-sim"
    core.config.signature.driver = "isdv4-sim"
    save_config(core.config, core.home)
    return core


@pytest.fixture
def busy_centre(real: StationCore) -> Iterator[BusyCentre]:
    centre = BusyCentre(real.station().code, retry_after="30")
    centre.start()
    point_at(real, centre.url)
    yield centre
    centre.stop()


def point_at(core: StationCore, url: str) -> None:
    core.config.central_url = url
    save_config(core.config, core.home)


@pytest.mark.timeout(120)
def test_a_busy_centre_is_recorded_as_busy_and_trips_neither_breaker_nor_link(
    real: StationCore,
    server: CentralServer,
    busy_centre: BusyCentre,
    supervisor: User,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enroll_synthetic(real, 2, seed=131, operator=supervisor, approver=supervisor)
    outbox = Outbox(real.db)
    worker = make_worker(real)
    try:
        for run in range(RUNS):
            before = utcnow()
            summary = worker.run(until_idle=True, timeout_s=20)
            after = utcnow()
            head = outbox.head()
            assert head is not None and head.state == WAITING_RETRY and head.last_error == BUSY
            assert head.attempts == run + 1
            assert head.next_attempt_at is not None
            assert before + timedelta(seconds=30) <= head.next_attempt_at <= after + timedelta(seconds=45)
            assert summary.errors[-1].endswith(BUSY)
            assert busy_centre.answered == run + 1  # one request per pass: busy is not asked twice
            outbox.set_fields(head.uuid, next_attempt_at=None)  # the next run tries at once
    finally:
        worker.client.close()
    # The centre answered every time: the link is not down and the breaker stays shut.
    assert worker.breaker.failures == 0 and worker.breaker.state == "closed"
    assert worker.monitor.consecutive_failures == 0 and worker.monitor.state != OFFLINE
    info = outbox.info()
    assert info["last_error"] == BUSY and info["link_state"] != OFFLINE

    # What the screens and commands read: busy, until the head's next try.
    head = outbox.head()
    assert head is not None
    retry_at = utcnow() + timedelta(seconds=33)
    outbox.set_fields(head.uuid, next_attempt_at=retry_at)
    busy = centre_busy(outbox.info(), outbox.head())
    assert busy is not None and busy.retry_at == retry_at
    status = status_dict(real)["sync"]
    assert status["link_state"] != OFFLINE
    assert status["centre_busy"]["retry_at"] == retry_at.isoformat()
    assert 30 <= status["centre_busy"]["retry_in_s"] <= 33
    assert status["centre_busy"]["message_id"].startswith("Pusat sibuk, coba lagi dalam ")
    assert console_snapshot(real).centre_busy == busy

    from station.cli.main import main

    outbox.set_fields(head.uuid, next_attempt_at=None)
    assert main(["--lang", "en", "sync", "--once"]) == 0
    out = capsys.readouterr().out
    assert "Centre busy, next try in " in out, out
    assert main(["sync", "--once", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)["centre_busy"]
    assert said is not None and 30 <= said["retry_in_s"] <= 45
    assert main(["status"]) == 0  # the default language
    out = capsys.readouterr().out
    assert "Pusat sibuk, coba lagi dalam " in out and "offline" not in out, out

    # The centre has room again: every record arrives once, and the busy state is gone.
    point_at(real, server.url)
    worker = make_worker(real)
    worker.force()
    try:
        summary = worker.run(until_idle=True, wait_for_retry=True, timeout_s=60)
    finally:
        worker.client.close()
    assert summary.sent == 2 and outbox.head() is None
    assert len(outbox.in_states(tuple(AT_CENTRE), limit=10)) == 2
    assert centre_busy(outbox.info(), outbox.head()) is None
    assert status_dict(real)["sync"]["centre_busy"] is None
    verdict = check(real, server.report())
    assert verdict.failures == 0 and verdict.received == verdict.sealed == 2, verdict.lines()


@pytest.mark.timeout(60)
def test_429_without_retry_after_backs_off_with_jitter_and_is_still_busy_not_offline(
    real: StationCore, busy_centre: BusyCentre, supervisor: User
) -> None:
    busy_centre.status, busy_centre.retry_after = 429, None
    enroll_synthetic(real, 1, seed=132, operator=supervisor, approver=supervisor)
    worker = make_worker(real)
    try:
        worker.run(until_idle=True, timeout_s=20)
    finally:
        worker.client.close()
    outbox = Outbox(real.db)
    head = outbox.head()
    assert head is not None and head.last_error == BUSY and head.next_attempt_at is not None
    assert head.next_attempt_at <= utcnow() + timedelta(seconds=real.config.sync.backoff_base_s + 1)
    assert worker.breaker.failures == 0 and worker.monitor.consecutive_failures == 0
    assert centre_busy(outbox.info(), head) is not None
